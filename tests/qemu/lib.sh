# Helpers for QEMU test jobs: boot once, then judge the serial log.
# Each job writes "<passed> <failed>" to $RESULTS/<name>.count, a short
# report to $RESULTS/<name>.report and its wall time to <name>.secs.
# run-suites.sh sets JOB to the job's name before calling it.

# boot NAME TIMEOUT VAR=VALUE... : runs scripts/qemu-run.sh with the given
# environment; the serial log is $RESULTS/NAME.log, the status NAME.rc.
boot() {
    local name=$1 timeout=$2 t0=$SECONDS
    shift 2
    env "$@" TIMEOUT="$timeout" LOG="$RESULTS/$name.log" INTERACTIVE=0 bash scripts/qemu-run.sh \
        > "$RESULTS/$name.stdout" 2> "$RESULTS/$name.stderr" < /dev/null
    echo $? > "$RESULTS/$name.rc"
    echo $((SECONDS - t0)) >> "$RESULTS/$name.secs"
    printf '%s\n' "$*" >> "$RESULTS/$name.shape"
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
    : > "$RESULTS/$name.tap"     # tests/junit.py: one testcase per TAP line
}

# ---- scenario checks ----
# A scenario boots, states what must hold one `want` (or `want_not`) per
# line, and ends with `verdict "description"`. Each predicate reads
# $RESULTS/$JOB.*; every one that fails is named in the report. No eval:
# predicates are plain functions with plain arguments.
#   has REGEX               the serial log has a line matching REGEX (ERE)
#   rc N                    the run's exit status is N
#   result KEY VALUE        the kernel's result line has KEY=VALUE
#                           (warn.<subsys>/err.<subsys> absent = 0)
#   result_at_least KEY N   ... KEY >= N
#   lines_at_most REGEX N   at most N log lines match REGEX
#   test_ok NAME            TAP line "ok <n> - NAME"
#   file_has EXT REGEX      $RESULTS/$JOB.EXT has a line matching REGEX
#   file_is EXT VALUE       $RESULTS/$JOB.EXT holds exactly VALUE
#   file_empty EXT          $RESULTS/$JOB.EXT is empty or absent
WANT_FAILED=()
want()     { "$@" || WANT_FAILED+=("want $*"); }
want_not() { ! "$@" || WANT_FAILED+=("want_not $*"); }

verdict() {
    local desc=$1
    if [ ${#WANT_FAILED[@]} -eq 0 ]; then
        echo "1 0" > "$RESULTS/$JOB.count"
        echo "ok - $JOB: $desc" > "$RESULTS/$JOB.report"
    else
        echo "0 1" > "$RESULTS/$JOB.count"
        {
            echo "  [$JOB] FAILED: $desc"
            printf "  [$JOB]   unmet: %s\n" "${WANT_FAILED[@]}"
            grep -a '^sinter: result' "$RESULTS/$JOB.log" | tail -n 1 | sed "s/^/  [$JOB] | /"
            tail -n 15 "$RESULTS/$JOB.log" | sed "s/^/  [$JOB] | /"
        } > "$RESULTS/$JOB.report"
        printf '%s\n' "${WANT_FAILED[@]}" > "$RESULTS/$JOB.unmet"
    fi
    WANT_FAILED=()
}

# has REGEX (this job), or has NAME REGEX (the older form).
has() {
    if [ $# -ge 2 ]; then grep -a -q -E "$2" "$RESULTS/$1.log"; else grep -a -q -E "$1" "$RESULTS/$JOB.log"; fi
}
rc() { [ "$(cat "$RESULTS/$JOB.rc")" = "$1" ]; }
lines_at_most() { [ "$(grep -a -c -E "$1" "$RESULTS/$JOB.log")" -le "$2" ]; }
file_has() { grep -a -q -E "$2" "$RESULTS/$JOB.$1"; }
file_is() { [ "$(cat "$RESULTS/$JOB.$1" 2>/dev/null)" = "$2" ]; }
file_empty() { [ ! -s "$RESULTS/$JOB.$1" ]; }
test_ok() { grep -a -q -E "^ok [0-9]+ - $1( |\$|\r)" "$RESULTS/$JOB.log"; }

# result_value KEY: KEY's value in the last result line ("" if absent, 0
# for an absent warn./err. count).
result_value() {
    local v
    v=$(grep -a '^sinter: result ' "$RESULTS/$JOB.log" | tail -n 1 | tr -d '\r' | tr ' ' '\n' |
        sed -n "s/^$1=//p")
    case $1 in warn.*|err.*) v=${v:-0} ;; esac
    printf '%s' "$v"
}
result() { [ "$(result_value "$1")" = "$2" ]; }
result_at_least() { local v; v=$(result_value "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }

