#!/usr/bin/env bash
# Boots build/sinter.efi in QEMU with OVMF and exits with the guest's status.
# Environment (all optional):
#   CMDLINE  kernel command line (written to \EFI\BOOT\CMDLINE.TXT on the ESP)
#   SMP MEM CPU MACHINE   QEMU shape (defaults 1, 256M, max, q35)
#   TIMEOUT  seconds before the run is killed and reported as a hang (default:
#            none for interactive runs, 300 when CMDLINE has test= or exit=)
#   LOG      serial log file (default build/serial.log)
#   GDB=1    wait for gdb on :1234 (QEMU -s -S)
#   ACCEL    tcg (default) or kvm (only if it demonstrably works)
#   DISK     boot this disk image (raw .img or .vhdx from `make image`)
#            instead of a fresh ESP; CMDLINE is then whatever the image holds
#   DISPLAY_MODE  none (default) or gtk/sdl to see the framebuffer console
#   SERIAL_IN=1   a timed run still reads serial input from stdin (a test
#                 typing at the console); otherwise it reads /dev/null
#   SERIAL   none: no serial port at all (a Gen2 VM without a COM port); the
#            log is then only on the framebuffer
#   QMP      path of a QMP socket to create (e.g. for screendump)
# Exit status: the guest's (isa-debug-exit value), 124 on timeout, 125 if
# QEMU ended without a status (reset, triple fault, crash).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EFI=$BUILD/sinter.efi
[ -f "$EFI" ] || { echo "qemu-run: $EFI missing (run make)" >&2; exit 2; }

SMP=${SMP:-1}; MEM=${MEM:-256M}; CPU=${CPU:-max}; MACHINE=${MACHINE:-q35}
CMDLINE=${CMDLINE:-}; ACCEL=${ACCEL:-tcg}; LOG=${LOG:-$BUILD/serial.log}
if [ -z "${TIMEOUT:-}" ]; then
    case " $CMDLINE " in *" test="*|*" exit="*) TIMEOUT=300 ;; *) TIMEOUT=0 ;; esac
fi
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
for f in "$OVMF_CODE" "$OVMF_VARS"; do
    [ -f "$f" ] || { echo "qemu-run: $f missing (apt-get install ovmf)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sinter-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$OVMF_VARS" "$work/vars.fd"
if [ -n "${DISK:-}" ]; then
    case $DISK in *.vhdx) fmt=vhdx ;; *) fmt=raw ;; esac
    # A copy, so the guest never changes the image it was given.
    cp "$DISK" "$work/disk"
    disk_arg="format=$fmt,file=$work/disk"
else
    # A small FAT ESP image made fresh per run so parallel runs never share it.
    esp=$work/esp.img
    truncate -s 8M "$esp"
    mformat -i "$esp" :: >/dev/null
    mmd -i "$esp" ::/EFI ::/EFI/BOOT
    mcopy -i "$esp" "$EFI" ::/EFI/BOOT/BOOTX64.EFI
    printf '%s' "$CMDLINE" > "$work/cmdline.txt"
    mcopy -i "$esp" "$work/cmdline.txt" ::/EFI/BOOT/CMDLINE.TXT
    disk_arg="format=raw,file=$esp"
fi

mkdir -p "$(dirname "$LOG")"
: > "$LOG"
args=(
    -machine "$MACHINE" -cpu "$CPU" -smp "$SMP" -m "$MEM" -accel "$ACCEL"
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE"
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd"
    -drive "$disk_arg"
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
    -display "${DISPLAY_MODE:-none}" -monitor none -net none -no-reboot
)
if [ "${SERIAL:-}" = none ]; then
    args+=(-serial none)
else
    args+=(-chardev stdio,id=ser0,logfile="$LOG",signal=off -serial chardev:ser0)
fi
[ -n "${QMP:-}" ] && args+=(-qmp "unix:$QMP,server=on,wait=off")
[ "${GDB:-0}" = 1 ] && args+=(-s -S) && echo "qemu-run: waiting for gdb on :1234 (gdb -x scripts/gdbinit)" >&2

set +e
if [ "$TIMEOUT" != 0 ]; then
    if [ "${SERIAL_IN:-0}" = 1 ]; then
        timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 "${args[@]}"
    else
        timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 "${args[@]}" </dev/null
    fi
else
    qemu-system-x86_64 "${args[@]}"
fi
rc=$?
set -e
if [ $rc = 124 ]; then
    echo "qemu-run: TIMEOUT after ${TIMEOUT}s (machine $MACHINE cpu $CPU smp $SMP mem $MEM); last serial lines:" >&2
    tail -n 20 "$LOG" | sed 's/^/    | /' >&2
    exit 124
fi
# isa-debug-exit: QEMU's status is (value << 1) | 1. 0 means QEMU stopped on
# its own (power-off without the device, or a reset with -no-reboot).
if [ $((rc & 1)) = 1 ]; then
    exit $((rc >> 1))
fi
if [ $rc = 0 ]; then
    # A clean ACPI power-off: fine for an interactive run, but a test run
    # must report through isa-debug-exit.
    grep -q '^sinter: boot ok' "$LOG" && exit 0
fi
echo "qemu-run: QEMU ended without a guest status (rc=$rc: reset, triple fault or crash); last serial lines:" >&2
tail -n 20 "$LOG" | sed 's/^/    | /' >&2
exit 125
