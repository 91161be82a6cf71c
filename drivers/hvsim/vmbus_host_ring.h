/* The host's end of a channel's two ring buffers, as a VMBus host sees them:
 * it produces into the guest's inbound ring and consumes the guest's
 * outbound ring, both in guest memory (the GPADL's pages). Written from the
 * ring's wire format (drivers/hyperv/vmbus_proto.h) and the host behaviour
 * of QEMU hw/hyperv/vmbus.c and Linux drivers/hv/ring_buffer.c; it shares no
 * code with the guest's drivers/vmbus/vmbus_ring.c, so a misreading of the
 * protocol on one side shows up against the other.
 *
 * The guest may rewrite the header page and the data at any time: every
 * index and descriptor is copied, checked, and only then used. */
#ifndef SINTER_DRIVERS_HVSIM_VMBUS_HOST_RING_H
#define SINTER_DRIVERS_HVSIM_VMBUS_HOST_RING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/hyperv/vmbus_proto.h"

struct vh_ring {
    struct vmbus_ring_header *hdr;  /* guest memory */
    uint8_t *data;                  /* guest memory, size bytes */
    uint32_t size;                  /* data area bytes */
    uint32_t pos;       /* producer: where our next packet goes; consumer:
                         * where the next packet we have not read starts */
    uint32_t released;  /* consumer: the read_index of our last release */
    uint32_t shown;     /* consumer: the read_index last stored (peek shows
                         * it before it answers "empty"; see vh_ring_peek) */
    bool waiting;       /* producer: we set pending_send_sz and wait */
    uint32_t waits;     /* producer: times we began waiting (channel activity, vh_on_event) */
    uint32_t relid;     /* for log lines */
    uint64_t refused;   /* corrupt indices / descriptors seen */
};

/* Tests only (NULL otherwise): called in vh_ring_peek between showing the
 * ring empty and looking again, where a guest on another CPU may write. */
extern void (*vh_ring_after_show)(struct vh_ring *r);

enum vh_ring_rc {
    VH_RING_OK = 0,
    VH_RING_FULL = -1,     /* put: no room; pending_send_sz asks the guest to signal */
    VH_RING_CORRUPT = -2,  /* an index or descriptor in guest memory is invalid */
    VH_RING_TOO_BIG = -3,  /* get: packet larger than the buffer (left in place) */
    VH_RING_INVALID = -4,  /* put: a packet this ring could never hold */
};

/* A packet taken from the guest's outbound ring; desc is the checked copy. */
struct vh_pkt {
    struct vmbus_packet_desc desc;
    uint32_t total_len;     /* len8 * 8: descriptor, extra header, payload, padding */
    uint32_t payload_off;   /* offset8 * 8 */
    uint32_t payload_len;   /* total_len - payload_off */
};

/* Take over one ring of an opened channel: mem is its header page followed
 * by the data pages (bytes in all). The guest initialised it; its indices
 * must be in range and 8-byte aligned. VH_RING_OK or VH_RING_CORRUPT. */
int vh_ring_attach(struct vh_ring *r, void *mem, size_t bytes, uint32_t relid, bool produce);

/* Producer: one packet (descriptor with offset8 = 2, the payload, zero
 * padding to 8 bytes, the previous-index trailer). *signal: the guest must
 * be interrupted (its ring was empty and its interrupt_mask is clear). */
int vh_ring_put(struct vh_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
                const void *payload, uint32_t len, bool *signal);
/* Producer, for fault injection: bytes exactly as given (a multiple of 8),
 * then the trailer, whatever the descriptor in them claims. */
int vh_ring_put_raw(struct vh_ring *r, const void *bytes, uint32_t len, bool *signal);

/* Consumer: copy the next packet into buf (descriptor first) without taking
 * it. 1 with *pkt, 0 when the ring is empty (read_index then already shows
 * what was popped, so the guest signals its next packet), VH_RING_TOO_BIG (*pkt filled,
 * nothing copied), VH_RING_CORRUPT (logged at a rate limit). */
int vh_ring_peek(struct vh_ring *r, void *buf, uint32_t cap, struct vh_pkt *pkt);
/* Consumer: the guest has written past what we read. */
bool vh_ring_unread(const struct vh_ring *r);
/* Consumer: take the packet vh_ring_peek just described. read_index moves
 * at vh_ring_release, or at a peek that finds the ring empty. */
void vh_ring_pop(struct vh_ring *r, const struct vh_pkt *pkt);
/* Consumer: give back what was read (publish read_index). true when the
 * guest waits for room (pending_send_sz) and this release gave it: signal. */
bool vh_ring_release(struct vh_ring *r);

#endif
