/* Conformance, CPUID (TLFS "Feature Discovery"): the hypervisor bit, the
 * vendor leaf, the "Hv#1" interface, and feature bits that agree with what
 * the MSRs do. Facts: TLFS Feature Discovery page; Linux
 * arch/x86/include/asm/hyperv-tlfs.h (HYPERV_CPUID_MIN 0x40000005). */
#include <string.h>
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hyperv/tlfs.h"
#include "lib/array_size.h"

static enum conf_verdict hypervisor_bit(const struct conf_host *h, struct conf_out *o)
{
    uint32_t r[4];
    h->cpuid(1, r);
    if (!(r[2] & HV_CPUID1_ECX_HYPERVISOR))
        return conf_fail(o, "CPUID.1:ECX 0x%08x", r[2]);
    return CONF_PASS;
}

/* The vendor signature is EBX, ECX, EDX, little-endian. The TLFS makes it
 * informational (the interface leaf says what the guest may rely on):
 * Hyper-V says "Microsoft Hv", QEMU/KVM too by default (hv-vendor-id), the
 * model "SinterHvSim " (docs/hyperv-model.md). Another vendor's printable
 * signature is a skip, an empty or unprintable one a failure. */
static enum conf_verdict vendor_signature(const struct conf_host *h, struct conf_out *o)
{
    uint32_t r[4];
    h->cpuid(HV_CPUID_VENDOR_AND_MAX, r);
    char vendor[13];
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[2], 4);
    memcpy(vendor + 8, &r[3], 4);
    vendor[12] = '\0';
    bool printable = vendor[0] != ' ';
    for (int i = 0; i < 12; i++)
        if (vendor[i] < 0x20 || vendor[i] > 0x7e) {
            vendor[i] = '?';
            printable = false;
        }
    if (!printable)
        return conf_fail(o, "signature \"%s\"", vendor);
    if (strcmp(vendor, "Microsoft Hv") != 0)
        return conf_skip(o, "vendor \"%s\": informational, not Microsoft's", vendor);
    return CONF_PASS;
}

static enum conf_verdict max_leaf(const struct conf_host *h, struct conf_out *o)
{
    uint32_t r[4];
    h->cpuid(HV_CPUID_VENDOR_AND_MAX, r);
    if (r[0] < HV_CPUID_MIN_FOR_FEATURES || r[0] > 0x4000ffffu)
        return conf_fail(o, "max leaf 0x%08x", r[0]);
    return CONF_PASS;
}

static enum conf_verdict interface_hv1(const struct conf_host *h, struct conf_out *o)
{
    uint32_t r[4];
    h->cpuid(HV_CPUID_INTERFACE, r);
    if (r[0] != HV_INTERFACE_HV1)
        return conf_fail(o, "EAX 0x%08x", r[0]);
    return CONF_PASS;
}

/* Each privilege bit of 0x40000003 EAX and an MSR it makes accessible. */
static const struct { uint32_t bit; uint32_t msr; } privileged[] = {
    { HV_MSR_TIME_REF_COUNT_AVAILABLE, HV_X64_MSR_TIME_REF_COUNT },
    { HV_MSR_SYNIC_AVAILABLE, HV_X64_MSR_SVERSION },
    { HV_MSR_SYNTIMER_AVAILABLE, HV_X64_MSR_STIMER0_CONFIG },
    { HV_MSR_HYPERCALL_AVAILABLE, HV_X64_MSR_HYPERCALL },
    { HV_MSR_HYPERCALL_AVAILABLE, HV_X64_MSR_GUEST_OS_ID },
    { HV_MSR_VP_INDEX_AVAILABLE, HV_X64_MSR_VP_INDEX },
    { HV_MSR_REFERENCE_TSC_AVAILABLE, HV_X64_MSR_REFERENCE_TSC },
    { HV_ACCESS_FREQUENCY_MSRS, HV_X64_MSR_TSC_FREQUENCY },
    { HV_ACCESS_FREQUENCY_MSRS, HV_X64_MSR_APIC_FREQUENCY },
};

static enum conf_verdict privileges_match_msrs(const struct conf_host *h, struct conf_out *o)
{
    struct hv_info info;
    conf_read_info(h, &info);
    if (!info.features_valid)
        return conf_skip(o, "no Hv#1 feature leaves");
    unsigned tried = 0;
    for (size_t i = 0; i < ARRAY_SIZE(privileged); i++) {
        if (!(info.priv_lo & privileged[i].bit))
            continue;
        uint64_t v;
        tried++;
        if (h->rdmsr(privileged[i].msr, &v) != 0)
            return conf_fail(o, "%s (0x%x) offered by EAX bit 0x%x, rdmsr #GP",
                             hv_msr_name(privileged[i].msr), privileged[i].msr,
                             privileged[i].bit);
    }
    if (tried == 0)
        return conf_skip(o, "no MSR privilege offered");
    return CONF_PASS;
}

/* Direct-mode timers (EDX bit 19) are a kind of synthetic timer: offering
 * them without the timers (EAX bit 3) is self-contradictory. */
static enum conf_verdict direct_mode_needs_timers(const struct conf_host *h, struct conf_out *o)
{
    struct hv_info info;
    conf_read_info(h, &info);
    if (!info.features_valid)
        return conf_skip(o, "no Hv#1 feature leaves");
    if (!(info.features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE))
        return conf_skip(o, "direct mode not offered");
    if (!(info.priv_lo & HV_MSR_SYNTIMER_AVAILABLE))
        return conf_fail(o, "EDX 0x%08x offers direct mode, EAX 0x%08x no timers",
                         info.features_edx, info.priv_lo);
    return CONF_PASS;
}

static const struct conf_check checks[] = {
    { "cpuid.hypervisor_present",
      "TLFS Feature Discovery: CPUID.1:ECX bit 31 is set under a hypervisor", hypervisor_bit },
    { "cpuid.vendor_signature",
      "TLFS Feature Discovery: leaf 0x40000000 EBX:ECX:EDX is the vendor signature, \"Microsoft Hv\" for Hyper-V",
      vendor_signature },
    { "cpuid.max_leaf",
      "TLFS Feature Discovery: leaf 0x40000000 EAX, the highest leaf, is 0x40000005..0x4000ffff",
      max_leaf },
    { "cpuid.interface_hv1",
      "TLFS Feature Discovery: leaf 0x40000001 EAX is the interface signature \"Hv#1\"",
      interface_hv1 },
    { "cpuid.privileges_match_msrs",
      "TLFS Feature Discovery: every MSR whose privilege bit (0x40000003 EAX) is set reads without #GP",
      privileges_match_msrs },
    { "cpuid.direct_mode_needs_timers",
      "TLFS Feature Discovery: direct-mode timers (0x40000003 EDX bit 19) come with synthetic timers (EAX bit 3)",
      direct_mode_needs_timers },
};

const struct conf_group conf_cpuid_group = { checks, ARRAY_SIZE(checks) };
