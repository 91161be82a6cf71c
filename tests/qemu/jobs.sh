# The boot scenarios `make test` runs, besides the in-kernel suite on each
# machine shape (tests/qemu/shapes.sh). The job list is derived: every
# function named scenario_* below is a job (run-suites.sh finds them), and
# so is suite_<name> for each shape. To add one, write a function:
#
#   # What it proves, in a sentence.
#   scenario_my_case() {
#       boot "$JOB" 120 CMDLINE="exit=1 my.option=1" SMP=2
#       want has "^my: the line that proves it"
#       want result warn.my 1          # the kernel's result line, not prose counts
#       want rc 0
#       verdict "what it proves"
#   }
#
# Predicates are in tests/qemu/lib.sh. Jobs run two at a time.

# ---- the runner and the boot ----

# The runner's own guards: a hang and an unexpected fault each fail their
# test, and the run goes on to the next.
scenario_runner_selftest() {
    boot "$JOB" 120 CMDLINE="test=selftest.*" SMP=1
    want has "^not ok [0-9]+ - selftest.watchdog_hang"
    want has "watchdog: no result after 300 ms"
    want has "^not ok [0-9]+ - selftest.unexpected_fault"
    want has "unexpected page fault"
    want test_ok selftest.runs_after_failures
    want result tests 3
    want result failed 2
    want rc 1
    verdict "watchdog and exception guard fail exactly the broken tests"
}

# A test glob that selects nothing is an error, not an empty pass.
scenario_test_glob_matches_nothing() {
    boot "$JOB" 120 CMDLINE="test=vmbsu.*" SMP=1
    want has "^Bail out! test=vmbsu\.\* matches no test"
    want result err.ktest 1
    want rc 1
    verdict "test=<glob> matching no test bails out naming the glob, status 1"
}

# exit=1: the summary line, the result line, then power-off with status 0
# and no false "power-off failed".
scenario_summary_exit() {
    boot "$JOB" 120 CMDLINE="exit=1" SMP=2 CPU=max
    want has "^smp: 2 of 2 CPUs online"
    want has "^sinter: boot ok cpus=2/2 apic=x2apic tsc_mhz=[0-9]+ timer_hz=100 mem_mib=[0-9]+ hv=[a-z]+"
    want result status 0
    want result errors 0
    want_not has "power-off failed"
    want rc 0
    verdict "summary line with every field, clean power-off, exit status 0"
}

# The smallest memory that boots: the heap is sized from the memory map.
scenario_min_memory() {
    boot "$JOB" 120 CMDLINE="exit=1" MEM=48M SMP=1
    want has "^heap: [0-9]+ KiB \(of [0-9]+ KiB free\)"
    want has "^sinter: boot ok "
    want result errors 0
    want rc 0
    verdict "48 MiB boots to the summary line"
}

# A fatal exception outside test mode: full dump, then halt (panic=exit
# turns the halt into power-off status 3 so the test needs no timeout).
scenario_exception_dump() {
    boot "$JOB" 120 CMDLINE="panic_test=pf panic=exit" CPU=qemu64 SMP=4
    want has "EXCEPTION page fault \(#PF\) on CPU0, error code 0x2"
    want has "^trap: error: stopped 3 other CPU\(s\) of 3"
    want has "cr2 0x00007fffdead0000"
    want has "rip 0x[0-9a-f]+ <raise_test_exception\+0x"
    want has "r12 [0-9a-f]{16}"
    want has "#01 0x[0-9a-f]+ <kernel_main_on_own_stack\+0x"
    want has "system halted"
    want result status 3
    want rc 3
    verdict "page-fault dump with CR2, registers, symbolised backtrace; every CPU stopped"
}

# SMP bring-up knobs: an AP that never gets its SIPI is named after the
# bounded wait and the boot completes without it; smp.max starts fewer.
scenario_smp_skip_sipi() {
    boot "$JOB" 120 CMDLINE="test=smp.* smp.skip_sipi=2 smp.wait_ms=500" SMP=4 CPU=qemu64
    want has "^smp: error: CPU with APIC id 2 \(MADT uid 2\) did not report in within 500 ms \(it never ran the trampoline\)"
    want has "^smp: 3 of 4 CPUs online in [0-9]+ ms \(APIC ids 0 1 3\)"
    want has "^sinter: boot ok cpus=3/4 "
    want test_ok smp.every_cpu_online
    want test_ok smp.every_cpu_ticks
    want result failed 0
    want result err.smp 1
    want rc 0
    verdict "the AP without a SIPI is named; the other three run; summary cpus=3/4"
}

scenario_smp_max() {
    boot "$JOB" 120 CMDLINE="exit=1 smp.max=2" SMP=4 CPU=max MACHINE=pc
    want has "^smp: 2 CPU\(s\) not started \(smp.max=2 or unreachable\)"
    want has "^sinter: boot ok cpus=2/4 "
    want rc 0
    verdict "smp.max=2 on 4 CPUs: two online, summary cpus=2/4"
}

