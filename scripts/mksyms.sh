#!/usr/bin/env bash
# Turns the function symbols of the first link pass into a NASM file for the
# .ksyms section: a count, then {u64 offset from ImageBase, u32 name offset,
# u32 size} sorted by address, then the NUL-terminated names.
set -euo pipefail
in=$1 out=$2
# Symbols from NASM carry no size: those get 0 and the lookup falls back to
# "nearest symbol below".
nm -S --defined-only "$in" | awk '
    NF == 4 && $3 ~ /^[tT]$/ { print $1, $2, $4 }
    NF == 3 && $2 ~ /^[tT]$/ { print $1, "0", $3 }' | sort -u -k1,1 > "$out.list"
{
    echo "section .ksyms align=16"
    echo "global ksyms_table"
    echo "ksyms_table:"
    echo "    dq $(wc -l < "$out.list")"
    awk 'BEGIN { off = 0 }
         { printf "    dq 0x%s\n    dd %d, 0x%s\n", $1, off, $2; off += length($3) + 1 }' "$out.list"
    awk '{ printf "    db \"%s\", 0\n", $3 }' "$out.list"
} > "$out"
rm -f "$out.list"
