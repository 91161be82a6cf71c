/* Partition-wide synthetic MSRs (TLFS "Hypercall interface", "Timers") and
 * the MSR dispatch. Per-VP SynIC MSRs live in hvsim_synic.c, synthetic
 * timers in hvsim_stimer.c. */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "kernel/log.h"

static const uint8_t hypercall_code[] = HVSIM_HYPERCALL_CODE_BYTES;

/* Write the entry code into the guest's page. The real hypervisor overlays
 * the page; the model writes into guest RAM, so the page must be RAM. */
static int fill_hypercall_page(uint64_t gpa)
{
    uint8_t *page = hvsim.machine.gpa_to_ptr(gpa, HV_PAGE_SIZE);
    if (!page)
        return -1;
    memset(page, HVSIM_HYPERCALL_FILL, HV_PAGE_SIZE);
    memcpy(page, hypercall_code, sizeof hypercall_code);
    return 0;
}

static int wr_hypercall(uint64_t val)
{
    if (hvsim.hypercall & HV_HYPERCALL_LOCKED) {
        tracef(TRACE_HV, "hvsim", "host: HYPERCALL is locked, write ignored");
        return 0;
    }
    /* Bits 11:2 are RsvdP: the model keeps them as 0. */
    uint64_t next = val & (HV_MSR_GPFN_MASK | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED);
    if (hvsim.guest_os_id == 0 && (next & HV_HYPERCALL_ENABLE)) {
        /* TLFS: the page cannot be enabled before a guest OS ID is set; the
         * enable bit simply stays clear. */
        next &= ~HV_HYPERCALL_ENABLE;
        tracef(TRACE_HV, "hvsim", "host: HYPERCALL enable refused (GUEST_OS_ID is 0)");
    }
    if (next & HV_HYPERCALL_ENABLE) {
        if (fill_hypercall_page(next & HV_MSR_GPFN_MASK) != 0) {
            log_warn("hvsim", "HYPERCALL page 0x%llx is not guest RAM (#GP)",
                     (unsigned long long)(next & HV_MSR_GPFN_MASK));
            return HVSIM_GP;
        }
        tracef(TRACE_HV, "hvsim", "host: hypercall page at 0x%llx (int 0x%x; ret)",
               (unsigned long long)(next & HV_MSR_GPFN_MASK), HVSIM_TRAP_VECTOR);
    }
    hvsim.hypercall = next;
    return 0;
}

/* floor(10^7 * 2^64 / tsc_hz), the reference TSC page's scale (100 ns per
 * tick), by long division so the kernel needs no 128-bit libgcc helpers.
 * Assumes tsc_hz > 10^7 (the scale then fits in 64 bits). */
static uint64_t ref_tsc_scale(uint64_t tsc_hz)
{
    uint64_t rem = 10000000u % tsc_hz, q = 0;
    for (int i = 0; i < 64; i++) {
        rem <<= 1;
        q <<= 1;
        if (rem >= tsc_hz) {
            rem -= tsc_hz;
            q |= 1;
        }
    }
    return q;
}

static int wr_reference_tsc(uint64_t val)
{
    uint64_t next = val & (HV_MSR_GPFN_MASK | HV_SYNIC_PAGE_ENABLE);
    if (next & HV_SYNIC_PAGE_ENABLE) {
        struct hv_ref_tsc_page *p =
            hvsim.machine.gpa_to_ptr(next & HV_MSR_GPFN_MASK, HV_PAGE_SIZE);
        if (!p)
            return HVSIM_GP;
        /* Without a TSC frequency the model publishes sequence 0: "page
         * invalid, use TIME_REF_COUNT" (TLFS "Timers"). The offset is 0, so
         * reference time is counted from TSC 0, not from partition start. */
        p->tsc_sequence = 0;
        if (hvsim.machine.tsc_hz > HVSIM_REF_TSC_MIN_HZ && hvsim.machine.read_tsc &&
            hvsim.machine.ref_time_100ns) {
            /* TLFS: reference time = ((tsc * scale) >> 64) + offset. The
             * offset makes the page agree with TIME_REF_COUNT (what the
             * synthetic timers compare with), rounded up by
             * HVSIM_REF_TSC_LEAD units so the page never reads earlier than
             * the MSR: a timer that fires is never "early" to the guest. */
            uint64_t scale = ref_tsc_scale(hvsim.machine.tsc_hz);
            uint64_t tsc = hvsim.machine.read_tsc();
            uint64_t from_tsc = (uint64_t)(((unsigned __int128)tsc * scale) >> 64);
            uint64_t ref = hvsim.machine.ref_time_at_tsc ? hvsim.machine.ref_time_at_tsc(tsc)
                                                         : hvsim.machine.ref_time_100ns();
            p->tsc_scale = scale;
            p->tsc_offset = (int64_t)(ref - from_tsc) + HVSIM_REF_TSC_LEAD;
            atomic_thread_fence(memory_order_seq_cst);
            p->tsc_sequence = 1;
        }
    }
    hvsim.ref_tsc = next;
    return 0;
}

