/* Inter-processor interrupts by CPU index (fixed delivery, physical
 * destination or shorthand), and a cross-CPU function call that returns only
 * once the function has run on the target. */
#ifndef SINTER_KERNEL_IPI_H
#define SINTER_KERNEL_IPI_H
#include <stdint.h>
#include <stdbool.h>

void ipi_send(unsigned cpu, uint8_t vector);
void ipi_send_all(uint8_t vector);            /* this CPU included */
void ipi_send_all_but_self(uint8_t vector);

/* Run fn(arg) on `cpu`, in its interrupt context (interrupts off), and wait
 * until it has returned. On this CPU it runs directly (interrupts off too).
 * While waiting, the caller runs calls other CPUs send it, so two CPUs
 * calling each other (even from handlers) cannot deadlock. 0, or -1 if the
 * CPU is not online or did not finish within the bound (logged). */
int smp_call(unsigned cpu, void (*fn)(void *), void *arg);
/* On every other online CPU in parallel, then (include_self) on this one;
 * returns once all are done: how many did not complete (0 = all). */
unsigned smp_call_all(void (*fn)(void *), void *arg, bool include_self);
/* Hand fn(arg) to an idle AP, which runs it from its idle loop with
 * interrupts enabled (so it can take interrupts, posted ones included, while
 * it works); returns at once. -1 if cpu is this CPU, not online, or still
 * busy with earlier work. The caller learns of completion through arg. */
int smp_queue_work(unsigned cpu, void (*fn)(void *), void *arg);
/* An AP's idle loop: run queued work, else halt until an interrupt. */
void smp_idle_loop(void) __attribute__((noreturn));

/* Set up the call vector; on the boot CPU before any AP starts. */
void ipi_init(void);

#endif
