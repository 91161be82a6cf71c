#include <string.h>
#include <stdint.h>
#include "kernel/heap.h"
#include "kernel/pmm.h"
#include "kernel/panic.h"
#include "kernel/log.h"

static uint8_t *base, *brk, *limit;

/* A quarter of the free RAM, at most max_bytes, at least HEAP_MIN (a
 * fixed 16 MiB panicked below 52 MiB of RAM): halved until a contiguous
 * run is found. */
#define HEAP_MIN (1u << 20)

void heap_init(size_t max_bytes)
{
    uint64_t free_bytes = pmm_free_pages() * PAGE_SIZE;
    size_t want = max_bytes;
    if (free_bytes / 4 < want)
        want = (size_t)(free_bytes / 4);
    if (want < HEAP_MIN)
        want = HEAP_MIN;
    uint64_t pa = 0;
    size_t pages = want / PAGE_SIZE;
    for (; pages >= HEAP_MIN / PAGE_SIZE; pages /= 2)
        if ((pa = pmm_alloc_unzeroed(pages)) != 0)
            break;
    if (!pa)
        panic("heap: cannot reserve %u KiB of %llu KiB free", HEAP_MIN / 1024,
              (unsigned long long)(free_bytes / 1024));
    base = brk = (uint8_t *)pa;
    limit = base + pages * PAGE_SIZE;
    log_info("heap", "%zu KiB (of %llu KiB free)", (size_t)(pages * PAGE_SIZE / 1024),
             (unsigned long long)(free_bytes / 1024));
}

void *heap_sbrk(ptrdiff_t incr)
{
    if (!base || (incr > 0 && incr > limit - brk) || (incr < 0 && -incr > brk - base))
        return NULL;
    uint8_t *old = brk;
    brk += incr;
    /* newlib's calloc takes memory fresh from sbrk as zeroed (its
     * MORECORE_CLEARS), also after a trim gave it back: zero what is handed
     * out, when it is, rather than the whole heap at boot (16 MiB, 9 ms under
     * TCG). */
    if (incr > 0)
        memset(old, 0, (size_t)incr);
    return old;
}

size_t heap_used(void) { return (size_t)(brk - base); }
