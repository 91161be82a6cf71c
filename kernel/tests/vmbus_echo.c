/* Echo traffic through a VMBus channel, and the tests that push it: the
 * normal run, a rescind in mid-traffic, and the 1,000,000-packet stress runs
 * (stress.*: only when named, never in test=all). */
#include <string.h>
#include "kernel/tests/vmbus_echo.h"
#include "kernel/ktest.h"
#include "kernel/clock.h"
#include "arch/x86_64/cpu.h"
#include "drivers/hv/hv.h"
#include "drivers/vmbus_kernel.h"
#include "kernel/percpu.h"
#include "drivers/vmbus/vmbus_callback.h"

#define ECHO_MAGIC    0x6f686365u          /* "echo" */
#define ECHO_RING     (16 * VMBUS_PAGE_SIZE)
#define ECHO_MAX_DATA 200u

struct echo_hdr {
    uint32_t magic;
    uint32_t len;                          /* data bytes after the header */
    uint64_t seq;
    uint64_t sum;                          /* FNV-1a over seq and data */
};

struct echo_rx echo_rx;

bool vmbus_test_begin(void)
{
    if (hv_backend() != HV_BACKEND_MODEL || !vmbus_kernel_up()) {
        ktest_skip("needs VMBus over the Hyper-V host model (hv=model)");
        return false;
    }
    return true;
}

struct vmbus_host_stats host_stats(void)
{
    struct vmbus_host_stats s;
    uint64_t f = irq_save();
    vmbus_host_get_stats(&s);
    irq_restore(f);
    return s;
}

