#!/usr/bin/env bash
# make fuzz: each target for FUZZ_TIME seconds (libFuzzer -max_total_time),
# growing a corpus that lasts between runs under $BUILD/fuzz-corpus/<target>
# (seeded from tests/fuzz/corpus/<target> when present); a crash's input is
# kept in $BUILD/fuzz-crashes/<target>/. Ends "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=$1 TARGETS=$2
FUZZ_TIME=${FUZZ_TIME:-60}
passed=0 failed=0
for t in $TARGETS; do
    corpus=$BUILD/fuzz-corpus/$t crashes=$BUILD/fuzz-crashes/$t
    mkdir -p "$corpus" "$crashes"
    seeds=tests/fuzz/corpus/$t
    before=$(find "$corpus" -type f | wc -l)
    echo "== fuzz $t for ${FUZZ_TIME}s (corpus $corpus: $before inputs)"
    if "$BUILD/fuzz/$t" -max_total_time="$FUZZ_TIME" -max_len=4096 -artifact_prefix="$crashes/" \
        -print_final_stats=1 "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) \
        > "$BUILD/fuzz-$t.log" 2>&1; then
        echo "fuzz: $t: 1 passed, 0 failed ($(grep -o 'Done [0-9]* runs' "$BUILD/fuzz-$t.log" | tail -1);" \
             "corpus $before -> $(find "$corpus" -type f | wc -l) inputs)"
        passed=$((passed + 1))
    else
        echo "fuzz: $t: 0 passed, 1 failed (input kept in $crashes)"
        tail -n 30 "$BUILD/fuzz-$t.log" | sed 's/^/  | /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
