#!/usr/bin/env bash
# Runs the QEMU jobs into $RESULTS, two at a time (this machine has 2 cores).
# The job list is derived, never kept by hand:
#   suite_<shape>  test=all on each shape of $SHAPES (tests/qemu/shapes.sh):
#                  fast (default, `make test`), wide (`make test-shapes`),
#                  all, none, or shape names
#   scenario_*     every such function in tests/qemu/jobs.sh (SCENARIOS=0: none)
# JOBS="name ..." runs exactly those jobs instead.
set -u
cd "$(dirname "$0")/../.."
RESULTS=${RESULTS:-build/test-results}
export RESULTS
mkdir -p "$RESULTS"
. tests/qemu/lib.sh
. tests/qemu/shapes.sh
. tests/qemu/jobs.sh

case ${SHAPES:-fast} in
fast) shapes=$(shape_names "$FAST_SHAPES") ;;
wide) shapes=$(shape_names "$WIDE_SHAPES") ;;
all)  shapes="$(shape_names "$FAST_SHAPES") $(shape_names "$WIDE_SHAPES")" ;;
none) shapes= ;;
*)    shapes=$SHAPES ;;
esac
derived=
for s in $shapes; do
    [ -n "$(shape_line "$s")" ] || { echo "run-suites: unknown shape $s (tests/qemu/shapes.sh)" >&2; exit 2; }
    derived="$derived suite_$s"
done
if [ "${SCENARIOS:-1}" != 0 ]; then
    # suite_* functions of their own count as scenarios (older style jobs).
    derived="$derived $(declare -F | awk '{ print $3 }' | grep -E '^(scenario|suite)_' | tr '\n' ' ')"
fi
jobs_to_run=${JOBS:-$derived}

# One job: a suite_<shape> without a function of its own runs that shape.
run_job() {
    JOB=$1
    if declare -F "$JOB" > /dev/null; then
        "$JOB" "$JOB"
    elif [ -n "$(shape_line "${JOB#suite_}")" ]; then
        run_shape "$JOB"
    else
        echo "  [$JOB] no such job" > "$RESULTS/$JOB.report"
        echo "0 1" > "$RESULTS/$JOB.count"
    fi
}

parallel=${PARALLEL:-2}
running=0
for j in $jobs_to_run; do
    rm -f "$RESULTS/$j".*
    (
        run_job "$j"
        read -r p f < "$RESULTS/$j.count"
        secs=$(awk '{ s += $1 } END { print s + 0 }' "$RESULTS/$j.secs" 2>/dev/null || echo 0)
        echo "qemu: $j: $p passed, $f failed (${secs}s)"
    ) &
    running=$((running + 1))
    if [ $running -ge "$parallel" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
printf '%s\n' $jobs_to_run > "$RESULTS/qemu-jobs.list"
