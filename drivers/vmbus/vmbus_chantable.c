/* The relid -> channel table: one global array indexed by relid, as Linux
 * has since 2020 (no per-CPU lists, so moving a channel's interrupt to
 * another CPU needs no list surgery). Writers publish with a release store;
 * the interrupt path reads with an acquire load, so a channel it sees is
 * fully initialised. The high-water mark is the largest relid ever offered:
 * raised on offer, never lowered on rescind (Hyper-V reuses small relids, so
 * recomputing it would buy nothing). */
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"

struct vmbus_channel *_Atomic vmbus_chantable[VMBUS_MAX_RELIDS];
atomic_uint vmbus_chantable_words;
static atomic_uint relid_hwm;
static atomic_uint channel_count;

struct vmbus_channel *vmbus_relid_to_channel(uint32_t relid)
{
    if (relid >= VMBUS_MAX_RELIDS)
        return NULL;
    return atomic_load_explicit(&vmbus_chantable[relid], memory_order_acquire);
}

uint32_t vmbus_relid_hwm(void)
{
    return atomic_load_explicit(&relid_hwm, memory_order_acquire);
}

unsigned vmbus_channel_count(void)
{
    return atomic_load_explicit(&channel_count, memory_order_relaxed);
}

int vmbus_chantable_insert(struct vmbus_channel *ch)
{
    uint32_t relid = ch->relid;
    if (relid == 0 || relid >= VMBUS_MAX_RELIDS) {
        log_err("vmbus", "offer refused: relid %u outside 1..%u", relid,
                VMBUS_MAX_RELIDS - 1);
        return VMBUS_EINVAL;
    }
    struct vmbus_channel *expected = NULL;
    /* compare-exchange: a duplicate offer never overwrites a live channel. */
    if (!atomic_compare_exchange_strong_explicit(&vmbus_chantable[relid], &expected, ch,
                                                 memory_order_release,
                                                 memory_order_relaxed)) {
        log_err("vmbus", "offer refused: relid %u already in use", relid);
        return VMBUS_EBUSY;
    }
    /* Raise the mark only after the channel is visible: a scan that sees
     * the new mark then also finds the channel. */
    unsigned old = atomic_load_explicit(&relid_hwm, memory_order_relaxed);
    while (relid > old &&
           !atomic_compare_exchange_weak_explicit(&relid_hwm, &old, relid,
                                                  memory_order_release,
                                                  memory_order_relaxed))
        ;
    /* The scan's word count follows the mark (the same order: a scan that
     * reads the new count finds the channel). */
    unsigned words = relid / 64 + 1, had = atomic_load_explicit(&vmbus_chantable_words,
                                                                memory_order_relaxed);
    while (words > had &&
           !atomic_compare_exchange_weak_explicit(&vmbus_chantable_words, &had, words,
                                                  memory_order_release,
                                                  memory_order_relaxed))
        ;
    atomic_fetch_add_explicit(&channel_count, 1, memory_order_relaxed);
    return VMBUS_OK;
}

void vmbus_chantable_remove(uint32_t relid)
{
    if (relid >= VMBUS_MAX_RELIDS)
        return;
    if (atomic_exchange_explicit(&vmbus_chantable[relid], NULL, memory_order_acq_rel))
        atomic_fetch_sub_explicit(&channel_count, 1, memory_order_relaxed);
}

void vmbus_chantable_reset(void)
{
    for (unsigned i = 0; i < VMBUS_MAX_RELIDS; i++)
        atomic_store_explicit(&vmbus_chantable[i], NULL, memory_order_release);
    atomic_store_explicit(&relid_hwm, 0, memory_order_release);
    atomic_store_explicit(&vmbus_chantable_words, 0, memory_order_release);
    atomic_store_explicit(&channel_count, 0, memory_order_relaxed);
}
