/* One way to refuse input from a peer we do not trust (the host, as seen
 * by the guest; the guest, as seen by the model): count the refusal, log
 * it at a rate limit, never follow it. A hostile peer could otherwise make
 * us log on every interrupt, so the first REFUSE_LOG_FIRST refusals of a
 * counter are logged, then one in REFUSE_LOG_EVERY, each line carrying the
 * running count. The same idea as the Gen2 firmware's single
 * "validate or fail" macro (mu_msvm VmbusDxe), written for a kernel that
 * must keep running. Hardware-free: the kernel and host tests both use it. */
#ifndef SINTER_LIB_REFUSE_H
#define SINTER_LIB_REFUSE_H
#include <stdbool.h>
#include <stdint.h>
#include "kernel/log.h"

#define REFUSE_LOG_FIRST 8u
#define REFUSE_LOG_EVERY 1024u   /* a power of two */

/* A refusal counter; zero-initialised is ready. Safe from any CPU and
 * from interrupt context (one atomic add per refusal). */
struct refusals {
    uint64_t count;
};

/* Count one refusal; true when this one should be logged. Returns the
 * new count through *n (may be NULL). */
static inline bool refusal_count(struct refusals *r, uint64_t *n)
{
    uint64_t v = __atomic_add_fetch(&r->count, 1, __ATOMIC_RELAXED);
    if (n)
        *n = v;
    return v <= REFUSE_LOG_FIRST || (v & (REFUSE_LOG_EVERY - 1)) == 0;
}

static inline uint64_t refusals_seen(const struct refusals *r)
{
    return __atomic_load_n(&r->count, __ATOMIC_RELAXED);
}

/* REFUSE(&counter, "vmbus", "relid %u outside 1..%u", relid, max): counts,
 * and at the rate limit logs "vmbus: warning: refused: relid ... (N refused)".
 * The caller then returns without acting on the input. */
#define REFUSE(r, subsys, fmt, ...)                                                   \
    do {                                                                              \
        uint64_t refuse_n_;                                                           \
        if (refusal_count((r), &refuse_n_))                                           \
            log_warn((subsys), "refused: " fmt " (%llu refused)", ##__VA_ARGS__,       \
                     (unsigned long long)refuse_n_);                                  \
    } while (0)

#endif