# hvsim.inject=posted: the model posts SINT vectors into the target CPU's
# descriptor and sends the notification vector; the same guest handlers run
# every test (the SynIC tests hold the SINT with SN instead of the TPR,
# kernel/tests/sint_hold.c), and each CPU's echo interrupts arrive as postings.
scenario_model_posted() {
    boot "$JOB" 300 CMDLINE="test=all hvsim.inject=posted" SMP=4 CPU=max
    want has "^hvsim: interrupts injected through posted-interrupt descriptors"
    want test_ok vmbus.every_cpu_takes_interrupts
    want test_ok vmbus.echo_100k
    want result failed 0
    want rc 0
    verdict "every test passes with posted injection; each CPU got postings"
}

# Dynamic Memory against the model's hv-balloon endpoint (hvsim.dm=on;
# wait=0 skips the host's 50 s post-init wait): balloon, unballoon, a
# request larger than the guest, all back; the QEMU personality suppresses
# status reports as QEMU's status-report=off default does, Hyper-V's wants
# them. Every DM rule the model checks holds (hvsim.strict).
scenario_dm_qemu() {
    boot "$JOB" 120 CMDLINE="test=dm.* hvsim.host=qemu hvsim.dm=on,wait=0" SMP=2
    want has "^dm: protocol 2.0 accepted"
    want has "^dm: dynamic memory on relid 5"
    want test_ok dm.balloon_unballoon
    want result failed 0
    want rc 0
    verdict "DM over the QEMU personality: pages out and back, counts exact"
}
scenario_dm_hyperv() {
    boot "$JOB" 120 CMDLINE="test=dm.* hvsim.dm=on,status,wait=0" SMP=2
    want has "^dm: protocol 2.0 accepted"
    want test_ok dm.balloon_unballoon
    want result failed 0
    want rc 0
    verdict "DM over the Hyper-V personality with status reports: pages out and back"
}

# test=conformance against the model: every check passes but the vendor
# signature, a documented skip (the model says "SinterHvSim "); the checks
# and their rules are in docs/conformance.md.
CONFORMANCE_PASSES="cpuid.hypervisor_present cpuid.max_leaf cpuid.interface_hv1
 cpuid.privileges_match_msrs msr.guest_os_id_reads_back msr.hypercall_page_enabled msr.sversion
 msr.vp_index_read_only msr.time_ref_count_read_only msr.tsc_frequency_read_only
 hcall.unknown_code hcall.rep_on_simple_call hcall.reserved_control_bits hcall.input_alignment
 hcall.signal_event_unknown_connection hcall.post_message_unknown_connection
 time.ref_tsc_page_matches_ref_count stimer.oneshot_direct_mode stimer.oneshot_message_mode
 vmbus.version_accepted vmbus.offers_received vmbus.ic_negotiated vmbus.channel_interrupts
 vmbus.modifychannel"
scenario_conformance_model() {
    boot "$JOB" 300 CMDLINE="test=conformance" SMP=2
    local c
    for c in $CONFORMANCE_PASSES; do want has "^conformance: pass $c: "; done
    want has "^conformance: skip cpuid.vendor_signature: .*\(vendor \"SinterHvSim \", informational\)"
    want has "^conformance: 24 pass, 0 fail, 1 skip"
    want test_ok conformance
    want rc 0
    verdict "every conformance check passes against the model (vendor signature: documented skip)"
}

# The report fails a host that breaks a rule: with every channel interrupt
# dropped the signalling check FAILs (the ICs still negotiate, through the
# guest's lost-interrupt rescue), and a 4.0 host has no MODIFYCHANNEL.
scenario_conformance_bad_host() {
    boot "$JOB" 300 CMDLINE="test=conformance hvsim.host=hyperv:4.0 hvsim.faults=drop_irq=1/1" SMP=2
    want has "^conformance: FAIL vmbus.channel_interrupts: .*\(none of [0-9]+ open channels\)"
    want has "^conformance: skip vmbus.modifychannel: .*\(version 4.0 has no MODIFYCHANNEL \(4.1\+\)\)"
    want has "^conformance: pass vmbus.ic_negotiated: "
    want has "^conformance: 22 pass, 1 fail, 2 skip"
    want has "^not ok [0-9]+ - conformance"
    want result failed 1
    want rc 1
    verdict "a host that never signals fails vmbus.channel_interrupts; 4.0 skips MODIFYCHANNEL"
}

# vmbus.spread=1: channels round robin over the CPUs, so the echo callback
# runs on another CPU than its sender and the guest's ring code and the
# model's host ring run truly concurrently. echo_100k once stalled here (the
# host stopped reading its outbound ring before read_index showed it).
scenario_vmbus_spread() {
    boot "$JOB" 300 CMDLINE="test=vmbus.* vmbus.spread=1" SMP=4 CPU=max
    want test_ok vmbus.echo_100k
    want has "# echo channel interrupts to VP [1-3], sender on VP 0"
    want_not has "^not ok"
    want has "^# 0 of [0-9]+ test"
    want rc 0
    verdict "every vmbus.* test passes with channels spread; echo_100k ran off its sender's VP"
}

