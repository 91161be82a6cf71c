/* Host -> guest channel interrupts: the host sets bit <relid> in the SINT 2
 * slot of the event-flags page (2048 bits) and raises SINT 2. We find the
 * set bits, clear them atomically (the host sets bits concurrently), and
 * call each channel's callback through the relid table. The same shape as a
 * posted-interrupt descriptor's PIR harvested by its notification handler. */
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"
#include "lib/refuse.h"

static struct refusals unknown_relid_events;

unsigned long vmbus_unknown_relid_events(void)
{
    return (unsigned long)refusals_seen(&unknown_relid_events);
}

static void dispatch_relid(uint32_t relid)
{
    struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
    vmbus_channel_cb cb = ch ? atomic_load_explicit(&ch->callback, memory_order_acquire)
                             : NULL;
    if (cb == NULL) {
        /* A bit with no (open) channel: count it, never follow it. */
        REFUSE(&unknown_relid_events, "vmbus", "event for relid %u with no open channel", relid);
        return;
    }
    /* Only the channel's target VP runs this (its SINT handler, or the
     * rescue tick on that VP, both with interrupts off), so the statistic
     * needs no locked add: a plain load and store cost ~5 ns less per event,
     * a third of a one-event interrupt (docs/bench.md). */
    atomic_store_explicit(&ch->interrupts,
                          atomic_load_explicit(&ch->interrupts, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    trace_ev(TRACE_IRQ, "callback", "relid=%u", relid);
    cb(ch, ch->cb_ctx);
    trace_ev(TRACE_IRQ, "callback_done", "relid=%u", relid);
}

/* Words [0, nwords): read each, and only when non-zero take it with one
 * atomic exchange (the plain read keeps idle words out of exclusive state in
 * our cache), then walk its set bits. */
static unsigned scan_words(volatile uint64_t *words, unsigned nwords)
{
    unsigned handled = 0;
    for (unsigned w = 0; w < nwords; w++) {
        if (words[w] == 0)
            continue;
        uint64_t bits = __atomic_exchange_n(&words[w], 0, __ATOMIC_ACQ_REL);
        while (bits) {
            unsigned bit = (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            dispatch_relid(w * 64 + bit);
            handled++;
        }
    }
    return handled;
}

unsigned vmbus_sief_scan_hwm(volatile uint64_t *words)
{
    return scan_words(words, vmbus_relid_hwm() / 64 + 1);
}

unsigned vmbus_sief_scan_full(volatile uint64_t *words)
{
    return scan_words(words, VMBUS_EVENT_FLAGS_COUNT / 64);
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
            dispatch_relid(relid);
            handled++;
        }
    }
    return handled;
}

void vmbus_on_events(volatile uint64_t *sief_sint2_words)
{
    trace_ev(TRACE_IRQ, "scan", "hwm=%u", vmbus_relid_hwm());
    unsigned handled = vmbus_sief_scan_hwm(sief_sint2_words);
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
        cb(ch, ch->cb_ctx);
        handled++;
    }
    return handled;
}
