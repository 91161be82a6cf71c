/* A fake page allocator for the DM guest driver's hooks (drivers/dm/dm.h),
 * shared by its host test and its fuzz target: DM_POOL_PAGES pages from PFN
 * DM_POOL_BASE, a byte per page saying it is handed out. */
#ifndef SINTER_TESTS_DM_FAKE_POOL_H
#define SINTER_TESTS_DM_FAKE_POOL_H
#include <stdint.h>

#define DM_POOL_PAGES 8192u
#define DM_POOL_BASE 0x1000u

extern uint8_t dm_pool_used[DM_POOL_PAGES];
extern uint64_t dm_pool_free;
/* Frees of a page outside the pool or not handed out (must stay 0; not
 * cleared by dm_pool_reset). */
extern uint64_t dm_pool_bad_frees;
void dm_pool_reset(void);

#endif
