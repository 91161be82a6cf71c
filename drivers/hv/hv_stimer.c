/* Synthetic timer 0 as a clock-event source (TLFS "Timers"), the way Linux
 * drivers/clocksource/hyperv_timer.c uses it: direct mode when CPUID
 * 0x40000003 EDX bit 19 offers it, else expiration messages on the VMBus
 * SINT. One-shot COUNT is an absolute reference time (100 ns units), so
 * arming reads the reference clock first. */
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"

#define STIMER_SINT HV_VMBUS_MESSAGE_SINT

static unsigned this_cpu(void)
{
    unsigned c = hv.params.this_cpu ? hv.params.this_cpu() : 0;
    return c < HV_MAX_CPUS ? c : 0;
}

/* The ISR must never see a half-written timer: no interrupts while the
 * state and the MSRs change (NULL hooks in host tests: single-threaded). */
static unsigned long irq_off(void) { return hv.params.irq_save ? hv.params.irq_save() : 0; }
static void irq_on(unsigned long f)
{
    if (hv.params.irq_restore)
        hv.params.irq_restore(f);
}

enum hv_stimer_mode hv_stimer_mode(void) { return hv.stimer_mode; }

const char *hv_stimer_mode_name(enum hv_stimer_mode m)
{
    return m == HV_STIMER_DIRECT ? "direct" : m == HV_STIMER_MESSAGE ? "message" : "none";
}

void hv_stimer_get_stats(unsigned cpu, struct hv_stimer_stats *out)
{
    *out = hv.cpu[cpu < HV_MAX_CPUS ? cpu : 0].stimer.stats;
}

/* Mode bits of the CONFIG value: vector + DirectMode, or SINTx. */
static uint64_t mode_bits(void)
{
    if (hv.stimer_mode == HV_STIMER_DIRECT)
        return HV_STIMER_DIRECT_MODE | (uint64_t)hv.stimer_vector << HV_STIMER_VECTOR_SHIFT;
    return (uint64_t)STIMER_SINT << HV_STIMER_SINT_SHIFT;
}

/* Linux hv_ce_shutdown order: COUNT 0 stops the timer, then CONFIG 0. */
static void stop_locked(struct hv_stimer_cpu *t)
{
    t->armed = false;
    hv_wrmsr(HV_X64_MSR_STIMER0_COUNT, 0);
    hv_wrmsr(HV_X64_MSR_STIMER0_CONFIG, 0);
}

void hv_stimer_stop(void)
{
    if (hv.stimer_mode == HV_STIMER_NONE)
        return;
    unsigned long f = irq_off();
    stop_locked(&hv.cpu[this_cpu()].stimer);
    irq_on(f);
}

/* The callback for an expiration that is still wanted. */
static void expired(unsigned cpu, bool matches)
{
    struct hv_stimer_cpu *t = &hv.cpu[cpu].stimer;
    if (!t->armed || !matches) {
        t->stats.stale++;
        return;
    }
    if (!t->periodic)
        t->armed = false;
    t->stats.fired++;
    if (t->fn)
        t->fn(t->ctx);
}

/* HVMSG_TIMER_EXPIRED from the SynIC layer, which has already emptied the
 * slot and written EOM if MessagePending was set. A one-shot message must
 * carry the COUNT we programmed; an older one is stale. */
static void on_timer_message(unsigned cpu, const struct hv_message *m)
{
    const struct hv_timer_message_payload *p = (const void *)m->payload;
    if (cpu >= HV_MAX_CPUS || m->header.payload_size < sizeof *p || p->timer_index != 0)
        return;
    struct hv_stimer_cpu *t = &hv.cpu[cpu].stimer;
    tracef(TRACE_HV, "hv", "guest: STIMER0 message on CPU%u, expired %llu, delivered %llu",
           cpu, (unsigned long long)p->expiration_time, (unsigned long long)p->delivery_time);
    expired(cpu, t->periodic || p->expiration_time == t->deadline);
}

/* Direct mode carries no payload: a one-shot interrupt that arrives before
 * the deadline belongs to an earlier arming (already in the APIC's IRR). */
void hv_stimer_isr(void)
{
    unsigned cpu = this_cpu();
    struct hv_stimer_cpu *t = &hv.cpu[cpu].stimer;
    uint64_t now = 0;
    bool ok = t->periodic || (hv_ref_time(NULL, &now) && now >= t->deadline);
    expired(cpu, ok);
}

