#!/usr/bin/env bash
# make test: host unit tests, fuzz smoke runs, then the QEMU suites and
# scenarios; writes $RESULTS/junit.xml (checked by tests/junit.py), prints a
# per-shape summary and the time each part took, and ends with one line
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=$1 HOST_TESTS=$2 FUZZ_TARGETS=$3
RESULTS=${RESULTS:-$BUILD/test-results}
export RESULTS
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
passed=0 failed=0
timings=

# PARTS=build,host,fuzz,scripts,image,qemu (default all) runs a subset: make
# test-host, test-kernel. build: the build's own test (header dependencies
# tracked); scripts: the VM script's syntax; docs: the file:function
# references of docs/walkthrough.md; image: the disk images.
PARTS=${PARTS:-build,host,fuzz,scripts,docs,image,qemu}
part() { case ",$PARTS," in *",$1,"*) return 0 ;; esac; return 1; }
part host || HOST_TESTS=
part fuzz || FUZZ_TARGETS=
now_ms() { date +%s%3N; }
took() { printf '%d.%03d' $(( ($(now_ms) - $1) / 1000 )) $(( ($(now_ms) - $1) % 1000 )); }
t_all=$(now_ms)

# run_host NAME COMMAND...: one host program, counted from its ok/not ok
# lines (no line at all is one failure); LABEL names the part in the output.
run_host() {
    local t=$1 out=$RESULTS/host-$1.out t0 rc p f
    shift
    t0=$(now_ms)
    "$@" > "$out" 2> "$RESULTS/host-$t.err"
    rc=$?
    echo "$rc" > "$RESULTS/host-$t.rc"
    took "$t0" > "$RESULTS/host-$t.secs"
    p=$(grep -c '^ok - ' "$out" || true)
    f=$(grep -c '^not ok - ' "$out" || true)
    if { [ $rc -ne 0 ] || [ "$p" -eq 0 ]; } && [ "$f" -eq 0 ]; then
        f=1
        echo "  [$t] exited with status $rc without reporting a failure (crash or sanitizer):"
        tail -n 20 "$RESULTS/host-$t.err" "$out" | sed 's/^/  | /'
    fi
    awk '/^not ok - /{show=1} /^ok - /{show=0} show' "$out" | sed "s/^/  [$t] /"
    [ "$f" -gt 0 ] && tail -n 30 "$RESULTS/host-$t.err" | sed 's/^/  | /'
    echo "${LABEL:-host}: $t: $p passed, $f failed"
    passed=$((passed + p)) failed=$((failed + f))
}

if part build; then
    echo "== the build (header dependencies of host and fuzz programs)"
    t_part=$(now_ms)
    run_host build_deps bash tests/build_deps_test.sh "$BUILD"
    timings="$timings build $(took "$t_part")s,"
fi

if [ -n "$HOST_TESTS" ]; then
    echo "== host unit tests (ASan/UBSan)"
    t_part=$(now_ms)
    for t in $HOST_TESTS; do
        run_host "$t" "$BUILD/host/$t"
    done
    timings="$timings host $(took "$t_part")s,"
fi

if [ -n "$FUZZ_TARGETS" ]; then
    echo "== fuzz smoke runs (libFuzzer)"
    t_part=$(now_ms)
    # The hand-made seeds are what tests/fuzz/make_seeds.py writes.
    LABEL=fuzz run_host fuzz_seeds python3 tests/fuzz/make_seeds.py --check
    . tests/fuzz/fuzz_one.sh
    fuzz_note() {  # target log rc
        [ "$3" -eq 0 ] && grep -o 'Done [0-9]* runs' "$2" | tail -1
    }
    for t in $FUZZ_TARGETS; do
        # Smoke runs start from the checked-in seeds into a scratch corpus
        # (make fuzz keeps a lasting one under build/fuzz-corpus).
        fuzz_one "$t" "$RESULTS/fuzz-$t-corpus" "$RESULTS/fuzz-$t.log" \
            -runs="${FUZZ_RUNS:-50000}" -seed=1
        echo "$fuzz_rc" > "$RESULTS/fuzz-$t.rc"
        took "$fuzz_t0" > "$RESULTS/fuzz-$t.secs"
    done
    timings="$timings fuzz $(took "$t_part")s,"
fi

if part scripts; then
    # The Hyper-V VM script, parsed by the tree-sitter PowerShell grammar.
    echo "== PowerShell syntax (tree-sitter-powershell under node)"
    t_part=$(now_ms)
    LABEL=scripts run_host ps_syntax bash tests/hyperv/check_ps_syntax.sh "$BUILD"
    LABEL=scripts run_host kvm_hv_check bash tests/kvm/check_explains.sh "$BUILD/kvm_hv_check"
    timings="$timings scripts $(took "$t_part")s,"
fi

if part docs; then
    # Every file:function docs/walkthrough.md names still exists.
    echo "== docs (walkthrough references)"
    t_part=$(now_ms)
    LABEL=docs run_host doc_refs bash -c 'python3 tests/docs/check_doc_refs.py docs/walkthrough.md &&
        echo "ok - docs/walkthrough.md: every file:function exists" ||
        echo "not ok - docs/walkthrough.md names code that does not exist"'
    timings="$timings docs $(took "$t_part")s,"
fi

if part image; then
    # The disk images `make image` wrote (make test builds them first),
    # checked with independent tools; the QEMU part then boots the VHDX.
    echo "== disk image checks (sgdisk, sfdisk, fsck.fat, qemu-img)"
    t_part=$(now_ms)
    LABEL=image run_host check_image bash tests/image/check_image.sh "$BUILD/sinter" "$BUILD/sinter.efi" "${IMAGE_CMDLINE-}"
    timings="$timings image $(took "$t_part")s,"
fi

if part qemu; then
    echo "== in-kernel suites and boot scenarios (QEMU/OVMF, TCG)"
    t_part=$(now_ms)
    bash tests/qemu/run-suites.sh
    timings="$timings qemu $(took "$t_part")s,"
fi
for c in "$RESULTS"/*.count; do
    [ -e "$c" ] || continue
    read -r p f < "$c"
    r=${c%.count}.report
    [ "$f" -gt 0 ] && [ -s "$r" ] && cat "$r"
    passed=$((passed + p)) failed=$((failed + f))
done

# JUnit XML for CI, parsed back and checked: a broken report is a failure.
if python3 tests/junit.py write "$RESULTS" && python3 tests/junit.py check "$RESULTS" $((passed + failed)); then
    echo "junit: $RESULTS/junit.xml: $((passed + failed)) testcases, valid"
else
    echo "junit: $RESULTS/junit.xml is not a valid report of this run"
    failed=$((failed + 1))
fi
python3 tests/junit.py summary "$RESULTS"
echo "time:${timings%,}, total $(took "$t_all")s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
