/* The VMBus HOST side of the Hyper-V model: the control plane the guest's
 * VMBus client talks to (messages and rings as drivers/hyperv defines
 * them), two host personalities (Hyper-V, after OpenVMM
 * vm/devices/vmbus/vmbus_server, and QEMU's vmbus-bridge, hw/hyperv/vmbus.c),
 * IC endpoints (heartbeat, shutdown, timesync), a sinter-specific echo
 * device, and fault injection. docs/vmbus-host-model.md describes the
 * behaviour.
 *
 * It sits on top of drivers/hvsim: it receives the guest's HvPostMessage
 * through hvsim_register_message_handler() and HvSignalEvent through
 * hvsim_register_event_handler(), and answers with hvsim_post_to_guest() and
 * hvsim_signal_guest_event(). Everything runs synchronously inside the
 * guest's hypercall; deferred work (backlogged messages, heartbeats, delayed
 * interrupts) runs from vmbus_host_poll(), which the kernel calls from its
 * timer tick (hvsim_kernel.c). Its lock masks interrupts itself, like
 * hvsim's, so callers need not. */
#ifndef SINTER_DRIVERS_HVSIM_VMBUS_HOST_H
#define SINTER_DRIVERS_HVSIM_VMBUS_HOST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/hyperv/ic_proto.h"
#include "drivers/hyperv/vmbus_proto.h"

enum vmbus_host_personality {
    VMBUS_HOST_HYPERV = 0,  /* default: versions up to 5.3, conn 4 for 5.x */
    VMBUS_HOST_QEMU = 1,    /* vmbus-bridge: up to 4.0, conn 1 only */
};

enum vmbus_host_relids {
    VMBUS_HOST_RELIDS_DENSE = 0,   /* 1, 2, 3, ... (lowest free reused) */
    VMBUS_HOST_RELIDS_SPARSE = 1,  /* spread evenly over 1..2047 */
    VMBUS_HOST_RELIDS_RANDOM = 2,  /* seeded permutation of 1..2047 */
};

/* Fault knobs ("hvsim.faults="). A 1/N knob fires with probability 1/N
 * (N = 1: always, 0: never), drawn from a PRNG seeded with `seed`. */
struct vmbus_host_faults {
    uint32_t drop_irq;      /* host->guest channel interrupt not sent */
    uint32_t dup_irq;       /* sent now and again at the next poll */
    uint32_t delay_irq;     /* sent at the next poll instead of now */
    bool spurious_bits;     /* each poll: SIEF bits above and below the hwm */
    uint32_t rescind_at;    /* rescind after the n-th guest message (0: off) */
    bool bad_msg;           /* malformed messages before VERSION_RESPONSE and
                               ALLOFFERS_DELIVERED */
    bool bad_ring;          /* first write to each opened channel: write_index
                               published out of range */
    bool bad_pkt;           /* first write to each opened channel: a packet
                               whose len8 runs past the written data */
    uint32_t bad_relid;     /* bad_ring=<relid>/bad_pkt=<relid>: only that
                               channel (0: every channel) */
    bool mute;              /* accept every message, never answer anything */
    bool bad_state;         /* hyperv: the first accepted contact gets connection_state
                               LOW_RESOURCES (OpenVMM ConnectionState) */
    uint32_t retarget_lag;  /* after a MODIFYCHANNEL, this many of the channel's
                               interrupts still go to the old VP (0: none) */
    uint64_t seed;
};

/* The built-in channels, offered first and in this order. */
enum vmbus_host_dev {
    VMBUS_HOST_DEV_HEARTBEAT = 0,
    VMBUS_HOST_DEV_SHUTDOWN,
    VMBUS_HOST_DEV_TIMESYNC,
    VMBUS_HOST_DEV_ECHO,
    VMBUS_HOST_BUILTIN_COUNT,
    /* Extra channels (hvsim.channels=<n>) cycle through these Gen2 classes;
     * nothing serves them, so a guest without a driver leaves them alone. */
    VMBUS_HOST_DEV_KVP = VMBUS_HOST_BUILTIN_COUNT,
    VMBUS_HOST_DEV_VSS,
    VMBUS_HOST_DEV_KEYBOARD,
    VMBUS_HOST_DEV_VIDEO,
    VMBUS_HOST_DEV_SCSI,
    VMBUS_HOST_DEV_NETWORK,
    /* Dynamic Memory (hv-balloon), offered after all others when
     * hvsim.dm=on; not one of the classes extra channels cycle through. */
    VMBUS_HOST_DEV_DM,
    VMBUS_HOST_DEV_COUNT,
};
#define VMBUS_HOST_EXTRA_CLASSES_END VMBUS_HOST_DEV_DM

