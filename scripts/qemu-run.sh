#!/usr/bin/env bash
# Boots build/sinter.efi in QEMU with OVMF and exits with the guest's status.
# Environment (all optional):
#   CMDLINE  kernel command line (written to \EFI\BOOT\CMDLINE.TXT on the ESP)
#   CMDLINE_FILE  a file to use as CMDLINE.TXT instead, byte for byte
#   SMP MEM CPU MACHINE   QEMU shape (defaults 1, 256M, max, q35)
#   TIMEOUT  seconds before the run is killed and reported as a hang (default:
#            none for interactive runs, 300 when CMDLINE has test= or exit=;
#            never under GDB=1)
#   LOG      serial log file (default build/serial.log)
#   GDB=1    wait for gdb on :1234 (QEMU -s -S); with CMDLINE "gdb=wait" the
#            kernel waits instead, after printing its image base (make gdb)
#   ACCEL    tcg (default) or kvm (only if it demonstrably works)
#   DISK     boot this disk image (raw .img or .vhdx from `make image`)
#            instead of a fresh ESP; CMDLINE is then whatever the image holds
#   DISPLAY_MODE  none (default) or gtk/sdl to see the framebuffer console
#   SERIAL_IN=1   a run without a terminal still reads serial input from stdin
#                 (a test typing at the console); otherwise it reads /dev/null
#   SERIAL   none: no serial port at all (a Gen2 VM without a COM port); the
#            log is then only on the framebuffer
#   QMP      path of a QMP socket to create (e.g. for screendump)
#   QEMU     the QEMU binary (default qemu-system-x86_64 from PATH)
#   QEMU_ARGS  words appended to QEMU's command line (e.g. "-machine q35,hpet=off")
#   OVMF_CODE OVMF_VARS  firmware images (default Debian's 4M OVMF; VARS is
#            opened copy-on-write, never changed)
# A bad QEMU, QEMU_ARGS or OVMF value gets QEMU's own error and exit status.
# Interactive runs (stdin a terminal) share stdio between the serial port and
# the QEMU monitor: Ctrl-A X quits, Ctrl-A C switches to the monitor and back.
# Runs without a terminal (the test suite) keep stdin closed.
# Exit status: the guest's (isa-debug-exit value), 124 on timeout, 125 if
# QEMU ended without a status (reset, triple fault, crash), QEMU's own status
# if it never started the guest.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EFI=$BUILD/sinter.efi
[ -f "$EFI" ] || { echo "qemu-run: $EFI missing (run make)" >&2; exit 2; }

SMP=${SMP:-1}; MEM=${MEM:-256M}; CPU=${CPU:-max}; MACHINE=${MACHINE:-q35}
CMDLINE=${CMDLINE:-}; ACCEL=${ACCEL:-tcg}; LOG=${LOG:-$BUILD/serial.log}
QEMU=${QEMU:-qemu-system-x86_64}
if [ "${GDB:-0}" = 1 ] || case " $CMDLINE " in *" gdb=wait "*) true ;; *) false ;; esac; then
    TIMEOUT=0          # sitting at a breakpoint is not a hang
elif [ -z "${TIMEOUT:-}" ]; then
    case " $CMDLINE " in *" test="*|*" exit="*) TIMEOUT=300 ;; *) TIMEOUT=0 ;; esac
fi
DEFAULT_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd DEFAULT_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
OVMF_CODE=${OVMF_CODE:-$DEFAULT_CODE}
OVMF_VARS=${OVMF_VARS:-$DEFAULT_VARS}
for f in "$OVMF_CODE" "$OVMF_VARS"; do
    # Only the defaults get a hint; a path the user chose goes to QEMU as is.
    if [ "$f" = "$DEFAULT_CODE" ] || [ "$f" = "$DEFAULT_VARS" ]; then
        [ -f "$f" ] || { echo "qemu-run: $f missing (apt-get install ovmf)" >&2; exit 2; }
    fi
done

