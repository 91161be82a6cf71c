/* SynIC against the host model, through the real interrupt path: hvsim's
 * host API queues a message or sets an event flag, the model raises SINT2
 * as a self-IPI, and IDT -> irq_dispatch -> hv_synic_isr -> our handlers
 * take it. TLFS "Inter-partition communication": message slots, the
 * MessagePending flag and EOM, SINTx masking, event flags.
 *
 * The model's lock is a plain spinlock that the SINT handler takes (EOM),
 * so host-side calls from thread context run with interrupts off. The
 * SINT itself is held back with the TPR when a test wants the slot busy.
 *
 * Each test counts only its own traffic: the model's counters are this
 * VP's, and the VMBus host's background work (heartbeats, time samples,
 * which would arrive on this SINT too) is held for the test's window. */
#include <stdatomic.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/tests/sint_hold.h"
#include "kernel/irq.h"
#include "kernel/clock.h"
#include "kernel/percpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "drivers/hv/hv_internal.h"
#include "drivers/hvsim/hvsim.h"
#include "drivers/hvsim/hvsim_kernel.h"
#include "lib/array_size.h"

#define SINT        HV_VMBUS_MESSAGE_SINT
/* The SynIC layer hands only VMBus-type (1) messages to these handlers (it
 * refuses unknown types), so the test posts that type; MAGIC tells its
 * payloads from real VMBus messages, which count as bad. */
#define TEST_TYPE   HVMSG_VMBUS
#define MAGIC       0x73796e6963746573ull   /* tags our payloads */
#define SEQ_MAX     10000u

/* What the handlers saw; written in the SINT handler, read by the test. */
static struct {
    atomic_uint count, dups, out_of_order, bad, event_passes;
    uint32_t next;                      /* next sequence number expected */
    uint32_t first[8];                  /* first few sequence numbers, in order */
    uint8_t seen[SEQ_MAX / 8];
    uint64_t event_bits[HV_EVENT_FLAGS_QWORDS];
} rec;

static hv_message_fn saved_msg;
static hv_events_fn saved_events;

static void on_message(unsigned cpu, const struct hv_message *m)
{
    (void)cpu;
    uint32_t seq = (uint32_t)m->payload[0];
    if (m->header.message_type != TEST_TYPE || m->header.payload_size != 16 ||
        m->payload[1] != MAGIC || seq >= SEQ_MAX) {
        atomic_fetch_add(&rec.bad, 1);
        return;
    }
    if (rec.seen[seq / 8] & (1u << (seq % 8)))
        atomic_fetch_add(&rec.dups, 1);
    rec.seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
    if (seq != rec.next)
        atomic_fetch_add(&rec.out_of_order, 1);
    rec.next = seq + 1;
    unsigned n = atomic_load(&rec.count);
    if (n < 8)
        rec.first[n] = seq;
    atomic_store(&rec.count, n + 1);
}

/* Test-and-clear every word, as the VMBus layer must. */
static void on_events(unsigned cpu, volatile uint64_t *words)
{
    (void)cpu;
    bool any = false;
    for (unsigned i = 0; i < HV_EVENT_FLAGS_QWORDS; i++) {
        uint64_t bits = atomic_exchange((_Atomic uint64_t *)&words[i], 0);
        rec.event_bits[i] |= bits;
        any |= bits != 0;
    }
    if (any)
        atomic_fetch_add(&rec.event_passes, 1);
}

/* Runs after the test however it ends (ktest_defer). */
static void end(void *unused)
{
    (void)unused;
    sint_release();
    hv_set_vmbus_handlers(saved_msg, saved_events);
    hvsim_hold_background(false);
}

/* Holds the VMBus host's background work, lets an interrupt it raised
 * before the hold arrive under the VMBus handlers, then installs ours;
 * false (test skipped or failed) without the model or the hold. */
