# aimc3d study 3d-moe, table c_batch_sweep: gnuplot script; the table is the variable data (its CSV file name).
set title 'Batch sweep: AIMC chip vs GPU throughput'
set logscale xy
set xlabel 'batch (sequences)'
set ylabel 'tokens/s'
set key bottom right
plot data using (strcol('model') eq 'paper-moe-d1024-e128-l48-k1' ? column('batch') : NaN):'tokens_per_s' with linespoints title 'MoE d1024 e128 l48, AIMC', \
     '' using (strcol('model') eq 'paper-moe-d1024-e128-l48-k1' ? column('batch') : NaN):'gpu_tokens_per_s' with linespoints dt 2 title 'same, GPU', \
     '' using (strcol('model') eq 'mixtral-8x7b' ? column('batch') : NaN):'tokens_per_s' with linespoints title 'Mixtral-8x7B, AIMC', \
     '' using (strcol('model') eq 'mixtral-8x7b' ? column('batch') : NaN):'gpu_tokens_per_s' with linespoints dt 2 title 'same, GPU'
