/* State shared by the guest-side hv files. */
#ifndef SINTER_DRIVERS_HV_INTERNAL_H
#define SINTER_DRIVERS_HV_INTERNAL_H
#include "drivers/hv/hv.h"
#include "drivers/hv/hv_detect.h"
#include "lib/refuse.h"

/* Timer 0 of one CPU, as last programmed by hv_stimer.c. */
struct hv_stimer_cpu {
    hv_stimer_fn fn;
    void *ctx;
    bool armed, periodic;
    uint64_t deadline;          /* one-shot: COUNT, absolute reference time */
    struct hv_stimer_stats stats;
};

struct hv_cpu {
    bool synic_up;
    struct hv_stimer_cpu stimer;
    uint32_t vp_index;
    struct hv_message_page *simp;
    struct hv_synic_event_flags_page *siefp;
    void *input_page;   /* per-CPU hypercall input, page aligned */
};

struct hv_state {
    enum hv_backend backend;
    struct hv_boot_params params;
    const struct hv_backend_ops *ops;
    struct hv_info info;
    void *hypercall_page;
    uint8_t vector;
    hv_message_fn on_message, on_timer;
    hv_events_fn on_events;
    struct hv_cpu cpu[HV_MAX_CPUS];
    uint64_t tsc_hz, apic_hz;
    struct hv_ref_tsc_page *tsc_page;
    enum hv_stimer_mode stimer_mode;
    uint8_t stimer_vector;      /* direct mode; 0 = none allocated */
    struct refusals refused_messages;  /* SINT2 messages not followed */
};

extern struct hv_state hv;

/* MSR access through the backend, with trace=hv narration. */
int hv_rdmsr(uint32_t msr, uint64_t *val);
int hv_wrmsr(uint32_t msr, uint64_t val);

#endif
