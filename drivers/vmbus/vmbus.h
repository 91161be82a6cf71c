/* VMBus client (guest side): connection, channels, drivers. The SynIC layer
 * calls vmbus_on_message() and vmbus_on_events(); everything else is called
 * from process context (one control operation at a time). */
#ifndef SINTER_VMBUS_H
#define SINTER_VMBUS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/vmbus/vmbus_errno.h"
#include "drivers/vmbus/vmbus_services.h"
#include "drivers/hyperv/vmbus_proto.h"
#include "drivers/vmbus/vmbus_ring.h"

struct vmbus_channel;
struct vmbus_driver;
typedef void (*vmbus_channel_cb)(struct vmbus_channel *ch, void *ctx);

struct vmbus_channel {
    /* From the offer (immutable once published in the table). */
    uint32_t relid;
    uint32_t signal_conn_id;       /* HvSignalEvent connection id */
    struct vmbus_guid class_id;
    struct vmbus_guid instance_id;
    uint16_t chn_flags;
    uint16_t sub_channel_index;
    uint8_t monitor_id;
    bool monitor_allocated;
    bool dedicated_interrupt;

    /* Lifecycle. rescinded is set by the message handler; the rest belongs
     * to process context. */
    atomic_bool rescinded;
    unsigned probe_gen;            /* driver registry generation last tried */
    struct vmbus_driver *driver;
    void *driver_data;

    /* Open channel state. */
    bool open;
    void *ring_mem;
    size_t ring_pages;
    uint32_t send_pages;           /* guest->host ring pages incl. header */
    uint32_t ring_gpadl;
    uint32_t target_vp;
    struct vmbus_ring outbound;    /* guest produces */
    struct vmbus_ring inbound;     /* guest consumes */
    char out_name[24], in_name[24];/* "relid <n> outbound" for log lines */
    _Atomic(vmbus_channel_cb) callback; /* read with acquire from interrupts */
    void *cb_ctx;
    atomic_uint cb_state;          /* VMBUS_CB_RUNNING | VMBUS_CB_AGAIN (vmbus_callback.h) */
    /* Lost-interrupt rescue (vmbus_poll_rings, tick context). */
    bool poll_armed;               /* data seen unread at the last tick */
    uint32_t poll_read;            /* our read offset then */

    /* Statistics. */
    atomic_ulong interrupts;
    unsigned long signals_sent;
};

struct vmbus_driver {
    const char *name;
    struct vmbus_guid class_id;
    /* Called from process context (vmbus_poll/vmbus_connect). Non-zero
     * return: the channel stays unbound. */
    int (*probe)(struct vmbus_channel *ch);
    /* Called when the channel is rescinded or at vmbus_disconnect(). */
    void (*remove)(struct vmbus_channel *ch);
    struct vmbus_driver *next;     /* registry link, owned by vmbus */
};

/* ---- connection (vmbus_conn.c) ---- */
/* Negotiate a version (newest first), request offers, wait for
 * ALLOFFERS_DELIVERED, then probe drivers. Every wait is bounded; on
 * timeout the log names the step. */
int vmbus_connect(void);
/* Remove drivers, close channels, UNLOAD (where the version has it). */
void vmbus_disconnect(void);
/* Run deferred work (driver probe after offers, remove after rescind).
 * The kernel calls it from its main/idle loop. */
void vmbus_poll(void);
bool vmbus_connected(void);
uint32_t vmbus_version(void);
/* "vmbus=<major.minor> offers=<n> hwm=<relid>" */
void vmbus_summary(char *buf, size_t n);
/* Bounded waits (ns); tests shorten them. UNLOAD has its own, longer one. */
void vmbus_set_timeout_ns(uint64_t ns);
void vmbus_set_unload_timeout_ns(uint64_t ns);
/* Pages kept (never reused) because the host may still map them. */
unsigned long vmbus_pages_kept(void);

/* ---- SynIC entry points ---- */
/* msg_type: the SynIC message type; only VMBUS_SYNIC_MESSAGE_TYPE is read. */
void vmbus_on_message(const void *payload, uint32_t msg_type, size_t len);
/* Host messages refused (bad type, size) since the last connect. */
unsigned long vmbus_refused_messages(void);
void vmbus_on_events(volatile uint64_t *sief_sint2_words);

