/* hvsim: a model of the Hyper-V hypervisor's side of the TLFS interface
 * (synthetic MSRs, hypercalls, SynIC message and event delivery, synthetic
 * timers): the host the guest talks to under hv=model. It is hardware-free:
 * everything it needs from the machine goes through struct hvsim_machine,
 * so the same sources run in the kernel (hvsim_kernel.c fills it) and in
 * host tests. It shares wire definitions (drivers/hyperv) with the guest
 * and nothing else: the guest never includes this header, and the glue
 * above both (drivers/backend.c) hands the guest the model's CPUID and MSR
 * entry points. docs/hyperv-model.md lists what is and is not modelled. */
#ifndef SINTER_DRIVERS_HVSIM_H
#define SINTER_DRIVERS_HVSIM_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/hvsim/hvsim_abi.h"

#define HVSIM_MAX_VPS          16
#define HVSIM_SINT_QUEUE_DEPTH 16   /* queued messages per (VP, SINT) */
#define HVSIM_MSG_POOL         256  /* queued messages in all */
#define HVSIM_MAX_CONNECTIONS  32

/* Returned by hvsim_rdmsr/hvsim_wrmsr where the real hypervisor raises #GP. */
#define HVSIM_GP (-1)

/* The model's machine interface: what it needs from the machine it runs on. */
struct hvsim_machine {
    /* Raise `vector` on the CPU that runs VP `vp` (kernel: fixed IPI; later a
     * posted-interrupt descriptor; host tests: a recorder). Called with no
     * model lock held, so it may re-enter the model. */
    void (*inject)(uint32_t vp, uint8_t vector);
    /* Guest RAM [gpa, gpa+len) as a pointer, or NULL if it is not RAM. */
    void *(*gpa_to_ptr)(uint64_t gpa, size_t len);
    /* VP index of the CPU executing the hypercall trap / MSR access. */
    uint32_t (*current_vp)(void);
    /* Partition reference time in 100 ns units (TIME_REF_COUNT); may be NULL
     * (then neither TIME_REF_COUNT nor synthetic timers are offered). */
    uint64_t (*ref_time_100ns)(void);
    uint64_t tsc_hz, apic_hz;  /* what the frequency MSRs report; 0 = not offered */
    /* The guest's TSC; with ref_time_100ns and a TSC rate it lets the model
     * offer the reference TSC page. May be NULL (no page offered). */
    uint64_t (*read_tsc)(void);
    /* Optional: the reference time at a given TSC reading, where the
     * machine's reference clock is the TSC's (the kernel's). The page's
     * offset is then exact; without it the model reads the TSC and the
     * clock one after the other, and what runs between them (under TCG the
     * first call of a function is translated first: microseconds) puts the
     * page ahead. */
    uint64_t (*ref_time_at_tsc)(uint64_t tsc);
    /* The model's locks are taken with interrupts off on the calling CPU, so
     * a guest interrupt handler that enters the model (EOM from the SINT
     * handler, an MSR read in a timer callback) can never spin on a lock its
     * own CPU holds. irq_save disables interrupts and returns what
     * irq_restore needs; irqs_off tells whether they are off now (checked on
     * every *_locked path). All three are required; host tests pass fakes
     * that only track a flag. */
    unsigned long (*irq_save)(void);
    void (*irq_restore)(unsigned long flags);
    bool (*irqs_off)(void);
};

/* A lock of the model (hvsim's own, the VMBus host's): a spinlock taken
 * with interrupts off through the machine's hooks, its owner VP recorded so
 * the *_locked paths can check their precondition. Zero-initialised. */
struct hvsim_spinlock {
    atomic_bool held;
    uint32_t owner;             /* VP that holds it */
    unsigned long irq_flags;    /* the holder's, for unlock */
};
void hvsim_spin_lock(struct hvsim_spinlock *l);
void hvsim_spin_unlock(struct hvsim_spinlock *l);
/* The precondition of a *_locked path: l held by the current VP with
 * interrupts off. A violation is a model bug: counted (stats.lock_errors)
 * and logged (rate-limited) with the path's name. */
void hvsim_spin_assert_held(const struct hvsim_spinlock *l, const char *path);

struct hvsim_config {
    uint32_t nr_vps;
    /* What CPUID 0x40000003/4 advertise; hvsim_default_config() fills them. */
    uint32_t priv_lo, priv_hi, features_edx, recommendations;
};

void hvsim_default_config(struct hvsim_config *cfg, uint32_t nr_vps);
/* Resets all model state (VPs, queues, connections). 0, or -1 when the
 * machine lacks a required hook or cfg is out of range. */
