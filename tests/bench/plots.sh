#!/usr/bin/env bash
# Plots from one `make bench` run (gnuplot): the SIEF scan's cost against
# the channel count (high-water mark vs full scan vs per-bit), and ring
# throughput next to memcpy. Reads $OUT/sief_bench.out and ring_bench.out
# (written by tests/bench/run.sh); writes $OUT/*.svg and copies them to
# docs/bench/ for docs/bench.md and the README.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build/bench}
command -v gnuplot > /dev/null || { echo "bench: gnuplot missing (apt-get install gnuplot-nox): no plots"; exit 0; }
for f in sief_bench.out ring_bench.out; do
    [ -f "$OUT/$f" ] || { echo "bench: $OUT/$f missing: no plots"; exit 1; }
done

# channels, full, hwm, bitwise for one pattern ("none" = empty interrupt, "1 bit" = one event);
# the row: channels hwm words <pattern words> set full hwm bitwise freebsd and three ratios
pattern() {
    awk -v want="$1" '$1 ~ /^[0-9]+$/ && NF >= 12 {
        p = $4; for (i = 5; i <= NF - 8; i++) p = p " " $i
        if (p == want) print $1, $(NF-6), $(NF-5), $(NF-4), $(NF-3)
    }' "$OUT/sief_bench.out"
}
pattern "none" > "$OUT/sief_none.dat"
pattern "1 bit" > "$OUT/sief_one.dat"
# payload, ring, in+out, memcpy (GB/s)
awk '$2 == "B" { print $1, $5, $6, $7 }' "$OUT/ring_bench.out" > "$OUT/ring.dat"

gnuplot <<GP
set terminal svg size 680,420 dynamic font "Helvetica,12" background rgb "white"
set output "$OUT/sief_scan.svg"
set title "SIEF scan per interrupt vs channel count (make bench, one run)"
set xlabel "channels (relids 1..n)"
set ylabel "ns per interrupt (log)"
set logscale xy
set key top left
set grid
set xtics (8, 100, 1000, 2047)
set xrange [5:3000]
plot "$OUT/sief_one.dat" using 1:2 with linespoints lw 2 pt 7 title "full scan, one event", \
     "$OUT/sief_one.dat" using 1:3 with linespoints lw 2 pt 5 title "high-water mark, one event", \
     "$OUT/sief_one.dat" using 1:4 with linespoints lw 2 pt 9 title "per-bit test-and-clear, one event", \
     "$OUT/sief_one.dat" using 1:5 with linespoints lw 2 pt 11 title "FreeBSD's shape, one event", \
     "$OUT/sief_none.dat" using 1:2 with linespoints lw 1 dt 2 pt 6 title "full scan, empty", \
     "$OUT/sief_none.dat" using 1:3 with linespoints lw 1 dt 2 pt 4 title "high-water mark, empty"

set output "$OUT/ring_throughput.svg"
set title "VMBus ring send+receive vs memcpy (make bench, one run)"
unset logscale
set xrange [*:*]
set xtics auto
set ylabel "GB/s"
set xlabel "packet payload"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set yrange [0:*]
plot "$OUT/ring.dat" using 2:xtic(sprintf("%d B", \$1)) title "ring (write, read, commit)", \
     "" using 3 title "copy in + copy out", \
     "" using 4 title "memcpy"
GP
plots=("$OUT/sief_scan.svg" "$OUT/ring_throughput.svg")
# Posted vs direct delivery (bench=pi, a QEMU boot; absent with BENCH_QEMU=0):
# events per second by burst size, from the line with the medians.
if [ -f "$OUT/bench_pi.out" ] && grep -q "median of" "$OUT/bench_pi.out"; then
    grep "median of" "$OUT/bench_pi.out" | head -1 | awk '{
        n = 0
        for (i = 1; i <= NF; i++) if ($i ~ /^\(?[0-9]+$/ && $(i+1) == "vs") {
            p = $i; gsub(/\(/, "", p); d = $(i+2); gsub(/[^0-9]/, "", d)
            label[n] = n == 0 ? "1 (sparse)" : substr($(i-2), 6); posted[n] = p; direct[n] = d; n++
        }
        for (k = 0; k < n; k++) printf "\"%s\" %s %s\n", label[k], posted[k], direct[k]
    }' > "$OUT/pi.dat"
    if [ -s "$OUT/pi.dat" ]; then
        gnuplot <<GP2
set terminal svg size 680,420 dynamic font "Helvetica,12" background rgb "white"
set output "$OUT/pi_delivery.svg"
set title "Posted vs direct delivery, boot CPU -> CPU1 (make bench, bench=pi, QEMU/TCG)"
set ylabel "events per second (millions, log)"
set logscale y
set xlabel "vectors raised per burst"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set yrange [0.01:*]
set grid ytics
plot "$OUT/pi.dat" using (\$2/1e6):xtic(1) title "posted (PIR bit + one notification)", \
     "" using (\$3/1e6) title "direct (one fixed IPI each)"
GP2
        plots+=("$OUT/pi_delivery.svg")
    fi
fi
mkdir -p docs/bench
cp "${plots[@]}" docs/bench/
echo "bench: plots ${plots[*]} (copied to docs/bench/)"
