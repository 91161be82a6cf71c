/* Synthetic MSR access through the chosen backend, narrated for trace=hv. */
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"

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
