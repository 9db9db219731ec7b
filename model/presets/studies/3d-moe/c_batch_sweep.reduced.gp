# aimc3d study 3d-moe, table c_batch_sweep: gnuplot script; the table is the variable data (its CSV file name).
set title 'Batch sweep: AIMC chip vs GPU throughput'
set logscale xy
set xlabel 'batch (sequences)'
set ylabel 'tokens/s'
plot data using 'batch':'tokens_per_s' with linespoints title 'AIMC', \
     '' using 'batch':'gpu_tokens_per_s' with linespoints dt 2 title 'GPU'
