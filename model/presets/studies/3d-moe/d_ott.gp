# aimc3d study 3d-moe, table d_ott: gnuplot script; the table is the variable data (its CSV file name).
set multiplot layout 2,1 title 'OTT on vs off (off: tiles x tiers one-tier tiles, no switch cost; rows in pairs)'
set bmargin 7
set rmargin 8
set xtics rotate by -40 font ',8'
set logscale y
set xlabel ''
set ylabel 'tokens/s'
plot data using (int($0/2)):(column('ott') == 1 ? column('tokens_per_s') : NaN):xticlabels(strcol('point')) with points pt 7 ps 1.5 title 'OTT on', \
     '' using (int($0/2)):(column('ott') == 0 ? column('tokens_per_s') : NaN) with points pt 6 ps 2 title 'OTT off'
set ylabel 'OTT conflict cycles per token + 1'
plot data using (int($0/2)):(column('ott') == 1 ? column('ott_conflict_cycles_per_token') + 1 : NaN):xticlabels(strcol('point')) with points pt 7 ps 1.5 title 'OTT on', \
     '' using (int($0/2)):(column('ott') == 0 ? column('ott_conflict_cycles_per_token') + 1 : NaN) with points pt 6 ps 2 title 'OTT off'
unset multiplot
