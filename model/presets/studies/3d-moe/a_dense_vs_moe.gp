# aimc3d study 3d-moe, table a_dense_vs_moe: gnuplot script; the table is the variable data (its CSV file name).
set multiplot layout 2,2 title 'Dense vs MoE on the 3D AIMC chip: scaling with model size (batch 1)'
set logscale xy
set xlabel 'parameters'
set ylabel 'tokens/s'
plot data using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'tokens_per_s' with linespoints title 'dense, AIMC', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'tokens_per_s' with linespoints title 'MoE, AIMC', \
     '' using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'gpu_tokens_per_s' with linespoints dt 2 title 'dense, GPU', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'gpu_tokens_per_s' with linespoints dt 2 title 'MoE, GPU'
set ylabel 'energy per token (nJ)'
plot data using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'energy_per_token_nJ' with linespoints title 'dense, AIMC', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'energy_per_token_nJ' with linespoints title 'MoE, AIMC', \
     '' using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'gpu_energy_per_token_nJ' with linespoints dt 2 title 'dense, GPU', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'gpu_energy_per_token_nJ' with linespoints dt 2 title 'MoE, GPU'
set ylabel 'tokens/s/W'
plot data using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'tokens_per_s_per_W' with linespoints title 'dense, AIMC', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'tokens_per_s_per_W' with linespoints title 'MoE, AIMC', \
     '' using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'gpu_tokens_per_s_per_W' with linespoints dt 2 title 'dense, GPU', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'gpu_tokens_per_s_per_W' with linespoints dt 2 title 'MoE, GPU'
set ylabel 'tokens/s/mm^2'
plot data using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'tokens_per_s_per_mm2' with linespoints title 'dense, AIMC', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'tokens_per_s_per_mm2' with linespoints title 'MoE, AIMC', \
     '' using (strcol('kind') eq 'dense' ? column('params_total') : NaN):'gpu_tokens_per_s_per_mm2' with linespoints dt 2 title 'dense, GPU', \
     '' using (strcol('kind') eq 'moe' ? column('params_total') : NaN):'gpu_tokens_per_s_per_mm2' with linespoints dt 2 title 'MoE, GPU'
unset multiplot