/* Extra channels besides the built-ins: relids are 1..2047. */
#define VMBUS_HOST_MAX_EXTRA_CHANNELS (VMBUS_MAX_RELIDS - 1 - VMBUS_HOST_BUILTIN_COUNT)
/* Channels the host can hold without alloc_pages (static pool). */
#define VMBUS_HOST_STATIC_CHANNELS 24u

/* The DM endpoint ("hvsim.dm="), vmbus_host_dm.c. */
struct vmbus_host_dm_config {
    bool on;                  /* offer a DM channel (default off, as QEMU without -device hv-balloon) */
    int8_t status;            /* status reports: 1 asked for, 0 suppressed, -1 the personality's
                                 default (QEMU: off, its status-report property; Hyper-V: on) */
    uint32_t post_init_ms;    /* wait after the capabilities before the first request (50 s) */
};
#define VMBUS_HOST_DM_POST_INIT_MS 50000u   /* QEMU hv-balloon.c HV_BALLOON_POST_INIT_WAIT */

struct vmbus_host_config {
    enum vmbus_host_personality personality;
    uint32_t max_version;     /* 0: personality default (5.3 / 4.0) */
    uint32_t extra_channels;  /* hvsim.channels=<n> */
    enum vmbus_host_relids relids;
    uint64_t relid_seed;      /* random:<seed> */
    uint32_t nr_vps;          /* target VPs must be below this (0: 1) */
    struct vmbus_host_faults faults;
    struct vmbus_host_dm_config dm;
    /* Platform hooks (never touched by the parser). alloc_pages: n zeroed
     * 4 KiB pages, virtually contiguous, host-private (channel tables for
     * more than VMBUS_HOST_STATIC_CHANNELS channels); NULL = static pool
     * only. free_pages: optional, used when vmbus_host_init runs again.
     * now_100ns: optional clock for heartbeat/timesync periods; without it
     * every vmbus_host_poll() counts as 10 ms. */
    void *(*alloc_pages)(size_t n);
    void (*free_pages)(void *p, size_t n);
    uint64_t (*now_100ns)(void);
    /* kick: optional. Set, the host runs as a host does, on a CPU of its own
     * (hvsim.host_cpu): a guest's post or signal only queues the work and
     * calls kick(), which must get vmbus_host_run_deferred() called on that
     * CPU soon; the guest's hypercall returns first. NULL: the work runs
     * inside the guest's hypercall (one CPU, or the default). */
    void (*kick)(void);
};

/* Personality defaults, no extra channels, dense relids, no faults, 1 VP. */
void vmbus_host_default_config(struct vmbus_host_config *cfg);

/* Parse the hvsim.* options into cfg (each string may be NULL = default;
 * hooks and nr_vps are left alone):
 *   host     = "hyperv" | "qemu", optionally ":<major>.<minor>" to lower the
 *              newest version offered (e.g. "hyperv:4.1")
 *   channels = 0..2043 (extra channels besides the 4 built-ins)
 *   relids   = "dense" | "sparse" | "random:<seed>"
 *   faults   = comma list of drop_irq=<1/N>, dup_irq=<1/N>, delay_irq=<1/N>
 *              (also plain N), spurious_bits, rescind_at=<n>, bad_msg,
 *              bad_ring[=<relid>], bad_pkt[=<relid>], mute, bad_state,
 *              retarget_lag=<n>, seed=<n>
 * Numbers as on the kernel command line (decimal or 0x hex, k/m/g suffix).
 * Each option on its own: a bad one keeps its default, the others apply.
 * Returns 0, or -1 with every reason in err ("; "-separated). */
int vmbus_host_parse_options(struct vmbus_host_config *cfg, const char *host,
                             const char *channels, const char *relids,
                             const char *faults, char *err, size_t errlen);

/* hvsim.dm = comma list of on, off, status, nostatus, wait=<ms>
 * (e.g. "on,status,wait=0"). 0, or -1 with the reason added to err. */
int vmbus_host_parse_dm(struct vmbus_host_config *cfg, const char *dm, char *err, size_t errlen);

