#!/usr/bin/env bash
# make soak: the test suite REPEAT times in a row, by default with a CPU hog
# on the host (one busy loop per host CPU: QEMU's vCPU threads then get a
# share of the machine, never all of it), each run into
# $BUILD/soak-results/run-<i>. Prints which test failed in which run and
# ends "soak: N runs, N with failures". A flake found this way is a bug.
#   REPEAT=5   runs          HOG=0      no hog (HOG=<n>: n busy loops)
#   PARTS=...  as for make test (default: everything)
set -u
cd "$(dirname "$0")/.."
BUILD=$1 HOST_TESTS=$2 FUZZ_TARGETS=$3
REPEAT=${REPEAT:-5}
hog_n=${HOG:-$(nproc)}
[ "$hog_n" = 1 ] && hog_n=1
hogs=()
stop_hogs() { [ ${#hogs[@]} -gt 0 ] && kill "${hogs[@]}" 2>/dev/null; wait "${hogs[@]}" 2>/dev/null; hogs=(); }
trap stop_hogs EXIT
if [ "$hog_n" != 0 ]; then
    for _ in $(seq "$hog_n"); do
        ( while :; do :; done ) &
        hogs+=($!)
    done
    echo "soak: $hog_n CPU hog(s) running (pids ${hogs[*]})"
fi
out=$BUILD/soak-results
rm -rf "$out"
mkdir -p "$out"
bad_runs=0
for i in $(seq "$REPEAT"); do
    r=$out/run-$i
    echo "== soak run $i of $REPEAT (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    RESULTS=$r bash tests/run-all.sh "$BUILD" "$HOST_TESTS" "$FUZZ_TARGETS" > "$out/run-$i.log" 2>&1
    rc=$?
    tail -n 1 "$out/run-$i.log" | sed "s/^/soak: run $i: /"
    # Which tests: the failed testcases of the run's JUnit report.
    python3 - "$r/junit.xml" "$i" <<'PY' || true
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as e:
    print("soak: run %s: no junit.xml (%s)" % (sys.argv[2], e)); sys.exit(0)
for s in root.iter("testsuite"):
    for c in s.findall("testcase"):
        f = c.find("failure")
        if f is not None:
            print("soak: run %s: FAILED %s %s: %s" % (sys.argv[2], s.get("name"), c.get("name"),
                                                   (f.get("message") or "")[:160]))
PY
    [ $rc -eq 0 ] || bad_runs=$((bad_runs + 1))
done
stop_hogs
echo "soak: $REPEAT runs, $bad_runs with failures (logs in $out)"
[ $bad_runs -eq 0 ]