# Retargets in mid-traffic while the host keeps signalling the old VP for
# 4 interrupts after each MODIFYCHANNEL: the callback guard keeps the ring to
# one reader. Direct and posted delivery.
scenario_retarget_lag() {
    boot "$JOB" 300 CMDLINE="test=vmbus.retarget_mid_traffic hvsim.faults=retarget_lag=4" SMP=4 CPU=max
    want test_ok vmbus.retarget_mid_traffic
    want has "# 100000 packets echoed across 200 retargets over 4 CPUs; host interrupts to the old VP [1-9]"
    want rc 0
    verdict "100,000 echoes intact across 200 retargets with the host lagging on each"
}

scenario_retarget_lag_posted() {
    boot "$JOB" 300 CMDLINE="test=vmbus.retarget_mid_traffic hvsim.faults=retarget_lag=4 hvsim.inject=posted" SMP=4 CPU=max
    want test_ok vmbus.retarget_mid_traffic
    want has "# 100000 packets echoed across 200 retargets over 4 CPUs; host interrupts to the old VP [1-9]"
    want rc 0
    verdict "the same through posted-interrupt descriptors"
}

# The VMBus host's CPU: by default the last one (here CPU 3); off, or a bad
# value (named, then the default), and every vmbus.* test still passes.
scenario_host_cpu() {
    boot "$JOB" 300 CMDLINE="test=vmbus.*" SMP=4
    want has "^hvsim: host: the VMBus host runs on CPU 3 "
    want has "^# 0 of [0-9]+ test"
    want rc 0
    boot "$JOB.off" 300 CMDLINE="test=vmbus.* hvsim.host_cpu=off" SMP=4
    want_not file_has off.log "the VMBus host runs on CPU"
    want file_has off.log "^# 0 of [0-9]+ test"
    want file_is off.rc 0
    boot "$JOB.bad" 120 CMDLINE="exit=1 hvsim.host_cpu=seven" SMP=2
    want file_has bad.log "^hvsim: warning: hvsim.host_cpu=seven: neither a CPU number nor off; the last CPU"
    want file_has bad.log "^hvsim: host: the VMBus host runs on CPU 1 "
    verdict "the host runs on the last CPU by default, inside the hypercalls with off; a bad value is named"
}

# trace=pi on an xAPIC machine: each CPU's descriptor (NDST holds the xAPIC
# id in bits 15:8) and each notification, narrated.
scenario_pi_trace() {
    boot "$JOB" 120 CMDLINE="test=pi.layout_and_target trace=pi" SMP=2 CPU=qemu64
    want has "^pi: CPU0 descriptor at 0x[0-9a-f]*[048c]0: NV 0xf2, NDST 0x0[^0-9a-f]"
    want has "^pi: CPU1 descriptor at 0x[0-9a-f]*[048c]0: NV 0xf2, NDST 0x100[^0-9a-f]"
    want has "^pi: CPU0 notification: [1-9][0-9]* vector\(s\) dispatched"
    want has "^pi: CPU1 notification: [1-9][0-9]* vector\(s\) dispatched"
    want test_ok pi.layout_and_target
    want rc 0
    verdict "trace=pi shows both descriptors and notifications on both CPUs"
}

# ---- the command line (untrusted input at the edge of a run) ----

# Bad words: one warning each, boot continues.
scenario_cmdline_warnings() {
    boot "$JOB" 120 CMDLINE="exit=1 bogus=1 timer_hz=abc loglevel=loud =x hv=off"
    want has "cmdline: warning: unknown option \"bogus\" ignored"
    want has "cmdline: warning: bad value \"abc\" for timer_hz"
    want has "cmdline: warning: bad value \"loud\" for loglevel \(want err\|warn\|info\|debug\)"
    want has "cmdline: warning: ignored 1 malformed word"
    want has "^sinter: boot ok .*timer_hz=100"
    want result warn.cmdline 4
    want rc 0
    verdict "unknown key and malformed values warned about, boot goes on"
}

