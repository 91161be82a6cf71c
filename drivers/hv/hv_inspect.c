/* Read-only views of the guest's Hyper-V state for the console: what a CPU's
 * SynIC registers hold and where its pages are. Nothing here changes state;
 * the MSR reads go through hv_rdmsr, so trace=hv narrates them too. */
#include <string.h>
#include "drivers/hv/hv_internal.h"

int hv_synic_view(unsigned cpu, unsigned current_cpu, struct hv_synic_view *out)
{
    memset(out, 0, sizeof *out);
    if (cpu >= HV_MAX_CPUS || hv.backend == HV_BACKEND_NONE)
        return -1;
    const struct hv_cpu *c = &hv.cpu[cpu];
    out->up = c->synic_up;
    out->vp_index = c->vp_index;
    out->vector = hv.vector;
    out->simp_page = c->simp;
    out->siefp_page = c->siefp;
    if (!c->synic_up || cpu != current_cpu)
        return 0;
    /* SynIC MSRs are per VP: only this CPU can read its own. */
    bool ok = hv_rdmsr(HV_X64_MSR_SCONTROL, &out->scontrol) == 0 &&
              hv_rdmsr(HV_X64_MSR_SIMP, &out->simp) == 0 &&
              hv_rdmsr(HV_X64_MSR_SIEFP, &out->siefp) == 0;
    for (unsigned i = 0; ok && i < HV_SYNIC_SINT_COUNT; i++)
        ok = hv_rdmsr(HV_X64_MSR_SINT0 + i, &out->sint[i]) == 0;
    out->msrs_read = ok;
    return 0;
}

const void *hv_hypercall_page(void)
{
    return hv.hypercall_page;
}
