/* The guest's VMBus ring buffers over plain memory: one 4 KiB header page
 * followed by the data area. The guest produces into its outbound ring and
 * consumes its inbound ring; the host keeps its own code for its ends (the
 * model's is drivers/hvsim/vmbus_host_ring.c), and host tests use these
 * functions for a fake host's end. Each side keeps its own struct
 * vmbus_ring (private indices); only the header page and data area are
 * shared. Nothing here signals: the functions say when a signal is due and
 * the caller sends it. */
#ifndef SINTER_VMBUS_RING_H
#define SINTER_VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/hyperv/vmbus_proto.h"
#include "lib/refuse.h"

struct vmbus_ring {
    struct vmbus_ring_header *hdr;  /* shared */
    uint8_t *data;                  /* shared, size bytes */
    uint32_t size;                  /* data area bytes (multiple of 8) */
    uint32_t prod_write;            /* producer: next write offset */
    uint32_t cons_read;             /* consumer: next read offset (private) */
    uint32_t cons_published;        /* consumer: read_index last published */
    struct refusals refused;        /* corrupt indices/lengths (lib/refuse.h) */
    const char *name;               /* for log lines */
};

/* One piece of a packet being written (gather list). */
struct vmbus_ring_sg {
    const void *p;
    size_t len;
};

/* A validated packet copied out of a ring. */
struct vmbus_ring_pkt {
    struct vmbus_packet_desc desc;  /* validated copy */
    uint32_t total_len;             /* len8 * 8: descriptor + headers + payload */
    uint32_t payload_off;           /* offset8 * 8 */
    uint32_t payload_len;           /* total_len - payload_off */
};

/* Set up a ring in mem (header page + data pages, bytes a multiple of 4096
 * and >= 8192): zero the header and advertise pending_send_sz support. */
int vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t bytes, const char *name);
/* Take over a ring the other side already initialised (indices as found,
 * validated): the other end of a ring in tests, benchmarks and fuzzers. */
int vmbus_ring_attach(struct vmbus_ring *r, void *mem, size_t bytes, const char *name);

/* ---- producer side ---- */
/* Write the concatenation of sg[], padded to 8 bytes, and the trailer as one
 * packet. *signal is set when the consumer must be signalled (ring went from
 * empty to non-empty and its interrupt_mask is clear). Returns VMBUS_EAGAIN
 * when full (pending_send_sz is then set so the consumer wakes us). */
int vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_ring_sg *sg,
                     unsigned nsg, bool *signal);
/* Build a descriptor (offset8 = 2) and write type/flags/trans_id + payload:
 * static inline int vmbus_ring_send(struct vmbus_ring *r, uint16_t type,
 *     uint16_t flags, uint64_t trans_id, const void *payload, size_t len,
 *     bool *signal);
 * (vmbus_ring_fast.h: the unwrapped case inline, everything else through
 * vmbus_ring_send_slow, which handles every case on its own.) */
int vmbus_ring_send_slow(struct vmbus_ring *r, uint16_t type, uint16_t flags,
                         uint64_t trans_id, const void *payload, size_t len,
                         bool *signal);
/* Bytes a packet with this payload takes in the ring (incl. trailer). */
uint32_t vmbus_ring_packet_bytes(size_t payload_len);

/* ---- consumer side ---- */
/* Copy the next packet (whole, descriptor first) into buf and validate it.
 * Returns 1 with *pkt filled, 0 when the ring is empty, VMBUS_ENOBUFS when
 * buflen < pkt->total_len (packet left in place), VMBUS_EIO when an index or
 * length read from shared memory is invalid (logged, nothing consumed). The
 * read index is not published until vmbus_ring_commit(). */
static inline int vmbus_ring_read(struct vmbus_ring *r, void *buf, size_t buflen,
                                  struct vmbus_ring_pkt *pkt);
/* The same for every case (wraps, refusals); vmbus_ring_read calls it for
 * all but an unwrapped, valid packet that fits. */
int vmbus_ring_read_slow(struct vmbus_ring *r, void *buf, size_t buflen,
                         struct vmbus_ring_pkt *pkt);
/* Publish the private read index. Returns true when the producer asked for
 * space (pending_send_sz) and this commit made free space cross it. */
bool vmbus_ring_commit(struct vmbus_ring *r);
/* While draining, tell the producer not to signal; unmask returns true when
 * data arrived meanwhile (the caller must drain again). */
void vmbus_ring_mask(struct vmbus_ring *r);
bool vmbus_ring_unmask(struct vmbus_ring *r);
bool vmbus_ring_has_data(struct vmbus_ring *r);

#include "drivers/vmbus/vmbus_ring_fast.h"

#endif
