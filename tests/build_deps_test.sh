#!/usr/bin/env bash
# The host and fuzz builds track header dependencies: for every header any
# host test or fuzz target includes, `make -n -W <header>` (make's "what
# if this file were new", so nothing is touched) must rebuild exactly the
# programs whose sources include it, as the compiler itself reports
# (gcc -MM, run here independently of the build's own .d files).
# Prints TAP-ish "ok - ..."/"not ok - ..." lines; run after a full build.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
programs=$(make -s --no-print-directory BUILD="$BUILD" print-test-programs) || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bins=
while IFS=: read -r bin srcs; do
    bins="$bins $bin"
    # shellcheck disable=SC2086 # the source list is whitespace-separated
    gcc -MM -I. -DSINTER_HOST $srcs 2>/dev/null | tr ' \\' '\n\n' | grep '\.h$' | sort -u > "$tmp/$(basename "$bin").h"
done <<< "$programs"
# shellcheck disable=SC2086
make -s -q BUILD="$BUILD" $bins 2>/dev/null ||
    { echo "not ok - build_deps: the test programs are not up to date (run the build first)"; exit 1; }
# What make would rebuild for each header, four make -n at a time.
export BUILD bins
cat "$tmp"/*.h | sort -u > "$tmp/all.headers"
# shellcheck disable=SC2016,SC2086
xargs -P 4 -I{} sh -c 'make -n -W "$1" BUILD="$BUILD" $bins 2>/dev/null |
    sed -n "s/.*\(HOSTCC\|FUZZCC\)  *[^ ]*\/\([^/ \"]*\)\".*/\2/p" | sort -u | tr "\n" " " \
    > "$2/$(echo "$1" | tr / _).got"' _ {} "$tmp" < "$tmp/all.headers"
status=0
while read -r h; do
    want=$(grep -l -x -F "$h" "$tmp"/*.h | xargs -n1 basename | sed 's/\.h$//' | sort | tr '\n' ' ')
    got=$(cat "$tmp/$(echo "$h" | tr / _).got")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
        echo "ok - build_deps: $h"
    else
        echo "not ok - build_deps: $h"
        echo "  $h: compiler says it is in: $want" >&2
        echo "  $h: make -W rebuilds:      $got" >&2
        status=1
    fi
done < "$tmp/all.headers"
exit $status
