/* IPIs by CPU index and the cross-CPU call. Each CPU has one mailbox
 * (struct cpu: call_lock, call_fn/arg, call_seq/call_done): a caller takes
 * the target's lock, fills the mailbox, bumps call_seq and sends VEC_CALL;
 * the target runs the function and publishes call_done = call_seq. */
#include <stddef.h>
#include "kernel/ipi.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"

/* Spins, not time: the wait must not depend on a clock or on ticks (the
 * target may be the one whose tick is late). Far longer than any call. */
#define CALL_SPIN_LIMIT 2000000000ull

void ipi_send(unsigned cpu, uint8_t vector)
{
    if (cpu >= cpu_count)
        return;
    if (cpu == this_cpu()->index)
        apic_send_self_ipi(vector);
    else
        apic_send_ipi(cpus[cpu].apic_id, vector);
}

void ipi_send_all(uint8_t vector)
{
    apic_send_ipi_mode(APIC_DEST_ALL, 0, APIC_ICR_DM_FIXED | vector);
}

void ipi_send_all_but_self(uint8_t vector)
{
    apic_send_ipi_mode(APIC_DEST_ALL_BUT_SELF, 0, APIC_ICR_DM_FIXED | vector);
}

/* Run what is in this CPU's mailbox, if anything. Interrupts off, so the
 * call IPI cannot run the same call again in the middle. */
static void run_mailbox(void)
{
    uint64_t f = irq_save();
    struct cpu *c = this_cpu();
    uint64_t seq = __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE);
    /* Not while this CPU is inside a call already: the one in the mailbox
     * is that very call (a call that calls out waits here). */
    if (!c->call_running && seq != __atomic_load_n(&c->call_done, __ATOMIC_RELAXED)) {
        void (*fn)(void *) = c->call_fn;
        void *arg = c->call_arg;
        c->call_running = true;
        fn(arg);
        c->call_running = false;
        c->calls_run++;
        __atomic_store_n(&c->call_done, seq, __ATOMIC_RELEASE);
    }
    irq_restore(f);
}

static void call_irq(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    run_mailbox();
}

int smp_queue_work(unsigned cpu, void (*fn)(void *), void *arg)
{
    if (cpu >= cpu_count || cpu == this_cpu()->index || !__atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE))
        return -1;
    struct cpu *t = &cpus[cpu];
    int expected = 0;
    if (!__atomic_compare_exchange_n(&t->work_busy, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return -1;
    t->work_arg = arg;
    __atomic_store_n(&t->work_fn, fn, __ATOMIC_RELEASE);
    apic_send_ipi(t->apic_id, VEC_CALL);   /* wakes its hlt; the empty mailbox is a no-op */
    return 0;
}

void smp_idle_loop(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        irq_disable();
        void (*fn)(void *) = __atomic_load_n(&c->work_fn, __ATOMIC_ACQUIRE);
        if (fn) {
            void *arg = c->work_arg;
            irq_enable();
            __atomic_store_n(&c->work_fn, NULL, __ATOMIC_RELAXED);
            fn(arg);
            __atomic_store_n(&c->work_busy, 0, __ATOMIC_RELEASE);
            continue;
        }
        /* sti takes effect after the next instruction: no wake-up is lost
         * between the check and the hlt. */
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

void ipi_init(void)
{
    irq_register(VEC_CALL, call_irq, NULL, 0);
}

/* Post fn to cpu's mailbox and interrupt it; returns the sequence number to
 * wait for. Serves this CPU's own mailbox while the target's is taken. */
static uint64_t post(struct cpu *t, void (*fn)(void *), void *arg)
{
    for (;;) {
        int expected = 0;
        if (__atomic_compare_exchange_n(&t->call_lock, &expected, 1, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            break;
        run_mailbox();
        cpu_relax();
    }
    t->call_fn = fn;
    t->call_arg = arg;
    uint64_t seq = t->call_seq + 1;
    __atomic_store_n(&t->call_seq, seq, __ATOMIC_RELEASE);
    apic_send_ipi(t->apic_id, VEC_CALL);
    return seq;
}

static bool done(struct cpu *t, uint64_t seq)
{
    return __atomic_load_n(&t->call_done, __ATOMIC_ACQUIRE) >= seq;
}

static void release(struct cpu *t)
{
    __atomic_store_n(&t->call_lock, 0, __ATOMIC_RELEASE);
}

static void run_here(void (*fn)(void *), void *arg)
{
    uint64_t f = irq_save();
    fn(arg);
    irq_restore(f);
}

int smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
    if (cpu >= cpu_count || !__atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE))
        return -1;
    if (cpu == this_cpu()->index) {
        run_here(fn, arg);
        return 0;
    }
    struct cpu *t = &cpus[cpu];
    uint64_t seq = post(t, fn, arg);
    for (uint64_t spins = 0; !done(t, seq); spins++) {
        if (spins == CALL_SPIN_LIMIT) {
            log_err("ipi", "CPU%u did not complete a cross-CPU call", cpu);
            release(t);
            return -1;
        }
        run_mailbox();
        cpu_relax();
    }
    release(t);
    return 0;
}

/* Each target's mailbox is released as soon as its call is seen done (a
 * call running elsewhere may be waiting to call that target), and this
 * CPU's own share runs last, holding no mailbox. */
unsigned smp_call_all(void (*fn)(void *), void *arg, bool include_self)
{
    uint64_t seq[MAX_CPUS];
    bool pending[MAX_CPUS] = { false };
    unsigned self = this_cpu()->index, failed = 0, left = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        if (i != self && __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE)) {
            seq[i] = post(&cpus[i], fn, arg);
            pending[i] = true;
            left++;
        }
    for (uint64_t spins = 0; left && spins < CALL_SPIN_LIMIT; spins++) {
        for (unsigned i = 0; i < cpu_count; i++)
            if (pending[i] && done(&cpus[i], seq[i])) {
                release(&cpus[i]);
                pending[i] = false;
                left--;
            }
        run_mailbox();
        cpu_relax();
    }
    for (unsigned i = 0; i < cpu_count; i++)
        if (pending[i]) {
            log_err("ipi", "CPU%u did not complete a cross-CPU call", i);
            release(&cpus[i]);
            failed++;
        }
    if (include_self)
        run_here(fn, arg);
    return failed;
}
