# The in-kernel suites and boot scenarios `make test` runs. Each job is a
# function; run-suites.sh runs them two at a time (this machine has 2 cores).

# The full suite on the machine shapes that matter: xAPIC and x2APIC, 1 and
# 4 CPUs, q35 and pc, small and large memory.
suite_x2apic_q35_1cpu()  { boot "$1" 600 CMDLINE="test=all" CPU=max SMP=1 MEM=256M MACHINE=q35; tap_count "$1"; }
suite_xapic_q35_1cpu()   { boot "$1" 600 CMDLINE="test=all" CPU=qemu64 SMP=1 MEM=128M MACHINE=q35; tap_count "$1"; }
suite_x2apic_pc_4cpu()   { boot "$1" 600 CMDLINE="test=all" CPU=max SMP=4 MEM=2G MACHINE=pc; tap_count "$1"; }
suite_xapic_pc_4cpu()    { boot "$1" 600 CMDLINE="test=all" CPU=qemu64 SMP=4 MEM=128M MACHINE=pc; tap_count "$1"; }

# The runner's own guards: a hang and an unexpected fault each fail their
# test, and the run goes on to the next.
scenario_runner_selftest() {
    local n=$1
    boot "$1" 120 CMDLINE="test=selftest.*" SMP=1
    check "$1" "watchdog and exception guard fail exactly the broken tests" eval '
        has "$n" "^not ok [0-9]+ - selftest.watchdog_hang" &&
        has "$n" "watchdog: no result after 300 ms" &&
        has "$n" "^not ok [0-9]+ - selftest.unexpected_fault" &&
        has "$n" "unexpected page fault" &&
        has "$n" "^ok [0-9]+ - selftest.runs_after_failures" && rc_is "$n" 1'
}

# exit=1: the summary line, then power-off with status 0.
scenario_summary_exit() {
    local n=$1
    boot "$1" 120 CMDLINE="exit=1" SMP=2 CPU=max
    check "$1" "summary line with every field, exit status 0" eval '
        has "$n" "^sinter: boot ok cpus=2 apic=x2apic tsc_mhz=[0-9]+ timer_hz=100 mem_mib=[0-9]+ hv=[a-z]+" &&
        rc_is "$n" 0'
}

# A fatal exception outside test mode: full dump, then halt (panic=exit
# turns the halt into power-off status 3 so the test needs no timeout).
scenario_exception_dump() {
    local n=$1
    boot "$1" 120 CMDLINE="panic_test=pf panic=exit" CPU=qemu64
    check "$1" "page-fault dump with CR2, registers, symbolised backtrace" eval '
        has "$n" "EXCEPTION page fault \(#PF\) on CPU0, error code 0x2" &&
        has "$n" "cr2 0x00007fffdead0000" &&
        has "$n" "rip 0x[0-9a-f]+ <raise_test_exception\+0x" &&
        has "$n" "r12 [0-9a-f]{16}" &&
        has "$n" "#01 0x[0-9a-f]+ <kernel_main_on_own_stack\+0x" &&
        has "$n" "system halted" && rc_is "$n" 3'
}

# Bad command-line words: one warning each, boot continues.
scenario_cmdline_warnings() {
    local n=$1
    boot "$1" 120 CMDLINE="exit=1 bogus=1 timer_hz=abc loglevel=loud =x hv=off"
    check "$1" "unknown key and malformed values warned about, boot goes on" eval '
        has "$n" "cmdline: warning: unknown option \"bogus\" ignored" &&
        has "$n" "cmdline: warning: bad value \"abc\" for timer_hz" &&
        has "$n" "cmdline: warning: bad value \"loud\" for loglevel \(want err\|warn\|info\|debug\)" &&
        has "$n" "cmdline: warning: ignored 1 malformed word" &&
        has "$n" "^sinter: boot ok .*timer_hz=100" && rc_is "$n" 0'
}

# hv=off: no backend, no model, no SynIC; the boot says so and goes on.
scenario_hv_off() {
    local n=$1
    boot "$1" 120 CMDLINE="exit=1 hv=off"
    check "$1" "hv=off boots without a backend or VMBus and says so" eval '
        has "$n" "^hv: hv=off: no Hyper-V backend; continuing without VMBus" &&
        has "$n" "^sinter: boot ok .* hv=none" &&
        ! has "$n" "^hvsim: Hyper-V model up" && ! has "$n" "SynIC on" && rc_is "$n" 0'
}

# hv=sim trace=hv: each setup step narrated from both sides of the TLFS
# interface, guest MSR writes and the model's answers.
scenario_hv_sim_trace() {
    local n=$1
    boot "$1" 120 CMDLINE="exit=1 hv=sim trace=hv"
    check "$1" "trace=hv narrates the guest and host sides of the SynIC setup" eval '
        has "$n" "^hv: guest: wrmsr GUEST_OS_ID <- 0x8" &&
        has "$n" "^hv: guest: wrmsr HYPERCALL <- 0x[0-9a-f]*1[^0-9a-f]" &&
        has "$n" "^hvsim: host: hypercall page at 0x[0-9a-f]+ \(int 0xf3; ret\)" &&
        has "$n" "^hvsim: host: hypercall 0x0 fast from VP0 -> INVALID_HYPERCALL_CODE" &&
        has "$n" "^hv: guest: wrmsr SIMP <- 0x[0-9a-f]*1[^0-9a-f]" &&
        has "$n" "^hv: guest: wrmsr SIEFP <- 0x[0-9a-f]*1[^0-9a-f]" &&
        has "$n" "^hv: guest: wrmsr SINT2 <- 0x[0-9a-f]+" &&
        has "$n" "^hvsim: host: SINT2 of VP0: vector 0x[0-9a-f]+" &&
        has "$n" "^hv: guest: wrmsr SCONTROL <- 0x1" &&
        has "$n" "^sinter: boot ok .* hv=model" && rc_is "$n" 0'
}

# The Hyper-V disk image (GPT + ESP, raw and VHDX) boots under OVMF.
scenario_disk_image() {
    local n=$1
    local img=$RESULTS/$n.img
    bash scripts/mkimage.sh build/sinter.efi "$img" "exit=1" > /dev/null
    boot "$n" 120 DISK="${img%.img}.vhdx"
    check "$n" "VHDX disk image with a GPT ESP boots to the summary line" eval '
        has "$n" "command line \(cmdline.txt\): \"exit=1\"" && has "$n" "^sinter: boot ok" && rc_is "$n" 0'
}

QEMU_JOBS="suite_x2apic_q35_1cpu suite_xapic_q35_1cpu suite_x2apic_pc_4cpu suite_xapic_pc_4cpu
           scenario_runner_selftest scenario_summary_exit scenario_exception_dump
           scenario_cmdline_warnings scenario_hv_off scenario_hv_sim_trace scenario_disk_image"
