/* Timekeeping offered by Hyper-V (TLFS "Timers"): TSC and APIC frequencies
 * from the frequency MSRs, and the reference TSC page. Synthetic timer 0 is
 * in hv_stimer.c. */
#include <stdatomic.h>
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"

uint64_t hv_tsc_hz(void) { return hv.tsc_hz; }
uint64_t hv_apic_hz(void) { return hv.apic_hz; }

int hv_time_init(void)
{
    if (hv.backend == HV_BACKEND_NONE)
        return -1;
    if (hv.info.has_freq_msrs) {
        if (hv_rdmsr(HV_X64_MSR_TSC_FREQUENCY, &hv.tsc_hz) != 0 ||
            hv_rdmsr(HV_X64_MSR_APIC_FREQUENCY, &hv.apic_hz) != 0)
            hv.tsc_hz = hv.apic_hz = 0;
        log_info("hv", "TSC %llu Hz, APIC timer %llu Hz (frequency MSRs)",
                 (unsigned long long)hv.tsc_hz, (unsigned long long)hv.apic_hz);
    }
    if (hv.info.has_ref_tsc && !hv.tsc_page) {
        struct hv_ref_tsc_page *pg = hv.params.alloc_page();
        uint64_t v;
        if (pg && hv_rdmsr(HV_X64_MSR_REFERENCE_TSC, &v) == 0 &&
            hv_wrmsr(HV_X64_MSR_REFERENCE_TSC,
                     (v & HV_PAGE_MSR_RSVDP_MASK) | (uint64_t)(uintptr_t)pg | HV_SYNIC_PAGE_ENABLE) == 0)
            hv.tsc_page = pg;
        log_info("hv", "reference TSC page %s", hv.tsc_page ? "enabled" : "unavailable");
    }
    return 0;
}

/* (a * b) >> 64 without 128-bit division helpers. */
static uint64_t mul_hi(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

bool hv_ref_time(uint64_t (*rdtsc)(void), uint64_t *time_100ns)
{
    struct hv_ref_tsc_page *pg = hv.tsc_page;
    if (pg && rdtsc) {
        for (int tries = 0; tries < 16; tries++) {
            uint32_t seq = pg->tsc_sequence;
            if (seq == 0)
                break;  /* host says: page invalid, use the MSR */
            atomic_thread_fence(memory_order_acquire);
            uint64_t scale = pg->tsc_scale;
            int64_t offset = pg->tsc_offset;
            uint64_t tsc = rdtsc();
            atomic_thread_fence(memory_order_acquire);
            if (pg->tsc_sequence == seq) {
                *time_100ns = mul_hi(tsc, scale) + (uint64_t)offset;
                return true;
            }
        }
    }
    if (hv.info.has_time_ref_count)
        return hv_rdmsr(HV_X64_MSR_TIME_REF_COUNT, time_100ns) == 0;
    return false;
}