static bool begin(void)
{
    if (hv_backend() != HV_BACKEND_MODEL || !hv_synic_vector()) {
        ktest_skip("needs the Hyper-V host model (hv=model)");
        return false;
    }
    if (!hvsim_hold_background(true)) {
        ktest_fail(__FILE__, __LINE__, "the model's background work did not stop");
        return false;
    }
    /* The last poll's interrupts are in our IRR by now (the model raises
     * them before it leaves the poll); with the TPR at 0 they are taken. */
    sint_release();
    KT_CHECK(KT_WAIT_UNTIL(!sint_requested(), KT_WAIT_MS));
    memset(&rec, 0, sizeof rec);
    hv_get_vmbus_handlers(&saved_msg, &saved_events);
    hv_set_vmbus_handlers(on_message, on_events);
    ktest_defer(end, NULL);
    return true;
}

static uint32_t vp(void) { return hv_vp_index(this_cpu()->index); }

static uint16_t host_post(uint32_t seq)
{
    uint64_t p[2] = { seq, MAGIC };
    uint64_t f = irq_save();
    uint16_t st = hvsim_post_to_guest(vp(), SINT, TEST_TYPE, p, sizeof p);
    irq_restore(f);
    return st;
}

static uint16_t host_signal(uint32_t bit)
{
    uint64_t f = irq_save();
    uint16_t st = hvsim_signal_guest_event(vp(), SINT, bit);
    irq_restore(f);
    return st;
}

/* This VP's counters: other VPs' traffic never lands in them. */
static struct hvsim_stats stats(void)
{
    struct hvsim_stats s;
    uint64_t f = irq_save();
    hvsim_get_vp_stats(vp(), &s);
    irq_restore(f);
    return s;
}

static uint32_t depth(void)
{
    uint64_t f = irq_save();
    uint32_t d = hvsim_queue_depth(vp(), SINT);
    irq_restore(f);
    return d;
}

/* The SINT2 slot of this CPU's SIMP, found through the SIMP MSR. */
static volatile struct hv_message *slot(void)
{
    uint64_t simp = 0;
    if (hv_rdmsr(HV_X64_MSR_SIMP, &simp) != 0 || !(simp & HV_SYNIC_PAGE_ENABLE))
        return NULL;
    return &((struct hv_message_page *)(uintptr_t)(simp & HV_MSR_GPFN_MASK))->sint_message[SINT];
}

/* Bounded wait for the handler to have seen n messages. */
static bool wait_count(unsigned n)
{
    return KT_WAIT_UNTIL(atomic_load(&rec.count) >= n, KT_WAIT_MS);
}

/* 10,000 messages, most of them posted while the slot is busy: bursts with
 * the SINT held off fill the slot and the queue until the model answers
 * INSUFFICIENT_BUFFERS, then the guest drains. Every other burst (8
 * messages) runs with the SINT open, so messages are also taken one by one. */
KTEST_T(ordered, "hv.messages_10000_ordered", 60000)
{
    if (!begin())
        return;
    struct hvsim_stats s0 = stats();
    uint32_t sent = 0, refused = 0;
    for (unsigned round = 0; sent < SEQ_MAX; round++) {
        bool held = round % 2 == 0;
        if (held)
            sint_hold();
        for (unsigned k = 0; k < (held ? 64u : 8u) && sent < SEQ_MAX; k++) {
            uint16_t st = host_post(sent);
            if (st == HV_STATUS_INSUFFICIENT_BUFFERS) {
                refused++;
                break;
            }
            if (st != HV_STATUS_SUCCESS) {
                ktest_fail(__FILE__, __LINE__, "post %u: %s", sent, hv_status_name(st));
                goto out;
            }
            sent++;
        }
        sint_release();
        if (!wait_count(sent)) {
            ktest_fail(__FILE__, __LINE__, "guest saw %u of %u messages (queue %u)",
                       atomic_load(&rec.count), sent, depth());
            goto out;
        }
    }
out:
    sint_release();
    struct hvsim_stats s1 = stats();
    ktest_note("%u posted, %u refused for buffers, %llu queued busy, %llu EOMs, %llu interrupts",
               sent, refused, (unsigned long long)(s1.queued_busy - s0.queued_busy),
               (unsigned long long)(s1.eom - s0.eom),
               (unsigned long long)(s1.injections - s0.injections));
    KT_CHECK_EQ(atomic_load(&rec.count), SEQ_MAX);
    KT_CHECK_EQ(atomic_load(&rec.dups), 0);
    KT_CHECK_EQ(atomic_load(&rec.out_of_order), 0);
    KT_CHECK_EQ(atomic_load(&rec.bad), 0);
    KT_CHECK(refused > 0);                        /* the queue really filled */
    KT_CHECK_EQ(s1.posted - s0.posted, SEQ_MAX);
    KT_CHECK_EQ(s1.delivered - s0.delivered, SEQ_MAX);
    KT_CHECK(s1.queued_busy - s0.queued_busy > SEQ_MAX / 2);
    KT_CHECK(s1.eom > s0.eom);
    KT_CHECK_EQ(depth(), 0);
    volatile struct hv_message *sl = slot();
    KT_CHECK(sl && sl->header.message_type == HVMSG_NONE);
}

