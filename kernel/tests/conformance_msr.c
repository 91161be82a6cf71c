/* Conformance, synthetic MSRs: values the guest set read back, read-only
 * MSRs #GP on a write, reserved inputs #GP. Every probe writes the value it
 * just read (or restores it), so a host that wrongly accepts the write is
 * left as it was. Facts: TLFS "Virtual Processors" (VP index), "Timers"
 * (reference counter, frequency MSRs), "Inter-Partition Communication"
 * (SVERSION); Linux arch/x86/kvm/hyperv.c raises #GP for the same guest writes. */
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv.h"
#include "drivers/hyperv/tlfs.h"


static const struct { uint32_t msr, priv; uint64_t mask, want; } msrs[] = {
    { HV_X64_MSR_GUEST_OS_ID, HV_MSR_HYPERCALL_AVAILABLE, ~0ull, HV_SINTER_GUEST_OS_ID },
    { HV_X64_MSR_HYPERCALL, HV_MSR_HYPERCALL_AVAILABLE, HV_HYPERCALL_ENABLE, HV_HYPERCALL_ENABLE },
    { HV_X64_MSR_SVERSION, HV_MSR_SYNIC_AVAILABLE, ~0ull, HV_SYNIC_VERSION_1 },
    { HV_X64_MSR_VP_INDEX, HV_MSR_VP_INDEX_AVAILABLE, 0, 0 },
    { HV_X64_MSR_TIME_REF_COUNT, HV_MSR_TIME_REF_COUNT_AVAILABLE, 0, 0 },
    { HV_X64_MSR_TSC_FREQUENCY, HV_ACCESS_FREQUENCY_MSRS, 0, 0 },
};
enum { OS_ID, HYPERCALL, SVERSION, VP_INDEX, REF_COUNT, TSC_FREQ };

/* msrs[i] reads (value & mask) == want. */
static enum conf_verdict reads(const struct conf_host *h, unsigned i, struct conf_out *o)
{
    uint64_t v;
    if (!conf_offered(h, msrs[i].priv, o))
        return CONF_SKIP;
    if (h->rdmsr(msrs[i].msr, &v) != 0)
        return conf_fail(o, "rdmsr #GP");
    if ((v & msrs[i].mask) != msrs[i].want)
        return conf_fail(o, "%s 0x%llx", hv_msr_name(msrs[i].msr), (unsigned long long)v);
    return CONF_PASS;
}

/* msrs[i] is read-only: writing the value read #GPs and changes nothing
 * (the reference counter only moves on). */
static enum conf_verdict read_only(const struct conf_host *h, unsigned i, struct conf_out *o)
{
    uint64_t before, after;
    uint32_t msr = msrs[i].msr;
    if (!conf_offered(h, msrs[i].priv, o))
        return CONF_SKIP;
    if (h->rdmsr(msr, &before) != 0)
        return conf_fail(o, "rdmsr #GP");
    if (h->wrmsr(msr, before) == 0)
        return conf_fail(o, "wrmsr %s accepted", hv_msr_name(msr));
    if (h->rdmsr(msr, &after) != 0 || (i == REF_COUNT ? after < before : after != before))
        return conf_fail(o, "%s 0x%llx, then 0x%llx", hv_msr_name(msr),
                         (unsigned long long)before, (unsigned long long)after);
    return CONF_PASS;
}

CONF_GROUP(msr,
    CONF_CHECK("msr.guest_os_id_reads_back", "TLFS Guest OS Identity: GUEST_OS_ID reads back", reads, OS_ID),
    CONF_CHECK("msr.hypercall_page_enabled", "TLFS Hypercall Interface: HYPERCALL Enable reads back", reads, HYPERCALL),
    CONF_CHECK("msr.sversion", "TLFS SynIC: SVERSION is 1", reads, SVERSION),
    CONF_CHECK("msr.vp_index_read_only", "TLFS VP Index: VP_INDEX read-only, a write #GPs", read_only, VP_INDEX),
    CONF_CHECK("msr.time_ref_count_read_only", "TLFS Reference Counter: read-only, a write #GPs", read_only, REF_COUNT),
    CONF_CHECK("msr.tsc_frequency_read_only", "TLFS Timers: TSC_FREQUENCY read-only, a write #GPs", read_only, TSC_FREQ));
