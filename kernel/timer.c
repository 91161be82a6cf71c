#include <stddef.h>
#include <stdatomic.h>
#include "kernel/timer.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/ipi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"

static atomic_uint_fast64_t ticks;
static unsigned hz;
static bool deadline_mode;
static uint64_t tsc_period;
static tick_hook_t hook;
static void (*tick_callbacks[TIMER_MAX_TICK_CALLBACKS])(void);
static void (*percpu_callbacks[TIMER_MAX_TICK_CALLBACKS])(void);
static uint64_t *volatile probe_buf;
static volatile unsigned probe_len, probe_cap;

/* Every CPU takes its own tick; the services below (tick callbacks, the
 * probe, the test watchdog) belong to the boot CPU's tick alone, so their
 * rate is the tick rate whatever the number of CPUs. */
static void on_tick(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    struct cpu *c = this_cpu();
    __atomic_store_n(&c->ticks, c->ticks + 1, __ATOMIC_RELAXED);
    if (deadline_mode) {
        c->next_deadline += tsc_period;
        uint64_t now = rdtsc();
        if (c->next_deadline <= now)
            c->next_deadline = now + tsc_period; /* we fell behind: don't storm */
        wrmsr(MSR_TSC_DEADLINE, c->next_deadline);
    }
    for (unsigned i = 0; i < TIMER_MAX_TICK_CALLBACKS; i++) {
        void (*cb)(void) = __atomic_load_n(&percpu_callbacks[i], __ATOMIC_ACQUIRE);
        if (cb)
            cb();
    }
    if (c->index != 0)
        return;
    atomic_fetch_add_explicit(&ticks, 1, memory_order_relaxed);
    for (unsigned i = 0; i < TIMER_MAX_TICK_CALLBACKS; i++) {
        void (*cb)(void) = __atomic_load_n(&tick_callbacks[i], __ATOMIC_ACQUIRE);
        if (cb)
            cb();
    }
    if (probe_buf && probe_len < probe_cap) {
        probe_buf[probe_len] = refclock_read();
        probe_len = probe_len + 1;
    }
    tick_hook_t h = __atomic_load_n(&hook, __ATOMIC_ACQUIRE);
    if (h)
        h(f);
}

/* This CPU's LAPIC timer, with the boot CPU's mode and period. */
static void start_local(void)
{
    if (deadline_mode) {
        struct cpu *c = this_cpu();
        apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VEC_TIMER);
        c->next_deadline = rdtsc() + tsc_period;
        wrmsr(MSR_TSC_DEADLINE, c->next_deadline);
    } else {
        apic_write(APIC_TIMER_DIV, 0x3); /* divide by 16, as calibrated */
        apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | VEC_TIMER);
        apic_write(APIC_TIMER_INIT, (uint32_t)(lapic_timer_hz() / hz));
    }
}

void timer_start(unsigned rate)
{
    hz = rate;
    irq_register(VEC_TIMER, on_tick, NULL, 0);
    deadline_mode = (cpuid(1, 0).ecx >> 24) & 1; /* TSC-deadline (CPUID.1:ECX[24]) */
    if (deadline_mode)
        tsc_period = tsc_hz() / hz;
    start_local();
}

void timer_start_ap(void)
{
    start_local();
}

uint64_t timer_cpu_ticks(unsigned cpu)
{
    return cpu < MAX_CPUS ? __atomic_load_n(&cpus[cpu].ticks, __ATOMIC_RELAXED) : 0;
}

unsigned timer_hz(void) { return hz; }
const char *timer_mode_name(void) { return deadline_mode ? "tsc-deadline" : "periodic"; }
uint64_t timer_ticks(void) { return atomic_load(&ticks); }
void timer_set_hook(tick_hook_t h) { __atomic_store_n(&hook, h, __ATOMIC_RELEASE); }

unsigned timer_probe(uint64_t *stamps, unsigned n, uint64_t timeout_ns)
{
    probe_len = 0;
    probe_cap = n;
    __atomic_store_n(&probe_buf, stamps, __ATOMIC_RELEASE);
    uint64_t end = clock_ns() + timeout_ns;
    while (probe_len < n && clock_ns() < end)
        cpu_relax();
    __atomic_store_n(&probe_buf, NULL, __ATOMIC_RELEASE);
    return probe_len;
}

static int add_callback(void (**slots)(void), void (*fn)(void))
{
    for (unsigned i = 0; i < TIMER_MAX_TICK_CALLBACKS; i++) {
        void (*expected)(void) = NULL;
        if (__atomic_compare_exchange_n(&slots[i], &expected, fn, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return 0;
    }
    return -1;
}

int timer_add_tick_callback(void (*fn)(void)) { return add_callback(tick_callbacks, fn); }
int timer_add_percpu_tick_callback(void (*fn)(void)) { return add_callback(percpu_callbacks, fn); }

static void reprogram_local(void *arg)
{
    (void)arg;
    if (!deadline_mode)
        apic_write(APIC_TIMER_INIT, (uint32_t)(lapic_timer_hz() / hz));
}

/* The period is shared; each CPU's periodic-mode count is its own. */
void timer_reprogram(void)
{
    if (deadline_mode)
        __atomic_store_n(&tsc_period, tsc_hz() / hz, __ATOMIC_RELAXED);
    smp_call_all(reprogram_local, NULL, true);
}
