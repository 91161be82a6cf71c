/* Which backend answers the guest's CPUID, synthetic MSRs and hypercall
 * page: chosen once, here, above both the guest (drivers/hv) and the host
 * model (drivers/hvsim). Real Hyper-V when CPUID says a Hyper-V-compatible
 * hypervisor ("Hv#1" with its feature leaves) is there; else the model,
 * unless hv=off or hv=real. Hardware-free: the kernel passes the CPU's own
 * backend and a way to start the model (drivers/drivers.c), host tests pass
 * fakes. */
#ifndef SINTER_DRIVERS_BACKEND_H
#define SINTER_DRIVERS_BACKEND_H
#include "drivers/hv/hv.h"

/* What hv= asks for. "sim" is the old name of "model", still accepted. */
enum backend_want { BACKEND_AUTO, BACKEND_REAL, BACKEND_MODEL, BACKEND_OFF };
/* NULL or "" = auto; an unknown value gets a warning and means auto. */
enum backend_want backend_parse_option(const char *hv_option);

struct backend_choice {
    enum backend_want want;
    /* The CPU's own CPUID and MSRs (real Hyper-V when it is there); NULL:
     * no hypervisor probing. */
    const struct hv_backend_ops *real;
    /* Reset and start the model for nr_cpus VPs; 0 or -1. NULL: no model. */
    int (*start_model)(unsigned nr_cpus);
};

/* Probe, pick, start the model if it is the pick, then hv_init() the guest
 * over the chosen backend. 0 when a backend is up, -1 when not (one line
 * says why; the kernel boots on without VMBus). */
int backend_select(const struct backend_choice *c, const struct hv_boot_params *p);

/* Before the kernel measures its clocks: the TSC and APIC timer rates the
 * backend backend_select would pick states in its frequency MSRs, so the
 * kernel needs no calibration window (a Generation 2 VM has no HPET). For
 * the model this starts it (start_model must then be idempotent). 0 with
 * the rates, -1 when there are none (hv=off, no backend, no MSRs). */
#define BACKEND_RATES_HYPERV "hyper-v frequency MSRs"
#define BACKEND_RATES_MODEL "model frequency MSRs"
struct backend_rates {
    uint64_t tsc_hz, apic_hz;   /* APIC timer input clock, before the divider */
    const char *source;         /* BACKEND_RATES_HYPERV or BACKEND_RATES_MODEL */
};
int backend_early_rates(const struct backend_choice *c, unsigned nr_cpus, struct backend_rates *out);

/* The model as a backend: its CPUID and its MSRs on the current VP. */
extern const struct hv_backend_ops backend_model_ops;

#endif
