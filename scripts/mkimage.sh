#!/usr/bin/env bash
# Builds a bootable GPT disk image for a Hyper-V Generation 2 VM (or any
# UEFI machine): one EFI system partition holding \EFI\BOOT\BOOTX64.EFI and
# \EFI\BOOT\CMDLINE.TXT, and the same disk as VHDX for Hyper-V.
#   scripts/mkimage.sh build/sinter.efi build/sinter.img "cmdline words"
set -euo pipefail
efi=$1 img=$2 cmdline=${3:-}
size_mib=64
esp_start=2048                      # sectors: 1 MiB alignment
rm -f "$img"
truncate -s ${size_mib}M "$img"
# GPT with a single ESP (type GUID from the UEFI spec, 5.3.3).
printf 'label: gpt\nstart=%d, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"\n' \
    $esp_start | sfdisk --quiet "$img"
esp="$img@@$((esp_start * 512))"
mformat -i "$esp" -F -v SINTER :: >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
tmp=$(mktemp)
printf '%s' "$cmdline" > "$tmp"
mcopy -i "$esp" "$tmp" ::/EFI/BOOT/CMDLINE.TXT
rm -f "$tmp"
vhdx=${img%.img}.vhdx
qemu-img convert -f raw -O vhdx -o subformat=dynamic "$img" "$vhdx"
echo "sinter: disk image $img and $vhdx (GPT, ESP with BOOTX64.EFI; cmdline \"$cmdline\")"
