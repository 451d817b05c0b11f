# bench-xen's chart: entries into Xen per phase, pvmmu beside Linux, log scale.
# usage: gnuplot -e "data='entries.dat'; out='entries.png'" entries.gp
# entries.dat (report.py): "ROW pvmmu_plotted linux pvmmu linux", report.py's ROWS in order; a pvmmu zero
# is plotted as 0.5 (a log scale has no zero) and labelled with its true value.
set terminal pngcairo size 1400,640 font "sans,10"
set output out
set title "Entries into Xen per phase, counted by xentrace (Xen 4.17, QEMU TCG): pvmmu beside Linux 6.1 PV\nleft of W1: same work, same policy; from W1 on: policy wins, each row's policy in docs/bench.md"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 10
set yrange [0.4:1e7]
set ylabel "entries into Xen (hypercalls, bounced faults, trapped writes)"
set format y "10^{%L}"
set grid ytics
set bmargin 6
set key top center horizontal noenhanced
set xtics noenhanced scale 0 rotate by -30
plot data using 2:xtic(1) title "pvmmu" lc rgb "#2a7fb8", \
     ''   using 3 title "Linux 6.1 PV (the row's Linux phases: plain, or MAP_POPULATE for the _populate rows)" lc rgb "#d95f02", \
     ''   using ($0 - 0.2):2:(sprintf("%d", $4)) with labels offset 0,0.7 font ",7" notitle, \
     ''   using ($0 + 0.2):3:(sprintf("%d", $5)) with labels offset 0,0.7 font ",7" notitle
