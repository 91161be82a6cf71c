/* SMP bring-up: every CPU the MADT enables is online (or named as failed),
 * each runs on its own stacks and per-CPU block, and each takes its own tick. */
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/acpi.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "kernel/clock.h"
#include "kernel/options.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"

KTEST(every_cpu_online, "smp.every_cpu_online")
{
    unsigned max = (unsigned)option_u64("smp.max", MAX_CPUS);
    unsigned want = cpu_present < max ? cpu_present : max;
    if (!option_str("smp.skip_sipi"))
        KT_CHECK_EQ(smp_failed_count(), 0);
    KT_CHECK_EQ(cpu_count + smp_failed_count(), want);
    KT_CHECK_EQ(cpu_present, acpi.madt.enabled ? acpi.madt.enabled : 1);
    for (unsigned i = 0; i < cpu_count; i++) {
        struct cpu *c = &cpus[i];
        KT_CHECK(__atomic_load_n(&c->online, __ATOMIC_ACQUIRE));
        KT_CHECK_EQ(c->index, i);
        KT_CHECK(c->self == c);
        /* The id it read from its own LAPIC is the one the MADT named. */
        KT_CHECK_EQ(c->seen_apic_id, c->apic_id);
        for (unsigned j = 0; j < i; j++) {
            KT_CHECK(cpus[j].apic_id != c->apic_id);
            KT_CHECK(cpus[j].kstack_top != c->kstack_top);
            for (unsigned k = 0; k < 3; k++)
                KT_CHECK(cpus[j].ist_top[k] != c->ist_top[k]);
        }
        KT_CHECK_EQ(c->tss.ist[1], c->ist_top[1]);
    }
    for (unsigned i = 0; i < smp_failed_count(); i++)
        for (unsigned j = 0; j < cpu_count; j++)
            KT_CHECK(cpus[j].apic_id != smp_failed_apic_id(i));
    KT_CHECK(this_cpu() == &cpus[0]);
    KT_CHECK_EQ(this_cpu()->apic_id, apic_id());
    ktest_note("%u of %u CPUs online, %u failed", cpu_count, cpu_present, smp_failed_count());
}

/* Every online CPU's own timer ticks: each count moves on by a few ticks
 * (bounded wait; the counts are each CPU's, so nothing else adds to them). */
KTEST(every_cpu_ticks, "smp.every_cpu_ticks")
{
    uint64_t before[MAX_CPUS];
    for (unsigned i = 0; i < cpu_count; i++)
        before[i] = timer_cpu_ticks(i);
    uint64_t end = clock_ns() + 5000000000ull;
    unsigned behind = cpu_count;
    while (behind && clock_ns() < end) {
        behind = 0;
        for (unsigned i = 0; i < cpu_count; i++)
            if (timer_cpu_ticks(i) < before[i] + 3)
                behind++;
        cpu_relax();
    }
    for (unsigned i = 0; i < cpu_count; i++)
        if (timer_cpu_ticks(i) < before[i] + 3)
            ktest_fail(__FILE__, __LINE__, "CPU%u took %llu ticks in 5 s", i,
                       (unsigned long long)(timer_cpu_ticks(i) - before[i]));
}