/* Build the channel set and register the message handlers with hvsim
 * (hvsim_init must have run). May be called again (tests): the previous
 * host is torn down first. 0 or -1 (logged). */
int vmbus_host_init(const struct vmbus_host_config *cfg);

/* Deferred work: retry messages hvsim could not queue, process guest
 * messages that waited behind them, offers, delayed/duplicated interrupts,
 * spurious bits, heartbeat (every 2 s) and timesync samples (every 5 s).
 * Call from the timer tick, never from inside a hypercall handler. Cheap
 * when idle. */
void vmbus_host_poll(void);
/* With cfg.kick: the queued guest messages and signalled channels, served
 * now (interrupt context on the host's CPU). Also done by vmbus_host_poll. */
void vmbus_host_run_deferred(void);

/* ---- host-side controls (tests, kernel shell) ---- */
/* Rescind a live channel (RESCIND_CHANNELOFFER when the guest saw the offer;
 * the relid is reusable after RELID_RELEASED). 0 or -1. */
int vmbus_host_rescind(uint32_t relid);
/* Offer a new channel of `dev` now (hot-add); returns its relid or 0. */
uint32_t vmbus_host_offer(enum vmbus_host_dev dev);
/* Replace the fault knobs of the running host (hvsim.faults= syntax, or
 * "none"); 0, or -1 with a one-line reason in err. */
int vmbus_host_set_faults(const char *faults, char *err, size_t errlen);
/* IC requests; 0, or -1 when the IC channel is not open and negotiated. */
int vmbus_host_heartbeat_now(void);
int vmbus_host_shutdown_request(uint32_t flags);  /* IC_SHUTDOWN_FLAG_* */
int vmbus_host_timesync_now(uint8_t flags);        /* IC_TIMESYNC_FLAG_* */

/* Rules the model checks a guest against (vmbus_host_rules.c names each
 * with the real host it follows). */
enum vmbus_host_rule {
    VMBUS_HOST_RULE_POST, VMBUS_HOST_RULE_SHORT, VMBUS_HOST_RULE_TYPE,
    VMBUS_HOST_RULE_STATE, VMBUS_HOST_RULE_CONTACT, VMBUS_HOST_RULE_REQUESTOFFERS,
    VMBUS_HOST_RULE_GPADL, VMBUS_HOST_RULE_OPEN, VMBUS_HOST_RULE_CLOSE,
    VMBUS_HOST_RULE_RELEASE, VMBUS_HOST_RULE_MODIFY, VMBUS_HOST_RULE_UNLOAD,
    VMBUS_HOST_RULE_RING, VMBUS_HOST_RULE_SIGNAL, VMBUS_HOST_RULE_IC,
    VMBUS_HOST_RULE_DM, VMBUS_HOST_RULE_COUNT
};
struct vmbus_host_rule_info {
    const char *name;       /* short, for logs and tests */
    const char *what;       /* the rule */
    const char *source;     /* the real host it follows */
};
const struct vmbus_host_rule_info *vmbus_host_rule(enum vmbus_host_rule r);
/* Violations since vmbus_host_init (all rules). Lock-free read. */
uint64_t vmbus_host_violations(void);

struct vmbus_host_stats {
    uint64_t violations;                            /* rules broken, in all */
    uint64_t rule_hits[VMBUS_HOST_RULE_COUNT];      /* ... and per rule */
    uint64_t needless_signals;  /* HvSignalEvent with nothing for the host to do */
    uint64_t msgs_in, msgs_out, msgs_backlogged, msgs_refused_busy;
    uint64_t bad_guest_msgs, offers_sent, rescinds, gpadls_created;
    uint64_t host_signals;      /* hvsim_signal_guest_event calls for rings */
    uint64_t guest_signals;     /* HvSignalEvent calls received */
    uint64_t packets_from_guest, packets_to_guest, host_ring_full;
    uint64_t irq_dropped, irq_duplicated, irq_delayed, spurious_sent;
    uint64_t bad_msgs_sent, bad_ring_sent, muted;
    uint64_t old_vp_signals;    /* interrupts sent to a channel's old VP (retarget_lag) */
    uint32_t version;           /* negotiated, 0 = not connected */
    uint32_t contacts;          /* INITIATE_CONTACT messages seen */
    uint32_t relid_hwm;         /* highest live relid */
    uint32_t live_channels;
};
void vmbus_host_get_stats(struct vmbus_host_stats *out);

