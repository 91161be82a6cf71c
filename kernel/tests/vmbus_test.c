/* VMBus against the host model, through the real interrupt path: the boot
 * summary matches both sides' view, the ICs negotiated and answer, time
 * sync sets the wall clock, and the ring signalling rule (signal only on
 * empty -> non-empty, and only when the reader has not masked) holds, with
 * the guest recovering when a signal never comes. Echo traffic and rescind
 * tests are in vmbus_echo.c. Host-side calls run with interrupts off: the
 * model's lock is also taken from the SINT path. */
#include <stdio.h>
#include <string.h>
#include "kernel/tests/vmbus_echo.h"
#include "kernel/ktest.h"
#include "drivers/hv/hv.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "arch/x86_64/cpu.h"

/* The model's wall clock starts at 2024-01-01T00:00:00Z plus its uptime. */
#define MODEL_WALL_BASE_NS (1704067200ull * 1000000000ull)

static struct vmbus_host_chan_info chan_info_relid(uint32_t relid) { return host_chan(relid); }

static struct vmbus_host_chan_info chan_info(enum vmbus_host_dev dev)
{
    uint64_t f = irq_save();
    uint32_t relid = vmbus_host_relid_of(dev);
    irq_restore(f);
    return chan_info_relid(relid);
}

/* Waits (bounded) until the host sees the IC negotiated. */
static bool ic_ready(enum vmbus_host_dev dev)
{
    return KT_WAIT_UNTIL(chan_info(dev).ic_ready, KT_WAIT_MS);
}

/* The summary line's fields agree with the host's view: offers = offers the
 * host made (hot-adds included), hwm = the highest live relid (ours is never
 * lowered, so after a rescind it may be above the host's). */
KTEST(vmbus_summary, "vmbus.summary")
{
    if (!vmbus_test_begin())
        return;
    struct vmbus_host_stats s = host_stats();
    KT_CHECK(vmbus_connected());
    KT_CHECK_EQ(vmbus_version(), s.version);
    KT_CHECK_EQ(vmbus_channel_count(), s.live_channels);
    KT_CHECK(vmbus_relid_hwm() >= s.relid_hwm);
    if (s.rescinds == 0)
        KT_CHECK_EQ(vmbus_relid_hwm(), s.relid_hwm);
    char want[64], got[64];
    snprintf(want, sizeof want, "vmbus=%u.%u offers=%llu hwm=%u",
             VMBUS_VERSION_MAJOR(s.version), VMBUS_VERSION_MINOR(s.version),
             (unsigned long long)s.offers_sent, vmbus_relid_hwm());
    vmbus_summary(got, sizeof got);
    if (strcmp(want, got) != 0)
        ktest_fail(__FILE__, __LINE__, "summary \"%s\", host says \"%s\"", got, want);
}

/* Each IC's NEGOTIATE was answered (the host offered, we picked). */
KTEST(vmbus_ics, "vmbus.all_ics_negotiated")
{
    if (!vmbus_test_begin())
        return;
    enum vmbus_host_dev ics[] = { VMBUS_HOST_DEV_HEARTBEAT, VMBUS_HOST_DEV_SHUTDOWN,
                                  VMBUS_HOST_DEV_TIMESYNC };
    for (unsigned i = 0; i < 3; i++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(vmbus_host_relid_of(ics[i]));
        KT_CHECK(ch && ch->open && ch->driver);
        if (!ic_ready(ics[i]))
            ktest_fail(__FILE__, __LINE__, "IC %u not negotiated", i);
    }
    KT_CHECK_EQ(chan_info(VMBUS_HOST_DEV_HEARTBEAT).ic_service.major, 3);
    KT_CHECK_EQ(chan_info(VMBUS_HOST_DEV_SHUTDOWN).ic_service.minor, 2);
    KT_CHECK_EQ(chan_info(VMBUS_HOST_DEV_TIMESYNC).ic_service.major, 4);
}

