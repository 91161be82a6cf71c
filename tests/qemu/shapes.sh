# Machine shapes the in-kernel suite (test=all) boots on. One line each:
#   name  CPU  SMP  MEM  MACHINE
# `make test` runs FAST_SHAPES; `make test-shapes` runs WIDE_SHAPES, a
# covering set rather than the full cross product: every SMP count (1 2 3
# 4 8 16), CPU model (qemu64 Nehalem Skylake-Server Icelake-Server EPYC
# max), machine (q35 pc) and memory size (48M, the smallest that boots, to
# 4G) appears at least once, and the shapes issue 7 saw fail are in it.
FAST_SHAPES="
x2apic_q35_1cpu     max             1  256M q35
xapic_q35_1cpu      qemu64          1  128M q35
x2apic_pc_4cpu      max             4  2G   pc
xapic_pc_4cpu       qemu64          4  128M pc
"
WIDE_SHAPES="
qemu64_q35_1cpu_48m     qemu64          1  48M  q35
nehalem_pc_1cpu         Nehalem         1  128M pc
max_pc_1cpu             max             1  256M pc
epyc_pc_2cpu            EPYC            2  256M pc
skylake_q35_3cpu        Skylake-Server  3  1G   q35
icelake_pc_4cpu         Icelake-Server  4  2G   pc
max_q35_8cpu_4g         max             8  4G   q35
epyc_q35_16cpu          EPYC            16 512M q35
nehalem_pc_16cpu        Nehalem         16 192M pc
"

# shape_line NAME [LIST]: the fields of one shape ("" if none).
shape_line() {
    printf '%s\n' "${2:-$FAST_SHAPES $WIDE_SHAPES}" | awk -v n="$1" '$1 == n { print; exit }'
}

# shape_names LIST: the names in a list.
shape_names() { printf '%s\n' "$1" | awk 'NF >= 5 { print $1 }'; }

# run_shape NAME: test=all on that shape, counted as TAP (job suite_NAME).
run_shape() {
    local job=$1 name=${1#suite_} cpu smp mem machine
    read -r _ cpu smp mem machine <<< "$(shape_line "$name")"
    boot "$job" 600 CMDLINE="test=all" CPU="$cpu" SMP="$smp" MEM="$mem" MACHINE="$machine"
    tap_count "$job"
}
