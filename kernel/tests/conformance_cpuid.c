/* Conformance, CPUID (TLFS "Feature Discovery"): the hypervisor bit, the
 * vendor leaf, the "Hv#1" interface, and privilege bits that agree with
 * what the MSRs do. Facts: TLFS Feature Discovery; Linux
 * arch/x86/include/asm/hyperv-tlfs.h (HYPERV_CPUID_MIN 0x40000005,
 * HYPERV_CPUID_MAX 0x4000ffff). */
#include <string.h>
#include "kernel/tests/conformance.h"
#include "drivers/hyperv/tlfs.h"
#include "lib/array_size.h"

/* One register of one leaf, masked, must equal want. */
static const struct { uint32_t leaf, reg, mask, want; } fields[] = {
    { 1, 2, HV_CPUID1_ECX_HYPERVISOR, HV_CPUID1_ECX_HYPERVISOR },
    { HV_CPUID_INTERFACE, 0, ~0u, HV_INTERFACE_HV1 },
};

static enum conf_verdict field(const struct conf_host *h, unsigned i, struct conf_out *o)
{
    uint32_t r[4];
    h->cpuid(fields[i].leaf, r);
    if ((r[fields[i].reg] & fields[i].mask) != fields[i].want)
        return conf_fail(o, "0x%08x", r[fields[i].reg]);
    return CONF_PASS;
}

/* The signature is EBX, ECX, EDX. The TLFS makes it informational (the
 * interface leaf is what a guest relies on): Hyper-V says "Microsoft Hv",
 * QEMU/KVM too by default (hv-vendor-id), the model "SinterHvSim "
 * (docs/hyperv-model.md). Another printable vendor: skip; an empty or
 * unprintable one: FAIL. The highest leaf must be 0x40000005..0x4000ffff. */
static enum conf_verdict vendor_leaf(const struct conf_host *h, unsigned arg, struct conf_out *o)
{
    uint32_t r[4];
    h->cpuid(HV_CPUID_VENDOR_AND_MAX, r);
    if (arg)
        return r[0] >= HV_CPUID_MIN_FOR_FEATURES && r[0] <= 0x4000ffffu
                   ? CONF_PASS
                   : conf_fail(o, "max leaf 0x%08x", r[0]);
    char v[13];
    memcpy(v, &r[1], 4);
    memcpy(v + 4, &r[2], 4);
    memcpy(v + 8, &r[3], 4);
    v[12] = '\0';
    bool printable = v[0] > ' ';
    for (int i = 0; i < 12; i++)
        if (v[i] < 0x20 || v[i] > 0x7e) {
            v[i] = '?';
            printable = false;
        }
    if (!printable)
        return conf_fail(o, "signature \"%s\"", v);
    if (strcmp(v, "Microsoft Hv") != 0)
        return conf_skip(o, "vendor \"%s\", informational", v);
    return CONF_PASS;
}

/* Each privilege bit of 0x40000003 EAX and an MSR it makes accessible. */
static const struct { uint32_t bit, msr; } privileged[] = {
    { HV_MSR_TIME_REF_COUNT_AVAILABLE, HV_X64_MSR_TIME_REF_COUNT },
    { HV_MSR_SYNIC_AVAILABLE, HV_X64_MSR_SVERSION },
    { HV_MSR_SYNTIMER_AVAILABLE, HV_X64_MSR_STIMER0_CONFIG },
    { HV_MSR_HYPERCALL_AVAILABLE, HV_X64_MSR_HYPERCALL },
    { HV_MSR_VP_INDEX_AVAILABLE, HV_X64_MSR_VP_INDEX },
    { HV_MSR_REFERENCE_TSC_AVAILABLE, HV_X64_MSR_REFERENCE_TSC },
    { HV_ACCESS_FREQUENCY_MSRS, HV_X64_MSR_TSC_FREQUENCY },
};

static enum conf_verdict privileges(const struct conf_host *h, unsigned arg, struct conf_out *o)
{
    (void)arg;
    if (!conf_offered(h, 0, o))
        return CONF_SKIP;
    uint32_t r[4];
    h->cpuid(HV_CPUID_FEATURES, r);
    for (size_t i = 0; i < ARRAY_SIZE(privileged); i++) {
        uint64_t v;
        if ((r[0] & privileged[i].bit) && h->rdmsr(privileged[i].msr, &v) != 0)
            return conf_fail(o, "%s #GP", hv_msr_name(privileged[i].msr));
    }
    return CONF_PASS;
}

CONF_GROUP(cpuid,
    CONF_CHECK("cpuid.hypervisor_present", "TLFS Feature Discovery: CPUID.1:ECX bit 31 set", field, 0),
    CONF_CHECK("cpuid.vendor_signature", "TLFS Feature Discovery: vendor \"Microsoft Hv\"", vendor_leaf, 0),
    CONF_CHECK("cpuid.max_leaf", "TLFS Feature Discovery: max leaf >= 0x40000005", vendor_leaf, 1),
    CONF_CHECK("cpuid.interface_hv1", "TLFS Feature Discovery: interface \"Hv#1\"", field, 1),
    CONF_CHECK("cpuid.privileges_match_msrs", "TLFS Feature Discovery: offered MSRs read", privileges, 0));
