/* Conformance, synthetic MSRs: what is read-only, what reads back, which
 * writes #GP. Each probe writes the value it just read (or restores it), so
 * a host that wrongly accepts the write is left as it was. Facts: TLFS
 * "Virtual Processors" (VP index), "Timers" (reference counter, frequency
 * MSRs), "Inter-Partition Communication" (SVERSION, SINTx), "Feature
 * Discovery" (no access without the privilege: #GP); Linux
 * arch/x86/kvm/hyperv.c shows KVM raising #GP for the same guest writes. */
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hyperv/tlfs.h"
#include "lib/array_size.h"

/* A SINT no guest layer here uses: VMBus and the timers' messages are on
 * SINT 2. */
#define SPARE_SINT 7u
/* Between the timers (0xB0..0xB7) and the crash MSRs (0x100..): no MSR. */
#define UNDEFINED_SYNTHETIC_MSR 0x400000ffu

/* Read-only: a write of the value read #GPs and leaves it unchanged. Values
 * that move (the reference counter) are compared for direction only. */
static enum conf_verdict read_only(const struct conf_host *h, struct conf_out *o, uint32_t msr,
                                   bool moves)
{
    uint64_t before, after;
    if (h->rdmsr(msr, &before) != 0)
        return conf_fail(o, "rdmsr %s #GP", hv_msr_name(msr));
    if (h->wrmsr(msr, before) == 0)
        return conf_fail(o, "wrmsr %s <- 0x%llx accepted", hv_msr_name(msr),
                         (unsigned long long)before);
    if (h->rdmsr(msr, &after) != 0)
        return conf_fail(o, "rdmsr %s #GP after the write", hv_msr_name(msr));
    if (moves ? after < before : after != before)
        return conf_fail(o, "%s 0x%llx, then 0x%llx", hv_msr_name(msr),
                         (unsigned long long)before, (unsigned long long)after);
    return CONF_PASS;
}

static bool offered(const struct conf_host *h, uint32_t priv_bit)
{
    struct hv_info info;
    conf_read_info(h, &info);
    return info.features_valid && (info.priv_lo & priv_bit);
}

static enum conf_verdict guest_os_id(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_HYPERCALL_AVAILABLE))
        return conf_skip(o, "hypercall MSRs not offered");
    uint64_t v;
    if (h->rdmsr(HV_X64_MSR_GUEST_OS_ID, &v) != 0)
        return conf_fail(o, "rdmsr GUEST_OS_ID #GP");
    if (v != HV_SINTER_GUEST_OS_ID)
        return conf_fail(o, "reads 0x%llx, the guest wrote 0x%llx", (unsigned long long)v,
                         (unsigned long long)HV_SINTER_GUEST_OS_ID);
    return CONF_PASS;
}

static enum conf_verdict hypercall_enabled(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_HYPERCALL_AVAILABLE))
        return conf_skip(o, "hypercall MSRs not offered");
    uint64_t v;
    if (h->rdmsr(HV_X64_MSR_HYPERCALL, &v) != 0)
        return conf_fail(o, "rdmsr HYPERCALL #GP");
    if (!(v & HV_HYPERCALL_ENABLE) || !(v & HV_MSR_GPFN_MASK))
        return conf_fail(o, "HYPERCALL 0x%llx after the guest enabled its page",
                         (unsigned long long)v);
    return CONF_PASS;
}

static enum conf_verdict vp_index_read_only(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_VP_INDEX_AVAILABLE))
        return conf_skip(o, "VP_INDEX not offered");
    return read_only(h, o, HV_X64_MSR_VP_INDEX, false);
}

static enum conf_verdict vp_index_in_limits(const struct conf_host *h, struct conf_out *o)
{
    struct hv_info info;
    conf_read_info(h, &info);
    if (!info.features_valid || !(info.priv_lo & HV_MSR_VP_INDEX_AVAILABLE))
        return conf_skip(o, "VP_INDEX not offered");
    if (info.max_vps == 0)
        return conf_skip(o, "0x40000005 EAX states no VP limit");
    uint64_t v;
    if (h->rdmsr(HV_X64_MSR_VP_INDEX, &v) != 0)
        return conf_fail(o, "rdmsr VP_INDEX #GP");
    if (v >= info.max_vps)
        return conf_fail(o, "VP index %llu, limit %u VPs", (unsigned long long)v, info.max_vps);
    return CONF_PASS;
}

static enum conf_verdict ref_count_read_only(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_TIME_REF_COUNT_AVAILABLE))
        return conf_skip(o, "TIME_REF_COUNT not offered");
    return read_only(h, o, HV_X64_MSR_TIME_REF_COUNT, true);
}

/* It moves: read until it changes (bounded by reads, not by time; a real
 * 10 MHz counter changes within a few reads, the model's every tick), and
 * never backwards. */
static enum conf_verdict ref_count_advances(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_TIME_REF_COUNT_AVAILABLE))
        return conf_skip(o, "TIME_REF_COUNT not offered");
    uint64_t first, v = 0;
    if (h->rdmsr(HV_X64_MSR_TIME_REF_COUNT, &first) != 0)
        return conf_fail(o, "rdmsr TIME_REF_COUNT #GP");
    uint64_t prev = first;
    for (unsigned i = 0; i < 10000000u; i++) {
        if (h->rdmsr(HV_X64_MSR_TIME_REF_COUNT, &v) != 0)
            return conf_fail(o, "rdmsr TIME_REF_COUNT #GP");
        if (v < prev)
            return conf_fail(o, "went back from %llu to %llu", (unsigned long long)prev,
                             (unsigned long long)v);
        if (v != first)
            return CONF_PASS;
        prev = v;
    }
    return conf_fail(o, "stuck at %llu over 10^7 reads", (unsigned long long)first);
}