# Truncated first: `make gdb` must never read a previous run's image base.
mkdir -p "$(dirname "$LOG")"
: > "$LOG"
work=$(mktemp -d "${TMPDIR:-/tmp}/sinter-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
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
    if [ -n "${CMDLINE_FILE:-}" ]; then
        cp "$CMDLINE_FILE" "$work/cmdline.txt"
    else
        printf '%s' "$CMDLINE" > "$work/cmdline.txt"
    fi
    mcopy -i "$esp" "$work/cmdline.txt" ::/EFI/BOOT/CMDLINE.TXT
    disk_arg="format=raw,file=$esp"
fi

interactive=0
[ -t 0 ] && [ "${INTERACTIVE:-1}" != 0 ] && interactive=1

args=(
    -machine "$MACHINE" -cpu "$CPU" -smp "$SMP" -m "$MEM" -accel "$ACCEL"
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE"
    -drive if=pflash,format=raw,unit=1,snapshot=on,file="$OVMF_VARS"
    -drive "$disk_arg"
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
    -display "${DISPLAY_MODE:-none}" -net none -no-reboot
)
if [ "${SERIAL:-}" = none ]; then
    args+=(-serial none -monitor none)
elif [ $interactive = 1 ]; then
    # Serial and monitor multiplexed on stdio (QEMU's mon:stdio, with a log).
    args+=(-chardev stdio,id=ser0,mux=on,signal=off,logfile="$LOG"
           -serial chardev:ser0 -mon chardev=ser0,mode=readline)
else
    args+=(-chardev stdio,id=ser0,signal=off,logfile="$LOG" -serial chardev:ser0 -monitor none)
fi
[ -n "${QMP:-}" ] && args+=(-qmp "unix:$QMP,server=on,wait=off")
# GDB=1: QEMU waits for gdb before the firmware (-S). With gdb=wait on the
# command line the kernel waits itself, after printing its image base, so
# QEMU only opens the stub (and `make gdb` finds the base in the log).
case " $CMDLINE " in *" gdb=wait "*) gdb_wait=1 ;; *) gdb_wait=0 ;; esac
if [ $gdb_wait = 1 ]; then
    args+=(-s)
    echo "qemu-run: gdb stub on :1234; the kernel waits for it (in another terminal: make gdb)" >&2
elif [ "${GDB:-0}" = 1 ]; then
    args+=(-s -S)
    echo "qemu-run: waiting for gdb on :1234 before the firmware (gdb -x scripts/gdbinit)" >&2
fi
# shellcheck disable=SC2206 # word splitting is the point
[ -n "${QEMU_ARGS:-}" ] && args+=($QEMU_ARGS)
[ $interactive = 1 ] && echo "qemu-run: Ctrl-A X quits, Ctrl-A C switches between serial and the QEMU monitor" >&2

set +e
if [ $interactive = 1 ]; then
    if [ "$TIMEOUT" != 0 ]; then
        timeout --foreground -k 5 "$TIMEOUT" "$QEMU" "${args[@]}"
    else
        "$QEMU" "${args[@]}"
    fi
elif [ "${SERIAL_IN:-0}" = 1 ]; then
    if [ "$TIMEOUT" != 0 ]; then
        timeout --foreground -k 5 "$TIMEOUT" "$QEMU" "${args[@]}"
    else
        "$QEMU" "${args[@]}"
    fi
elif [ "$TIMEOUT" != 0 ]; then
    timeout --foreground -k 5 "$TIMEOUT" "$QEMU" "${args[@]}" </dev/null
else
    "$QEMU" "${args[@]}" </dev/null
fi
rc=$?
set -e
if [ $rc = 124 ]; then
    echo "qemu-run: TIMEOUT after ${TIMEOUT}s (machine $MACHINE cpu $CPU smp $SMP mem $MEM); last serial lines:" >&2
    tail -n 20 "$LOG" | sed 's/^/    | /' >&2
    exit 124
fi
# QEMU could not start the guest (bad binary, option or firmware): its own
# error is on stderr already; its status 1 must not read as guest status 0.
if [ $rc = 126 ] || [ $rc = 127 ] || { [ $rc = 1 ] && [ "${SERIAL:-}" != none ] && [ ! -s "$LOG" ]; }; then
    echo "qemu-run: $QEMU did not start the guest (exit status $rc)" >&2
    exit $((rc == 1 ? 1 : rc))
fi
# isa-debug-exit: QEMU's status is (value << 1) | 1. 0 means QEMU stopped on
# its own (power-off without the device, or a reset with -no-reboot).
if [ $((rc & 1)) = 1 ]; then
    exit $((rc >> 1))
fi
if [ $rc = 0 ]; then
    # A clean ACPI power-off, or Ctrl-A X: fine for an interactive run, but a
    # test run must report through isa-debug-exit.
    { [ $interactive = 1 ] || grep -q '^sinter: boot ok' "$LOG"; } && exit 0
fi
echo "qemu-run: QEMU ended without a guest status (rc=$rc: reset, triple fault or crash); last serial lines:" >&2
tail -n 20 "$LOG" | sed 's/^/    | /' >&2
exit 125
