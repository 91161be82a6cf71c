/* The IDT: every vector points at its 16-byte stub in isr_stubs.asm. */
#include "arch/x86_64/trap.h"
#include "kernel/percpu.h"
#include "lib/x86_desc.h"

extern const char isr_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        idt[v] = idt_gate_encode((uint64_t)(isr_stubs + 16 * v), GDT_KCODE, 0, GATE_INTERRUPT, 0);
    idt_set_ist(VEC_DF, 1);
    idt_set_ist(VEC_NMI, 2);
    idt_set_ist(VEC_MC, 3);
    idt_load();
}

void idt_set_ist(unsigned vector, unsigned ist)
{
    idt[vector].ist = (uint8_t)ist;
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) r = {
        sizeof idt - 1, (uint64_t)idt,
    };
    __asm__ volatile("lidt %0" ::"m"(r));
}
