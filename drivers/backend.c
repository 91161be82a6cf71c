/* The backend choice (see backend.h). The only place that knows both the
 * guest and the model: it probes the CPU through the guest's detection,
 * starts the model when nothing real answers, and gives the guest the
 * model's CPUID and MSR entry points as a plain hv_backend_ops. */
#include <string.h>
#include "drivers/backend.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hvsim/hvsim.h"
#include "kernel/log.h"

const struct hv_backend_ops backend_model_ops = {
    .kind = HV_BACKEND_MODEL,
    .cpuid = hvsim_cpuid,
    .rdmsr = hvsim_rdmsr_current,
    .wrmsr = hvsim_wrmsr_current,
};

enum backend_want backend_parse_option(const char *opt)
{
    if (!opt || opt[0] == '\0' || strcmp(opt, "auto") == 0)
        return BACKEND_AUTO;
    if (strcmp(opt, "real") == 0)
        return BACKEND_REAL;
    if (strcmp(opt, "model") == 0 || strcmp(opt, "sim") == 0)
        return BACKEND_MODEL;
    if (strcmp(opt, "off") == 0)
        return BACKEND_OFF;
    log_warn("hv", "unknown hv=%s, probing as hv=auto", opt);
    return BACKEND_AUTO;
}

int backend_select(const struct backend_choice *c, const struct hv_boot_params *p)
{
    hv_reset();
    if (c->want == BACKEND_OFF) {
        log_info("hv", "hv=off: no Hyper-V backend; continuing without VMBus");
        return -1;
    }
    if (c->want != BACKEND_MODEL && c->real && c->real->cpuid) {
        struct hv_info info;
        hv_detect_read(c->real->cpuid, &info);
        /* An Hv#1 hypervisor is Hyper-V (or speaks its interface): the guest
         * goes there, and refuses it if it lacks a feature, rather than
         * hide it behind the model. */
        if (info.features_valid)
            return hv_init(p, c->real);
        hv_detect_print(&info);   /* what the CPU is, before the model's lines */
    }
    if (c->want == BACKEND_REAL) {
        log_warn("hv", "hv=real: no Hyper-V found; continuing without VMBus");
        return -1;
    }
    if (!c->start_model || c->start_model(p->nr_cpus) != 0) {
        log_warn("hv", "no Hyper-V and no host model; continuing without VMBus");
        return -1;
    }
    return hv_init(p, &backend_model_ops);
}

int backend_early_rates(const struct backend_choice *c, unsigned nr_cpus, struct backend_rates *out)
{
    const struct hv_backend_ops *ops = NULL;
    struct hv_info info;
    if (c->want == BACKEND_OFF)
        return -1;
    /* The same pick as backend_select makes later. */
    if (c->want != BACKEND_MODEL && c->real && c->real->cpuid) {
        hv_detect_read(c->real->cpuid, &info);
        if (info.features_valid)
            ops = c->real;
    }
    if (!ops) {
        if (c->want == BACKEND_REAL || !c->start_model || c->start_model(nr_cpus) != 0)
            return -1;
        ops = &backend_model_ops;
        hv_detect_read(ops->cpuid, &info);
    }
    /* TLFS "Timers": the frequency MSRs exist when CPUID 0x40000003 says
     * so (AccessFrequencyMsrs, or the older EDX bit). */
    if (!info.features_valid || !info.has_freq_msrs)
        return -1;
    if (ops->rdmsr(HV_X64_MSR_TSC_FREQUENCY, &out->tsc_hz) != 0 ||
        ops->rdmsr(HV_X64_MSR_APIC_FREQUENCY, &out->apic_hz) != 0 || !out->tsc_hz || !out->apic_hz)
        return -1;
    out->source = ops->kind == HV_BACKEND_MODEL ? BACKEND_RATES_MODEL : BACKEND_RATES_HYPERV;
    return 0;
}
