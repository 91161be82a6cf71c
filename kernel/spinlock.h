/* Test-and-test-and-set spinlock; the _irq forms also mask interrupts so a
 * handler on the same CPU cannot deadlock on a lock its thread holds. */
#ifndef SINTER_KERNEL_SPINLOCK_H
#define SINTER_KERNEL_SPINLOCK_H
#include <stdatomic.h>
#include "arch/x86_64/cpu.h"

typedef struct { atomic_int locked; } spinlock_t;
#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
    for (;;) {
        if (!atomic_exchange_explicit(&l->locked, 1, memory_order_acquire))
            return;
        while (atomic_load_explicit(&l->locked, memory_order_relaxed))
            cpu_relax();
    }
}
static inline void spin_unlock(spinlock_t *l) { atomic_store_explicit(&l->locked, 0, memory_order_release); }
static inline uint64_t spin_lock_irqsave(spinlock_t *l) { uint64_t f = irq_save(); spin_lock(l); return f; }
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f) { spin_unlock(l); irq_restore(f); }
#endif
