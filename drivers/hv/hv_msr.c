/* Synthetic MSR access through the chosen backend, narrated for trace=hv. */
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"

const char *hv_msr_name(uint32_t msr)
{
    switch (msr) {
    case HV_X64_MSR_GUEST_OS_ID:    return "GUEST_OS_ID";
    case HV_X64_MSR_HYPERCALL:      return "HYPERCALL";
    case HV_X64_MSR_VP_INDEX:       return "VP_INDEX";
    case HV_X64_MSR_TIME_REF_COUNT: return "TIME_REF_COUNT";
    case HV_X64_MSR_REFERENCE_TSC:  return "REFERENCE_TSC";
    case HV_X64_MSR_TSC_FREQUENCY:  return "TSC_FREQUENCY";
    case HV_X64_MSR_APIC_FREQUENCY: return "APIC_FREQUENCY";
    case HV_X64_MSR_SCONTROL:       return "SCONTROL";
    case HV_X64_MSR_SVERSION:       return "SVERSION";
    case HV_X64_MSR_SIEFP:          return "SIEFP";
    case HV_X64_MSR_SIMP:           return "SIMP";
    case HV_X64_MSR_EOM:            return "EOM";
    case HV_X64_MSR_SINT0 + 2:      return "SINT2";
    case HV_X64_MSR_STIMER0_CONFIG: return "STIMER0_CONFIG";
    case HV_X64_MSR_STIMER0_COUNT:  return "STIMER0_COUNT";
    default:                        return "synthetic MSR";
    }
}

int hv_rdmsr(uint32_t msr, uint64_t *val)
{
    *val = 0;
    if (!hv.ops)
        return -1;
    int r = hv.ops->rdmsr(msr, val);
    if (r != 0)
        tracef(TRACE_HV, "hv", "guest: rdmsr %s (0x%x) -> #GP", hv_msr_name(msr), msr);
    return r;
}

int hv_wrmsr(uint32_t msr, uint64_t val)
{
    if (!hv.ops)
        return -1;
    tracef(TRACE_HV, "hv", "guest: wrmsr %s <- 0x%llx", hv_msr_name(msr),
           (unsigned long long)val);
    int r = hv.ops->wrmsr(msr, val);
    if (r != 0)
        tracef(TRACE_HV, "hv", "guest: wrmsr %s -> #GP", hv_msr_name(msr));
    return r;
}
