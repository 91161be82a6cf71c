#include <string.h>
#include "kernel/pmm.h"
#include "kernel/panic.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "arch/x86_64/paging.h"
#include "lib/bitmap.h"

static struct bitmap frames;
static spinlock_t lock = SPINLOCK_INIT;
static uint64_t ram_top, usable_bytes;

static bool is_ram(uint32_t kind)
{
    return kind == MEM_USABLE || kind == MEM_BOOT_RECLAIM || kind == MEM_LOADER ||
           kind == MEM_ACPI_RECLAIM || kind == MEM_ACPI_NVS || kind == MEM_RUNTIME;
}

/* The first 1 MiB stays reserved: page 0 catches NULL, and real-mode
 * trampolines (SMP) need low memory of their own. */
#define LOW_RESERVED (1ull << 20)

static void release(const struct boot_info *bi, uint32_t kind)
{
    for (uint32_t i = 0; i < bi->region_count; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (r->kind != kind)
            continue;
        uint64_t start = r->base, end = r->base + r->pages * PAGE_SIZE;
        if (end <= LOW_RESERVED)
            continue;
        if (start < LOW_RESERVED)
            start = LOW_RESERVED;
        usable_bytes += end - start;
        bitmap_clear_range(&frames, start / PAGE_SIZE, (end - start) / PAGE_SIZE);
    }
}

void pmm_init(const struct boot_info *bi)
{
    for (uint32_t i = 0; i < bi->region_count; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (is_ram(r->kind) && r->base + r->pages * PAGE_SIZE > ram_top)
            ram_top = r->base + r->pages * PAGE_SIZE;
    }
    size_t nframes = ram_top / PAGE_SIZE;
    size_t bytes = BITMAP_WORDS(nframes) * 8;
    size_t bm_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    /* The bitmap lives in the first usable region large enough for it. */
    uint64_t bm_at = 0;
    for (uint32_t i = 0; i < bi->region_count && !bm_at; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (r->kind == MEM_USABLE && r->base >= LOW_RESERVED && r->pages >= bm_pages)
            bm_at = r->base;
    }
    if (!bm_at)
        panic("pmm: no room for a %zu-page frame bitmap", bm_pages);
    bitmap_init(&frames, (uint64_t *)bm_at, nframes);
    release(bi, MEM_USABLE);
    bitmap_set_range(&frames, bm_at / PAGE_SIZE, bm_pages);
    usable_bytes -= bm_pages * PAGE_SIZE;
}

void pmm_reclaim_boot(const struct boot_info *bi)
{
    uint64_t before = frames.nbits - frames.set_count;
    release(bi, MEM_BOOT_RECLAIM);
    log_info("pmm", "reclaimed %llu KiB of boot-services memory",
             (unsigned long long)((frames.nbits - frames.set_count - before) * 4));
}

static uint64_t alloc_run(size_t pages, size_t align_pages)
{
    uint64_t f = spin_lock_irqsave(&lock);
    size_t at = bitmap_alloc_run(&frames, pages, align_pages);
    spin_unlock_irqrestore(&lock, f);
    return at == (size_t)-1 ? 0 : (uint64_t)at * PAGE_SIZE;
}

uint64_t pmm_alloc_aligned(size_t pages, size_t align_pages)
{
    uint64_t pa = alloc_run(pages, align_pages);
    if (pa)
        memset((void *)pa, 0, pages * PAGE_SIZE);
    return pa;
}

uint64_t pmm_alloc_unzeroed(size_t pages)
{
    return alloc_run(pages, 1);
}

uint64_t pmm_alloc(size_t pages)
{
    return pmm_alloc_aligned(pages, 1);
}

void pmm_free(uint64_t pa, size_t pages)
{
    if (pa % PAGE_SIZE || pa < LOW_RESERVED)
        panic("pmm: bad free of 0x%llx", (unsigned long long)pa);
    uint64_t f = spin_lock_irqsave(&lock);
    size_t n = bitmap_clear_range(&frames, pa / PAGE_SIZE, pages);
    spin_unlock_irqrestore(&lock, f);
    if (n != pages)
        panic("pmm: double free at 0x%llx (%zu of %zu pages were free)", (unsigned long long)pa,
              pages - n, pages);
}

uint64_t pmm_free_pages(void) { return frames.nbits - frames.set_count; }
bool pmm_is_allocated(uint64_t pa) { return bitmap_test(&frames, pa / PAGE_SIZE); }
uint64_t pmm_usable_bytes(void) { return usable_bytes; }
uint64_t pmm_ram_top(void) { return ram_top; }

static uint64_t pending_guards[16];
static unsigned pending_count;

uint64_t kstack_alloc(size_t size)
{
    size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE + 1;
    uint64_t base = pmm_alloc(pages);
    if (!base)
        panic("out of memory for a %zu-byte stack", size);
    if (paging_ready())
        vm_unmap(base, PAGE_SIZE);
    else if (pending_count < 16)
        pending_guards[pending_count++] = base;
    return base + pages * PAGE_SIZE;
}

void kstack_unmap_pending_guards(void)
{
    for (unsigned i = 0; i < pending_count; i++)
        vm_unmap(pending_guards[i], PAGE_SIZE);
    pending_count = 0;
}
