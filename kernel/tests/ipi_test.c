/* IPIs to one CPU, to all, to all but self, and the cross-CPU call: each
 * CPU counts what this test sent it on a vector of the test's own. */
#include <stddef.h>
#include "kernel/ktest.h"
#include "kernel/ipi.h"
#include "kernel/irq.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"

#define MSR_GS_BASE 0xc0000101

static uint64_t hits[MAX_CPUS];

static void count_on_cpu(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    __atomic_fetch_add(&hits[this_cpu()->index], 1, __ATOMIC_RELAXED);
}

static uint64_t hits_of(unsigned cpu) { return __atomic_load_n(&hits[cpu], __ATOMIC_RELAXED); }

/* Bounded wait until every CPU's count reaches want[cpu]. */
static bool wait_counts(const uint64_t *want)
{
    uint64_t end = clock_ns() + 5000000000ull;
    for (;;) {
        bool all = true;
        for (unsigned i = 0; i < cpu_count; i++)
            all &= hits_of(i) >= want[i];
        if (all)
            return true;
        if (clock_ns() > end)
            return false;
        cpu_relax();
    }
}

/* Counts cleared and a vector counting per CPU; < 0 (test failed) if none. */
static int setup(void)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        __atomic_store_n(&hits[i], 0, __ATOMIC_RELAXED);
    int v = irq_alloc_vector(0);
    KT_CHECK(v >= 0);
    if (v >= 0)
        irq_register((unsigned)v, count_on_cpu, NULL, 0);
    return v;
}

/* One IPI at a time (a second one sent before the first is taken would
 * merge with it in the IRR), 20 to each CPU in turn: exactly 20 each. */
KTEST(one_each_cpu, "ipi.one_each_cpu")
{
    int v = setup();
    if (v < 0)
        return;
    uint64_t want[MAX_CPUS] = { 0 };
    for (unsigned round = 0; round < 20; round++)
        for (unsigned i = 0; i < cpu_count; i++) {
            ipi_send(i, (uint8_t)v);
            want[i]++;
            if (!wait_counts(want)) {
                ktest_fail(__FILE__, __LINE__, "CPU%u did not take IPI %u", i, round);
                goto out;
            }
        }
    for (unsigned i = 0; i < cpu_count; i++)
        KT_CHECK_EQ(hits_of(i), 20);
out:
    irq_free_vector((unsigned)v);
}

KTEST(all_and_all_but_self, "ipi.all_and_all_but_self")
{
    int v = setup();
    if (v < 0)
        return;
    uint64_t want[MAX_CPUS] = { 0 };
    for (unsigned i = 0; i < cpu_count; i++)
        want[i] = 1;
    ipi_send_all((uint8_t)v);
    KT_CHECK(wait_counts(want));
    for (unsigned i = 1; i < cpu_count; i++)
        want[i] = 2;
    ipi_send_all_but_self((uint8_t)v);
    KT_CHECK(wait_counts(want));
    /* Give a wrong delivery to CPU0 time to show up: one more round trip to
     * every other CPU through the same vector ordering. */
    for (unsigned i = 1; i < cpu_count; i++)
        want[i] = 3;
    ipi_send_all_but_self((uint8_t)v);
    KT_CHECK(wait_counts(want));
    KT_CHECK_EQ(hits_of(0), 1);
    for (unsigned i = 1; i < cpu_count; i++)
        KT_CHECK_EQ(hits_of(i), 3);
    irq_free_vector((unsigned)v);
}

struct where {
    unsigned index;
    uint32_t apic_id;
    uint64_t gs_base;
    struct cpu *accessor;
    bool irqs_off;
};

static void record_where(void *arg)
{
    struct where *w = arg;
    w->index = this_cpu()->index;
    w->apic_id = apic_id();
    w->gs_base = rdmsr(MSR_GS_BASE);
    w->accessor = this_cpu();
    w->irqs_off = !(read_rflags() & RFLAGS_IF);
}

/* The call runs on the CPU asked for: its LAPIC, its GS base, its struct cpu. */
KTEST(call_runs_on_target, "smp.call_runs_on_target")
{
    for (unsigned i = 0; i < cpu_count; i++) {
        struct where w = { .index = 999 };
        KT_CHECK_EQ(smp_call(i, record_where, &w), 0);
        KT_CHECK_EQ(w.index, i);
        KT_CHECK_EQ(w.apic_id, cpus[i].apic_id);
        KT_CHECK_EQ(w.gs_base, (uint64_t)(uintptr_t)&cpus[i]);
        KT_CHECK(w.accessor == &cpus[i]);
        KT_CHECK(w.irqs_off);
    }
    KT_CHECK_EQ(smp_call(cpu_count, record_where, &(struct where){ 0 }), (uint64_t)-1);
}

static void slow_then_flag(void *arg)
{
    uint64_t end = clock_ns() + 20000000ull;   /* 20 ms of work on the target */
    while (clock_ns() < end)
        cpu_relax();
    __atomic_store_n((volatile int *)arg, 1, __ATOMIC_RELEASE);
}

/* smp_call returns only once the function has returned. */
KTEST(call_waits_for_completion, "smp.call_waits_for_completion")
{
    for (unsigned i = 0; i < cpu_count; i++) {
        volatile int flag = 0;
        KT_CHECK_EQ(smp_call(i, slow_then_flag, (void *)&flag), 0);
        KT_CHECK_EQ(__atomic_load_n(&flag, __ATOMIC_ACQUIRE), 1);
    }
}

static uint64_t ring_hits[MAX_CPUS];

static void ring_leaf(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&ring_hits[this_cpu()->index], 1, __ATOMIC_RELAXED);
}

/* On every CPU at once, from its call handler (interrupts off), call the
 * next CPU: every CPU waits on a neighbour that is itself waiting. Only
 * serving one's own mailbox while waiting lets this finish. */
static void call_next(void *arg)
{
    (void)arg;
    unsigned next = (this_cpu()->index + 1) % cpu_count;
    smp_call(next, ring_leaf, NULL);
}

KTEST(call_ring_no_deadlock, "smp.call_ring_no_deadlock")
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        ring_hits[i] = 0;
    for (unsigned round = 0; round < 50; round++)
        KT_CHECK_EQ(smp_call_all(call_next, NULL, true), 0);
    for (unsigned i = 0; i < cpu_count; i++)
        KT_CHECK_EQ(__atomic_load_n(&ring_hits[i], __ATOMIC_RELAXED), 50);
}
