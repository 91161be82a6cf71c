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
    unsigned index;           /* 0 = boot CPU; online CPUs are 0 .. cpu_count-1 */
    uint32_t apic_id;
    bool online;              /* set (release) by the CPU itself once it runs its tick */
    struct trap_catch *catch; /* armed exception catch, if any */
    uint64_t gdt[7];          /* null, kcode, kdata, ucode, udata, tss lo, tss hi */
    struct tss64 tss;
    uint64_t kstack_top;
    uint64_t ist_top[3];      /* #DF, NMI, #MC */
    uint64_t ticks;           /* this CPU's own timer ticks */
    uint64_t next_deadline;   /* TSC-deadline mode: this CPU's next tick */
    uint32_t seen_apic_id;
    bool halted;              /* stopped by the halt NMI */
    /* Cross-CPU call mailbox (kernel/ipi.c): one call at a time per target. */
    int call_lock;
    void (*call_fn)(void *);
    void *call_arg;
    uint64_t call_seq, call_done;
    uint64_t calls_run;
    bool call_running;        /* inside a call from the mailbox */
    /* Work an idle AP runs in thread context (interrupts on). */
    int work_busy;
    void (*work_fn)(void *);
    void *work_arg;    /* what the CPU read from its own LAPIC at bring-up */
};

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS 0x28

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;    /* CPUs online (indices 0 .. cpu_count-1) */
extern unsigned cpu_present;  /* enabled CPUs in the MADT (kernel/smp.c) */

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* Build this CPU's GDT/TSS (stacks come from the page allocator), load them
 * and point GS at its struct cpu. */
void cpu_init_descriptors(struct cpu *c);
/* The two halves: the IST stacks (allocated by the boot CPU for an AP
 * before it starts), then the tables, loaded on the CPU itself. */
void cpu_alloc_ist_stacks(struct cpu *c);
void cpu_load_descriptors(struct cpu *c);

#endif
