# aimc3d study 3d-moe, table e_dmodel_step: gnuplot script; the table is the variable data (its CSV file name).
set multiplot layout 2,1 title 'd_{model} step: matrices larger than one 512 x 512 tier'
set xlabel 'd_{model}'
set arrow from 512, graph 0 to 512, graph 1 nohead dt 2
set ylabel 'tier MVMs per token'
plot data using 'd_model':'tier_mvms_per_token' with linespoints title 'tier MVMs'
set ylabel 'nJ per token'
plot data using 'd_model':'analog_energy_per_token_nJ' with linespoints title 'analog energy', \
     '' using 'd_model':'dram_energy_per_token_nJ' with linespoints title 'KV-cache DRAM energy'
unset multiplot