/* The host's heartbeat request comes back with seq + 1. */
KTEST(vmbus_heartbeat, "vmbus.ic_heartbeat")
{
    if (!vmbus_test_begin())
        return;
    KT_CHECK(ic_ready(VMBUS_HOST_DEV_HEARTBEAT));
    struct vmbus_host_chan_info before = chan_info(VMBUS_HOST_DEV_HEARTBEAT);
    for (int i = 0; i < 3; i++) {
        uint64_t ok0 = chan_info(VMBUS_HOST_DEV_HEARTBEAT).ctr.hb_ok;
        uint64_t f = irq_save();
        int rc = vmbus_host_heartbeat_now();
        irq_restore(f);
        KT_CHECK_EQ(rc, 0);
        KT_CHECK(KT_WAIT_UNTIL(chan_info(VMBUS_HOST_DEV_HEARTBEAT).ctr.hb_ok != ok0, KT_WAIT_MS));
    }
    struct vmbus_host_chan_info after = chan_info(VMBUS_HOST_DEV_HEARTBEAT);
    KT_CHECK(after.ctr.hb_ok >= before.ctr.hb_ok + 3);
    KT_CHECK_EQ(after.ctr.hb_bad, before.ctr.hb_bad);
}

/* A SYNC sample sets the kernel's wall clock to the host's time. */
KTEST(vmbus_timesync, "vmbus.ic_timesync")
{
    if (!vmbus_test_begin())
        return;
    KT_CHECK(ic_ready(VMBUS_HOST_DEV_TIMESYNC));
    uint32_t echoed0 = chan_info(VMBUS_HOST_DEV_TIMESYNC).ctr.timesync_echoed;
    uint64_t f = irq_save();
    wallclock_set_ns(0);              /* 1970: timesync must move it */
    int rc = vmbus_host_timesync_now(IC_TIMESYNC_FLAG_SYNC);
    irq_restore(f);
    KT_CHECK_EQ(rc, 0);
    KT_CHECK(KT_WAIT_UNTIL(wallclock_ns() >= MODEL_WALL_BASE_NS, KT_WAIT_MS));
    /* Host time = base + its clock (100 ns steps, the same TSC as ours). */
    int64_t skew = (int64_t)(wallclock_ns() - (MODEL_WALL_BASE_NS + clock_ns()));
    if (skew < -50000000 || skew > 50000000)
        ktest_fail(__FILE__, __LINE__, "wall clock %llu ns, %lld ns off the host's time",
                   (unsigned long long)wallclock_ns(), (long long)skew);
    KT_CHECK(KT_WAIT_UNTIL(chan_info(VMBUS_HOST_DEV_TIMESYNC).ctr.timesync_echoed > echoed0,
                           KT_WAIT_MS));
}

/* Signalling rule, counted at the host: with our interrupts held off (the
 * channel is moved to this CPU's VP first: opened, it may target any), K
 * echoes land in the guest's inbound ring but only the first (empty ->
 * non-empty) raises a signal. Masked, none does; the guest then gets no
 * interrupt at all and must find the data on its own (the tick's
 * lost-interrupt rescue). */
