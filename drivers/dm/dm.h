/* Dynamic Memory (hv_balloon) guest driver: binds the DM channel
 * (VMBUS_CLASS_BALLOON), negotiates a version, reports its capabilities
 * (balloon only: no hot-add, no hot-remove), sends status reports, and
 * answers balloon / unballoon requests by taking pages from the kernel's
 * page allocator and giving them back. The protocol facts it relies on are
 * in docs/dynamic-memory.md. */
#ifndef SINTER_DM_DM_H
#define SINTER_DM_DM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/hyperv/dm_proto.h"
#include "lib/refuse.h"

#define DM_MAX_RANGES 256u      /* ballooned runs held; one response's worth */
#define DM_CHUNK_PAGES 512u     /* largest run asked of the allocator (2 MiB, as Linux) */
#define DM_FLOOR_PAGES 2048u    /* free pages never ballooned away (8 MiB) */
#define DM_MSG_MAX (sizeof(struct dm_balloon_response) + DM_MAX_RANGES * 8u)

enum dm_phase { DM_PH_CLOSED = 0, DM_PH_VERSION, DM_PH_CAPS, DM_PH_READY, DM_PH_FAILED };

struct dm_run { uint64_t pfn; uint32_t pages; };

struct dm_state {
    enum dm_phase phase;
    unsigned version_idx;       /* index into the versions we try */
    uint32_t version;           /* accepted */
    uint32_t trans_id;          /* our requests */
    bool status_suppressed;
    struct dm_run runs[DM_MAX_RANGES];
    unsigned n_runs;
    uint64_t ballooned;         /* pages held now */
    uint64_t balloon_reqs, unballoon_reqs, status_sent;
    struct refusals refused;
};

/* Kernel hooks (drivers/dm/dm_kernel.c; host tests bring their own).
 * alloc: `pages` contiguous pages, returns the first PFN or 0. */
uint64_t dm_hook_alloc(uint32_t pages);
void dm_hook_free(uint64_t pfn, uint32_t pages);
uint64_t dm_hook_free_pages(void);
uint64_t dm_hook_total_pages(void);
/* Interrupts off / back as they were (the status report's send). */
uint64_t dm_hook_irq_save(void);
void dm_hook_irq_restore(uint64_t flags);

/* First message after open: the version request. */
size_t dm_start(struct dm_state *s, uint8_t *out, size_t cap);
/* One host message: validate, act, write the reply into out (up to cap
 * bytes); returns its length, 0 for none. Exposed for tests and the fuzzer. */
size_t dm_handle(struct dm_state *s, const uint8_t *msg, size_t len, uint8_t *out, size_t cap);
/* A status report, 0 when none is due (not ready, or suppressed). */
size_t dm_status(struct dm_state *s, uint8_t *out, size_t cap);
/* Give every ballooned page back (channel closed or rescinded). */
void dm_release_all(struct dm_state *s);

/* Kernel driver (dm_driver.c). */
void dm_register(void);
void dm_unregister(void);
/* The bound channel's state, NULL if none (tests, status page). */
const struct dm_state *dm_current(void);
/* Send a status report now if one is due (idle loop, ~1/s). */
void dm_poll_status(void);

#endif
