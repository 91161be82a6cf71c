/* The DM driver's kernel hooks: pages come from and go back to the page
 * allocator (kernel/pmm.c), as Linux hv_balloon takes them with
 * alloc_pages and returns them with __free_page. A ballooned page is held by
 * the driver and never touched by the guest until the host gives it back. */
#include "drivers/dm/dm.h"
#include "arch/x86_64/cpu.h"
#include "kernel/pmm.h"

uint64_t dm_hook_alloc(uint32_t pages)
{
    uint64_t pa = pmm_alloc(pages);
    return pa / PAGE_SIZE;
}

void dm_hook_free(uint64_t pfn, uint32_t pages)
{
    pmm_free(pfn * PAGE_SIZE, pages);
}

uint64_t dm_hook_free_pages(void) { return pmm_free_pages(); }
uint64_t dm_hook_total_pages(void) { return pmm_usable_bytes() / PAGE_SIZE; }
uint64_t dm_hook_irq_save(void) { return irq_save(); }
void dm_hook_irq_restore(uint64_t flags) { irq_restore(flags); }
