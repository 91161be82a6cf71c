#!/usr/bin/env bash
# Builds a bootable GPT disk image for a Hyper-V Generation 2 VM (or any
# UEFI machine): one EFI system partition holding \EFI\BOOT\BOOTX64.EFI and
# \EFI\BOOT\CMDLINE.TXT; then the same disk as a dynamic VHDX and a fixed VHD.
#   scripts/mkimage.sh build/sinter.efi build/sinter.img "cmdline words"
# tests/image/check_image.sh checks the result with sgdisk, sfdisk, fsck.fat
# and qemu-img.
set -euo pipefail
efi=$1 img=$2 cmdline=${3:-}
size_mib=64
esp_start=2048                      # sectors: 1 MiB alignment
rm -f "$img"
truncate -s ${size_mib}M "$img"
# GPT with a single ESP (type GUID from the UEFI spec, 5.3.3). sfdisk ends
# the partition where 1 MiB alignment and the backup GPT allow.
printf 'label: gpt\nstart=%d, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"\n' \
    $esp_start | sfdisk --quiet "$img"
# Read back the extent sfdisk chose: the file system must fill exactly that,
# never run into the backup GPT behind it.
read -r part_start part_size < <(sfdisk --dump "$img" | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p')
[ "$part_start" = "$esp_start" ] || { echo "mkimage: partition starts at $part_start, not $esp_start" >&2; exit 1; }

# The FAT32 file system is made in a file of exactly the partition's size,
# with hidden sectors = the partition's first LBA (what the BPB field means
# for a partitioned disk: FAT spec, BPB_HiddSec), then copied into place.
esp=$(mktemp)
tmp=$(mktemp)
trap 'rm -f "$esp" "$tmp"' EXIT
truncate -s $((part_size * 512)) "$esp"
mformat -i "$esp" -F -T "$part_size" -H "$part_start" -v SINTER :: >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
printf '%s' "$cmdline" > "$tmp"
mcopy -i "$esp" "$tmp" ::/EFI/BOOT/CMDLINE.TXT
dd if="$esp" of="$img" bs=512 seek="$part_start" conv=notrunc,sparse status=none

base=${img%.img}
# Hyper-V's own format (dynamic VHDX), and a fixed VHD (the raw disk plus a
# 512-byte footer) for hosts and tools that attach only VHD. force_size keeps
# the disk's exact size instead of rounding it to a CHS geometry.
qemu-img convert -f raw -O vhdx -o subformat=dynamic "$img" "$base.vhdx"
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$img" "$base.vhd"
echo "sinter: disk image $img, $base.vhdx and $base.vhd (GPT, FAT32 ESP of $part_size sectors at LBA $part_start with BOOTX64.EFI; cmdline \"$cmdline\")"
