#include <stdint.h>
#include "kernel/heap.h"
#include "kernel/pmm.h"
#include "kernel/panic.h"

static uint8_t *base, *brk, *limit;

void heap_init(size_t max_bytes)
{
    size_t pages = max_bytes / PAGE_SIZE;
    uint64_t pa = pmm_alloc(pages);
    if (!pa)
        panic("heap: cannot reserve %zu KiB", max_bytes / 1024);
    base = brk = (uint8_t *)pa;
    limit = base + pages * PAGE_SIZE;
}

void *heap_sbrk(ptrdiff_t incr)
{
    if (!base || (incr > 0 && incr > limit - brk) || (incr < 0 && -incr > brk - base))
        return NULL;
    uint8_t *old = brk;
    brk += incr;
    return old;
}

size_t heap_used(void) { return (size_t)(brk - base); }