int hvsim_init(const struct hvsim_machine *m, const struct hvsim_config *cfg);

/* CPUID as the model presents it to the guest: leaf 1 with only the
 * hypervisor bit (ECX bit 31), then 0x40000000..0x40000006; zeros else. */
void hvsim_cpuid(uint32_t leaf, uint32_t out[4]);

/* Synthetic MSR access on a VP: 0, or HVSIM_GP where Hyper-V raises #GP. */
int hvsim_rdmsr(uint32_t vp, uint32_t msr, uint64_t *val);
int hvsim_wrmsr(uint32_t vp, uint32_t msr, uint64_t val);
/* The same on the machine's current VP: what the guest's MSR accesses
 * reach under hv=model (drivers/backend.c hands them to the guest). */
int hvsim_rdmsr_current(uint32_t msr, uint64_t *val);
int hvsim_wrmsr_current(uint32_t msr, uint64_t val);

/* Hypercall entry with the TLFS register convention (RCX control, RDX input
 * GPA or fast param 1, R8 output GPA or fast param 2); returns RAX. The
 * handler of HVSIM_TRAP_VECTOR (hvsim_kernel.c) calls this with the trap
 * frame's registers and stores the result in the frame's RAX. */
uint64_t hvsim_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
uint64_t hvsim_hypercall_vp(uint32_t vp, uint64_t control, uint64_t in_gpa, uint64_t out_gpa);

/* ---- host-side API (for the VMBus host model) -------------------------- */
/* Queue a message for SINT `sint` of VP `vp`; delivered when the slot is free,
 * the SIMP and SynIC are enabled and the SINT is unmasked. Returns an
 * HV_STATUS: SUCCESS, INSUFFICIENT_BUFFERS (queue full, retry after the guest
 * drains), INVALID_VP_INDEX, INVALID_PARAMETER. */
uint16_t hvsim_post_to_guest(uint32_t vp, uint32_t sint, uint32_t type,
                             const void *payload, uint32_t len);
/* Atomically set event flag `bit` of SINT `sint` on VP `vp`; raises the SINT
 * only if the bit was clear. INVALID_SYNIC_STATE if SynIC/SIEFP is disabled
 * or the SINT masked (TLFS HvCallSignalEvent). */
uint16_t hvsim_signal_guest_event(uint32_t vp, uint32_t sint, uint32_t bit);

/* Receivers for the guest's HvPostMessage / HvSignalEvent, by connection id.
 * Called without the model lock (they may post back to the guest); their
 * return value (an HV_STATUS) becomes the hypercall's result. */
typedef uint16_t (*hvsim_msg_handler)(void *ctx, uint32_t vp, uint32_t conn_id,
                                      uint32_t type, const void *payload, uint32_t len);
typedef uint16_t (*hvsim_event_handler)(void *ctx, uint32_t vp, uint32_t conn_id,
                                        uint16_t flag);
int hvsim_register_message_handler(uint32_t conn_id, hvsim_msg_handler fn, void *ctx);
int hvsim_register_event_handler(uint32_t conn_id, uint16_t flag_count,
                                 hvsim_event_handler fn, void *ctx);
void hvsim_unregister_connection(uint32_t conn_id);

/* Synthetic timers: fire every armed STIMER whose due time has passed
 * (direct mode: raise its vector; message mode: queue HVMSG_TIMER_EXPIRED
 * on its SINT). The model's timer resolution is the interval between calls;
 * the kernel calls this from its tick, in interrupt context. */
void hvsim_poll_timers(void);

/* Counters for tests and the boot summary. timer_coalesced: expirations
 * folded into a message still queued (or lost for want of a buffer).
 * lock_errors: *_locked paths entered without their lock (model bugs). */
struct hvsim_stats {
    uint64_t posted, delivered, queued_busy, eom, injections, hypercalls;
    uint64_t timer_expired, timer_coalesced;
    uint64_t lock_errors;
};
void hvsim_get_stats(struct hvsim_stats *out);
/* The same counters for one VP only (all zero for an index out of range):
 * hypercalls it made, messages and interrupts for it, its timers. With
 * interrupts off on that VP, a difference of two reads of its hypercalls
 * counts only the calls the reader made in between: other VPs and
 * interrupt handlers (the tick, the ICs' replies) cannot add to it. */
void hvsim_get_vp_stats(uint32_t vp, struct hvsim_stats *out);
/* Messages waiting in the model for (vp, sint). */
uint32_t hvsim_queue_depth(uint32_t vp, uint32_t sint);

#endif
