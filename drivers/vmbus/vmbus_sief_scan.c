/* Host -> guest channel interrupts: the host sets bit <relid> in the SINT 2
 * slot of the event-flags page (2048 bits) and raises SINT 2. We find the
 * set bits, clear them atomically (the host sets bits concurrently), and
 * call each channel's callback through the relid table. The same shape as a
 * posted-interrupt descriptor's PIR harvested by its notification handler. */
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"
#include "lib/refuse.h"
#include "drivers/vmbus/vmbus_callback.h"

static struct refusals unknown_relid_events;

unsigned long vmbus_unknown_relid_events(void)
{
    return (unsigned long)refusals_seen(&unknown_relid_events);
}

/* A bit with no (open) channel: count it, never follow it. Rare, so out
 * of line. */
static __attribute__((cold, noinline)) void unknown_relid(uint32_t relid)
{
    REFUSE(&unknown_relid_events, "vmbus", "event for relid %u with no open channel", relid);
}

/* relid < 2048 = VMBUS_MAX_RELIDS: the scans read at most 32 words. traced
 * is a constant in every caller: the trace=irq events around the callback
 * cost nothing in the untraced copy. */
static inline __attribute__((always_inline)) void dispatch_relid(uint32_t relid, bool traced)
{
    struct vmbus_channel *ch = atomic_load_explicit(&vmbus_chantable[relid],
                                                    memory_order_acquire);
    vmbus_channel_cb cb = ch ? atomic_load_explicit(&ch->callback, memory_order_acquire)
                             : NULL;
    if (__builtin_expect(cb == NULL, 0)) {
        unknown_relid(relid);
        return;
    }
    if (traced)
        trace_ev(TRACE_IRQ, "callback", "relid=%u", relid);
    vmbus_callback_run(ch, cb, true);
    if (traced)
        trace_ev(TRACE_IRQ, "callback_done", "relid=%u", relid);
}

/* Words [p, end), *p non-zero when read, base = relid of *p's bit 0: take
 * each non-zero word with one atomic exchange (the plain read before it
 * keeps idle words out of exclusive state in our cache), then walk its set
 * bits lowest first. */