# CMDLINE.TXT byte for byte: a NUL is read as a space (the word after it
# counts), control and escape bytes are shown escaped, and a file over the
# limit keeps its whole words and names what it dropped.
scenario_cmdline_bytes() {
    local f=$RESULTS/$JOB.cmdline
    # 31 bytes of words, spaces to byte 4090, then a word the 4095-byte limit cuts.
    { printf 'exit=1\0timer_hz=250 bogus=\033[2J\007'; printf '%4059s' ''; printf ' timer_hz=1000 hv=off'; } > "$f"
    boot "$JOB" 120 CMDLINE_FILE="$f" SMP=1
    want has '^sinter: command line \(cmdline.txt\): "exit=1 timer_hz=250 bogus=\\x1b\[2J\\x07 '
    want has "^cmdline: warning: 2 control or non-ASCII byte\(s\), shown as"
    want has "^cmdline: warning: 1 NUL byte\(s\) in CMDLINE.TXT read as spaces"
    want has "^cmdline: error: CMDLINE.TXT is 4111 bytes, over the 4095-byte limit: dropped its last 20 byte\(s\), from \"timer_hz=1000 hv=off\" on"
    want_not has $'bogus=\033'        # firmware's own escapes come first; ours never raw
    want has "^sinter: boot ok .*timer_hz=250 .*hv=model"
    want result err.cmdline 1
    want rc 0
    verdict "NUL, escape bytes and an overlong CMDLINE.TXT: each warned about, nothing silent"
}

# ---- QEMU passthrough (users smoke-testing their own configuration) ----

scenario_qemu_passthrough() {
    boot "$JOB" 120 CMDLINE="exit=1" QEMU_ARGS="-machine q35,hpet=off" QEMU="$(command -v qemu-system-x86_64)"
    want has "^sinter: boot ok "
    want has ", hpet 0x0, "          # hpet=off reached the machine
    want rc 0
    boot "$JOB" 60 CMDLINE="exit=1" QEMU_ARGS="-machine q35,no-such-property=on"
    want grep -q "no-such-property" "$RESULTS/$JOB.stderr"
    want_not rc 0
    boot "$JOB" 60 CMDLINE="exit=1" OVMF_CODE=/nonexistent/OVMF_CODE.fd
    want grep -q "Could not open '/nonexistent/OVMF_CODE.fd'" "$RESULTS/$JOB.stderr"
    want_not rc 0
    verdict "QEMU_ARGS and QEMU= reach QEMU; a bad value gets QEMU's own error and a non-zero exit"
}

# ---- Hyper-V backend ----

# hv=off: no backend, no model, no SynIC; the boot says so and goes on.
scenario_hv_off() {
    boot "$JOB" 120 CMDLINE="exit=1 hv=off"
    want has "^hv: hv=off: no Hyper-V backend; continuing without VMBus"
    want has "^sinter: boot ok .* hv=none"
    want_not has "^hvsim: Hyper-V model up"
    want_not has "SynIC on"
    want rc 0
    verdict "hv=off boots without a backend or VMBus and says so"
}

# hv=sim trace=hv: each setup step narrated from both sides of the TLFS
# interface, guest MSR writes and the model's answers.
scenario_hv_sim_trace() {
    boot "$JOB" 120 CMDLINE="exit=1 hv=sim trace=hv"
    want has "^hv: guest: wrmsr GUEST_OS_ID <- 0x8"
    want has "^hv: guest: wrmsr HYPERCALL <- 0x[0-9a-f]*1[^0-9a-f]"
    want has "^hvsim: host: hypercall page at 0x[0-9a-f]+ \(int 0xf3; ret\)"
    want has "^hvsim: host: hypercall 0x0 fast from VP0 -> INVALID_HYPERCALL_CODE"
    want has "^hv: guest: wrmsr SIMP <- 0x[0-9a-f]*1[^0-9a-f]"
    want has "^hv: guest: wrmsr SIEFP <- 0x[0-9a-f]*1[^0-9a-f]"
    want has "^hv: guest: wrmsr SINT2 <- 0x[0-9a-f]+"
    want has "^hvsim: host: SINT2 of VP0: vector 0x[0-9a-f]+"
    want has "^hv: guest: wrmsr SCONTROL <- 0x1"
    want has "^sinter: boot ok .* hv=model"
    want rc 0
    verdict "trace=hv narrates the guest and host sides of the SynIC setup"
}

# build/sinter.vhdx, the very file `make image` wrote for Hyper-V (make test
# builds it first), boots under OVMF to the summary line. Its command line is
# the user's IMAGE_CMDLINE (empty by default: the kernel then idles), so the
# run is stopped once the summary line is on serial, or ends by itself.
scenario_disk_image() {
    local vhdx=build/sinter.vhdx
    [ -f "$vhdx" ] || { echo missing > "$RESULTS/$JOB.log"; echo 125 > "$RESULTS/$JOB.rc"; }
    [ -f "$vhdx" ] && boot_until "$JOB" 180 "^sinter: boot ok" DISK="$vhdx"
    want has "command line \(cmdline.txt\): "
    want has "^sinter: boot ok"
    want_rc_stopped_or_0
    verdict "$vhdx boots to the summary line"
}
want_rc_stopped_or_0() { rc stopped || rc 0 || WANT_FAILED+=("want rc stopped or 0"); }

