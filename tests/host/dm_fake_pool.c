/* The DM hooks over a fake pool (tests/host/dm_fake_pool.h). First fit; a
 * bad free is counted, not done, so a test or fuzzer sees it. */
#include <string.h>
#include "drivers/dm/dm.h"
#include "tests/host/dm_fake_pool.h"

uint8_t dm_pool_used[DM_POOL_PAGES];
uint64_t dm_pool_free, dm_pool_bad_frees;

void dm_pool_reset(void)
{
    memset(dm_pool_used, 0, sizeof dm_pool_used);
    dm_pool_free = DM_POOL_PAGES;   /* bad frees stay counted across resets */
}

uint64_t dm_hook_alloc(uint32_t pages)
{
    for (uint32_t i = 0; i + pages <= DM_POOL_PAGES; i++) {
        uint32_t k = 0;
        while (k < pages && !dm_pool_used[i + k])
            k++;
        if (k == pages) {
            memset(dm_pool_used + i, 1, pages);
            dm_pool_free -= pages;
            return DM_POOL_BASE + i;
        }
        i += k;
    }
    return 0;
}

void dm_hook_free(uint64_t pfn, uint32_t pages)
{
    for (uint32_t k = 0; k < pages; k++) {
        uint64_t i = pfn + k - DM_POOL_BASE;
        if (pfn + k < DM_POOL_BASE || i >= DM_POOL_PAGES || !dm_pool_used[i]) {
            dm_pool_bad_frees++;
            continue;
        }
        dm_pool_used[i] = 0;
        dm_pool_free++;
    }
}

uint64_t dm_hook_free_pages(void) { return dm_pool_free; }
uint64_t dm_hook_total_pages(void) { return DM_POOL_PAGES; }
uint64_t dm_hook_irq_save(void) { return 0; }
void dm_hook_irq_restore(uint64_t f) { (void)f; }