static inline __attribute__((always_inline)) unsigned scan_from(volatile uint64_t *p,
                                                                volatile uint64_t *end,
                                                                uint32_t base, bool traced)
{
    unsigned handled = 0;
    do {
        uint64_t bits = __atomic_exchange_n(p, 0, __ATOMIC_ACQ_REL);
        while (bits) {
            unsigned bit = (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            dispatch_relid(base + bit, traced);
            handled++;
        }
        do
            base += 64;
        while (++p != end && *p == 0);
    } while (p != end);
    return handled;
}

static __attribute__((noinline)) unsigned scan_from_plain(volatile uint64_t *p,
                                                          volatile uint64_t *end, uint32_t base)
{
    return scan_from(p, end, base, false);
}

static __attribute__((noinline)) unsigned scan_from_traced(volatile uint64_t *p,
                                                           volatile uint64_t *end, uint32_t base)
{
    return scan_from(p, end, base, true);
}

/* Words [0, nwords). The idle words are skipped by a loop that needs no
 * stack frame (an interrupt with no event costs the count's load and a
 * load and branch per word); the first non-zero word hands over to
 * scan_from, a tail call. Everything but the callbacks and the
 * unknown-relid path is inline. */
static inline __attribute__((always_inline)) unsigned scan_words(volatile uint64_t *words,
                                                                 unsigned nwords, bool traced)
{
    for (volatile uint64_t *p = words, *end = words + nwords; p != end; p++)
        if (*p != 0)
            return traced ? scan_from_traced(p, end, (uint32_t)(p - words) * 64)
                          : scan_from_plain(p, end, (uint32_t)(p - words) * 64);
    return 0;
}

/* hwm / 64 + 1 words, kept by vmbus_chantable_insert (at most 32). */
unsigned vmbus_sief_scan_hwm(volatile uint64_t *words)
{
    return scan_words(words, atomic_load_explicit(&vmbus_chantable_words, memory_order_acquire),
                      false);
}

static unsigned sief_scan_hwm_traced(volatile uint64_t *words)
{
    return scan_words(words, atomic_load_explicit(&vmbus_chantable_words, memory_order_acquire),
                      true);
}

unsigned vmbus_sief_scan_full(volatile uint64_t *words)
{
    return scan_words(words, VMBUS_EVENT_FLAGS_COUNT / 64, false);
}

/* Linux's older shape: test-and-clear each set bit on its own (one locked
 * operation per event instead of one per word). */
unsigned vmbus_sief_scan_bitwise(volatile uint64_t *words)
{
    unsigned handled = 0;
    uint32_t hwm = vmbus_relid_hwm();
    for (uint32_t relid = 0; relid <= hwm; relid++) {
        volatile uint64_t *word = &words[relid / 64];
        uint64_t mask = 1ull << (relid % 64);
        if (!(*word & mask))
            continue;
        if (__atomic_fetch_and(word, ~mask, __ATOMIC_ACQ_REL) & mask) {
            dispatch_relid(relid, false);
            handled++;
        }
    }
    return handled;
}

/* The trace=irq events (scan, callback, callback_done, scan_done) come from
 * a copy of the scan chosen once per interrupt, so the untraced scan pays
 * nothing per event for them. */
void vmbus_on_events(volatile uint64_t *sief_sint2_words)
{
    if (__builtin_expect(!trace_on(TRACE_IRQ), 1)) {
        vmbus_sief_scan_hwm(sief_sint2_words);
        return;
    }
    trace_ev(TRACE_IRQ, "scan", "hwm=%u", vmbus_relid_hwm());
    unsigned handled = sief_scan_hwm_traced(sief_sint2_words);
    trace_ev(TRACE_IRQ, "scan_done", "handled=%u", handled);
}

/* A lost interrupt is never repeated: the host signals only when a ring goes
 * from empty to non-empty, so a ring whose signal was dropped (a faulty
 * host, or one that arrived while the channel was still opening and found
 * no reader) stays silent for good. The kernel calls this from its timer
 * tick: an open channel whose interrupts target this VP and
 * whose inbound ring held the same unread data at the previous tick gets
 * its callback, as if its bit had been set. It runs in interrupt context on the channel's VP, so never at the
 * same time as the SINT handler for that channel. */
static atomic_ulong rescued_events;

unsigned long vmbus_rescued_events(void)
{
    return atomic_load_explicit(&rescued_events, memory_order_relaxed);
}

unsigned vmbus_poll_rings(uint32_t vp)
{
    unsigned handled = 0;
    uint32_t hwm = vmbus_relid_hwm();
    for (uint32_t relid = 1; relid <= hwm; relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (ch == NULL || !ch->open || ch->target_vp != vp)
            continue;
        vmbus_channel_cb cb = atomic_load_explicit(&ch->callback, memory_order_acquire);
        if (cb == NULL || !vmbus_ring_has_data(&ch->inbound)) {
            ch->poll_armed = false;
            continue;
        }
        /* Only data that sat unread for a whole tick: a signal may simply
         * not have been taken yet (the tick outranks the SINT vector). */
        uint32_t rd = ch->inbound.cons_read;
        if (!ch->poll_armed || ch->poll_read != rd) {
            ch->poll_armed = true;
            ch->poll_read = rd;
            continue;
        }
        ch->poll_armed = false;
        atomic_fetch_add_explicit(&rescued_events, 1, memory_order_relaxed);
        vmbus_callback_run(ch, cb, false);   /* the statistic counts interrupts */
        handled++;
    }
    return handled;
}

/* ---- the callback guard's slow path (vmbus_callback.h) ---- */
static atomic_ulong callback_handoffs;

unsigned long vmbus_callback_handoffs(void)
{
    return atomic_load_explicit(&callback_handoffs, memory_order_relaxed);
}

void vmbus_callback_contended(struct vmbus_channel *ch, vmbus_channel_cb cb, bool counted)
{
    unsigned prev = atomic_fetch_or_explicit(&ch->cb_state, VMBUS_CB_AGAIN, memory_order_acq_rel);
    if (prev & VMBUS_CB_RUNNING) {
        /* The runner will see AGAIN when it gives RUNNING back (its rerun
         * is not counted as an interrupt: the statistic stays a plain,
         * serialised add). */
        atomic_fetch_add_explicit(&callback_handoffs, 1, memory_order_relaxed);
        return;
    }
    /* The runner left between our two looks and nobody holds RUNNING: take
     * it. If that fails, another CPU took it after our AGAIN was set, and
     * its run serves our event. */
    unsigned again = VMBUS_CB_AGAIN;
    if (atomic_compare_exchange_strong_explicit(&ch->cb_state, &again, VMBUS_CB_RUNNING,
                                                memory_order_acq_rel, memory_order_relaxed))
        vmbus_callback_run_held(ch, cb, counted);
}
