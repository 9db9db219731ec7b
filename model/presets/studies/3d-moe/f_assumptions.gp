# aimc3d study 3d-moe, table f_assumptions: gnuplot script; the table is the variable data (its CSV file name).
set title 'AIMC / GPU as the paper assumptions are added (batch 1)'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'AIMC / GPU'
set xtics rotate by -30 font ',8'
set key top left
plot data using 'ratio_tokens_per_s':xticlabels(strcol('point')) title 'tokens/s', \
     '' using 'ratio_tokens_per_s_per_mm2' title 'tokens/s/mm^2', \
     '' using 'ratio_tokens_per_s_per_W' title 'tokens/s/W'
