#!/usr/bin/env bash
# make fuzz: each target for FUZZ_TIME seconds (libFuzzer -max_total_time),
# growing a corpus that lasts between runs under $BUILD/fuzz-corpus/<target>
# (seeded from tests/fuzz/corpus/<target> when present); a crash's input is
# kept in $BUILD/fuzz-crashes/<target>/. FUZZ_RUNS=<n> runs each target for n
# executions instead (libFuzzer -runs), so the goal is a count, not a time.
# Every run is under nice -n 19 (the machine may be shared); each target's
# line gives its executions and executions per second. Ends "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=$1 TARGETS=$2
FUZZ_TIME=${FUZZ_TIME:-60}
FUZZ_RUNS=${FUZZ_RUNS:-}
if [ -n "$FUZZ_RUNS" ]; then limit="-runs=$FUZZ_RUNS" what="$FUZZ_RUNS runs"
else limit="-max_total_time=$FUZZ_TIME" what="${FUZZ_TIME}s"; fi
. tests/fuzz/fuzz_one.sh
FUZZ_WRAP="nice -n 19"
fuzz_note() {  # target log rc
    if [ "$3" -ne 0 ]; then
        echo "input kept in $BUILD/fuzz-crashes/$1"
        return
    fi
    local secs=$(( ($(date +%s%3N) - fuzz_t0) / 1000 )) execs
    [ "$secs" -gt 0 ] || secs=1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$2" | tail -1)
    echo "${execs:-?} execs in ${secs}s, $(( ${execs:-0} / secs )) execs/s;" \
         "corpus $before -> $(find "$BUILD/fuzz-corpus/$1" -type f | wc -l) inputs"
}
passed=0 failed=0
for t in $TARGETS; do
    corpus=$BUILD/fuzz-corpus/$t crashes=$BUILD/fuzz-crashes/$t
    mkdir -p "$corpus" "$crashes"
    before=$(find "$corpus" -type f | wc -l)
    echo "== fuzz $t for $what (corpus $corpus: $before inputs)"
    fuzz_one "$t" "$corpus" "$BUILD/fuzz-$t.log" "$limit" -artifact_prefix="$crashes/" \
        -print_final_stats=1
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
