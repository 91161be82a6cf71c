#!/usr/bin/env bash
# Checks the Hyper-V VM script's syntax with a real PowerShell parser: the
# tree-sitter PowerShell grammar (npm package tree-sitter-powershell, which
# ships its grammar as WebAssembly) run by web-tree-sitter under node.
# Installed by this script into build/ps-parser (npm, exact versions, no
# install scripts). Then proves the check can fail: broken copies of the
# script (a missing brace, an unterminated string) must each be reported.
# Every parser run is bounded: the report is read from its file once it is
# complete ("# end"), and the node process is then stopped (on this loaded
# machine node sometimes never exits after its run).
#   tests/hyperv/check_ps_syntax.sh build
# Prints one "ok - ..." or "not ok - ..." line per check.
set -u
build=$1
prefix=$build/ps-parser
script=scripts/hyperv/new-sinter-vm.ps1
checker=tests/hyperv/ps_syntax.cjs
want="tree-sitter-powershell@0.26.4 web-tree-sitter@0.27.2"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "not ok - node and npm present (apt-get install nodejs npm; make deps)"
    exit 0
fi
stamp=$prefix/.installed
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    rm -rf "$prefix"
    mkdir -p "$prefix"
    echo '{"name":"sinter-ps-parser","private":true}' > "$prefix/package.json"
    # shellcheck disable=SC2086
    if ! out=$(cd "$prefix" && npm install --no-audit --no-fund --ignore-scripts --save-exact $want 2>&1); then
        echo "not ok - npm install $want into $prefix"
        printf '%s\n' "$out" | tail -n 10 | sed 's/^/    # /'
        exit 0
    fi
    echo "$want" > "$stamp"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sinter-ps.XXXXXX")
trap 'rm -rf "$work"' EXIT
# parse FILE REPORT: runs the checker, waits for its complete report (at
# most 120 s), stops it; status 0 only for a clean "ok" report.
parse() {
    local pid i
    : > "$2"
    PS_SYNTAX_OUT=$2 node "$checker" "$prefix" "$1" > "$2.log" 2>&1 &
    pid=$!
    for ((i = 0; i < 1200; i++)); do
        grep -q '^# end$' "$2" 2> /dev/null && break
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    grep -q '^# end$' "$2" || { cat "$2.log" >> "$2"; return 2; }
    ! grep -q '^not ok - ' "$2"
}
parse "$script" "$work/main.out"
rc=$?
out=$(cat "$work/main.out")
printf '%s\n' "$out" | grep -E '^(not )?ok - |^    #'
if [ $rc -ne 0 ] && ! grep -q '^not ok - ' <<<"$out"; then
    echo "not ok - $script parses as PowerShell (the checker failed, status $rc)"
    printf '%s\n' "$out" | tail -n 10 | sed 's/^/    # /'
fi

# Each breakage is made by one edit that must change the file.
break_copy() {
    local name=$1 expr=$2
    sed "$expr" "$script" > "$work/$name.ps1"
    if cmp -s "$script" "$work/$name.ps1"; then
        echo "not ok - broken copy '$name' differs from the script (the edit no longer matches)"
        return
    fi
    # A report, not a crash of the checker: a "not ok" line with a position.
    if parse "$work/$name.ps1" "$work/$name.out" ||
       ! grep -q '^not ok - ' "$work/$name.out"; then
        echo "not ok - the parser reports the broken copy '$name'"
        tail -n 5 "$work/$name.out" | sed 's/^/    # /'
    else
        echo "ok - the parser reports the broken copy '$name': $(grep -m1 '#' "$work/$name.out" | sed 's/.*\.ps1://')"
    fi
}
break_copy missing-brace '0,/^}$/s/^}$//'
break_copy open-string '0,/^\$pipe = "/s/-com1"$/-com1/'
exit 0