static enum conf_verdict frequency_read_only(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_ACCESS_FREQUENCY_MSRS))
        return conf_skip(o, "frequency MSRs not offered");
    static const uint32_t msrs[] = { HV_X64_MSR_TSC_FREQUENCY, HV_X64_MSR_APIC_FREQUENCY };
    for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
        uint64_t v;
        if (h->rdmsr(msrs[i], &v) == 0 && v == 0)
            return conf_fail(o, "%s reads 0", hv_msr_name(msrs[i]));
        if (read_only(h, o, msrs[i], false) != CONF_PASS)
            return CONF_FAIL;
    }
    return CONF_PASS;
}

static enum conf_verdict sversion(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_SYNIC_AVAILABLE))
        return conf_skip(o, "SynIC not offered");
    uint64_t v;
    if (h->rdmsr(HV_X64_MSR_SVERSION, &v) != 0)
        return conf_fail(o, "rdmsr SVERSION #GP");
    if (v != HV_SYNIC_VERSION_1)
        return conf_fail(o, "SVERSION 0x%llx", (unsigned long long)v);
    return read_only(h, o, HV_X64_MSR_SVERSION, false);
}

/* An unmasked SINT with a vector below 16 #GPs; the SINT is restored
 * whatever happened. */
static enum conf_verdict sint_low_vector(const struct conf_host *h, struct conf_out *o)
{
    if (!offered(h, HV_MSR_SYNIC_AVAILABLE))
        return conf_skip(o, "SynIC not offered");
    const uint32_t msr = HV_X64_MSR_SINT0 + SPARE_SINT;
    uint64_t saved, v;
    if (h->rdmsr(msr, &saved) != 0)
        return conf_fail(o, "rdmsr SINT%u #GP", SPARE_SINT);
    uint64_t bad = (saved & ~(HV_SINT_VECTOR_MASK | HV_SINT_MASKED)) |
                   (HV_SYNIC_FIRST_VALID_VECTOR - 1);
    int rc = h->wrmsr(msr, bad);
    int rd = h->rdmsr(msr, &v);
    if (rc == 0)
        h->wrmsr(msr, saved);
    if (rc == 0)
        return conf_fail(o, "SINT%u <- 0x%llx accepted", SPARE_SINT, (unsigned long long)bad);
    if (rd != 0 || v != saved)
        return conf_fail(o, "SINT%u 0x%llx after the refused write, was 0x%llx", SPARE_SINT,
                         (unsigned long long)v, (unsigned long long)saved);
    return CONF_PASS;
}

static enum conf_verdict undefined_gp(const struct conf_host *h, struct conf_out *o)
{
    uint64_t v;
    if (h->rdmsr(UNDEFINED_SYNTHETIC_MSR, &v) == 0)
        return conf_fail(o, "rdmsr 0x%x -> 0x%llx", UNDEFINED_SYNTHETIC_MSR,
                         (unsigned long long)v);
    return CONF_PASS;
}

static const struct conf_check checks[] = {
    { "msr.guest_os_id_reads_back",
      "TLFS Feature Discovery (Reporting the Guest OS Identity): GUEST_OS_ID reads what the guest wrote",
      guest_os_id },
    { "msr.hypercall_page_enabled",
      "TLFS Hypercall Interface (Establishing the Hypercall Interface): HYPERCALL reads Enable and the page's GPA",
      hypercall_enabled },
    { "msr.vp_index_read_only",
      "TLFS Virtual Processors (Virtual Processor Index): VP_INDEX is read-only, a write #GPs",
      vp_index_read_only },
    { "msr.vp_index_below_limit",
      "TLFS Virtual Processors / Feature Discovery: the VP index is below the max VPs of leaf 0x40000005",
      vp_index_in_limits },
    { "msr.time_ref_count_read_only",
      "TLFS Timers (Partition Reference Counter): TIME_REF_COUNT is read-only, a write #GPs",
      ref_count_read_only },
    { "msr.time_ref_count_advances",
      "TLFS Timers (Partition Reference Counter): the counter increases and never goes back",
      ref_count_advances },
    { "msr.frequency_read_only",
      "TLFS Timers / Feature Discovery: TSC_FREQUENCY and APIC_FREQUENCY are non-zero and read-only",
      frequency_read_only },
    { "msr.sversion",
      "TLFS Inter-Partition Communication (SVERSION): the SynIC version is 1 and read-only",
      sversion },
    { "msr.sint_vector_below_16",
      "TLFS Inter-Partition Communication (SINTx): an unmasked vector 0..15 #GPs",
      sint_low_vector },
    { "msr.undefined_synthetic_gp",
      "TLFS Feature Discovery: a synthetic MSR the partition has no access to (0x400000ff) #GPs",
      undefined_gp },
};

const struct conf_group conf_msr_group = { checks, ARRAY_SIZE(checks) };
