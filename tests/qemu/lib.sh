# Helpers for QEMU test jobs: boot once, then judge the serial log.
# Each job writes "<passed> <failed>" to $RESULTS/<name>.count and a short
# report to $RESULTS/<name>.report.

# boot NAME TIMEOUT VAR=VALUE... : runs scripts/qemu-run.sh with the given
# environment; the serial log is $RESULTS/NAME.log, the status NAME.rc.
boot() {
    local name=$1 timeout=$2
    shift 2
    env "$@" TIMEOUT="$timeout" LOG="$RESULTS/$name.log" bash scripts/qemu-run.sh \
        > "$RESULTS/$name.stdout" 2> "$RESULTS/$name.stderr" < /dev/null
    echo $? > "$RESULTS/$name.rc"
}

# tap_count NAME: counts a TAP stream; a missing or short plan, or an exit
# status that disagrees with the results, is one more failure.
tap_count() {
    local name=$1 log=$RESULTS/$1.log rc
    rc=$(cat "$RESULTS/$name.rc")
    local ok notok plan
    ok=$(grep -a -c '^ok [0-9]' "$log" || true)
    notok=$(grep -a -c '^not ok [0-9]' "$log" || true)
    plan=$(grep -a -m1 '^1\.\.[0-9]*' "$log" | sed 's/^1\.\.//' | tr -d '\r' || true)
    {
        grep -a '^not ok' "$log" | sed "s/^/  [$name] /"
        grep -a -B3 '^not ok' "$log" | grep -a '^    #' | sed "s/^/  [$name] /"
    } > "$RESULTS/$name.report"
    if [ -z "$plan" ] || [ $((ok + notok)) -ne "$plan" ]; then
        echo "  [$name] incomplete run: plan ${plan:-missing}, $((ok + notok)) results, exit status $rc" >> "$RESULTS/$name.report"
        tail -n 15 "$log" | sed "s/^/  [$name] | /" >> "$RESULTS/$name.report"
        notok=$((notok + 1))
    elif [ "$notok" -eq 0 ] && [ "$rc" != 0 ]; then
        echo "  [$name] all tests passed but the exit status is $rc" >> "$RESULTS/$name.report"
        notok=$((notok + 1))
    fi
    echo "$ok $notok" > "$RESULTS/$name.count"
}

# check NAME DESCRIPTION CONDITION... : one pass/fail for a scenario.
check() {
    local name=$1 desc=$2
    shift 2
    if "$@"; then
        echo "1 0" > "$RESULTS/$name.count"
        echo "ok - $name: $desc" > "$RESULTS/$name.report"
    else
        echo "0 1" > "$RESULTS/$name.count"
        {
            echo "  [$name] FAILED: $desc"
            tail -n 15 "$RESULTS/$name.log" | sed "s/^/  [$name] | /"
        } > "$RESULTS/$name.report"
    fi
}

has() { grep -a -q -E "$2" "$RESULTS/$1.log"; }
rc_is() { [ "$(cat "$RESULTS/$1.rc")" = "$2" ]; }
