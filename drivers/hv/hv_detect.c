/* Hyper-V detection (TLFS "Feature discovery"). Order matters: the
 * hypervisor bit first, then the max leaf, then the "Hv#1" interface; only
 * then are leaves 0x40000003.. meaningful. QEMU/TCG, for example, reports max
 * leaf 0x40000001 and answers 0x40000003 with unrelated data that looks like
 * feature bits, so reading it without those checks would "find" a SynIC. */
#include <string.h>
#include "drivers/hv/hv_detect.h"
#include "drivers/hyperv/tlfs.h"
#include "kernel/log.h"
#include "lib/array_size.h"

#define LEAF(in, l, r) ((in)->leaf[(l) - HV_CPUID_VENDOR_AND_MAX][r])

void hv_detect_parse(const struct hv_cpuid_leaves *in, struct hv_info *out)
{
    memset(out, 0, sizeof *out);
    out->hypervisor_present = (in->leaf1_ecx & HV_CPUID1_ECX_HYPERVISOR) != 0;
    if (!out->hypervisor_present)
        return;

    out->max_leaf = LEAF(in, HV_CPUID_VENDOR_AND_MAX, HV_CPUID_REG_EAX);
    /* Vendor string: EBX, ECX, EDX, little-endian bytes. Informational only. */
    for (int r = 0; r < 3; r++) {
        uint32_t v = LEAF(in, HV_CPUID_VENDOR_AND_MAX, HV_CPUID_REG_EBX + r);
        for (int b = 0; b < 4; b++) {
            char c = (char)((v >> (8 * b)) & 0xff);
            out->vendor[4 * r + b] = (c >= 0x20 && c < 0x7f) ? c : '?';
        }
    }
    out->vendor[12] = '\0';

    /* Some hypervisors put 0 here to mean "0x40000001"; anything below
     * 0x40000001 tells us nothing more. */
    if (out->max_leaf < HV_CPUID_INTERFACE)
        return;
    out->interface = LEAF(in, HV_CPUID_INTERFACE, HV_CPUID_REG_EAX);
    out->hv1_interface = out->interface == HV_INTERFACE_HV1;
    if (!out->hv1_interface || out->max_leaf < HV_CPUID_MIN_FOR_FEATURES)
        return;
    out->features_valid = true;

    out->build = LEAF(in, HV_CPUID_VERSION, HV_CPUID_REG_EAX);
    out->major = LEAF(in, HV_CPUID_VERSION, HV_CPUID_REG_EBX) >> 16;
    out->minor = LEAF(in, HV_CPUID_VERSION, HV_CPUID_REG_EBX) & 0xffff;
    out->priv_lo = LEAF(in, HV_CPUID_FEATURES, HV_CPUID_REG_EAX);
    out->priv_hi = LEAF(in, HV_CPUID_FEATURES, HV_CPUID_REG_EBX);
    out->features_edx = LEAF(in, HV_CPUID_FEATURES, HV_CPUID_REG_EDX);
    out->recommendations = LEAF(in, HV_CPUID_ENLIGHTENMENT, HV_CPUID_REG_EAX);
    out->spin_retries = LEAF(in, HV_CPUID_ENLIGHTENMENT, HV_CPUID_REG_EBX);
    out->phys_addr_bits = LEAF(in, HV_CPUID_ENLIGHTENMENT, HV_CPUID_REG_ECX) & 0x7f;
    out->max_vps = LEAF(in, HV_CPUID_LIMITS, HV_CPUID_REG_EAX);
    out->max_lps = LEAF(in, HV_CPUID_LIMITS, HV_CPUID_REG_EBX);
    if (out->max_leaf >= HV_CPUID_HW_FEATURES)
        out->hw_features = LEAF(in, HV_CPUID_HW_FEATURES, HV_CPUID_REG_EAX);

    out->has_hypercall = (out->priv_lo & HV_MSR_HYPERCALL_AVAILABLE) != 0;
    out->has_vp_index = (out->priv_lo & HV_MSR_VP_INDEX_AVAILABLE) != 0;
    out->has_synic = (out->priv_lo & HV_MSR_SYNIC_AVAILABLE) != 0;
    out->has_stimer = (out->priv_lo & HV_MSR_SYNTIMER_AVAILABLE) != 0;
    out->has_stimer_direct = out->has_stimer &&
        (out->features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE) != 0;
    out->has_ref_tsc = (out->priv_lo & HV_MSR_REFERENCE_TSC_AVAILABLE) != 0;
    out->has_time_ref_count = (out->priv_lo & HV_MSR_TIME_REF_COUNT_AVAILABLE) != 0;
    /* Either the privilege bit or the older EDX bit announces the frequency MSRs. */
    out->has_freq_msrs = (out->priv_lo & HV_ACCESS_FREQUENCY_MSRS) != 0 ||
        (out->features_edx & HV_FEATURE_FREQUENCY_MSRS_AVAILABLE) != 0;
    out->can_post_messages = (out->priv_hi & HV_POST_MESSAGES) != 0;
    out->can_signal_events = (out->priv_hi & HV_SIGNAL_EVENTS) != 0;
    out->isolated = (out->priv_hi & HV_ISOLATION) != 0;
    out->deprecate_auto_eoi = (out->recommendations & HV_DEPRECATING_AEOI_RECOMMENDED) != 0;
}

