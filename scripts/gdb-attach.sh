#!/usr/bin/env bash
# make gdb: attach gdb to a kernel booted with `make run CMDLINE="gdb=wait ..."`
# (in another terminal). Waits (bounded, GDB_WAIT seconds, default 300) for
# the kernel's "gdb: waiting: image base 0x..." line in the serial log,
# then starts gdb with the symbols loaded at that base and the kernel
# released (scripts/gdbinit, sinter-attach). Extra arguments go to gdb
# (e.g. -batch -ex "break trap_dispatch" -ex continue -ex bt).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LOG=${LOG:-$BUILD/serial.log}
wait_s=${GDB_WAIT:-300}
base=
for _ in $(seq $((wait_s * 5))); do
    base=$(grep -a -o 'gdb: waiting: image base 0x[0-9a-f]*' "$LOG" 2>/dev/null | tail -n 1 | sed 's/.* //' || true)
    [ -n "$base" ] && break
    sleep 0.2
done
if [ -z "$base" ]; then
    echo "gdb-attach: no \"gdb: waiting\" line in $LOG after ${wait_s}s (boot with CMDLINE=\"gdb=wait ...\")" >&2
    exit 1
fi
echo "gdb-attach: image base $base (from $LOG)" >&2
exec gdb -q -x scripts/gdbinit -ex "sinter-attach $base $BUILD/sinter.so" "$@"
