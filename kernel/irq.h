/* Interrupt vectors: allocation, handler registration, dispatch and EOI. */
#ifndef SINTER_KERNEL_IRQ_H
#define SINTER_KERNEL_IRQ_H
#include <stdint.h>
#include "arch/x86_64/trap.h"

/* Fixed vectors. The allocator hands out IRQ_DYNAMIC_FIRST..IRQ_DYNAMIC_LAST;
 * the top priority class (0xF0-0xFF) is reserved for these and for the host
 * model's trap (HVSIM_TRAP_VECTOR, drivers/hvsim/hvsim_abi.h). */
#define VEC_TIMER 0xf0
#define VEC_CALL 0xf1         /* cross-CPU function call (kernel/ipi.c) */
#define VEC_PI_NOTIFY 0xf2    /* posted-interrupt notification (arch/x86_64/posted_intr.c) */
#define VEC_SPURIOUS 0xff
#define IRQ_DYNAMIC_FIRST 0x30
#define IRQ_DYNAMIC_LAST 0xef

typedef void (*irq_handler_t)(void *ctx, struct trap_frame *f);

enum irq_flags {
    IRQ_NO_EOI = 1 << 0,  /* software traps (int n) and the spurious vector set no ISR bit */
};

/* A free vector whose priority class (vector >> 4) is class_hint or the
 * nearest above it; -1 if none is left. class_hint 0 = any. */
int irq_alloc_vector(unsigned class_hint);
void irq_free_vector(unsigned vector);
void irq_register(unsigned vector, irq_handler_t fn, void *ctx, unsigned flags);
void irq_unregister(unsigned vector);
uint64_t irq_count(unsigned vector);
/* The part of irq_count taken on one CPU. */
uint64_t irq_count_cpu(unsigned vector, unsigned cpu);
/* The handler registered for vector, or NULL (the console shows it). */
irq_handler_t irq_handler(unsigned vector);
void irq_dispatch(struct trap_frame *f);
/* A vector harvested from a posted-interrupt descriptor: its handler runs
 * (with a copy of the notification's frame naming this vector) and its
 * count goes up, but no EOI: the LAPIC never saw this vector (the
 * notification vector's own EOI follows its handler). */
void irq_dispatch_posted(unsigned vector, const struct trap_frame *f);
/* Interrupts on this CPU that found no handler. */
uint64_t irq_unhandled(void);

#endif