void hv_detect_read(void (*cpuid)(uint32_t leaf, uint32_t out[4]), struct hv_info *out)
{
    struct hv_cpuid_leaves l;
    uint32_t r[4];
    memset(&l, 0, sizeof l);
    cpuid(1, r);
    l.leaf1_ecx = r[HV_CPUID_REG_ECX];
    if (l.leaf1_ecx & HV_CPUID1_ECX_HYPERVISOR) /* else 0x4000000x mean nothing */
        for (uint32_t i = 0; i < HV_CPUID_NLEAVES; i++)
            cpuid(HV_CPUID_VENDOR_AND_MAX + i, l.leaf[i]);
    hv_detect_parse(&l, out);
}

const char *hv_detect_missing(const struct hv_info *info)
{
    /* What the guest needs, in the order it is checked: the first missing
     * one is named. */
    const struct { bool have; const char *what; } need[] = {
        { info->hypervisor_present, "hypervisor (CPUID.1:ECX.31 clear)" },
        { info->max_leaf >= HV_CPUID_INTERFACE && info->hv1_interface,
          "Hv#1 interface (CPUID 0x40000001)" },
        { info->features_valid, "feature leaves (CPUID max leaf < 0x40000005)" },
        { info->has_hypercall, "hypercall MSRs (CPUID 0x40000003 EAX bit 5)" },
        { info->has_vp_index, "VP index MSR (CPUID 0x40000003 EAX bit 6)" },
        { info->has_synic, "SynIC MSRs (CPUID 0x40000003 EAX bit 2)" },
        { info->can_post_messages, "PostMessages privilege (CPUID 0x40000003 EBX bit 4)" },
        { info->can_signal_events, "SignalEvents privilege (CPUID 0x40000003 EBX bit 5)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(need); i++)
        if (!need[i].have)
            return need[i].what;
    return NULL;
}

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

void hv_detect_print(const struct hv_info *info)
{
    if (!info->hypervisor_present) {
        log_info("hv", "no hypervisor (CPUID.1:ECX.31 clear)");
        return;
    }
    log_info("hv", "hypervisor \"%s\", max leaf 0x%x, interface 0x%08x%s",
             info->vendor, info->max_leaf, info->interface,
             info->hv1_interface ? " (Hv#1)" : " (not Hv#1)");
    if (!info->features_valid) {
        log_info("hv", "Hyper-V feature leaves not trusted (%s)",
                 hv_detect_missing(info));
        return;
    }
    log_info("hv", "version %u.%u build %u", info->major, info->minor, info->build);
    log_info("hv", "features: hypercall %s, vp-index %s, synic %s, stimer %s (direct %s), "
             "ref-tsc %s, ref-count %s, freq-msrs %s",
             yes_no(info->has_hypercall), yes_no(info->has_vp_index), yes_no(info->has_synic),
             yes_no(info->has_stimer), yes_no(info->has_stimer_direct), yes_no(info->has_ref_tsc),
             yes_no(info->has_time_ref_count), yes_no(info->has_freq_msrs));
    log_info("hv", "privileges: post-messages %s, signal-events %s, isolated %s "
             "(mask 0x%08x%08x, edx 0x%08x)",
             yes_no(info->can_post_messages), yes_no(info->can_signal_events), yes_no(info->isolated),
             info->priv_hi, info->priv_lo, info->features_edx);
    log_info("hv", "recommendations 0x%08x: deprecate-auto-eoi %s, relaxed-timing %s, "
             "apic-msrs %s, nested %s; spin retries 0x%x",
             info->recommendations, yes_no(info->deprecate_auto_eoi),
             yes_no(info->recommendations & HV_X64_RELAXED_TIMING_RECOMMENDED),
             yes_no(info->recommendations & HV_X64_APIC_ACCESS_RECOMMENDED),
             yes_no(info->recommendations & HV_X64_HYPERV_NESTED), info->spin_retries);
    log_info("hv", "limits: max VPs %u, max LPs %u, phys addr bits %u, hw features 0x%x",
             info->max_vps, info->max_lps, info->phys_addr_bits, info->hw_features);
}
