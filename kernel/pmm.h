/* Physical page allocator over the UEFI memory map. Memory is identity
 * mapped, so a physical address is also a usable pointer. */
#ifndef SINTER_KERNEL_PMM_H
#define SINTER_KERNEL_PMM_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "kernel/boot_info.h"

#define PAGE_SIZE 4096ull

void pmm_init(const struct boot_info *bi);
/* Boot-services memory, once nothing of the firmware's is in use. */
void pmm_reclaim_boot(const struct boot_info *bi);
/* Zeroed, contiguous pages; 0 when out of memory. */
uint64_t pmm_alloc(size_t pages);
uint64_t pmm_alloc_aligned(size_t pages, size_t align_pages);
/* Contiguous pages as they are: for memory zeroed as it is used (the heap). */
uint64_t pmm_alloc_unzeroed(size_t pages);
void pmm_free(uint64_t pa, size_t pages);
uint64_t pmm_free_pages(void);
bool pmm_is_allocated(uint64_t pa);   /* the page at pa is taken (tests) */
uint64_t pmm_usable_bytes(void);   /* RAM the kernel may use, for mem_mib= */
uint64_t pmm_ram_top(void);        /* end of the highest RAM region */

/* A kernel stack with an unmapped guard page below it; returns its top. */
uint64_t kstack_alloc(size_t size);
/* Guard pages handed out before paging was ready; paging_init unmaps them. */
void kstack_unmap_pending_guards(void);
#endif