/* A busy slot: the model sets MessagePending and keeps the rest queued; the
 * guest's EOM after each pending message brings in the next, in order. */
KTEST(pending, "hv.message_pending_eom_redelivery")
{
    if (!begin())
        return;
    volatile struct hv_message *sl = slot();
    KT_CHECK(sl != NULL);
    if (!sl)
        goto out;
    struct hvsim_stats s0 = stats();
    sint_hold();
    KT_CHECK_EQ(host_post(0), HV_STATUS_SUCCESS);
    KT_CHECK_EQ(sl->header.message_type, TEST_TYPE);   /* straight into the empty slot */
    KT_CHECK_EQ(sl->header.message_flags & HV_MESSAGE_FLAG_PENDING, 0);
    KT_CHECK_EQ(depth(), 0);
    KT_CHECK_EQ(host_post(1), HV_STATUS_SUCCESS);
    KT_CHECK_EQ(host_post(2), HV_STATUS_SUCCESS);
    KT_CHECK_EQ(depth(), 2);
    KT_CHECK(sl->header.message_flags & HV_MESSAGE_FLAG_PENDING);
    KT_CHECK_EQ(sl->payload[0], 0);                   /* the slot still holds the first */
    KT_CHECK(sint_requested());                       /* raised, held */
    KT_CHECK_EQ(atomic_load(&rec.count), 0);
    sint_release();
    KT_CHECK(wait_count(3));
    struct hvsim_stats s1 = stats();
    KT_CHECK_EQ(rec.first[0], 0);
    KT_CHECK_EQ(rec.first[1], 1);
    KT_CHECK_EQ(rec.first[2], 2);
    KT_CHECK_EQ(atomic_load(&rec.dups), 0);
    KT_CHECK_EQ(s1.delivered - s0.delivered, 3);
    KT_CHECK_EQ(s1.queued_busy - s0.queued_busy, 2);
    KT_CHECK_EQ(s1.eom - s0.eom, 2);   /* after 0 and 1; 2 arrived without the flag */
    KT_CHECK_EQ(depth(), 0);
    KT_CHECK_EQ(sl->header.message_type, HVMSG_NONE);
out:
}

static uint64_t sint_orig;

/* However the test ends, the VMBus SINT is left as boot set it. */
static void restore_sint(void *unused)
{
    (void)unused;
    hv_wrmsr(HV_X64_MSR_SINT0 + SINT, sint_orig);
}

/* A masked SINT (written through the guest MSR path) queues messages and
 * raises nothing; unmasking delivers them. Event flags are refused. */
