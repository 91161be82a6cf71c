/* Model state, lock, configuration and the CPUID the model presents. */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "kernel/log.h"

struct hvsim_state hvsim;

/* ---- locks ---------------------------------------------------------------- */
/* Before hvsim_init there is no machine yet: nothing to mask, VP 0. */
static unsigned long irq_off(void)
{
    return hvsim.machine.irq_save ? hvsim.machine.irq_save() : 0;
}

static uint32_t this_vp(void)
{
    return hvsim.machine.current_vp ? hvsim.machine.current_vp() : 0;
}

void hvsim_spin_lock(struct hvsim_spinlock *l)
{
    unsigned long f = irq_off();
    while (atomic_exchange_explicit(&l->held, true, memory_order_acquire))
        while (atomic_load_explicit(&l->held, memory_order_relaxed))
            ;
    l->owner = this_vp();
    l->irq_flags = f;
}

void hvsim_spin_unlock(struct hvsim_spinlock *l)
{
    unsigned long f = l->irq_flags;
    atomic_store_explicit(&l->held, false, memory_order_release);
    if (hvsim.machine.irq_restore)
        hvsim.machine.irq_restore(f);
}

void hvsim_spin_assert_held(const struct hvsim_spinlock *l, const char *path)
{
    uint32_t vp = this_vp();
    bool held = atomic_load_explicit(&l->held, memory_order_relaxed) && l->owner == vp;
    bool irqs_off = !hvsim.machine.irqs_off || hvsim.machine.irqs_off();
    if (held && irqs_off)
        return;
    uint64_t n = __atomic_add_fetch(&hvsim.stats.lock_errors, 1, __ATOMIC_RELAXED);
    if (n <= 8 || (n & 1023) == 0)
        log_err("hvsim", "model bug: %s entered on VP%u %s (%llu such errors)", path, vp,
                !held ? "without its lock" : "with interrupts on",
                (unsigned long long)n);
}

/* The model is entered from hypercall traps on several CPUs, from the tick
 * (timers, the VMBus host) and from kernel code (tests); one lock keeps it
 * simple. It masks interrupts itself, so no caller has to; injection
 * happens after it is dropped. */
void hvsim_lock(void)
{
    hvsim_spin_lock(&hvsim.lock);
}

void hvsim_unlock(void)
{
    hvsim_spin_unlock(&hvsim.lock);
}

void hvsim_inj_flush(struct hvsim_inj *inj)
{
    for (unsigned i = 0; i < inj->n; i++) {
        tracef(TRACE_HV, "hvsim", "host: raise vector 0x%x on VP%u",
               inj->e[i].vector, inj->e[i].vp);
        hvsim.machine.inject(inj->e[i].vp, inj->e[i].vector);
    }
    inj->n = 0;
}

void hvsim_default_config(struct hvsim_config *cfg, uint32_t nr_vps)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->nr_vps = nr_vps;
    cfg->priv_lo = HV_MSR_TIME_REF_COUNT_AVAILABLE | HV_MSR_SYNIC_AVAILABLE |
                   HV_MSR_HYPERCALL_AVAILABLE | HV_MSR_VP_INDEX_AVAILABLE |
                   HV_ACCESS_FREQUENCY_MSRS;
    cfg->priv_hi = HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
    cfg->features_edx = HV_FEATURE_FREQUENCY_MSRS_AVAILABLE;
    /* Synthetic timers, with direct mode (hvsim_stimer.c). */
    cfg->priv_lo |= HV_MSR_SYNTIMER_AVAILABLE;
    cfg->features_edx |= HV_STIMER_DIRECT_MODE_AVAILABLE;
    /* Like a current Hyper-V host: ask guests not to use AutoEOI. */
    cfg->recommendations = HV_DEPRECATING_AEOI_RECOMMENDED;
}