static bool offered(uint32_t priv_lo_bit)
{
    return (hvsim.cfg.priv_lo & priv_lo_bit) != 0;
}

static int rdmsr_locked(uint32_t vp, uint32_t msr, uint64_t *val)
{
    HVSIM_ASSERT_LOCKED();
    switch (msr) {
    case HV_X64_MSR_GUEST_OS_ID:
        *val = hvsim.guest_os_id;
        return 0;
    case HV_X64_MSR_HYPERCALL:
        *val = hvsim.hypercall;
        return 0;
    case HV_X64_MSR_VP_INDEX:
        *val = vp;
        return 0;
    case HV_X64_MSR_TIME_REF_COUNT:
        if (!offered(HV_MSR_TIME_REF_COUNT_AVAILABLE))
            return HVSIM_GP;
        *val = hvsim.machine.ref_time_100ns();
        return 0;
    case HV_X64_MSR_REFERENCE_TSC:
        *val = hvsim.ref_tsc;
        return 0;
    case HV_X64_MSR_TSC_FREQUENCY:
    case HV_X64_MSR_APIC_FREQUENCY:
        if (!offered(HV_ACCESS_FREQUENCY_MSRS))
            return HVSIM_GP;
        *val = msr == HV_X64_MSR_TSC_FREQUENCY ? hvsim.machine.tsc_hz : hvsim.machine.apic_hz;
        return 0;
    default:
        if (hvsim_synic_msr(msr))
            return hvsim_synic_rdmsr(vp, msr, val);
        if (hvsim_stimer_msr(msr))
            return hvsim_stimer_rdmsr(vp, msr, val);
        return HVSIM_GP; /* not modelled: #GP like an absent MSR */
    }
}

static int wrmsr_locked(uint32_t vp, uint32_t msr, uint64_t val, struct hvsim_inj *inj)
{
    HVSIM_ASSERT_LOCKED();
    switch (msr) {
    case HV_X64_MSR_GUEST_OS_ID:
        hvsim.guest_os_id = val;
        /* Zeroing the ID later disables the hypercall page (TLFS). */
        if (val == 0)
            hvsim.hypercall &= ~HV_HYPERCALL_ENABLE;
        return 0;
    case HV_X64_MSR_HYPERCALL:
        return wr_hypercall(val);
    case HV_X64_MSR_REFERENCE_TSC:
        return wr_reference_tsc(val);
    case HV_X64_MSR_VP_INDEX:          /* read-only */
    case HV_X64_MSR_TIME_REF_COUNT:    /* read-only */
    case HV_X64_MSR_TSC_FREQUENCY:
    case HV_X64_MSR_APIC_FREQUENCY:
        return HVSIM_GP;
    default:
        if (hvsim_synic_msr(msr))
            return hvsim_synic_wrmsr(vp, msr, val, inj);
        if (hvsim_stimer_msr(msr))
            return hvsim_stimer_wrmsr(vp, msr, val, inj);
        return HVSIM_GP;
    }
}

int hvsim_rdmsr(uint32_t vp, uint32_t msr, uint64_t *val)
{
    if (vp >= hvsim.cfg.nr_vps)
        return HVSIM_GP;
    hvsim_lock();
    int r = rdmsr_locked(vp, msr, val);
    hvsim_unlock();
    if (r != 0)
        tracef(TRACE_HV, "hvsim", "host: rdmsr 0x%x on VP%u -> #GP", msr, vp);
    return r;
}

int hvsim_wrmsr(uint32_t vp, uint32_t msr, uint64_t val)
{
    struct hvsim_inj inj = { 0 };
    if (vp >= hvsim.cfg.nr_vps)
        return HVSIM_GP;
    hvsim_lock();
    int r = wrmsr_locked(vp, msr, val, &inj);
    hvsim_unlock();
    if (r != 0)
        tracef(TRACE_HV, "hvsim", "host: wrmsr %s(0x%x) <- 0x%llx on VP%u -> #GP",
               hv_msr_name(msr), msr, (unsigned long long)val, vp);
    hvsim_inj_flush(&inj);
    return r;
}

int hvsim_rdmsr_current(uint32_t msr, uint64_t *val)
{
    return hvsim_rdmsr(hvsim.machine.current_vp(), msr, val);
}

int hvsim_wrmsr_current(uint32_t msr, uint64_t val)
{
    return hvsim_wrmsr(hvsim.machine.current_vp(), msr, val);
}
