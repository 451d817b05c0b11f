# bench-xen's chart: entries into Xen per phase, pvmmu beside Linux, log scale.
# usage: gnuplot -e "data='entries.dat'; out='entries.png'" entries.gp
# entries.dat (report.py): "PHASE pvmmu_plotted linux pvmmu linux"; a pvmmu zero
# is plotted as 0.5 (a log scale has no zero) and labelled with its true value.
set terminal pngcairo size 1000,560 font "sans,10"
set output out
set title "Entries into Xen per phase, counted by xentrace (Xen 4.17, QEMU TCG): pvmmu beside Linux 6.1 PV"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 10
set yrange [0.4:1e7]
set ylabel "entries into Xen (hypercalls, bounced faults, trapped writes)"
set format y "10^{%L}"
set grid ytics
set key top center horizontal noenhanced
set xtics noenhanced scale 0
plot data using 2:xtic(1) title "pvmmu" lc rgb "#2a7fb8", \
     ''   using 3 title "Linux 6.1 PV (beside the demand rows: its W1, W2_TOUCH)" lc rgb "#d95f02", \
     ''   using ($0 - 0.15):2:(sprintf("%d", $4)) with labels offset 0,0.7 font ",8" notitle, \
     ''   using ($0 + 0.15):3:(sprintf("%d", $5)) with labels offset 0,0.7 font ",8" notitle
