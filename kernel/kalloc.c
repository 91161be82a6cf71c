#include <stdbool.h>
#include <string.h>
#include <stdint.h>
#include "kernel/kalloc.h"
#include "kernel/pmm.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "lib/array_size.h"

/* Each page of a size class starts with this header, so kfree finds the
 * class from the pointer alone (pages are 4 KiB aligned). Large blocks get
 * a header page of their own with class = LARGE and the page count. */
struct page_hdr {
    uint32_t magic;
    uint32_t cls;        /* index into sizes[], or CLASS_LARGE */
    uint64_t pages;      /* CLASS_LARGE: pages including this header page */
};
#define KALLOC_MAGIC 0x6b616c63u
#define CLASS_LARGE 0xffffffffu
#define HDR_BYTES 64     /* keeps every object 32-byte aligned */

static const size_t sizes[] = { 32, 64, 128, 256, 512, 1024, 2048 };
#define NCLASSES ARRAY_SIZE(sizes)

struct free_obj { struct free_obj *next; };
static struct free_obj *free_lists[NCLASSES];
static spinlock_t lock = SPINLOCK_INIT;
static size_t in_use;

static int class_for(size_t bytes)
{
    for (unsigned i = 0; i < NCLASSES; i++)
        if (bytes <= sizes[i])
            return (int)i;
    return -1;
}

static bool refill(unsigned cls)
{
    uint64_t pa = pmm_alloc(1);
    if (!pa)
        return false;
    struct page_hdr *h = (struct page_hdr *)pa;
    h->magic = KALLOC_MAGIC;
    h->cls = cls;
    size_t start = sizes[cls] > HDR_BYTES ? sizes[cls] : HDR_BYTES;
    for (size_t off = start; off + sizes[cls] <= PAGE_SIZE; off += sizes[cls]) {
        struct free_obj *o = (struct free_obj *)(pa + off);
        o->next = free_lists[cls];
        free_lists[cls] = o;
    }
    return true;
}

void *kzalloc(size_t bytes)
{
    int cls = class_for(bytes ? bytes : 1);
    if (cls < 0) {
        size_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE + 1;
        uint64_t pa = pmm_alloc(pages);
        if (!pa)
            return NULL;
        struct page_hdr *h = (struct page_hdr *)pa;
        h->magic = KALLOC_MAGIC;
        h->cls = CLASS_LARGE;
        h->pages = pages;
        __atomic_fetch_add(&in_use, pages * PAGE_SIZE, __ATOMIC_RELAXED);
        return (void *)(pa + PAGE_SIZE);
    }
    uint64_t f = spin_lock_irqsave(&lock);
    if (!free_lists[cls] && !refill((unsigned)cls)) {
        spin_unlock_irqrestore(&lock, f);
        return NULL;
    }
    struct free_obj *o = free_lists[cls];
    free_lists[cls] = o->next;
    in_use += sizes[cls];
    spin_unlock_irqrestore(&lock, f);
    memset(o, 0, sizes[cls]);
    return o;
}

void kfree(void *p)
{
    if (!p)
        return;
    uintptr_t a = (uintptr_t)p;
    struct page_hdr *h = (struct page_hdr *)(a & ~(uintptr_t)(PAGE_SIZE - 1));
    if (a % PAGE_SIZE == 0) {
        /* Page-aligned: a large block, its header is the page before. */
        h = (struct page_hdr *)(a - PAGE_SIZE);
        if (h->magic != KALLOC_MAGIC || h->cls != CLASS_LARGE)
            panic("kfree: %p is not a kzalloc block", p);
        __atomic_fetch_sub(&in_use, h->pages * PAGE_SIZE, __ATOMIC_RELAXED);
        pmm_free((uint64_t)(uintptr_t)h, h->pages);
        return;
    }
    if (h->magic != KALLOC_MAGIC || h->cls >= NCLASSES)
        panic("kfree: %p is not a kzalloc block", p);
    uint64_t f = spin_lock_irqsave(&lock);
    struct free_obj *o = p;
    o->next = free_lists[h->cls];
    free_lists[h->cls] = o;
    in_use -= sizes[h->cls];
    spin_unlock_irqrestore(&lock, f);
}

size_t kalloc_bytes_in_use(void) { return in_use; }