/* ---- channel table (vmbus_chantable.c) ---- */
struct vmbus_channel *vmbus_relid_to_channel(uint32_t relid);
uint32_t vmbus_relid_hwm(void);
unsigned vmbus_channel_count(void);

/* ---- event scanning (vmbus_sief_scan.c) ---- */
/* Default: words 0..hwm/64, one atomic exchange per non-zero word. */
unsigned vmbus_sief_scan_hwm(volatile uint64_t *words);
/* Benchmark variants: all 2048 bits; and per-bit test-and-clear to hwm. */
unsigned vmbus_sief_scan_full(volatile uint64_t *words);
unsigned vmbus_sief_scan_bitwise(volatile uint64_t *words);
/* Bits seen for relids with no channel (counted, never followed). */
unsigned long vmbus_unknown_relid_events(void);
/* Recovery from lost interrupts: call every open channel on VP `vp` whose
 * inbound ring held unread data for a whole tick (timer tick, interrupt context, on that VP).
 * Returns how many callbacks ran; vmbus_rescued_events counts them all. */
unsigned vmbus_poll_rings(uint32_t vp);
unsigned long vmbus_rescued_events(void);

/* ---- channels (vmbus_channel.c, vmbus_gpadl.c) ---- */
/* ring_bytes: bytes of each ring including its header page (multiple of
 * 4096, >= 8192). cb runs in interrupt context when the host signals. */
int vmbus_channel_open(struct vmbus_channel *ch, size_t send_ring_bytes,
                       size_t recv_ring_bytes, vmbus_channel_cb cb, void *ctx);
void vmbus_channel_close(struct vmbus_channel *ch);
/* In-band packet to the host; signals when the ring went non-empty. */
int vmbus_channel_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags,
                       uint64_t trans_id, const void *data, size_t len);
/* Copy one packet out (see vmbus_ring_read); 0 = ring empty. */
int vmbus_channel_recv(struct vmbus_channel *ch, void *buf, size_t buflen,
                       struct vmbus_ring_pkt *pkt);
/* Publish the read index and signal the host if it waits for space. */
void vmbus_channel_recv_done(struct vmbus_channel *ch);
/* A driver callback's read loop: with the inbound ring masked (the host
 * need not signal while we read), copy each packet into buf and hand it to
 * fn, publish the read index, then unmask and look once more for a packet
 * that raced with the unmask. Returns the last vmbus_channel_recv result:
 * VMBUS_ENOBUFS when a packet larger than cap (its total_len in *pkt)
 * stalled the channel, for the caller to log. */
int vmbus_channel_drain(struct vmbus_channel *ch, void *buf, size_t cap,
                        void (*fn)(void *ctx, const struct vmbus_ring_pkt *pkt), void *ctx,
                        struct vmbus_ring_pkt *pkt);
void vmbus_channel_signal(struct vmbus_channel *ch);
/* MODIFYCHANNEL (4.1+): move host->guest interrupts to another VP. */
int vmbus_channel_retarget(struct vmbus_channel *ch, uint32_t target_vp);

/* On failure *pages_lent (may be NULL) says whether the host may still map
 * buf (it got PFNs but no answer came): such pages must never be reused. */
int vmbus_gpadl_create(struct vmbus_channel *ch, void *buf, size_t bytes,
                       uint32_t *gpadl_out, bool *pages_lent);
int vmbus_gpadl_teardown(struct vmbus_channel *ch, uint32_t gpadl);

/* ---- drivers (vmbus_driver.c) ---- */
void vmbus_driver_register(struct vmbus_driver *drv);
void vmbus_driver_unregister(struct vmbus_driver *drv);
bool vmbus_guid_equal(const struct vmbus_guid *a, const struct vmbus_guid *b);
/* For a probe: keep state (the driver's per-channel state, from
 * vmbus_services()->zalloc) in ch->driver_data and open ch with rings of
 * ring_bytes each way, cb getting state. When the open fails, driver_data
 * is cleared, state freed, and the error returned. */
int vmbus_driver_open(struct vmbus_channel *ch, void *state, size_t ring_bytes,
                      vmbus_channel_cb cb);

#endif