KTEST(masked, "hv.masked_sint_then_unmask")
{
    if (!begin())
        return;
    const uint32_t msr = HV_X64_MSR_SINT0 + SINT;
    uint64_t orig = 0, v = 0;
    KT_CHECK_EQ(hv_rdmsr(msr, &orig), 0);
    sint_orig = orig;
    ktest_defer(restore_sint, NULL);
    KT_CHECK_EQ(orig & HV_SINT_MASKED, 0);
    KT_CHECK_EQ(orig & HV_SINT_VECTOR_MASK, hv_synic_vector());
    uint64_t irqs0 = irq_count(hv_synic_vector());

    KT_CHECK_EQ(hv_wrmsr(msr, orig | HV_SINT_MASKED), 0);
    KT_CHECK_EQ(hv_rdmsr(msr, &v), 0);
    KT_CHECK_EQ(v, orig | HV_SINT_MASKED);
    KT_CHECK_EQ(host_post(0), HV_STATUS_SUCCESS);
    KT_CHECK_EQ(host_signal(100), HV_STATUS_INVALID_SYNIC_STATE);
    /* Nothing arrives while masked: a window of a few ticks to let a wrong
     * delivery happen (it cannot make a correct model fail). */
    uint64_t quiet = ktest_deadline_ns(30);
    while (ktest_before(quiet))
        ;
    KT_CHECK_EQ(atomic_load(&rec.count), 0);
    KT_CHECK_EQ(depth(), 1);
    volatile struct hv_message *sl = slot();
    KT_CHECK(sl && sl->header.message_type == HVMSG_NONE);
    KT_CHECK(!sint_requested());
    KT_CHECK_EQ(irq_count(hv_synic_vector()), irqs0);

    /* Unmasking delivers nothing by itself (TLFS: queued messages are
     * retried on EOM, a new post, or EOI); the guest's EOM brings it in. */
    KT_CHECK_EQ(hv_wrmsr(msr, orig), 0);
    /* The unmask alone brings nothing in (a few ms to be sure); EOM does. */
    KT_CHECK(!KT_WAIT_UNTIL(atomic_load(&rec.count) >= 1, 5));
    KT_CHECK_EQ(depth(), 1);
    KT_CHECK_EQ(hv_wrmsr(HV_X64_MSR_EOM, 0), 0);
    KT_CHECK(wait_count(1));
    KT_CHECK_EQ(rec.first[0], 0);
    KT_CHECK_EQ(depth(), 0);
    KT_CHECK_EQ(rec.event_bits[100 / 64], 0);       /* the refused flag never appeared */
    KT_CHECK_EQ(hv_rdmsr(msr, &v), 0);
    KT_CHECK_EQ(v, orig);
}

/* Several event flags set while interrupts are off: the model raises the
 * SINT once per 0 -> 1 transition, the APIC folds them into one request,
 * and one pass of on_events finds every bit. */
KTEST(events, "hv.event_flags_one_interrupt")
{
    static const uint32_t bits[] = { 3, 64, 700, 1301, 2047 };
    const unsigned n = ARRAY_SIZE(bits);
    if (!begin())
        return;
    uint64_t irqs0 = irq_count(hv_synic_vector());
    struct hvsim_stats s0 = stats();

    uint64_t f = irq_save();
    for (unsigned i = 0; i < n; i++)
        KT_CHECK_EQ(hvsim_signal_guest_event(vp(), SINT, bits[i]), HV_STATUS_SUCCESS);
    struct hvsim_stats s1;
    hvsim_get_vp_stats(vp(), &s1);
    /* Again: already set, so no new interrupt (TLFS: only 0 -> 1 raises). */
    KT_CHECK_EQ(hvsim_signal_guest_event(vp(), SINT, bits[0]), HV_STATUS_SUCCESS);
    struct hvsim_stats s2;
    hvsim_get_vp_stats(vp(), &s2);
    bool requested = sint_requested();
    unsigned passes_held = atomic_load(&rec.event_passes);
    irq_restore(f);

    KT_CHECK_EQ(s1.injections - s0.injections, n);
    KT_CHECK_EQ(s2.injections - s1.injections, 0);
    KT_CHECK(requested);
    KT_CHECK_EQ(passes_held, 0);
    KT_CHECK(KT_WAIT_UNTIL(atomic_load(&rec.event_passes) != 0, KT_WAIT_MS));
    KT_CHECK_EQ(atomic_load(&rec.event_passes), 1);
    KT_CHECK_EQ(irq_count(hv_synic_vector()) - irqs0, 1);
    uint64_t want[HV_EVENT_FLAGS_QWORDS] = { 0 };
    for (unsigned i = 0; i < n; i++)
        want[bits[i] / 64] |= 1ull << (bits[i] % 64);
    for (unsigned w = 0; w < HV_EVENT_FLAGS_QWORDS; w++)
        if (rec.event_bits[w] != want[w])
            ktest_fail(__FILE__, __LINE__, "SIEF word %u: saw 0x%llx, want 0x%llx", w,
                       (unsigned long long)rec.event_bits[w], (unsigned long long)want[w]);
}
