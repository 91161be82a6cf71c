#include <stddef.h>
#include <stdatomic.h>
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "arch/x86_64/apic.h"
#include "kernel/percpu.h"

struct irq_slot {
    irq_handler_t fn;
    void *ctx;
    unsigned flags;
    bool allocated;
    atomic_uint_fast64_t count;
};

static struct irq_slot slots[256];
/* The same counts split by CPU (the console's `irq`): each row is written
 * only by its own CPU, so a plain relaxed increment is enough. */
static uint64_t cpu_counts[MAX_CPUS][256];

static void count_on_this_cpu(unsigned vector)
{
    uint64_t *c = &cpu_counts[this_cpu()->index % MAX_CPUS][vector & 0xff];
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

uint64_t irq_count_cpu(unsigned vector, unsigned cpu)
{
    return cpu < MAX_CPUS ? __atomic_load_n(&cpu_counts[cpu][vector & 0xff], __ATOMIC_RELAXED) : 0;
}
static spinlock_t lock = SPINLOCK_INIT;
static atomic_uint_fast64_t unhandled;

int irq_alloc_vector(unsigned class_hint)
{
    unsigned first = class_hint ? class_hint << 4 : IRQ_DYNAMIC_FIRST;
    if (first < IRQ_DYNAMIC_FIRST)
        first = IRQ_DYNAMIC_FIRST;
    uint64_t f = spin_lock_irqsave(&lock);
    int found = -1;
    for (unsigned v = first; v <= IRQ_DYNAMIC_LAST && found < 0; v++)
        if (!slots[v].allocated) {
            slots[v].allocated = true;
            atomic_store(&slots[v].count, 0); /* counts describe the current owner */
            for (unsigned c = 0; c < MAX_CPUS; c++)
                __atomic_store_n(&cpu_counts[c][v], 0, __ATOMIC_RELAXED);
            found = (int)v;
        }
    spin_unlock_irqrestore(&lock, f);
    return found;
}

void irq_free_vector(unsigned vector)
{
    irq_unregister(vector);
    slots[vector & 0xff].allocated = false;
}

void irq_register(unsigned vector, irq_handler_t fn, void *ctx, unsigned flags)
{
    struct irq_slot *s = &slots[vector & 0xff];
    uint64_t f = spin_lock_irqsave(&lock);
    s->ctx = ctx;
    s->flags = flags;
    s->allocated = true;
    __atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&lock, f);
}

void irq_unregister(unsigned vector)
{
    __atomic_store_n(&slots[vector & 0xff].fn, NULL, __ATOMIC_RELEASE);
}

uint64_t irq_count(unsigned vector)
{
    return atomic_load(&slots[vector & 0xff].count);
}

irq_handler_t irq_handler(unsigned vector)
{
    return __atomic_load_n(&slots[vector & 0xff].fn, __ATOMIC_ACQUIRE);
}

uint64_t irq_unhandled(void)
{
    return atomic_load(&unhandled);
}

void irq_dispatch_posted(unsigned vector, const struct trap_frame *f)
{
    struct irq_slot *s = &slots[vector & 0xff];
    irq_handler_t fn = __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    count_on_this_cpu(vector);
    if (!fn) {
        if (atomic_fetch_add(&unhandled, 1) < 8)
            log_warn("irq", "posted vector 0x%x has no handler", vector);
        return;
    }
    struct trap_frame copy = *f;
    copy.vector = vector & 0xff;
    trace_ev(TRACE_IRQ, "posted", "vec=0x%02x", vector & 0xff);
    fn(s->ctx, &copy);
}

void irq_dispatch(struct trap_frame *f)
{
    struct irq_slot *s = &slots[f->vector & 0xff];
    irq_handler_t fn = __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    count_on_this_cpu((unsigned)f->vector);
    unsigned flags = s->flags;
    bool traced = trace_on(TRACE_IRQ) && f->vector != VEC_TIMER;
    if (traced)
        trace_event("irq", "vec=0x%02llx", (unsigned long long)f->vector);
    if (fn) {
        fn(s->ctx, f);
    } else if (f->vector != VEC_SPURIOUS) {
        if (atomic_fetch_add(&unhandled, 1) < 8)
            log_warn("irq", "vector 0x%llx has no handler", (unsigned long long)f->vector);
    }
    /* The spurious vector never sets an ISR bit, so it is never EOI'd. */
    if (f->vector != VEC_SPURIOUS && !(flags & IRQ_NO_EOI)) {
        apic_eoi();
        if (traced)
            trace_event("eoi", "vec=0x%02llx", (unsigned long long)f->vector);
    } else if (traced) {
        trace_event("iret", "vec=0x%02llx", (unsigned long long)f->vector);
    }
}
