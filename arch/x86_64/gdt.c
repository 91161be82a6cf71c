/* Per-CPU GDT and TSS. The TSS holds the IST stacks that #DF, NMI and #MC
 * switch to, so they run even when the current stack is the problem. */
#include <string.h>
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/panic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

struct cpu cpus[MAX_CPUS];
unsigned cpu_count = 1;

void gdt_load(const void *gdtr, uint16_t code_sel, uint16_t data_sel, uint16_t tss_sel);

struct gdtr { uint16_t limit; uint64_t base; } __attribute__((packed));

#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

void cpu_alloc_ist_stacks(struct cpu *c)
{
    for (int i = 0; i < 3; i++)
        c->ist_top[i] = kstack_alloc(IST_STACK_SIZE);
}

void cpu_init_descriptors(struct cpu *c)
{
    cpu_alloc_ist_stacks(c);
    cpu_load_descriptors(c);
}

void cpu_load_descriptors(struct cpu *c)
{
    c->self = c;
    memset(&c->tss, 0, sizeof c->tss);
    for (int i = 0; i < 3; i++)
        c->tss.ist[i] = c->ist_top[i];  /* IST1 #DF, IST2 NMI, IST3 #MC */
    c->tss.rsp[0] = c->kstack_top;
    c->tss.iomap_base = sizeof c->tss;  /* no I/O bitmap */

    c->gdt[0] = 0;
    c->gdt[1] = gdt_code64(0);
    c->gdt[2] = gdt_data(0);
    c->gdt[3] = gdt_code64(3);
    c->gdt[4] = gdt_data(3);
    gdt_tss64(&c->gdt[5], (uint64_t)&c->tss, sizeof c->tss - 1);

    struct gdtr r = { .limit = sizeof c->gdt - 1, .base = (uint64_t)c->gdt };
    gdt_load(&r, GDT_KCODE, GDT_KDATA, GDT_TSS);
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}
