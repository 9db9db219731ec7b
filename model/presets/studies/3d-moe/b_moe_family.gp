# aimc3d study 3d-moe, table b_moe_family: gnuplot script; the table is the variable data (its CSV file name).
set title 'AIMC / GPU across the MoE family (batch 1)'
set logscale xy
set xlabel 'parameters'
set ylabel 'AIMC / GPU'
plot data using 'params_total':'ratio_tokens_per_s' with points pt 7 title 'tokens/s', \
     '' using 'params_total':'ratio_tokens_per_s_per_mm2' with points pt 5 title 'tokens/s/mm^2', \
     '' using 'params_total':'ratio_tokens_per_s_per_W' with points pt 9 title 'tokens/s/W', \
     1 with lines dt 2 lc 'black' title 'parity'
