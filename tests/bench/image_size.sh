#!/usr/bin/env bash
# Image size against its target: the PE file's sections, which of them take
# bytes in the file (CONTENTS) and which the loader only zero-fills (.bss),
# and one summary line. Usage: image_size.sh build/sinter.efi
set -u
efi=$1
target=$((256 * 1024))
[ -f "$efi" ] || { echo "bench: $efi missing (make all)"; exit 1; }
bytes=$(stat -c %s "$efi")
printf '%-10s %10s  %s\n' section bytes "in the file"
bss_stored=0
while read -r idx name size _ && read -r flags; do
    case $idx in [0-9]*) ;; *) continue ;; esac
    stored=yes
    case $flags in *CONTENTS*) ;; *) stored="no (zero-filled by the loader)" ;; esac
    [ "$name" = .bss ] && [ "$stored" = yes ] && bss_stored=1
    printf '%-10s %10d  %s\n' "$name" $((16#$size)) "$stored"
done < <(objdump -h "$efi" | sed -n '/^ *[0-9]/,$p')
[ $bss_stored = 0 ] || { echo "bench: .bss is stored in the file"; exit 1; }
ratio=$(awk -v b="$bytes" -v t="$target" 'BEGIN { printf "%.2f", b / t }')
verdict=$([ "$bytes" -le "$target" ] && echo met || echo MISSED)
echo "file $bytes bytes, target <= $target (256 KiB): ${ratio}x of the target, $verdict"
echo "summary: image $bytes B vs target <= $target B: ${ratio}x, $verdict"
