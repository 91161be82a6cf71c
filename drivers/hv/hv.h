/* The Hyper-V guest layer: detection, the hypercall page, SynIC, synthetic
 * timers and timekeeping, as a guest sees them on Hyper-V. It talks to its
 * hypervisor only through "MSRs, CPUID, the hypercall page, interrupts":
 * struct hv_backend_ops says who answers the MSRs and CPUID, and the
 * hypercall page holds whatever that backend wrote there. Which backend
 * that is (real Hyper-V or the host model) is decided above this layer
 * (drivers/backend.c); nothing here knows the model.
 *
 * The kernel calls hv_init() once on the boot CPU, then hv_synic_init_cpu()
 * on every CPU (on that CPU), and routes the vector hv_synic_vector() to
 * hv_synic_isr(). VMBus registers its callbacks with hv_set_vmbus_handlers()
 * and talks to the host with hv_post_message() / hv_signal_event(). */
#ifndef SINTER_DRIVERS_HV_H
#define SINTER_DRIVERS_HV_H
#include <stdbool.h>
#include <stdint.h>
#include "drivers/hyperv/tlfs.h"

#define HV_MAX_CPUS 64

struct hv_info;

/* The kernel services the guest layer runs on. */
struct hv_boot_params {
    uint32_t nr_cpus;          /* CPUs that will call hv_synic_init_cpu */
    /* A free IDT vector (0x30..0xef) whose handler calls hv_synic_isr and
     * then EOIs the local APIC; -1 if none. */
    int (*alloc_vector)(void);
    /* Another free vector, for direct-mode synthetic timer 0: its handler
     * calls hv_stimer_isr and then EOIs. NULL or -1: message mode only. */
    int (*alloc_stimer_vector)(void);
    /* A zeroed, 4 KiB-aligned page, identity mapped (phys == virt). The
     * hypercall page is one of these: the backend writes its code there,
     * so it must be mappable executable. */
    void *(*alloc_page)(void);
    /* Called once the hypercall page is enabled, before the first call:
     * remap it read-only and executable (W^X). May be NULL. */
    void (*map_executable)(void *page);
    /* CALL the start of the hypercall page with the TLFS registers (RCX =
     * control, RDX = input GPA or fast param 1, R8 = output GPA or fast
     * param 2); returns RAX. The same for every backend: only the page's
     * contents differ. */
    uint64_t (*call_page)(void *page, uint64_t control, uint64_t rdx, uint64_t r8);
    unsigned (*this_cpu)(void);     /* 0 .. nr_cpus-1 */
    /* Keep per-CPU hypercall input pages and timer state private against
     * the interrupt handlers; NULL in host tests (single-threaded). */
    unsigned long (*irq_save)(void);
    void (*irq_restore)(unsigned long flags);
};

enum hv_backend { HV_BACKEND_NONE, HV_BACKEND_REAL, HV_BACKEND_MODEL };

/* Who answers the guest's CPUID and synthetic MSRs. Real Hyper-V: the CPUID
 * instruction and rdmsr/wrmsr (0, or -1 where the CPU took #GP). The model:
 * its entry points, given by the glue above both. `kind` is only a label
 * (logs, the summary, callers that must know); the guest behaves the same. */
struct hv_backend_ops {
    enum hv_backend kind;      /* HV_BACKEND_REAL or HV_BACKEND_MODEL */
    void (*cpuid)(uint32_t leaf, uint32_t out[4]);   /* (leaf, subleaf 0) -> EAX..EDX */
    int (*rdmsr)(uint32_t msr, uint64_t *val);
    int (*wrmsr)(uint32_t msr, uint64_t val);
};

/* Partition-wide setup over the given backend: reads and prints what CPUID
 * offers, refuses a hypervisor without what VMBus needs, sets the guest OS
 * ID and the hypercall page, allocates the SINT vector. 0 when the backend
 * is up, -1 when not (logged; the kernel boots on without VMBus). */
int hv_init(const struct hv_boot_params *p, const struct hv_backend_ops *ops);
/* Forget any backend (state only: nothing is written to a hypervisor). */
void hv_reset(void);
const char *hv_backend_name(void);      /* "real", "model" or "none" */
enum hv_backend hv_backend(void);
const struct hv_info *hv_get_info(void);

/* Per CPU, on that CPU: VP index, SIMP, SIEFP, SINT2, SCONTROL. 0 or -1. */
int hv_synic_init_cpu(unsigned cpu);
uint32_t hv_vp_index(unsigned cpu);     /* use this, not the CPU number */
bool hv_synic_up(unsigned cpu);         /* hv_synic_init_cpu succeeded there */
uint8_t hv_synic_vector(void);          /* 0 until hv_init succeeded; manual EOI */
/* SINT2 messages refused (unknown type, oversized payload), never followed. */
unsigned long hv_synic_refused_messages(void);
/* The SINT2 interrupt handler: events first, then the message slot. */
void hv_synic_isr(void);

