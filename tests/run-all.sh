#!/usr/bin/env bash
# make test: host unit tests, fuzz smoke runs, then the QEMU suites and
# scenarios; ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=$1 HOST_TESTS=$2 FUZZ_TARGETS=$3
RESULTS=$BUILD/test-results
export RESULTS
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
passed=0 failed=0

# PARTS=host,fuzz,scripts,image,qemu (default all) runs a subset: make
# test-host, test-kernel.
PARTS=${PARTS:-host,fuzz,scripts,image,qemu}
part() { case ",$PARTS," in *",$1,"*) return 0 ;; esac; return 1; }
part host || HOST_TESTS=
part fuzz || FUZZ_TARGETS=

echo "== host unit tests (ASan/UBSan)"
for t in $HOST_TESTS; do
    out=$RESULTS/host-$t.out
    "$BUILD/host/$t" > "$out" 2> "$RESULTS/host-$t.err"
    rc=$?
    p=$(grep -c '^ok - ' "$out" || true)
    f=$(grep -c '^not ok - ' "$out" || true)
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "  [$t] exited with status $rc without reporting a failure (crash or sanitizer):"
        tail -n 20 "$RESULTS/host-$t.err" | sed 's/^/  | /'
    fi
    grep '^not ok' "$out" | sed "s/^/  [$t] /"
    [ "$f" -gt 0 ] && tail -n 30 "$RESULTS/host-$t.err" | sed 's/^/  | /'
    echo "host: $t: $p passed, $f failed"
    passed=$((passed + p)) failed=$((failed + f))
done

echo "== fuzz smoke runs (libFuzzer)"
for t in $FUZZ_TARGETS; do
    corpus=$RESULTS/fuzz-$t-corpus
    mkdir -p "$corpus"
    seeds=tests/fuzz/corpus/$t
    if "$BUILD/fuzz/$t" -runs="${FUZZ_RUNS:-50000}" -seed=1 -max_len=4096 "$corpus" \
        $( [ -d "$seeds" ] && echo "$seeds" ) > "$RESULTS/fuzz-$t.log" 2>&1; then
        echo "fuzz: $t: 1 passed, 0 failed ($(grep -o 'Done [0-9]* runs' "$RESULTS/fuzz-$t.log" | tail -1))"
        passed=$((passed + 1))
    else
        echo "fuzz: $t: 0 passed, 1 failed"
        tail -n 30 "$RESULTS/fuzz-$t.log" | sed 's/^/  | /'
        failed=$((failed + 1))
    fi
done

# count_lines PART NAME FILE: adds a file of "ok - "/"not ok - " lines to the
# totals (no line at all is one failure) and shows what failed.
count_lines() {
    local p f
    p=$(grep -c '^ok - ' "$3" || true)
    f=$(grep -c '^not ok - ' "$3" || true)
    [ "$p" -gt 0 ] || [ "$f" -gt 0 ] || f=1
    awk '/^not ok - /{show=1} /^ok - /{show=0} show' "$3" | sed "s/^/  [$2] /"
    echo "$1: $2: $p passed, $f failed"
    passed=$((passed + p)) failed=$((failed + f))
}

if part scripts; then
    # The Hyper-V VM script, parsed by the tree-sitter PowerShell grammar.
    echo "== PowerShell syntax (tree-sitter-powershell under node)"
    bash tests/hyperv/check_ps_syntax.sh "$BUILD" > "$RESULTS/ps-syntax.out" 2>&1
    count_lines scripts ps_syntax "$RESULTS/ps-syntax.out"
fi

if part image; then
    # The disk images `make image` wrote (make test builds them first),
    # checked with independent tools; the QEMU part then boots the VHDX.
    echo "== disk image checks (sgdisk, sfdisk, fsck.fat, qemu-img)"
    out=$RESULTS/image-check.out
    bash tests/image/check_image.sh "$BUILD/sinter" "$BUILD/sinter.efi" "${IMAGE_CMDLINE-}" > "$out" 2>&1
    count_lines image check_image "$out"
fi

if part qemu; then
    echo "== in-kernel suites and boot scenarios (QEMU/OVMF, TCG)"
    bash tests/qemu/run-suites.sh
fi
for c in "$RESULTS"/*.count; do
    [ -e "$c" ] || continue
    read -r p f < "$c"
    r=${c%.count}.report
    [ "$f" -gt 0 ] && [ -s "$r" ] && cat "$r"
    passed=$((passed + p)) failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
