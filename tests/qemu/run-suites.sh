#!/usr/bin/env bash
# Runs the QEMU jobs of tests/qemu/jobs.sh, two at a time, into $RESULTS.
# JOBS="name ..." picks a subset.
set -u
cd "$(dirname "$0")/../.."
RESULTS=${RESULTS:-build/test-results}
export RESULTS
mkdir -p "$RESULTS"
. tests/qemu/lib.sh
. tests/qemu/jobs.sh
jobs_to_run=${JOBS:-$QEMU_JOBS}
parallel=${PARALLEL:-2}
running=0
for j in $jobs_to_run; do
    rm -f "$RESULTS/$j".*
    ( "$j" "$j"; read -r p f < "$RESULTS/$j.count"; echo "qemu: $j: $p passed, $f failed" ) &
    running=$((running + 1))
    if [ $running -ge "$parallel" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
