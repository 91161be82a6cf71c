/* Model state shared by the hvsim_*.c files. Everything here is protected by
 * hvsim.lock (interrupt-safe: see struct hvsim_spinlock); guest-visible pages
 * are touched with atomics because the guest reads and writes them without
 * that lock. A function named *_locked expects the lock held and checks it
 * (HVSIM_ASSERT_LOCKED). */
#ifndef SINTER_DRIVERS_HVSIM_INTERNAL_H
#define SINTER_DRIVERS_HVSIM_INTERNAL_H
/* Reference TSC page: offered above this TSC rate (the TLFS scale needs
 * tsc_hz > 10^7), reading this many 100 ns units ahead of TIME_REF_COUNT. */
#define HVSIM_REF_TSC_MIN_HZ 10000000u
#define HVSIM_REF_TSC_LEAD   2
#include <stdatomic.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim.h"

#define HVSIM_NIL 0xffffu

struct hvsim_qmsg {
    struct hv_message msg;
    uint16_t next;
};

struct hvsim_queue {      /* FIFO of pool indices */
    uint16_t head, tail, count;
};

/* One synthetic timer (TLFS "Timers"). due = 0: not armed. msg is the pool
 * entry of its expiration message while that waits in a SINT queue
 * (HVSIM_NIL when none): at most one undelivered message per timer. */
struct hvsim_stimer {
    uint64_t config, count, due;
    uint16_t msg;
    uint8_t msg_sint;
};

struct hvsim_vp {
    uint64_t scontrol, simp, siefp;
    uint64_t sint[HV_SYNIC_SINT_COUNT];
    struct hvsim_queue q[HV_SYNIC_SINT_COUNT];
    struct hvsim_stimer stimer[HV_STIMER_COUNT];
    struct hvsim_stats stats;   /* this VP's share of hvsim.stats */
};

enum hvsim_conn_kind { HVSIM_CONN_FREE, HVSIM_CONN_MESSAGE, HVSIM_CONN_EVENT };

struct hvsim_conn {
    enum hvsim_conn_kind kind;
    uint32_t id;
    uint16_t flag_count;
    hvsim_msg_handler msg_fn;
    hvsim_event_handler event_fn;
    void *ctx;
};

/* Interrupts decided under the lock, raised after it is dropped. Room for
 * every SINT plus every direct-mode timer of one VP. */
struct hvsim_inj {
    unsigned n;
    struct { uint32_t vp; uint8_t vector; } e[HV_SYNIC_SINT_COUNT + HV_STIMER_COUNT + 1];
};

struct hvsim_state {
    struct hvsim_machine machine;
    struct hvsim_config cfg;
    struct hvsim_spinlock lock;
    uint64_t guest_os_id, hypercall, ref_tsc;
    struct hvsim_vp vp[HVSIM_MAX_VPS];
    struct hvsim_qmsg pool[HVSIM_MSG_POOL];
    uint16_t free_head;
    struct hvsim_conn conn[HVSIM_MAX_CONNECTIONS];
    struct hvsim_stats stats;
};

extern struct hvsim_state hvsim;

/* Count an event for the machine and for the VP it concerns (tests count
 * only their own VP's: other VPs' ticks and interrupts land any time). */
#define HVSIM_COUNT(vpi, field)                                   \
    do {                                                          \
        uint32_t vp_ = (vpi);                                     \
        hvsim.stats.field++;                                      \
        if (vp_ < HVSIM_MAX_VPS)                                  \
            hvsim.vp[vp_].stats.field++;                          \
    } while (0)

void hvsim_lock(void);
void hvsim_unlock(void);
#define HVSIM_ASSERT_LOCKED() hvsim_spin_assert_held(&hvsim.lock, __func__)
void hvsim_inj_flush(struct hvsim_inj *inj);

/* hvsim_synic.c */
void hvsim_rescan_vp_locked(uint32_t vp, struct hvsim_inj *inj);
void hvsim_deliver_locked(uint32_t vp, uint32_t sint, struct hvsim_inj *inj);
bool hvsim_synic_msr(uint32_t msr);
int hvsim_synic_rdmsr(uint32_t vp, uint32_t msr, uint64_t *val);
int hvsim_synic_wrmsr(uint32_t vp, uint32_t msr, uint64_t val, struct hvsim_inj *inj);

uint16_t hvsim_post_locked(uint32_t vp, uint32_t sint, const struct hv_message *m,
                           uint16_t *pool_index, struct hvsim_inj *inj);
void hvsim_unqueue_locked(uint32_t vp, uint32_t sint, uint16_t pool_index);
void hvsim_raise_locked(uint32_t vp, uint8_t vector, struct hvsim_inj *inj);

/* hvsim_stimer.c */
bool hvsim_stimer_msr(uint32_t msr);
int hvsim_stimer_rdmsr(uint32_t vp, uint32_t msr, uint64_t *val);
int hvsim_stimer_wrmsr(uint32_t vp, uint32_t msr, uint64_t val, struct hvsim_inj *inj);
void hvsim_stimer_reset(uint32_t vp);
/* A queued message leaves its queue for the slot: release the timer's hold. */
void hvsim_stimer_delivering_locked(uint32_t vp, struct hv_message *m, uint16_t pool_index);

#endif