enum vmbus_host_chan_state {
    VMBUS_HOST_CH_FREE = 0, VMBUS_HOST_CH_OFFERED, VMBUS_HOST_CH_OPEN,
    VMBUS_HOST_CH_RESCINDED,   /* waiting for RELID_RELEASED */
};

/* What the host counted on one channel. Its slot keeps them in this
 * struct, so vmbus_host_chan_info reports them in one copy. */
struct vmbus_host_chan_counters {
    uint64_t packets_in, packets_out;
    /* Signals for this channel only: tests count these, not the bus-wide
     * ones the ICs' background traffic also moves. */
    uint64_t host_signals, guest_signals;
    uint64_t old_vp_signals;    /* ... of them sent to the old VP after a MODIFYCHANNEL */
    /* IC endpoints: the last heartbeat sequence number, replies, the last
     * shutdown status */
    uint64_t hb_seq, hb_ok, hb_bad;
    uint32_t shutdown_replies, shutdown_status;
    uint32_t timesync_sent, timesync_echoed;
};

struct vmbus_host_chan_info {
    enum vmbus_host_chan_state state;
    enum vmbus_host_dev dev;
    bool offered_to_guest;
    uint32_t conn_id, target_vp, gpadl;
    struct vmbus_host_chan_counters ctr;
    /* IC endpoints */
    bool ic_ready;
    struct ic_version ic_framework, ic_service;
};
/* 0, or -1 if relid names no channel slot. */
int vmbus_host_chan_info(uint32_t relid, struct vmbus_host_chan_info *out);
/* Relid of the first channel of `dev`, 0 if none. */
uint32_t vmbus_host_relid_of(enum vmbus_host_dev dev);

/* ---- the Dynamic Memory endpoint (hvsim.dm=on; vmbus_host_dm.c) ---- */
/* Its states, after QEMU hv-balloon.c enum State. */
enum vmbus_host_dm_state {
    VMBUS_HOST_DM_CLOSED = 0,   /* channel not open */
    VMBUS_HOST_DM_VERSION,      /* waiting for an acceptable VERSION_REQUEST */
    VMBUS_HOST_DM_CAPS,         /* waiting for CAPABILITIES_REPORT */
    VMBUS_HOST_DM_POST_INIT,    /* the post-init wait before any request */
    VMBUS_HOST_DM_IDLE,
    VMBUS_HOST_DM_BALLOON,      /* BALLOON_REQUEST sent (or waiting for ring room) */
    VMBUS_HOST_DM_UNBALLOON,    /* UNBALLOON_REQUESTs being sent, then the response */
};
struct vmbus_host_dm_info {
    enum vmbus_host_dm_state state;
    uint32_t relid, version;
    uint64_t caps;              /* the guest's capabilities report */
    bool status_enabled;
    uint64_t held_pages;        /* pages the guest gave and has not got back */
    uint64_t pending_pages;     /* of the running operation, still to move */
    uint64_t status_reports, last_avail, last_committed;   /* pages */
    uint64_t balloon_responses, unballoon_responses, transactions;
};
void vmbus_host_dm_get_info(struct vmbus_host_dm_info *out);
/* The operator's requests (QEMU: a balloon target below or above the
 * current size): take `pages` from the guest, or give back up to `pages` of
 * those it holds. 0 started, -1 when the endpoint is not idle, or (balloon)
 * the guest reported no balloon capability. */
int vmbus_host_dm_balloon(uint64_t pages);
int vmbus_host_dm_unballoon(uint64_t pages);
/* A host that gives back pages it never took (broken or hostile; tests):
 * one UNBALLOON_REQUEST of [pfn, pfn+pages), which the guest must refuse
 * and still answer. 0 sent, -1 when not idle or the ring is full. */
int vmbus_host_dm_unballoon_range(uint64_t pfn, uint32_t pages);

/* NTSTATUS the Hyper-V personality puts in GPADL_CREATED, OPENCHANNEL_RESULT
 * and MODIFYCHANNEL_RESPONSE on failure (openvmm uses STATUS_UNSUCCESSFUL;
 * Linux only tests for non-zero). QEMU sends 1 for a failed open. */
#define VMBUS_HOST_STATUS_UNSUCCESSFUL 0x8000FFFFu   /* OpenVMM protocol.rs */
#define VMBUS_HOST_QEMU_OPEN_FAILED    1u

#endif
