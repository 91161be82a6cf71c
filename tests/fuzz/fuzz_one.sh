# Sourced by tests/fuzz/run-long.sh (make fuzz) and tests/run-all.sh (the
# smoke runs of make test): one libFuzzer run of a target, its line, its count.
#
# fuzz_one TARGET CORPUS LOG [libFuzzer options...]: $BUILD/fuzz/TARGET over
# CORPUS and the checked-in seeds tests/fuzz/corpus/TARGET (if any), inputs
# up to 4096 bytes, output in LOG, run under $FUZZ_WRAP (e.g. "nice -n 19";
# none if unset). Prints "fuzz: TARGET: 1 passed, 0 failed (NOTE)" or
# "... 0 passed, 1 failed (NOTE)" and the log's tail, NOTE from the caller's
# fuzz_note TARGET LOG RC; adds the run to passed or failed. Leaves the exit
# status in fuzz_rc and the start (ms) in fuzz_t0.
fuzz_one() {
    local t=$1 corpus=$2 log=$3 seeds=tests/fuzz/corpus/$1 note
    shift 3
    mkdir -p "$corpus"
    fuzz_t0=$(date +%s%3N)
    ${FUZZ_WRAP:-} "$BUILD/fuzz/$t" "$@" -max_len=4096 "$corpus" \
        $( [ -d "$seeds" ] && echo "$seeds" ) > "$log" 2>&1
    fuzz_rc=$?
    note=$(fuzz_note "$t" "$log" "$fuzz_rc")
    if [ "$fuzz_rc" -eq 0 ]; then
        echo "fuzz: $t: 1 passed, 0 failed${note:+ ($note)}"
        passed=$((passed + 1))
    else
        echo "fuzz: $t: 0 passed, 1 failed${note:+ ($note)}"
        tail -n 30 "$log" | sed 's/^/  | /'
        failed=$((failed + 1))
    fi
}