# boot_until NAME TIMEOUT REGEX VAR=VALUE...: like boot, but stops QEMU as
# soon as the serial log matches REGEX (NAME.rc is then "stopped"). The wait
# is on that condition, bounded by TIMEOUT through qemu-run.sh itself.
boot_until() {
    local name=$1 timeout=$2 pattern=$3 pid t0=$SECONDS
    shift 3
    # Its own process group, so stopping it stops QEMU too; its temporary
    # files under RESULTS, which every run starts afresh.
    mkdir -p "$RESULTS/$name.tmp"
    setsid env "$@" TIMEOUT="$timeout" LOG="$RESULTS/$name.log" TMPDIR="$RESULTS/$name.tmp" INTERACTIVE=0 \
        bash scripts/qemu-run.sh > "$RESULTS/$name.stdout" 2> "$RESULTS/$name.stderr" < /dev/null &
    pid=$!
    while kill -0 "$pid" 2> /dev/null && ! grep -a -q -E "$pattern" "$RESULTS/$name.log" 2> /dev/null; do
        sleep 0.2
    done
    if kill -0 "$pid" 2> /dev/null; then
        kill -- "-$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
        echo stopped > "$RESULTS/$name.rc"
    else
        wait "$pid"
        echo $? > "$RESULTS/$name.rc"
    fi
    echo $((SECONDS - t0)) >> "$RESULTS/$name.secs"
    rm -rf "$RESULTS/$name.tmp"
}

# ---- VMBus against the model's host ----

# The vmbus.* tests on a bus shape: $1 extra channels (each an echo
# device beside the 3 ICs and 1 echo of every bus), $2 the relid high-water
# mark that layout implies, rest: extra command-line words.
vmbus_suite() {
    local extra=$1 hwm=$2
    shift 2
    boot "$JOB" 120 CMDLINE="test=vmbus.* $*" SMP=1
    want has "^sinter: boot ok .* hv=model vmbus=5.3 offers=$((extra + 4)) hwm=$hwm\s*\$"
    want result_at_least tests 7
    want result failed 0
    want rc 0
    verdict "$((extra + 4)) offers, hwm $hwm, and every vmbus.* test passes"
}

# The most offers VMBus can carry (relids 1..2047): dense and a random
# permutation both end at 2047; 100 extra channels spread sparse end at
# 1 + 103 * 2047 / 104 = 2028.
scenario_vmbus_2047_dense()  { vmbus_suite 2043 2047 hvsim.channels=2043; }
scenario_vmbus_2047_random() { vmbus_suite 2043 2047 hvsim.channels=2043 hvsim.relids=random:12345; }
scenario_vmbus_100_sparse()  { vmbus_suite 100 2028 hvsim.channels=100 hvsim.relids=sparse; }

# QEMU's vmbus-bridge personality: 5.x contacts on connection 4 fail, 4.1 is
# refused, 4.0 on connection 1 is accepted; nobody told the guest.
scenario_vmbus_qemu_host() {
    boot "$JOB" 120 CMDLINE="test=vmbus.* hvsim.host=qemu trace=vmbus" SMP=1
    want has "^sinter: boot ok .* hv=model vmbus=4.0 offers=4 hwm=4"
    want has "^vmbus: INITIATE_CONTACT 5.3 on connection 4"
    want has "^vmbus: host refused version 4.1"
    want has "^vmbus: connected: version 4.0, message connection id 1"
    want has "^hvutil: heartbeat: framework 3.0, service 3.0"
    want has "^hvutil: timesync: framework 3.0, service 4.0"
    want result_at_least tests 7
    want result failed 0
    want rc 0
    verdict "falls back from 5.3 to 4.0 on its own; ICs bind and negotiate; vmbus.* pass"
}

# The three 1,000,000-packet stress runs in one boot on 2 CPUs, while the
# host drops and duplicates channel interrupts: every echo intact (the guest
# rescues each lost interrupt from its tick); a rescind after 500,000 of
# 1,000,000 packets stops sends with ENODEV, what came back is an intact
# prefix, the relid is released and a re-offered echo channel works; and
# 1,000,000 echoes across 2,000 retargets between the CPUs.
scenario_vmbus_stress_faults() {
    boot "$JOB" 600 CMDLINE="test=stress.vmbus_* hvsim.faults=drop_irq=1/1000,dup_irq=1/1000,seed=7" SMP=2
    want test_ok stress.vmbus_echo_1m
    want has "# 1000000 packets echoed"
    want has "irq dropped [1-9][0-9]*, duplicated [1-9][0-9]*, .*guest rescued [1-9]"
    want test_ok stress.vmbus_rescind_mid_traffic
    want has "# rescind after 500000 sends: 500000 sent, [0-9]+ echoed, stop rc -8"
    want has "# re-offered echo on relid [0-9]+: 2000 packets echoed"
    want test_ok stress.vmbus_retarget_mid_traffic
    want has "# 1000000 packets echoed across 2000 retargets over 2 CPUs"
    want result tests 3
    want result failed 0
    want rc 0
    verdict "1M echoes intact under interrupt faults; rescind in mid-traffic stops cleanly"
}

