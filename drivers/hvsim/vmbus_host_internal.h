/* State shared by the vmbus_host_*.c files. One spinlock (vh_lock, a
 * struct hvsim_spinlock: interrupt-safe, owner checked on *_locked paths)
 * guards it all; the guest-visible ring pages are accessed through the
 * host's own ring code (vmbus_host_ring.c), which uses atomics for the
 * shared indices. Lock order: vh_lock, then hvsim's lock (hvsim never calls
 * us while holding its own). */
#ifndef SINTER_DRIVERS_HVSIM_VMBUS_HOST_INTERNAL_H
#define SINTER_DRIVERS_HVSIM_VMBUS_HOST_INTERNAL_H
#include "drivers/hvsim/hvsim.h"
#include "drivers/hvsim/vmbus_host.h"
#include "drivers/hvsim/vmbus_host_ring.h"
#include "lib/refuse.h"

#define VH_SUB "hvsim"
#define VH_NOSLOT 0xffffu
#define VH_SPARE_SLOTS 16u        /* room for hot-added channels */
#define VH_OUTQ_LEN 32u           /* our messages hvsim could not queue yet */
#define VH_RXQ_LEN 16u            /* guest messages waiting (QEMU's depth) */
#define VH_MAX_GPADL_PAGES 8192u  /* 32 MiB per GPADL (model limit) */
/* OFFERCHANNEL (196 bytes) as QEMU sends it, rounded up to 8. */
#define VH_OFFER_WIRE_BYTES ((uint32_t)((sizeof(struct vmbus_msg_offer_channel) + 7) & ~7u))
#define VH_PKT_BUF_BYTES   8192u  /* largest guest packet the devices take (model limit) */
/* Channel connection ids as OpenVMM assigns them (vmbus_core protocol.rs
 * ConnectionId::new: channel_id | sint << 12 | vtl << 16), VTL0, SINT 2. */
#define VH_HYPERV_CONN_BASE ((uint32_t)VMBUS_MESSAGE_SINT << 12)
#define VH_HEARTBEAT_100NS  20000000ull  /* 2 s (model choice: no source states Hyper-V's) */
#define VH_TIMESYNC_100NS   50000000ull  /* 5 s (model choice) */
#define VH_POLL_100NS       100000ull    /* a poll without a clock = 10 ms */

enum vh_gpadl_state { VH_GP_FREE = 0, VH_GP_RECEIVING, VH_GP_CREATED, VH_GP_TEARING };
enum vh_ic_state { VH_IC_NONE = 0, VH_IC_NEGOTIATING, VH_IC_READY };

struct vh_gpadl {
    uint8_t state;
    bool contiguous, bad;
    bool answered;              /* GPADL_TORNDOWN already sent (QEMU: at teardown) */
    uint16_t users;             /* open channels using it */
    uint32_t handle, relid, npages, received;
    uint64_t first_pfn, next_pfn;
};

struct vh_chan {
    uint8_t state;              /* enum vmbus_host_chan_state */
    uint8_t dev;                /* enum vmbus_host_dev */
    bool offered_to_guest;
    bool conn_registered;
    bool bad_done;              /* bad_ring / bad_pkt fired */
    bool comp_pending;          /* completion still owed (ring was full) */
    uint8_t ic_state;
    uint64_t ic_tid;            /* trans_id of the last IC request sent */
    uint32_t relid, conn_id, target_vp, gpadl, open_id, serial;
    uint64_t comp_tid;
    struct vh_ring from_guest;      /* guest's outbound ring: we consume */
    struct vh_ring to_guest;        /* guest's inbound ring: we produce */
    struct vmbus_host_chan_counters ctr;  /* signals: this channel's share of vh.st's */
    bool out_stuck;             /* a packet we refused sits at from_guest.pos */
    uint32_t out_stuck_pos;
    uint64_t activity_at_signal;  /* channel_activity() at the last guest signal */
    uint32_t old_vp, lag_left;  /* retarget_lag: interrupts still owed to old_vp */
    struct ic_version ic_fw, ic_srv;
    uint64_t hb_last, ts_last;
};

struct vh_msg {
    uint32_t vp, len;
    uint8_t data[VMBUS_MAX_MESSAGE_SIZE];
};

struct vh_state {
    struct hvsim_spinlock lock;
    bool up;
    struct vmbus_host_config cfg;
    uint32_t min_version, max_version;

    /* channel slots (offer order) and relid -> slot */
    struct vh_chan *ch;
    struct vh_gpadl *gp;
    uint32_t ch_cap, gp_cap, n_slots;
    void *region;
    size_t region_pages;
    uint16_t relid_slot[VMBUS_MAX_RELIDS];
    uint32_t serial;            /* instance GUID numbering */
    uint32_t rand_a, rand_b, rand_next; /* random relid permutation */