static int begin_arm(hv_stimer_fn fn, void *ctx, bool periodic, struct hv_stimer_cpu **out)
{
    if (hv.stimer_mode == HV_STIMER_NONE)
        return -1;
    struct hv_stimer_cpu *t = &hv.cpu[this_cpu()].stimer;
    stop_locked(t);   /* TLFS: disable before changing any other property */
    t->fn = fn;
    t->ctx = ctx;
    t->periodic = periodic;
    *out = t;
    return 0;
}

int hv_stimer_arm_oneshot(uint64_t ns, hv_stimer_fn fn, void *ctx)
{
    struct hv_stimer_cpu *t;
    uint64_t now;
    unsigned long f = irq_off();
    if (begin_arm(fn, ctx, false, &t) != 0 || !hv_ref_time(NULL, &now)) {
        irq_on(f);
        return -1;
    }
    /* Round up, plus one unit for the part of a unit `now` had already run:
     * the TLFS promises never early, so neither do we. */
    t->deadline = now + (ns + 99) / 100 + 1;
    t->armed = true;
    /* AutoEnable: writing the non-zero COUNT enables the timer (Linux
     * hv_ce_set_oneshot / hv_ce_set_next_event do the same). */
    int r = hv_wrmsr(HV_X64_MSR_STIMER0_CONFIG, HV_STIMER_AUTO_ENABLE | mode_bits());
    if (r == 0)
        r = hv_wrmsr(HV_X64_MSR_STIMER0_COUNT, t->deadline);
    if (r != 0)
        t->armed = false;
    irq_on(f);
    return r;
}

int hv_stimer_arm_periodic(uint64_t period_ns, hv_stimer_fn fn, void *ctx)
{
    struct hv_stimer_cpu *t;
    uint64_t period = period_ns / 100;
    if (period == 0)
        return -1;
    unsigned long f = irq_off();
    if (begin_arm(fn, ctx, true, &t) != 0) {
        irq_on(f);
        return -1;
    }
    /* TLFS order without AutoEnable: COUNT (the period) first, then Enable;
     * the first period starts at the enable. */
    uint64_t cfg = HV_STIMER_PERIODIC | mode_bits();
    t->armed = true;
    int r = hv_wrmsr(HV_X64_MSR_STIMER0_CONFIG, cfg);
    if (r == 0)
        r = hv_wrmsr(HV_X64_MSR_STIMER0_COUNT, period);
    if (r == 0)
        r = hv_wrmsr(HV_X64_MSR_STIMER0_CONFIG, cfg | HV_STIMER_ENABLE);
    if (r != 0)
        t->armed = false;
    irq_on(f);
    return r;
}

int hv_stimer_set_mode(enum hv_stimer_mode mode)
{
    const struct hv_info *i = &hv.info;
    if (hv.backend == HV_BACKEND_NONE || !i->has_stimer)
        return -1;
    if (mode == HV_STIMER_DIRECT && (!i->has_stimer_direct || !hv.stimer_vector))
        return -1;
    if (mode == HV_STIMER_MESSAGE && !hv.cpu[this_cpu()].synic_up)
        return -1;
    hv_stimer_stop();
    hv.stimer_mode = mode;
    return 0;
}

int hv_stimer_init(void)
{
    const struct hv_info *i = &hv.info;
    uint64_t now;
    if (hv.backend == HV_BACKEND_NONE || !i->has_stimer)
        return -1;
    if (!hv_ref_time(NULL, &now)) {
        log_warn("hv", "synthetic timers offered without reference time; not used");
        return -1;
    }
    hv_set_timer_handler(on_timer_message);
    if (i->has_stimer_direct && !hv.stimer_vector && hv.params.alloc_stimer_vector) {
        int v = hv.params.alloc_stimer_vector();
        if (v >= (int)HV_SYNIC_FIRST_VALID_VECTOR && v <= 0xff)
            hv.stimer_vector = (uint8_t)v;
    }
    if (hv_stimer_set_mode(HV_STIMER_DIRECT) != 0 &&
        hv_stimer_set_mode(HV_STIMER_MESSAGE) != 0) {
        log_warn("hv", "synthetic timer 0: neither direct mode nor the SynIC is usable");
        return -1;
    }
    if (hv.stimer_mode == HV_STIMER_DIRECT)
        log_info("hv", "synthetic timer 0: direct mode, vector 0x%x", hv.stimer_vector);
    else
        log_info("hv", "synthetic timer 0: message mode on SINT%u%s", STIMER_SINT,
                 i->has_stimer_direct ? " (no vector for direct mode)" : "");
    return 0;
}
