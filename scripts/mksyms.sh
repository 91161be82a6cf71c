#!/usr/bin/env bash
# Turns the function symbols of the first link pass into a NASM file for the
# .ksyms section: a u64 count, then 8-byte entries {u32 offset from
# ImageBase, u16 name offset, u16 size} sorted by address, then the
# NUL-terminated names. 8 bytes an entry keeps the table small (the image
# target, docs/bench.md): the names must fit in 64 KiB (checked here), and a
# size above 65535 is stored as 65535 (the lookup only uses it to say an
# address lies past the end of the nearest function).
set -euo pipefail
in=$1 out=$2
# Symbols from NASM carry no size: those get 0 and the lookup falls back to
# "nearest symbol below".
nm -S -t d --defined-only "$in" | awk '
    NF == 4 && $3 ~ /^[tT]$/ { print $1, $2, $4 }
    NF == 3 && $2 ~ /^[tT]$/ { print $1, "0", $3 }' | sort -u -n -k1,1 > "$out.list"
names=$(awk '{ n += length($3) + 1 } END { print n + 0 }' "$out.list")
if [ "$names" -gt 65535 ]; then
    echo "mksyms: $names bytes of symbol names do not fit the table's 16-bit name offsets" >&2
    exit 1
fi
{
    echo "section .ksyms align=16"
    echo "global ksyms_table"
    echo "ksyms_table:"
    echo "    dq $(wc -l < "$out.list")"
    awk 'BEGIN { off = 0 }
         { size = $2 + 0; if (size > 65535) size = 65535
           printf "    dd %s\n    dw %d, %d\n", $1 + 0, off, size; off += length($3) + 1 }' "$out.list"
    awk '{ printf "    db \"%s\", 0\n", $3 }' "$out.list"
} > "$out"
rm -f "$out.list"