# Malformed host input: each gets a clear error line, the boot reaches the
# summary, and channels the host did not corrupt keep working.
scenario_vmbus_bad_msg() {
    boot "$JOB" 120 CMDLINE="test=vmbus.* hvsim.faults=bad_msg" SMP=1
    want has "^vmbus: warning: refused: channel message type 30583 of 8 bytes"
    want has "^vmbus: warning: refused: channel message of 4 bytes"
    want has "^vmbus: warning: refused: channel message type 1 of 100 bytes \(need 196\)"
    want has "^vmbus: error: offer refused: relid 0 outside 1..2047"
    want has "^vmbus: error: offer refused: relid 4096 outside 1..2047"
    want has "^vmbus: warning: unexpected GPADL_CREATED ignored"
    want has "^vmbus: warning: unexpected OPENCHANNEL_RESULT ignored"
    want has "^sinter: boot ok .* vmbus=5.3 offers=4 hwm=4"
    want result failed 0
    want rc 0
    verdict "bad messages refused with a reason each; every vmbus.* test passes"
}

# One IC's inbound ring corrupted by the host ($1: bad_ring or bad_pkt on
# relid 2, the shutdown IC): refused by name; heartbeat and timesync work.
ic_ring_fault() {
    local fault=$1 refusal=$2
    boot "$JOB" 120 CMDLINE="test=vmbus.ic_* hvsim.faults=$fault=2" SMP=1
    want has "^vmbus: warning: refused: relid 2 inbound: refusing packet: $refusal"
    want_not has "relid [13] inbound: refusing"
    want has "^sinter: boot ok .* vmbus=5.3"
    want test_ok vmbus.ic_heartbeat
    want test_ok vmbus.ic_timesync
    want result failed 0
    want rc 0
    verdict "$fault on relid 2 refused by name; the other ICs work"
}
scenario_vmbus_bad_ring() { ic_ring_fault bad_ring "write_index [0-9]+ invalid"; }
scenario_vmbus_bad_pkt()  { ic_ring_fault bad_pkt "type 6 offset8 2 len8 [0-9]+ with [0-9]+ bytes available"; }

# Spurious event bits for relids with no open channel, above and below the
# high-water mark on every tick: counted, logged at a rate limit (8 lines,
# then one per 1024 events: the run's length decides how many), never
# followed; every channel keeps working.
scenario_vmbus_spurious_bits() {
    boot "$JOB" 120 CMDLINE="test=vmbus.* hvsim.faults=spurious_bits" SMP=1
    want has "^vmbus: warning: .*event for relid [0-9]+ with no open channel \(1 refused\)"
    local total
    total=$(grep -a "with no open channel" "$RESULTS/$JOB.log" | grep -o '([0-9]* refused)' | tail -n 1 | tr -dc 0-9)
    want lines_at_most "with no open channel" $((9 + ${total:-0} / 1024))
    want result_at_least tests 7
    want result failed 0
    want rc 0
    verdict "spurious event bits counted and rate-limited; vmbus.* tests pass"
}

# A host that never answers: the bounded wait names the step, and boot goes
# on without VMBus.
scenario_vmbus_mute_host() {
    boot "$JOB" 120 CMDLINE="exit=1 hvsim.faults=mute" SMP=1
    want has "^vmbus: error: timed out after [0-9]+ ms waiting for VERSION_RESPONSE to INITIATE_CONTACT"
    want has "^vmbus: error: connection failed; continuing without VMBus"
    want has "^sinter: boot ok .* hv=model vmbus=none offers=0 hwm=0"
    want rc 0
    verdict "no answer to INITIATE_CONTACT: timeout names the step, boot continues"
}

# The host asks for a shutdown 300 ms after VMBus is up (once every IC has
# negotiated); the idle kernel answers, disconnects and powers off with
# status 0 (no exit= or test=). trace=vmbus narrates each step from both
# sides, contact to UNLOAD.
scenario_vmbus_host_shutdown_trace() {
    boot "$JOB" 60 CMDLINE="trace=vmbus hvsim.shutdown_after=300" SMP=2
    want has "^sinter: idle"
    want has "^hvsim: host: shutdown request sent to the guest"
    want has "^hvutil: shutdown requested by host \(reason 0x0, flags 0x0\)"
    want has "^sinter: shutdown requested by the host: disconnecting VMBus and powering off"
    want has "^vmbus: INITIATE_CONTACT 5.3 on connection 4"
    want has "^hvsim: host: INITIATE_CONTACT 5.3 on connection 4 from VP0: accepted"
    want has "^vmbus: connected: version 5.3, message connection id 1"
    want has "^hvsim: host: OFFERCHANNEL relid 4 \(echo\), connection [0-9]+"
    want has "^vmbus: offer relid 4 conn [0-9]+ class 73696e74-6572-4563-686f-000000000001"
    want has "^vmbus: all offers delivered: 4 channels, hwm 4"
    want has "^hvsim: host: GPADL 0x[0-9a-f]+ created: 8 pages for relid 1"
    want has "^vmbus: relid 1 open: rings 4\+4 pages, target VP 0"
    want has "^hvsim: host: heartbeat IC: negotiate sent"
    want has "^hvutil: heartbeat: framework 3.0, service 3.0"
    want has "^hvsim: host: heartbeat IC ready: framework 3.0, service 3.0"
    want has "^hvutil: timesync sync: [0-9]+ ns since 1970"
    want has "^vmbus: relid 2: remove shutdown"
    want has "^hvsim: host: UNLOAD done"
    want result status 0
    want rc 0
    verdict "host shutdown request -> clean power-off, status 0; trace=vmbus narrates it all"
}

