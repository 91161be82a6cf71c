/* 4-level paging (SDM vol. 3, 4.5). Everything is identity mapped: RAM and
 * the device ranges the kernel uses, 2 MiB pages where alignment allows,
 * 4 KiB pages where protection differs (the kernel image, guard pages, the
 * hypercall page). Large pages are split on demand. */
#include <string.h>
#include "arch/x86_64/paging.h"
#include "arch/x86_64/cpu.h"
#include "kernel/pmm.h"
#include "kernel/panic.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define SZ_2M (2ull << 20)

static uint64_t *pml4;
static bool ready;
static spinlock_t lock = SPINLOCK_INIT;

bool paging_ready(void) { return ready; }

static uint64_t leaf_bits(unsigned flags)
{
    uint64_t b = PTE_P;
    if (flags & VM_WRITE) b |= PTE_W;
    if (!(flags & VM_EXEC)) b |= PTE_NX;
    if (flags & VM_UNCACHED) b |= PTE_PCD | PTE_PWT;
    return b;
}

static uint64_t *new_table(void)
{
    uint64_t pa = pmm_alloc(1);
    if (!pa)
        panic("paging: out of memory for page tables");
    return (uint64_t *)pa;
}

/* Upper levels stay permissive (W, executable); the leaf decides. */
static uint64_t *next_level(uint64_t *table, unsigned idx, bool create)
{
    uint64_t e = table[idx];
    if (!(e & PTE_P)) {
        if (!create)
            return NULL;
        uint64_t *t = new_table();
        table[idx] = (uint64_t)t | PTE_P | PTE_W;
        return t;
    }
    return (uint64_t *)(e & PTE_ADDR);
}

/* Replace a 2 MiB leaf by a table of 512 4 KiB leaves with the same bits. */
static uint64_t *split_2m(uint64_t *pd_entry)
{
    uint64_t e = *pd_entry;
    uint64_t *pt = new_table();
    uint64_t base = e & PTE_ADDR & ~(SZ_2M - 1);
    uint64_t bits = e & (PTE_P | PTE_W | PTE_PWT | PTE_PCD | PTE_NX);
    for (unsigned i = 0; i < 512; i++)
        pt[i] = (base + i * PAGE_SIZE) | bits;
    *pd_entry = (uint64_t)pt | PTE_P | PTE_W;
    return pt;
}

static unsigned idx(uint64_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }

static void flush(uint64_t va)
{
    if (ready)
        invlpg(va);
}

/* Set the leaf for one 4 KiB page (bits == 0 unmaps). */
static void set_4k(uint64_t va, uint64_t bits)
{
    uint64_t *pdpt = next_level(pml4, idx(va, 3), bits != 0);
    if (!pdpt) return;
    uint64_t *pd = next_level(pdpt, idx(va, 2), bits != 0);
    if (!pd) return;
    uint64_t *pde = &pd[idx(va, 1)];
    uint64_t *pt;
    if ((*pde & PTE_P) && (*pde & PTE_PS))
        pt = split_2m(pde);
    else
        pt = next_level(pd, idx(va, 1), bits != 0);
    if (!pt) return;
    pt[idx(va, 0)] = bits ? (va & PTE_ADDR) | bits : 0;
    flush(va);
}

static void set_2m(uint64_t va, uint64_t bits)
{
    uint64_t *pdpt = next_level(pml4, idx(va, 3), true);
    uint64_t *pd = next_level(pdpt, idx(va, 2), true);
    uint64_t old = pd[idx(va, 1)];
    pd[idx(va, 1)] = va | bits | PTE_PS;
    if ((old & PTE_P) && !(old & PTE_PS))
        pmm_free(old & PTE_ADDR, 1); /* a 4 KiB table now unused */
    flush(va);
}

static void set_range(uint64_t va, uint64_t len, uint64_t bits)
{
    uint64_t end = (va + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    va &= ~(PAGE_SIZE - 1);
    while (va < end) {
        if (bits && va % SZ_2M == 0 && end - va >= SZ_2M) {
            set_2m(va, bits);
            va += SZ_2M;
        } else {
            set_4k(va, bits);
            va += PAGE_SIZE;
        }
    }
}

int vm_map(uint64_t pa, uint64_t len, unsigned flags)
{
    uint64_t f = spin_lock_irqsave(&lock);
    set_range(pa, len, leaf_bits(flags));
    spin_unlock_irqrestore(&lock, f);
    return 0;
}

int vm_protect(uint64_t va, uint64_t len, unsigned flags)
{
    return vm_map(va, len, flags);
}

int vm_unmap(uint64_t va, uint64_t len)
{
    uint64_t f = spin_lock_irqsave(&lock);
    uint64_t end = va + len;
    for (va &= ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE)
        set_4k(va, 0);
    spin_unlock_irqrestore(&lock, f);
    return 0;
}

bool vm_is_mapped(uint64_t va)
{
    uint64_t *t = pml4;
    for (unsigned level = 3; level > 0; level--) {
        uint64_t e = t[idx(va, level)];
        if (!(e & PTE_P))
            return false;
        if (level < 3 && (e & PTE_PS))
            return true;
        t = (uint64_t *)(e & PTE_ADDR);
    }
    return t[idx(va, 0)] & PTE_P;
}

void vm_map_mmio(uint64_t pa, uint64_t len)
{
    for (uint64_t p = pa & ~(PAGE_SIZE - 1); p < pa + len; p += PAGE_SIZE)
        if (!vm_is_mapped(p))
            vm_map(p, PAGE_SIZE, VM_WRITE | VM_UNCACHED);
}

extern const char __text_start[], __text_end[], __data_start[], __data_end[];
extern const char __rodata_start[], __rodata_end[], ImageBase[], __image_end[];
extern const char __bss_start[], __bss_end[];

void paging_init(const struct boot_info *bi)
{
    pml4 = new_table();
    for (uint32_t i = 0; i < bi->region_count; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (r->kind == MEM_RESERVED)
            continue;
        unsigned fl = VM_WRITE | (r->kind == MEM_MMIO ? VM_UNCACHED : 0);
        if (r->kind == MEM_RUNTIME)
            fl = VM_WRITE | VM_EXEC; /* firmware runtime code, never called, kept as it was */
        set_range(r->base, r->pages * PAGE_SIZE, leaf_bits(fl));
    }
    /* Our image: text RX, data and bss RW, read-only data R; the rest of the image
     * (relocation and dynamic tables) read-only. */
    uint64_t base = (uint64_t)ImageBase;
    set_range(base, (uint64_t)(__image_end - ImageBase), leaf_bits(VM_READ));
    set_range((uint64_t)__text_start, (uint64_t)(__text_end - __text_start), leaf_bits(VM_EXEC));
    set_range((uint64_t)__data_start, (uint64_t)(__data_end - __data_start), leaf_bits(VM_WRITE));
    set_range((uint64_t)__bss_start, (uint64_t)(__bss_end - __bss_start), leaf_bits(VM_WRITE));
    set_range((uint64_t)__rodata_start, (uint64_t)(__rodata_end - __rodata_start), leaf_bits(VM_READ));
    if (bi->fb.base)
        set_range(bi->fb.base, bi->fb.size, leaf_bits(VM_WRITE));
    set_range(0, PAGE_SIZE, 0); /* page 0 unmapped: NULL dereferences fault */
    set_4k(0, 0);

    wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
    write_cr3((uint64_t)pml4);
    ready = true;
    kstack_unmap_pending_guards();
}
