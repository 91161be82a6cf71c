#!/usr/bin/env bash
# Checks the disk images `make image` writes the way other tools will read
# them: the GPT with sgdisk (gdisk) and sfdisk's own verify, the ESP's FAT32
# with fsck.fat on exactly the partition's extent, the VHDX with qemu-img
# check and a round trip back to raw, the fixed VHD by its footer and a
# round trip. None of these tools made the image except sfdisk's table.
#   tests/image/check_image.sh build/sinter [build/sinter.efi] [cmdline]
# Prints one "ok - ..." or "not ok - ..." line per check.
set -u
base=$1 efi=${2:-} want_cmdline=${3-}
img=$base.img vhdx=$base.vhdx vhd=$base.vhd
work=$(mktemp -d "${TMPDIR:-/tmp}/sinter-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    # /'; done; }
# check DESCRIPTION COMMAND...: the command's status decides; its output is
# shown on failure.
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

for f in "$img" "$vhdx" "$vhd"; do
    [ -f "$f" ] || { not_ok "image file $f exists (run make image)"; exit 0; }
done
sector=512
img_bytes=$(stat -c %s "$img")

# ---- GPT, read by gdisk's sgdisk and by sfdisk ----
check "sgdisk -v finds no problems in the GPT" \
    bash -c 'o=$(sgdisk -v "$1") && grep -q "^No problems found" <<<"$o" || { echo "$o"; exit 1; }' _ "$img"
check "sfdisk --verify finds no errors" sfdisk --verify "$img"

info=$(sgdisk -i 1 "$img" 2>&1)
first=$(sed -n 's/^First sector: \([0-9]*\).*/\1/p' <<<"$info")
last=$(sed -n 's/^Last sector: \([0-9]*\).*/\1/p' <<<"$info")
last_usable=$(sgdisk -p "$img" | sed -n 's/.*last usable sector is \([0-9]*\).*/\1/p')
if grep -q "^Partition GUID code: C12A7328-F81F-11D2-BA4B-00A0C93EC93B" <<<"$info" && [ -n "$first" ] &&
   [ -n "$last" ] && [ $((first % 2048)) = 0 ] && [ -n "$last_usable" ] && [ "$last" -le "$last_usable" ]; then
    ok "partition 1 is an ESP at LBA $first..$last, 1 MiB aligned, inside the usable area (..$last_usable)"
else
    not_ok "partition 1 is an aligned ESP inside the usable area" "$info" "last usable: $last_usable"
    exit 0
fi
count=$((last - first + 1))

# ---- FAT32 on exactly the partition's extent ----
part=$work/esp.img
dd if="$img" of="$part" bs=$sector skip="$first" count="$count" status=none
fsck_out=$(fsck.fat -n -v "$part" 2>&1)
fsck_rc=$?
if [ $fsck_rc = 0 ] && grep -q ": [0-9]* files, [0-9]*/[0-9]* clusters$" <<<"$fsck_out"; then
    ok "fsck.fat -n on the partition's $count sectors finds no errors"
else
    not_ok "fsck.fat -n on the partition's $count sectors finds no errors (status $fsck_rc)" \
        "$(head -n 30 <<<"$fsck_out")"
fi
total=$(sed -n 's/^ *\([0-9]*\) sectors total.*/\1/p' <<<"$fsck_out")
hidden=$(sed -n 's/^ *\([0-9]*\) hidden sectors.*/\1/p' <<<"$fsck_out")
if grep -q "32 bit entries" <<<"$fsck_out" && [ "$total" = "$count" ]; then
    ok "FAT32 file system claims exactly the partition's $count sectors"
else
    not_ok "FAT32 file system claims exactly the partition's $count sectors (claims ${total:-?})"
fi
if [ "$hidden" = "$first" ]; then
    ok "BPB hidden sectors = partition start $first"
else
    not_ok "BPB hidden sectors = partition start $first (is ${hidden:-?})"
fi
if [ -n "$efi" ]; then
    check "\\EFI\\BOOT\\BOOTX64.EFI is the built kernel, byte for byte" \
        bash -c 'mcopy -n -i "$1" ::/EFI/BOOT/BOOTX64.EFI "$2" && cmp "$2" "$3"' _ "$part" "$work/boot.efi" "$efi"
    # The image target (docs/bench.md, section 0): growth past it is a
    # finding, not something to discover in a benchmark months later.
    check "BOOTX64.EFI is at most 256 KiB ($(stat -c %s "$efi") bytes)" \
        bash -c '[ "$(stat -c %s "$1")" -le 262144 ]' _ "$efi"
fi
if [ "${3+set}" = set ]; then
    check "\\EFI\\BOOT\\CMDLINE.TXT holds \"$want_cmdline\"" \
        bash -c 'mcopy -n -i "$1" ::/EFI/BOOT/CMDLINE.TXT "$2" && [ "$(cat "$2")" = "$3" ]' _ "$part" "$work/cmdline" "$want_cmdline"
fi

# ---- VHDX: qemu-img's checker and a round trip ----
check "qemu-img check on the VHDX finds no errors" qemu-img check -f vhdx "$vhdx"
check "VHDX converted back to raw equals the raw image" \
    bash -c 'qemu-img convert -f vhdx -O raw "$1" "$2" && cmp "$2" "$3"' _ "$vhdx" "$work/back.img" "$img"

# ---- fixed VHD: the raw disk followed by a 512-byte footer ----
# Footer layout (Microsoft's VHD format specification): cookie "conectix"
# at 0, disk type at 60 (big-endian, 2 = fixed), current size at 48.
footer=$(tail -c 512 "$vhd" | od -An -v -tx1 | tr -d ' \n')
cookie=${footer:0:16} disk_type=${footer:120:8} cur_size=$((16#${footer:96:16}))
if [ "$(stat -c %s "$vhd")" = $((img_bytes + 512)) ] && [ "$cookie" = 636f6e6563746978 ] &&
   [ "$disk_type" = 00000002 ] && [ "$cur_size" = "$img_bytes" ]; then
    ok "VHD is fixed: raw disk + footer (conectix, type 2, size $img_bytes)"
else
    not_ok "VHD is fixed: raw disk + footer" "cookie $cookie type $disk_type size $cur_size file $(stat -c %s "$vhd")"
fi
check "VHD converted back to raw equals the raw image" \
    bash -c 'qemu-img convert -f vpc -O raw "$1" "$2" && cmp "$2" "$3"' _ "$vhd" "$work/back-vhd.img" "$img"
exit 0
