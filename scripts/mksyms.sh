#!/usr/bin/env bash
# Turns the function symbols of the first link pass into a NASM file for the
# .ksyms section: a u64 count, then 6-byte entries {u32 offset from
# ImageBase, u16 name offset} sorted by address, then the NUL-terminated
# names. 6 bytes an entry keeps the table small (the image target,
# docs/bench.md): the names must fit in 64 KiB (checked here). No sizes:
# a function ends where the next symbol (or .text) begins.
set -euo pipefail
in=$1 out=$2
nm -t d --defined-only "$in" | awk '$2 ~ /^[tT]$/ { print $1, $3 }' | sort -u -n -k1,1 > "$out.list"
names=$(awk '{ n += length($2) + 1 } END { print n + 0 }' "$out.list")
if [ "$names" -gt 65535 ]; then
    echo "mksyms: $names bytes of symbol names do not fit the table's 16-bit name offsets" >&2
    exit 1
fi
{
    echo "section .ksyms align=16"
    echo "global ksyms_table"
    echo "ksyms_table:"
    echo "    dq $(wc -l < "$out.list")"
    awk 'BEGIN { off = 0 } { printf "    dd %s\n    dw %d\n", $1 + 0, off; off += length($2) + 1 }' "$out.list"
    awk '{ printf "    db \"%s\", 0\n", $2 }' "$out.list"
} > "$out"
rm -f "$out.list"