/* Upper layer (VMBus). on_message gets a private, validated copy of a
 * message from the SINT2 slot; on_events gets the 32 live SIEF words of
 * SINT2 on this CPU (test-and-clear them atomically); on_timer gets
 * HVMSG_TIMER_EXPIRED messages. Any may be NULL. */
typedef void (*hv_message_fn)(unsigned cpu, const struct hv_message *copy);
typedef void (*hv_events_fn)(unsigned cpu, volatile uint64_t *sief_words);
void hv_set_vmbus_handlers(hv_message_fn on_message, hv_events_fn on_events);
void hv_set_timer_handler(hv_message_fn on_timer);
/* The handlers now installed, so a test can put them back. */
void hv_get_vmbus_handlers(hv_message_fn *on_message, hv_events_fn *on_events);

/* Read-only views for the console (hv_inspect.c). The MSR fields are read
 * only when cpu == current_cpu (SynIC MSRs belong to their VP); msrs_read
 * says whether they were. -1 for a CPU out of range or no backend. */
struct hv_synic_view {
    bool up, msrs_read;
    uint32_t vp_index;
    uint8_t vector;
    uint64_t scontrol, simp, siefp, sint[HV_SYNIC_SINT_COUNT];
    const volatile struct hv_message_page *simp_page;
    const volatile struct hv_synic_event_flags_page *siefp_page;
};
int hv_synic_view(unsigned cpu, unsigned current_cpu, struct hv_synic_view *out);
/* The hypercall page (its first bytes are whatever the backend wrote), or NULL. */
const void *hv_hypercall_page(void);

/* Hypercalls; each returns the HV_STATUS (bits 15:0 of RAX). */
uint64_t hv_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
uint64_t hv_hypercall_fast(uint64_t control, uint64_t p1, uint64_t p2);
uint16_t hv_post_message(uint32_t conn_id, uint32_t type, const void *payload, uint32_t len);
uint16_t hv_signal_event(uint32_t conn_id, uint16_t flag);       /* fast form */
uint16_t hv_signal_event_slow(uint32_t conn_id, uint16_t flag);  /* memory form */

/* Timekeeping (hv_time.c): frequencies from the frequency MSRs (0 if not
 * offered), reference TSC page setup, reference time in 100 ns units. */
int hv_time_init(void);
uint64_t hv_tsc_hz(void);
uint64_t hv_apic_hz(void);
/* Reference time from the TSC page given a TSC reading; falls back to the
 * TIME_REF_COUNT MSR. Returns false if neither is available. */
bool hv_ref_time(uint64_t (*rdtsc)(void), uint64_t *time_100ns);

/* Synthetic timer 0 as a clock-event source (hv_stimer.c; TLFS "Timers").
 * Direct mode (the timer raises its own vector) when CPUID offers it and a
 * vector is free, else message mode (HVMSG_TIMER_EXPIRED on the VMBus SINT,
 * as Linux uses VMBUS_MESSAGE_SINT). Callbacks run in interrupt context on
 * the CPU that armed the timer; arm/stop act on the calling CPU's timer. */
enum hv_stimer_mode { HV_STIMER_NONE, HV_STIMER_MESSAGE, HV_STIMER_DIRECT };
typedef void (*hv_stimer_fn)(void *ctx);
int hv_stimer_init(void);                 /* 0, or -1 when not offered */
enum hv_stimer_mode hv_stimer_mode(void);
const char *hv_stimer_mode_name(enum hv_stimer_mode mode);
/* Test hook: switch modes (stops the timer). -1 if the mode is unavailable. */
int hv_stimer_set_mode(enum hv_stimer_mode mode);
/* Fire once, no earlier than ns from now (rounded up to 100 ns units). */
int hv_stimer_arm_oneshot(uint64_t ns, hv_stimer_fn fn, void *ctx);
/* Fire every period_ns (>= 100 ns) until stopped. */
int hv_stimer_arm_periodic(uint64_t period_ns, hv_stimer_fn fn, void *ctx);
void hv_stimer_stop(void);
/* The direct-mode vector's handler. */
void hv_stimer_isr(void);
/* fired: callbacks run; stale: expirations ignored (timer stopped or
 * re-armed since, or one-shot interrupt before its deadline). */
struct hv_stimer_stats { uint64_t fired, stale; };
void hv_stimer_get_stats(unsigned cpu, struct hv_stimer_stats *out);

/* Kernel glue (hv_kernel.c, not in host tests): the real backend, the
 * kernel services behind hv_boot_params, and the boot CPU's bring-up once
 * hv_init succeeded (frequencies on real Hyper-V, SynIC, synthetic timer). */
extern const struct hv_backend_ops hv_kernel_real_ops;
void hv_kernel_boot_params(struct hv_boot_params *p, unsigned nr_cpus);
int hv_kernel_start_boot_cpu(void);   /* 0 when the boot CPU's SynIC is up */

/* Guest OS ID we report (TLFS open-source encoding). No OS type is
 * allocated to sinter, so the type field is 0; version 0.1, build 0. */
#define HV_SINTER_GUEST_OS_ID HV_GUEST_OS_ID(0, 0, 0x000100u, 0)

#endif
