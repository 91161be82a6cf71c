/* Per-CPU data, reached through GS base (the first field points to itself). */
#ifndef SINTER_KERNEL_PERCPU_H
#define SINTER_KERNEL_PERCPU_H
#include <stdint.h>
#include <stdbool.h>
#include "lib/x86_desc.h"

#define MAX_CPUS 64
#define KSTACK_SIZE (32 * 1024)
#define IST_STACK_SIZE (16 * 1024)

struct trap_catch;

struct cpu {
    struct cpu *self;
    unsigned index;           /* 0 = boot CPU */
    uint32_t apic_id;
    bool online;
    struct trap_catch *catch; /* armed exception catch, if any */
    uint64_t gdt[7];          /* null, kcode, kdata, ucode, udata, tss lo, tss hi */
    struct tss64 tss;
    uint64_t kstack_top;
    uint64_t ist_top[3];      /* #DF, NMI, #MC */
    void *hv;                 /* Hyper-V per-CPU state (drivers/hv) */
};

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS 0x28

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;    /* CPUs found in the MADT */

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* Build this CPU's GDT/TSS (stacks come from the page allocator), load them
 * and point GS at its struct cpu. */
void cpu_init_descriptors(struct cpu *c);

#endif
