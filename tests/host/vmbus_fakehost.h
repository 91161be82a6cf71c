/* A fake VMBus host for the guest stack's host tests: synchronous, single
 * threaded, two personalities. It implements struct vmbus_services, so the
 * guest stack under test calls it exactly as it would call the hypervisor.
 *   hyperv: versions up to 5.3, INITIATE_CONTACT for 5.x on connection 4,
 *           later messages on the id it returns; relids dense, reused.
 *   qemu:   versions up to 4.0, handler on connection 1 only (5.x contact
 *           -> HV_STATUS_INVALID_CONNECTION_ID), relids from 1, channel
 *           connection id 16 + relid, 16 queued guest messages at most. */
#ifndef SINTER_TESTS_VMBUS_FAKEHOST_H
#define SINTER_TESTS_VMBUS_FAKEHOST_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/vmbus/vmbus.h"

enum fh_personality { FH_HYPERV, FH_QEMU };

#define FH_MAX_OFFERS 2100

struct fh_offer {
    uint32_t relid;
    struct vmbus_guid class_id;
};

struct fh_channel {
    bool offered, open, rescinded;
    uint32_t gpadl;
    uint32_t target_vp;
    struct vmbus_ring to_guest;    /* host produces (guest inbound) */
    struct vmbus_ring from_guest;  /* host consumes (guest outbound) */
    unsigned long signals_from_guest;
    unsigned long signals_to_guest;
};

struct fh_gpadl {
    uint32_t handle, relid, pages, received;
    uint64_t *pfns;
    bool created;
};

struct fakehost {
    enum fh_personality who;
    uint32_t max_version;
    uint32_t msg_conn_id;          /* hyperv: what VERSION_RESPONSE returns */
    bool silent_version;           /* never answer INITIATE_CONTACT */
    bool silent_offers;            /* never send ALLOFFERS_DELIVERED */
    bool refuse_open;
    unsigned queue_limit;          /* guest->host messages queued (qemu 16) */
    unsigned n_offers;
    struct fh_offer offers[FH_MAX_OFFERS];

    /* observed */
    uint32_t contacts[16];
    uint32_t contact_conn[16];
    unsigned n_contacts;
    uint32_t negotiated;
    unsigned posts, insufficient_buffers, bad_conn_posts, bad_messages;
    unsigned gpadl_headers, gpadl_bodies, relid_released, unloads, closes;
    unsigned gpadl_teardowns;
    unsigned bad_conn_once;        /* answer the next n posts INVALID_CONNECTION_ID */
    unsigned max_queue_seen;
    struct fh_channel ch[VMBUS_MAX_RELIDS];
    struct fh_gpadl gpadls[64];
    unsigned n_gpadls;
    uint64_t sief[VMBUS_EVENT_FLAGS_COUNT / 64];
    bool deliver_events;           /* pump calls vmbus_on_events */
    /* Answers of one message type held back (late or never): released by
     * the pump once the fake clock reaches hold_until_ns (UINT64_MAX: only
     * by fh_release_held). */
    uint32_t hold_type;
    uint64_t hold_until_ns;
    unsigned held;
    uint8_t bad_state_from_major;  /* VERSION_RESPONSE: supported but connection
                                      state failed for versions >= this major */
    bool rescind_on_open;          /* rescind right after a successful open */
    bool offer_on_free;            /* re-offer a channel while the guest frees it */
    unsigned long objects_live;    /* zalloc'd by the guest, not yet freed */
};

extern struct fakehost fh;
extern const struct vmbus_services fh_services;

/* Reset host and guest stack; install fh_services. */
void fh_init(enum fh_personality who);
void fh_add_offer(uint32_t relid, struct vmbus_guid class_id);
/* Dense relids 1..n with a dummy class. */
void fh_add_dense(unsigned n);
/* Offers one channel (relid 1), connects the guest and returns the guest's
 * channel for it; NULL if the connection failed. */
struct vmbus_channel *fh_connect_one(void);
/* Run queued work both ways until nothing moves. */
void fh_pump(void);
void fh_rescind(uint32_t relid);
void fh_hot_offer(uint32_t relid, struct vmbus_guid class_id);
/* Host produces a packet into the guest's inbound ring of relid and, when
 * the ring code says so, sets the SIEF bit. Returns the ring's result. */
int fh_send_to_guest(uint32_t relid, uint16_t type, uint64_t trans_id,
                     const void *data, size_t len);
/* Host reads one packet from the guest's outbound ring. */
int fh_recv_from_guest(uint32_t relid, void *buf, size_t buflen,
                       struct vmbus_ring_pkt *pkt);
void *fh_gpa_to_ptr(uint64_t gpa);
uint64_t fh_now(void);
unsigned long fh_pages_live(void);
/* Deliver the held answers now. */
void fh_release_held(void);

#endif
