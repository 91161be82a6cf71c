/* The kernel's own 4-level page tables: identity mapped, W^X. */
#ifndef SINTER_ARCH_PAGING_H
#define SINTER_ARCH_PAGING_H
#include <stdint.h>
#include <stdbool.h>
#include "kernel/boot_info.h"

enum vm_flags {
    VM_READ = 0,          /* present, read-only, no-execute */
    VM_WRITE = 1 << 0,
    VM_EXEC = 1 << 1,
    VM_UNCACHED = 1 << 2, /* PCD|PWT: device registers */
};

void paging_init(const struct boot_info *bi);
bool paging_ready(void);
/* Identity-map [pa, pa+len) (rounded out to pages); 0 or -1 (no memory). */
int vm_map(uint64_t pa, uint64_t len, unsigned flags);
/* Change the protection of an already mapped range. */
int vm_protect(uint64_t va, uint64_t len, unsigned flags);
int vm_unmap(uint64_t va, uint64_t len);
bool vm_is_mapped(uint64_t va);
/* Map device registers if not already mapped (uncached, no-execute). */
void vm_map_mmio(uint64_t pa, uint64_t len);

#endif