int hvsim_init(const struct hvsim_machine *m, const struct hvsim_config *cfg)
{
    if (!m || !m->inject || !m->gpa_to_ptr || !m->current_vp || !m->irq_save ||
        !m->irq_restore || !m->irqs_off || !cfg || cfg->nr_vps == 0 ||
        cfg->nr_vps > HVSIM_MAX_VPS)
        return -1;
    memset(&hvsim, 0, sizeof hvsim);
    hvsim.machine = *m;
    hvsim.cfg = *cfg;
    if (!m->tsc_hz || !m->apic_hz)
        hvsim.cfg.priv_lo &= ~HV_ACCESS_FREQUENCY_MSRS;
    /* The reference TSC page, as Hyper-V and KVM offer it, needs a TSC the
     * model can read, its rate and the reference clock it must agree with. */
    if (m->read_tsc && m->ref_time_100ns && m->tsc_hz > HVSIM_REF_TSC_MIN_HZ)
        hvsim.cfg.priv_lo |= HV_MSR_REFERENCE_TSC_AVAILABLE;
    if (!m->ref_time_100ns) {   /* timers count reference time: no clock, no timers */
        hvsim.cfg.priv_lo &= ~(HV_MSR_TIME_REF_COUNT_AVAILABLE | HV_MSR_SYNTIMER_AVAILABLE);
        hvsim.cfg.features_edx &= ~HV_STIMER_DIRECT_MODE_AVAILABLE;
    }
    for (uint32_t v = 0; v < HVSIM_MAX_VPS; v++) {
        for (uint32_t s = 0; s < HV_SYNIC_SINT_COUNT; s++) {
            hvsim.vp[v].sint[s] = HV_SINT_RESET_VALUE;
            hvsim.vp[v].q[s].head = hvsim.vp[v].q[s].tail = HVSIM_NIL;
        }
        hvsim_stimer_reset(v);
    }
    for (uint16_t i = 0; i < HVSIM_MSG_POOL; i++)
        hvsim.pool[i].next = (uint16_t)(i + 1u < HVSIM_MSG_POOL ? i + 1u : HVSIM_NIL);
    hvsim.free_head = 0;
    log_info("hvsim", "Hyper-V model up: %u VPs, trap vector 0x%x",
             cfg->nr_vps, HVSIM_TRAP_VECTOR);
    return 0;
}

static uint32_t sig(const char s[4])
{
    return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
           (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

void hvsim_cpuid(uint32_t leaf, uint32_t out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
    switch (leaf) {
    case 1:
        /* What every hypervisor sets; the guest's detection starts here. */
        out[2] = HV_CPUID1_ECX_HYPERVISOR;
        break;
    case HV_CPUID_VENDOR_AND_MAX:
        /* Our own vendor string; guests must decide on "Hv#1", not this. */
        out[0] = HV_CPUID_HW_FEATURES;
        out[1] = sig("Sint");
        out[2] = sig("erHv");
        out[3] = sig("Sim ");
        break;
    case HV_CPUID_INTERFACE:
        out[0] = HV_INTERFACE_HV1;
        break;
    case HV_CPUID_VERSION:
        out[0] = 1;            /* build */
        out[1] = 0 << 16 | 1;  /* version 0.1 */
        break;
    case HV_CPUID_FEATURES:
        out[0] = hvsim.cfg.priv_lo;
        out[1] = hvsim.cfg.priv_hi;
        out[3] = hvsim.cfg.features_edx;
        break;
    case HV_CPUID_ENLIGHTENMENT:
        out[0] = hvsim.cfg.recommendations;
        out[1] = 0xffffffffu;  /* never notify long spin waits */
        break;
    case HV_CPUID_LIMITS:
        out[0] = hvsim.cfg.nr_vps;
        out[1] = hvsim.cfg.nr_vps;
        break;
    default:
        break;
    }
}

void hvsim_get_stats(struct hvsim_stats *out)
{
    hvsim_lock();
    *out = hvsim.stats;
    hvsim_unlock();
}

void hvsim_get_vp_stats(uint32_t vp, struct hvsim_stats *out)
{
    memset(out, 0, sizeof *out);
    if (vp >= HVSIM_MAX_VPS)
        return;
    hvsim_lock();
    *out = hvsim.vp[vp].stats;
    hvsim_unlock();
}