# ---- the live console ----

# The live console, typed at through QEMU's serial input: every session of
# every lesson (docs/lessons/*.md), then the console checks (bad input), in
# one boot; one result per session (tests/junit.py reads them from
# <job>.replay). tests/qemu/console_replay.py waits on the prompt, never on
# time. $1 job name, $2 CPU model, $3 replay options; the lessons' files,
# and for the default shape the console checks.
console_replay_job() {
    local n=$1 cpu=$2 opts=$3 files
    files=$(ls docs/lessons/*.md 2>/dev/null)
    [ -z "$opts" ] && files="$files tests/qemu/console-checks.md"
    SMP=2 CPU=$cpu MEM=256M TIMEOUT=600 python3 tests/qemu/console_replay.py --log "$RESULTS/$n.log" \
        $opts $files > "$RESULTS/$n.replay" 2> "$RESULTS/$n.stderr" < /dev/null
    echo $? > "$RESULTS/$n.rc"
    local p f
    p=$(grep -c '^ok - ' "$RESULTS/$n.replay" || true)
    f=$(grep -c '^not ok - ' "$RESULTS/$n.replay" || true)
    if [ "$f" -eq 0 ] && { [ "$(cat "$RESULTS/$n.rc")" != 0 ] || [ "$p" -eq 0 ]; }; then
        f=1
        echo "  [$n] replay exited with status $(cat "$RESULTS/$n.rc") after $p sessions" > "$RESULTS/$n.report"
        tail -n 15 "$RESULTS/$n.stderr" | sed "s/^/  [$n] | /" >> "$RESULTS/$n.report"
    else
        grep -A12 '^not ok - ' "$RESULTS/$n.replay" | sed "s/^/  [$n] /" > "$RESULTS/$n.report"
    fi
    echo "$p $f" > "$RESULTS/$n.count"
}
scenario_console_sessions() { console_replay_job "$1" max ""; }
# The lessons' `console xapic` sessions on a CPU without x2APIC.
scenario_console_xapic() { console_replay_job "$1" qemu64 "--shape xapic"; }

# ---- a legacy-free platform (issue 10): what a Generation 2 VM lacks ----

# No HPET, no backend: the TSC and LAPIC timer are measured against the
# ACPI PM timer.
scenario_no_hpet() {
    boot "$JOB" 120 CMDLINE="exit=1 hv=off" MACHINE=q35,hpet=off
    want has "^acpi: .* hpet 0x0,"
    want has "^clock: TSC [0-9]+ kHz, LAPIC timer [0-9]+ kHz \(div 16\) from acpi-pm; reference acpi-pm"
    want has "^sinter: boot ok"
    want rc 0
    verdict "without an HPET the clock is measured against the ACPI PM timer"
}

# No HPET, the model as hypervisor: the guest takes the rates from the
# frequency MSRs and measures nothing itself (the model's host side measured
# its platform, as Hyper-V does).
scenario_freq_msrs() {
    boot "$JOB" 120 CMDLINE="exit=1" MACHINE=q35,hpet=off
    want has "^hvsim: host: platform TSC [1-9][0-9]* kHz, APIC timer [1-9][0-9]* kHz \(from acpi-pm\)"
    want has "^hv: TSC [0-9]+ kHz, APIC timer [0-9]+ kHz from the model frequency MSRs: no calibration window"
    want has "^clock: TSC [0-9]+ kHz, .* from model frequency MSRs;"
    want has "^sinter: boot ok .* hv=model"
    want rc 0
    verdict "rates from the model's frequency MSRs, no calibration window in the guest"
}

# boot.profile=1: one line per boot phase after the summary, in boot order,
# then the total, which is the figure the "kernel entry to summary" line gives.
scenario_boot_profile() {
    boot "$JOB" 120 CMDLINE="boot.profile=1 exit=1"
    want has "^boot: profile: early \(cpu 0 tables\) +[0-9]+ us +[0-9]+%"
    want has "^boot: profile: clock calibration +[0-9]+ us"
    want has "^boot: profile: application cpus +[0-9]+ us"
    want has "^boot: profile: vmbus and drivers +[0-9]+ us"
    want has "^boot: profile: total +[1-9][0-9]* us"
    want_not has "unknown option"
    want rc 0
    verdict "boot.profile=1 prints every phase and the total"
}

# No HPET and the PM timer hidden (pmtimer=0): CPUID 0x15/0x16 or, failing
# those (QEMU TCG has neither), a stated guess; the boot goes on.
scenario_pmtimer_hidden() {
    boot "$JOB" 120 CMDLINE="exit=1 hv=off pmtimer=0" MACHINE=q35,hpet=off
    want has "^clock: pmtimer=0: ACPI PM timer at 0x[0-9a-f]+ not used"
    want has "^clock: TSC [0-9]+ kHz, .* from (cpuid 0x15|cpuid 0x16|assumed); reference none"
    want has "^sinter: boot ok"
    want rc 0
    verdict "with no HPET and pmtimer=0 the clock says what it used and the boot goes on"
}

# No serial port at all: the summary is read off the framebuffer through
# QMP screendump (tests/screen: pixel-exact against the PSF font).
scenario_no_serial_screen() {
    # Wait for the status page, the last thing the boot draws (after the
    # summary line): a dump taken at "boot ok" could come before it.
    boot_screen "$JOB" 180 "^sinter status: cpus" SERIAL=none MACHINE=q35,hpet=off
    want file_is watch 0
    want file_has screen.txt "^sinter: boot ok cpus=[0-9]+/[0-9]+ .* hv=model"
    want file_has screen.txt "^sinter status: cpus [0-9]+/[0-9]+, .* from model frequency MSRs"
    verdict "no UART: the boot summary is on the screen, drawn in the console font"
}

# No serial port: the in-kernel tests still report through isa-debug-exit.
scenario_no_serial_exit() {
    boot "$JOB" 300 CMDLINE="test=timer.*" SERIAL=none
    want file_empty log
    want rc 0
    verdict "no UART: test=timer.* powers off with status 0 (isa-debug-exit)"
}

# The framebuffer status page: its rows are the rows logged as "status:",
# drawn in the console font, and its live row counts.
scenario_status_page() {
    local n=$1 p f
    qmp_boot_start "$n" 180 SMP=2
    python3 tests/screen/check_status_page.py "$QMP_SOCK" "${BUILD:-build}/font.psf" "$RESULTS/$n.log" 150 \
        "$RESULTS/$n.screen" > "$RESULTS/$n.checks" 2>&1
    qmp_boot_stop "$n"
    p=$(grep -c '^ok - ' "$RESULTS/$n.checks")
    f=$(grep -c '^not ok - ' "$RESULTS/$n.checks")
    [ "$p" -gt 0 ] || [ "$f" -gt 0 ] || f=1
    echo "$p $f" > "$RESULTS/$n.count"
    sed -e "s/^/  [$n] /" "$RESULTS/$n.checks" > "$RESULTS/$n.report"
}

# qmp_boot_start NAME TIMEOUT VAR=VALUE...: boots in the background with a
# QMP socket ($QMP_SOCK) in its own process group; qmp_boot_stop NAME stops
# it (NAME.rc is then "stopped").
qmp_boot_start() {
    local name=$1 timeout=$2
    shift 2
    mkdir -p "$RESULTS/$name.tmp"
    QMP_SOCK=$RESULTS/$name.tmp/qmp.sock
    setsid env "$@" QMP="$QMP_SOCK" TIMEOUT="$timeout" LOG="$RESULTS/$name.log" TMPDIR="$RESULTS/$name.tmp" \
        bash scripts/qemu-run.sh > "$RESULTS/$name.stdout" 2> "$RESULTS/$name.stderr" < /dev/null &
    QMP_PID=$!
}
qmp_boot_stop() {
    kill -- "-$QMP_PID" 2> /dev/null
    wait "$QMP_PID" 2> /dev/null
    echo stopped > "$RESULTS/$1.rc"
    rm -rf "$RESULTS/$1.tmp"
}

# boot_screen NAME TIMEOUT REGEX VAR=VALUE...: boots with a QMP socket and
# watches the screen until a line matches REGEX (bounded by TIMEOUT); then
# stops QEMU. NAME.watch is the watcher's status (0: matched), the screen's
# text NAME.screen.txt, its last dump NAME.screen.ppm.
boot_screen() {
    local name=$1 timeout=$2 pattern=$3
    shift 3
    qmp_boot_start "$name" "$timeout" "$@"
    python3 tests/screen/qmp_screen.py "$QMP_SOCK" "${BUILD:-build}/font.psf" "$pattern" "$timeout" \
        "$RESULTS/$name.screen" > "$RESULTS/$name.watch.out" 2>&1
    echo $? > "$RESULTS/$name.watch"
    qmp_boot_stop "$name"
    # The screen's text stands in for the missing serial log in reports.
    cp "$RESULTS/$name.screen.txt" "$RESULTS/$name.log" 2> /dev/null
}