    /* connection */
    bool connected, offering, offers_requested;
    uint32_t version, contact_vp, msg_sint, offer_cursor;
    uint64_t int_page;          /* versions < WIN8: interrupt page GPA */

    /* queues */
    struct vh_msg outq[VH_OUTQ_LEN];
    uint32_t outq_head, outq_n;
    struct vh_msg rxq[VH_RXQ_LEN];
    uint32_t rxq_head, rxq_n;

    /* faults */
    uint64_t prng;
    uint64_t guest_msgs;
    uint64_t delayed[VMBUS_MAX_RELIDS / 64];
    bool bad_msgs_done_version, bad_msgs_done_offers, bad_state_done;

    /* time */
    uint64_t polls;

    /* cfg.kick (hvsim.host_cpu): channels signalled, not served yet */
    uint64_t kicked[VMBUS_MAX_RELIDS / 64];

    struct vmbus_host_stats st;
};

extern struct vh_state vh;

void vh_lock(void);
void vh_unlock(void);
#define VH_ASSERT_LOCKED() hvsim_spin_assert_held(&vh.lock, __func__)
uint64_t vh_now(void);

/* core: sending to the guest (keeps order through outq) */
uint32_t vh_wire_len(uint32_t len);   /* the length the personality sends */
void vh_send(const void *msg, uint32_t len);
void vh_send_to(uint32_t vp, const void *msg, uint32_t len);
void vh_pump_locked(void);
/* The end of a guest's hypercall: with a host CPU (cfg.kick) unlock and kick
 * it, it answers there; else answer now (pump), then unlock. */
void vh_answer_unlock(void);
bool vh_blocked(void);

/* chanmsg: one guest control message */
void vh_handle_message(uint32_t conn_id, const uint8_t *m, uint32_t len);
void vh_reset_connection(void);

/* gpadl */
void vh_gpadl_header(const uint8_t *m, uint32_t len);
void vh_gpadl_body(const uint8_t *m, uint32_t len);
void vh_gpadl_teardown(const uint8_t *m, uint32_t len);
struct vh_gpadl *vh_gpadl_find(uint32_t handle);
void vh_gpadl_put(struct vh_gpadl *g);
void vh_gpadl_drop_relid(uint32_t relid);
void vh_gpadl_reset(void);

/* channels */
int vh_channels_build(void);
struct vh_chan *vh_chan_by_relid(uint32_t relid);
bool vh_send_offer(struct vh_chan *c);
void vh_open_channel(const uint8_t *m, uint32_t len);
void vh_close_channel(struct vh_chan *c);
void vh_rescind_locked(struct vh_chan *c);
void vh_relid_released(uint32_t relid);
void vh_free_slot(struct vh_chan *c);
uint32_t vh_relid_hwm(void);
uint32_t vh_alloc_relid(void);
struct vh_chan *vh_new_slot(enum vmbus_host_dev dev, uint32_t relid);
uint16_t vh_on_event(void *ctx, uint32_t vp, uint32_t conn_id, uint16_t flag);
/* Write a packet into the guest's inbound ring (VH_RING_OK or a
 * VH_RING_* failure); *signal says an interrupt is due (the caller sends it
 * through the fault layer, vh_signal_guest). */
int vh_chan_send(struct vh_chan *c, uint16_t type, uint16_t flags, uint64_t tid,
                 const void *p, uint32_t len, bool *signal);
void vh_service(struct vh_chan *c);
void vh_service_kicked_locked(void);

/* devices */
void vh_dev_opened(struct vh_chan *c);
/* 1 handled, 0 ring full (packet left in place) */
int vh_dev_packet(struct vh_chan *c, const struct vh_pkt *pkt, const uint8_t *buf);
void vh_dev_tick(void);
const struct vmbus_guid *vh_dev_class(enum vmbus_host_dev dev);
/* the DM endpoint (vmbus_host_dm.c) */
void vh_dm_opened(struct vh_chan *c);
void vh_dm_closed(struct vh_chan *c);
int vh_dm_packet(const struct vh_pkt *pkt, const uint8_t *buf);
void vh_dm_tick(void);
const char *vh_dev_name(enum vmbus_host_dev dev);

/* rules: count and log a broken rule (vmbus_host_rules.c) */
void vh_violation(enum vmbus_host_rule r, const char *what, uint64_t value);

/* faults */
bool vh_chance(uint32_t n);
uint64_t vh_rand(void);
void vh_signal_guest(struct vh_chan *c);
void vh_fault_tick(void);
void vh_send_bad_msgs(bool before_version);
void vh_fault_after_write(struct vh_chan *c);
void vh_fault_count_message(uint32_t relid_named);

#endif