struct vmbus_channel *echo_find(void)
{
    uint64_t f = irq_save();
    uint32_t relid = vmbus_host_relid_of(VMBUS_HOST_DEV_ECHO);
    irq_restore(f);
    struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
    static const struct vmbus_guid echo_class = VMBUS_CLASS_SINTER_ECHO;
    if (!ch || !vmbus_guid_equal(&ch->class_id, &echo_class) || ch->open || ch->driver ||
        atomic_load(&ch->rescinded)) {
        ktest_fail(__FILE__, __LINE__, "no free echo channel (host relid %u)", relid);
        return NULL;
    }
    return ch;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t packet_sum(uint64_t seq, const uint8_t *data, uint32_t len)
{
    return fnv(fnv(0xcbf29ce484222325ull, &seq, sizeof seq), data, len);
}

/* Lengths 0..ECHO_MAX_DATA-1 so packets end at every offset of the ring. */
static size_t build_packet(uint8_t *buf, uint64_t seq)
{
    struct echo_hdr h = { .magic = ECHO_MAGIC, .len = (uint32_t)(seq * 37 % ECHO_MAX_DATA),
                          .seq = seq };
    uint8_t *data = buf + sizeof h;
    for (uint32_t i = 0; i < h.len; i++)
        data[i] = (uint8_t)(seq * 131 + i * 7);
    h.sum = packet_sum(seq, data, h.len);
    memcpy(buf, &h, sizeof h);
    return sizeof h + h.len;
}

/* One packet, copied to buf (vmbus_channel_drain's callback). */
static void check_packet(void *buf, const struct vmbus_ring_pkt *pkt)
{
    struct echo_hdr h;
    const uint8_t *p = (const uint8_t *)buf + pkt->payload_off;
    if (pkt->desc.type != VMBUS_PKT_DATA_INBAND || pkt->payload_len < sizeof h) {
        atomic_fetch_add(&echo_rx.bad, 1);
        return;
    }
    memcpy(&h, p, sizeof h);
    if (h.magic != ECHO_MAGIC || h.len > pkt->payload_len - sizeof h ||
        pkt->desc.trans_id != h.seq || packet_sum(h.seq, p + sizeof h, h.len) != h.sum) {
        atomic_fetch_add(&echo_rx.bad, 1);
        return;
    }
    if (h.seq < echo_rx.next) {
        atomic_fetch_add(&echo_rx.dups, 1);
        return;
    }
    if (h.seq > echo_rx.next)
        atomic_fetch_add(&echo_rx.gaps, h.seq - echo_rx.next);
    echo_rx.next = h.seq + 1;
    atomic_fetch_add(&echo_rx.received, 1);
}

/* Interrupt context (SINT, or the tick's lost-interrupt rescue): drain with
 * the ring masked, unmask, and look again for a packet that raced in. */
void echo_callback(struct vmbus_channel *ch, void *ctx)
{
    (void)ctx;
    struct vmbus_ring_pkt pkt;
    atomic_fetch_add(&echo_rx.calls, 1);
    if (vmbus_channel_drain(ch, echo_rx.buf, sizeof echo_rx.buf, check_packet, echo_rx.buf,
                            &pkt) < 0)
        atomic_fetch_add(&echo_rx.errors, 1);
}

/* However the test ends, the echo channel it opened is closed again, so
 * a failure cannot take the next test down with it. By relid: after a
 * rescind the channel it opened may be freed, and a fresh one in its
 * place is closed only if it is still ours (open with our callback). */
static void echo_close_if_open(void *relid)
{
    struct vmbus_channel *ch = vmbus_relid_to_channel((uint32_t)(uintptr_t)relid);
    if (ch && ch->open && !atomic_load(&ch->rescinded) &&
        atomic_load(&ch->callback) == echo_callback)
        vmbus_channel_close(ch);
}

int echo_open(struct vmbus_channel *ch)
{
    memset(&echo_rx, 0, sizeof echo_rx);
    int rc = vmbus_channel_open(ch, ECHO_RING, ECHO_RING, echo_callback, NULL);
    if (rc == VMBUS_OK)
        ktest_defer(echo_close_if_open, (void *)(uintptr_t)ch->relid);
    return rc;
}

/* Waiting is bounded by progress, not by a total: it gives up only when no
 * echo arrived for stall_ns. */
struct progress {
    uint64_t seen, at, stall_ns;
};

static bool stalled(struct progress *p)
{
    uint64_t now = clock_ns(), got = atomic_load(&echo_rx.received);
    if (got != p->seen) {
        p->seen = got;
        p->at = now;
        return false;
    }
    return now - p->at > p->stall_ns;
}

struct vmbus_channel *echo_find_open(void)
{
    struct vmbus_channel *ch = echo_find();
    if (!ch)
        return NULL;
    KT_CHECK_EQ(echo_open(ch), VMBUS_OK);
    return ch->open ? ch : NULL;
}

struct vmbus_channel *echo_test_begin(void)
{
    return vmbus_test_begin() ? echo_find_open() : NULL;
}

struct echo_result echo_run(struct vmbus_channel *ch, uint64_t first, uint64_t n,
                            unsigned stall_ms, void (*after_sent)(uint64_t seq))
{
    static uint8_t tx[sizeof(struct echo_hdr) + ECHO_MAX_DATA];
    struct echo_result r = { 0, 0, false, 0 };
    uint64_t t0 = clock_ns();
    struct progress prog = { atomic_load(&echo_rx.received), t0, (uint64_t)stall_ms * 1000000ull };
    for (uint64_t seq = first; seq < first + n && !r.stop_rc && !r.stalled; seq++) {
        size_t len = build_packet(tx, seq);
        int rc;
        /* A full ring waits for the receiver: bounded by progress. */
        while ((rc = vmbus_channel_send(ch, VMBUS_PKT_DATA_INBAND, 0, seq, tx, len)) ==
               VMBUS_EAGAIN) {
            if (stalled(&prog)) {
                r.stalled = true;
                break;
            }
            cpu_relax();
        }
        if (rc == 0) {
            r.sent++;
            if (after_sent)
                after_sent(seq);
        } else if (rc != VMBUS_EAGAIN) {
            r.stop_rc = rc;
        }
    }
    /* Wait for the echoes still in flight. */
    uint64_t want = first + r.sent;
    while (!r.stop_rc && !r.stalled && echo_rx.next < want) {
        r.stalled = stalled(&prog);
        cpu_relax();
    }
    r.ns = clock_ns() - t0;
    return r;
}

void echo_check_clean(void)
{
    KT_CHECK_EQ(atomic_load(&echo_rx.dups), 0);
    KT_CHECK_EQ(atomic_load(&echo_rx.gaps), 0);
    KT_CHECK_EQ(atomic_load(&echo_rx.bad), 0);
    KT_CHECK_EQ(atomic_load(&echo_rx.errors), 0);
}

/* ---- the tests ---- */

struct vmbus_host_chan_info host_chan(uint32_t relid)
{
    struct vmbus_host_chan_info ci;
    memset(&ci, 0, sizeof ci);
    uint64_t f = irq_save();
    vmbus_host_chan_info(relid, &ci);
    irq_restore(f);
    return ci;
}

/* n packets sent and echoed, every one intact and in order, and the host
 * saw each once in each direction. */
static void check_all_echoed(const struct echo_result *r, uint64_t n,
                             const struct vmbus_host_chan_info *c0,
                             const struct vmbus_host_chan_info *c1)
{
    KT_CHECK(!r->stalled);
    KT_CHECK_EQ(r->stop_rc, 0);
    KT_CHECK_EQ(r->sent, n);
    KT_CHECK_EQ(atomic_load(&echo_rx.received), n);
    echo_check_clean();
    KT_CHECK_EQ(c1->ctr.packets_in - c0->ctr.packets_in, n);
    KT_CHECK_EQ(c1->ctr.packets_out - c0->ctr.packets_out, n);
}

/* n packets both ways, every one checked, nothing lost/duplicated/reordered;
 * notes the host's interrupt faults so a scenario can see they happened. */
static void echo_n(uint64_t n)
{
    struct vmbus_channel *ch = echo_find_open();
    if (!ch)
        return;
    struct vmbus_host_stats s0 = host_stats();
    struct vmbus_host_chan_info c0 = host_chan(ch->relid);
    unsigned long rescued0 = vmbus_rescued_events();
    /* With vmbus.spread=1 these differ: the two ring ends run concurrently. */
    ktest_note("echo channel interrupts to VP %u, sender on VP %u", ch->target_vp,
               hv_vp_index(this_cpu()->index));
    struct echo_result r = echo_run(ch, 0, n, 3000, NULL);
    struct vmbus_host_stats s1 = host_stats();
    struct vmbus_host_chan_info c1 = host_chan(ch->relid);
    vmbus_channel_close(ch);
    check_all_echoed(&r, n, &c0, &c1);
    unsigned long us = (unsigned long)(r.ns / 1000);
    ktest_note("%llu packets echoed in %lu ms (%lu packets/s); callbacks %lu",
               (unsigned long long)atomic_load(&echo_rx.received), us / 1000,
               us ? (unsigned long)(n * 1000000ull / us) : 0, atomic_load(&echo_rx.calls));
    ktest_note("host: signals %llu, irq dropped %llu, duplicated %llu, delayed %llu; "
               "guest rescued %lu",
               (unsigned long long)(s1.host_signals - s0.host_signals),
               (unsigned long long)(s1.irq_dropped - s0.irq_dropped),
               (unsigned long long)(s1.irq_duplicated - s0.irq_duplicated),
               (unsigned long long)(s1.irq_delayed - s0.irq_delayed),
               vmbus_rescued_events() - rescued0);
}

/* Each traffic test twice: 100,000 packets in test=all, 1,000,000 in a
 * stress.* test (only when named). */
#define ECHO_TESTS(id, fn, name, stress_name)                                  \
    KTEST_T(id, name, 60000)                                                   \
    {                                                                          \
        if (vmbus_test_begin())                                                \
            fn(100000);                                                        \
    }                                                                          \
    KTEST_T(id##_1m, stress_name, 300000)                                      \
    {                                                                          \
        if (vmbus_test_begin())                                                \
            fn(1000000);                                                       \
    }

ECHO_TESTS(vmbus_echo, echo_n, "vmbus.echo_100k", "stress.vmbus_echo_1m")

/* Rescind in mid-traffic: the host takes the channel away after `at`
 * packets. The guest must stop cleanly (sends fail with ENODEV, what came
 * back is an intact prefix), release the relid, and take a new echo offer. */
static uint64_t rescind_after;
static uint32_t rescind_relid;

static void maybe_rescind(uint64_t seq)
{
    if (seq + 1 != rescind_after)
        return;
    uint64_t f = irq_save();
    int rc = vmbus_host_rescind(rescind_relid);
    irq_restore(f);
    KT_CHECK_EQ(rc, 0);
}

static bool host_freed(uint32_t relid)
{
    struct vmbus_host_chan_info info;
    uint64_t f = irq_save();
    int gone = vmbus_host_chan_info(relid, &info);
    irq_restore(f);
    return gone != 0 || info.state == VMBUS_HOST_CH_FREE;
}

static void rescind_mid_traffic(uint64_t n, uint64_t at)
{
    struct vmbus_channel *ch = echo_find();
    if (!ch)
        return;
    uint32_t relid = ch->relid;
    KT_CHECK_EQ(echo_open(ch), VMBUS_OK);
    if (!ch->open)
        return;
    rescind_after = at;
    rescind_relid = relid;
    struct echo_result r = echo_run(ch, 0, n, 3000, maybe_rescind);
    /* The RESCIND message may still be on its way when the ring filled. */
    KT_CHECK(KT_WAIT_UNTIL(atomic_load(&ch->rescinded), KT_WAIT_MS));
    KT_CHECK_EQ(r.stop_rc, VMBUS_ENODEV);   /* not a stall: sends fail fast */
    KT_CHECK(!r.stalled);
    KT_CHECK(r.sent >= at && r.sent < n);

    /* Process context finishes the rescind: close, RELID_RELEASED, free.
     * The release quiesces every CPU, so only after it is the count final:
     * with channels spread, echoes still in the ring are taken on the
     * channel's own CPU while this one reads. */
    vmbus_poll();
    KT_CHECK(vmbus_relid_to_channel(relid) == NULL);
    unsigned long got = atomic_load(&echo_rx.received);
    KT_CHECK(got >= at / 2 && got <= r.sent);
    KT_CHECK_EQ(echo_rx.next, got);   /* an intact prefix */
    echo_check_clean();
    ktest_note("rescind after %llu sends: %llu sent, %lu echoed, stop rc %d",
               (unsigned long long)at, (unsigned long long)r.sent, got, r.stop_rc);
    /* The host frees the relid when it has taken RELID_RELEASED: at once,
     * or on its own CPU (hvsim.host_cpu). */
    KT_CHECK(KT_WAIT_UNTIL(host_freed(relid), KT_WAIT_MS));
    uint64_t f = irq_save();
    uint32_t again = vmbus_host_offer(VMBUS_HOST_DEV_ECHO);   /* hot-add */
    irq_restore(f);
    KT_CHECK(again != 0);
    KT_CHECK(KT_WAIT_UNTIL(vmbus_relid_to_channel(again) != NULL, KT_WAIT_MS));
    vmbus_poll();
    struct vmbus_channel *fresh = echo_find();
    if (!fresh)
        return;
    KT_CHECK_EQ(echo_open(fresh), VMBUS_OK);
    struct echo_result r2 = echo_run(fresh, 0, 2000, 3000, NULL);
    vmbus_channel_close(fresh);
    KT_CHECK_EQ(r2.sent, 2000);
    KT_CHECK_EQ(atomic_load(&echo_rx.received), 2000);
    echo_check_clean();
    ktest_note("re-offered echo on relid %u: 2000 packets echoed", again);
}

KTEST_T(vmbus_rescind, "vmbus.rescind_mid_traffic", 20000)
{
    if (vmbus_test_begin())
        rescind_mid_traffic(40000, 10000);
}

KTEST_T(vmbus_rescind_1m, "stress.vmbus_rescind_mid_traffic", 300000)
{
    if (vmbus_test_begin())
        rescind_mid_traffic(1000000, 500000);
}

/* Retarget in mid-traffic: every RETARGET_EVERY packets the echo channel is
 * moved (MODIFYCHANNEL) to the next CPU's VP while packets flow both ways.
 * Around each move two CPUs can take the channel's events: a scan already
 * running on the old VP, and, with hvsim.faults=retarget_lag=<n>, the
 * host's next n interrupts sent there on purpose (Linux channel.c). The
 * callback guard (drivers/vmbus/vmbus_callback.h) must keep the ring to one
 * reader: nothing lost, duplicated, reordered or corrupted. */
#define RETARGET_EVERY 500

static struct vmbus_channel *retarget_ch;
static unsigned retargets, retarget_failures;

static void maybe_retarget(uint64_t seq)
{
    if ((seq + 1) % RETARGET_EVERY != 0)
        return;
    unsigned next = (retargets + 1) % cpu_count;
    if (vmbus_channel_retarget(retarget_ch, hv_vp_index(next)) == 0)
        retargets++;
    else
        retarget_failures++;
}

static void retarget_mid_traffic(uint64_t n)
{
    if (cpu_count < 2) {
        ktest_skip("needs 2 CPUs to move the channel between");
        return;
    }
    if (!VMBUS_VERSION_HAS_MODIFYCHANNEL(vmbus_version())) {
        ktest_skip("needs MODIFYCHANNEL (VMBus 4.1)");
        return;
    }
    struct vmbus_channel *ch = echo_find_open();
    if (!ch)
        return;
    retarget_ch = ch;
    retargets = retarget_failures = 0;
    struct vmbus_host_chan_info c0 = host_chan(ch->relid);
    unsigned long handoffs0 = vmbus_callback_handoffs();
    struct echo_result r = echo_run(ch, 0, n, 3000, maybe_retarget);
    struct vmbus_host_chan_info c1 = host_chan(ch->relid);
    vmbus_channel_close(ch);
    check_all_echoed(&r, n, &c0, &c1);
    KT_CHECK_EQ(retarget_failures, 0);
    KT_CHECK_EQ(retargets, n / RETARGET_EVERY);
    ktest_note("%llu packets echoed across %u retargets over %u CPUs; host interrupts to "
               "the old VP %llu; events handed to the CPU already running the callback %lu",
               (unsigned long long)n, retargets, cpu_count,
               (unsigned long long)(c1.ctr.old_vp_signals - c0.ctr.old_vp_signals),
               vmbus_callback_handoffs() - handoffs0);
}

ECHO_TESTS(vmbus_retarget, retarget_mid_traffic, "vmbus.retarget_mid_traffic",
           "stress.vmbus_retarget_mid_traffic")