#define K 16
KTEST(vmbus_signals, "vmbus.signal_on_transition")
{
    struct vmbus_channel *ch = echo_test_begin();
    if (!ch)
        return;
    uint32_t my_vp = hv_vp_index(this_cpu()->index);
    if (ch->target_vp != my_vp)
        KT_CHECK_EQ(vmbus_channel_retarget(ch, my_vp), 0);
    uint8_t pkt[32];
    memset(pkt, 0, sizeof pkt);

    /* This channel's counters: the ICs' traffic (other channels, maybe
     * other CPUs' ticks) moves only the bus-wide ones. */
    uint64_t f = irq_save();
    struct vmbus_host_chan_info s0 = chan_info_relid(ch->relid);
    /* Each packet is taken by the host before the next is sent (at once
     * when the host runs in the hypercall; on its own CPU with
     * hvsim.host_cpu), so each send finds the ring empty. */
    for (int i = 0; i < K; i++) {
        vmbus_channel_send(ch, VMBUS_PKT_DATA_INBAND, 0, 0, pkt, sizeof pkt);
        KT_CHECK(KT_WAIT_UNTIL(chan_info_relid(ch->relid).ctr.packets_out - s0.ctr.packets_out >=
                               (uint64_t)i + 1, KT_WAIT_MS));
    }
    struct vmbus_host_chan_info s1 = chan_info_relid(ch->relid);
    irq_restore(f);
    KT_CHECK_EQ(s1.ctr.packets_out - s0.ctr.packets_out, K);
    KT_CHECK_EQ(s1.ctr.host_signals - s0.ctr.host_signals, 1);
    KT_CHECK_EQ(s1.ctr.guest_signals - s0.ctr.guest_signals, K);
    KT_CHECK(KT_WAIT_UNTIL(atomic_load(&echo_rx.bad) >= K, KT_WAIT_MS));  /* not echo_hdr: "bad" */
    KT_CHECK_EQ(atomic_load(&echo_rx.bad), K);

    unsigned long rescued0 = vmbus_rescued_events();
    f = irq_save();
    vmbus_ring_mask(&ch->inbound);
    s0 = chan_info_relid(ch->relid);
    for (int i = 0; i < K; i++)
        vmbus_channel_send(ch, VMBUS_PKT_DATA_INBAND, 0, 0, pkt, sizeof pkt);
    KT_CHECK(KT_WAIT_UNTIL(chan_info_relid(ch->relid).ctr.packets_out - s0.ctr.packets_out >= K,
                           KT_WAIT_MS));
    s1 = chan_info_relid(ch->relid);
    KT_CHECK(vmbus_ring_unmask(&ch->inbound));   /* data waiting, no signal coming */
    irq_restore(f);
    KT_CHECK_EQ(s1.ctr.host_signals - s0.ctr.host_signals, 0);
    KT_CHECK(KT_WAIT_UNTIL(atomic_load(&echo_rx.bad) >= 2 * K, KT_WAIT_MS));
    KT_CHECK_EQ(atomic_load(&echo_rx.bad), 2 * K);
    KT_CHECK(vmbus_rescued_events() > rescued0);
    vmbus_channel_close(ch);
}

/* hvsim.strict: a guest path driven to break two rules on purpose - a
 * signal with nothing written (Hyper-V throttles such guests) and a packet
 * type no host takes (a corrupt ring) - is caught by the model, each with
 * its rule; the test announces both, so the post-check passes. */
KTEST(vmbus_strict, "vmbus.strict_catches_violations")
{
    struct vmbus_channel *ch = echo_test_begin();
    if (!ch)
        return;
    struct vmbus_host_stats s0 = host_stats();
    ktest_expect_watched(2);
    vmbus_channel_signal(ch);
    uint8_t pkt[16] = { 0 };
    KT_CHECK_EQ(vmbus_channel_send(ch, VMBUS_PKT_SYNCH, 0, 0, pkt, sizeof pkt), 0);
    /* The ring rule is judged when the host serves the channel: at once,
     * or on its own CPU (hvsim.host_cpu). */
    KT_CHECK(KT_WAIT_UNTIL(host_stats().violations - s0.violations >= 2, KT_WAIT_MS));
    struct vmbus_host_stats s1 = host_stats();
    KT_CHECK_EQ(s1.violations - s0.violations, 2);
    KT_CHECK_EQ(s1.rule_hits[VMBUS_HOST_RULE_SIGNAL] - s0.rule_hits[VMBUS_HOST_RULE_SIGNAL], 1);
    KT_CHECK_EQ(s1.rule_hits[VMBUS_HOST_RULE_RING] - s0.rule_hits[VMBUS_HOST_RULE_RING], 1);
    KT_CHECK_EQ(s1.needless_signals - s0.needless_signals, 1);
    vmbus_channel_close(ch);   /* the ring holds a packet no host takes */
}
