/* The interrupt flag of one fake CPU, for the model's machine hooks in host
 * tests: irq_save clears it and returns the old state, irq_restore puts it
 * back, irqs_off reads it. Host tests are single-threaded, so this only
 * tracks state; it lets the model's "interrupts off" checks mean something.
 * fake_irq_save_broken makes irq_save leave interrupts on (to see those
 * checks fire). */
#ifndef SINTER_TESTS_FAKE_IRQ_H
#define SINTER_TESTS_FAKE_IRQ_H
#include <stdbool.h>

extern bool fake_irq_save_broken;
unsigned long fake_irq_save(void);
void fake_irq_restore(unsigned long flags);
bool fake_irqs_off(void);
#endif
