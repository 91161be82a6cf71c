/* The ring's common cases, inline: a packet that needs no wrap, sent into a
 * ring with room, or read from a ring whose unread bytes do not wrap. Each
 * checks exactly what the general path checks (vmbus_ring.c) on copies of
 * what the other side controls; anything else - a wrap, a full ring, an
 * index or length out of range, a short buffer - goes to the general path,
 * which decides afresh from shared memory and logs refusals. Included by
 * vmbus_ring.h only. */
#ifndef SINTER_VMBUS_RING_FAST_H
#define SINTER_VMBUS_RING_FAST_H

#include <string.h>
#include "drivers/vmbus/vmbus_errno.h"
#include "drivers/vmbus/vmbus_shmem.h"

/* The descriptor as two little-endian words (x86, both ends of the wire):
 * type, offset8, len8, flags in the first, trans_id in the second. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "descriptor words");
#define VMBUS_DESC_OFFSET8(d0) ((uint32_t)((d0) >> 16) & 0xffffu)
#define VMBUS_DESC_LEN8(d0)    ((uint32_t)((d0) >> 32) & 0xffffu)

static inline bool vmbus_ring_index_ok(uint32_t size, uint32_t idx)
{
    return idx < size && (idx & 7) == 0;
}

static inline int vmbus_ring_send(struct vmbus_ring *r, uint16_t type, uint16_t flags,
                                  uint64_t trans_id, const void *payload, size_t len,
                                  bool *signal)
{
    struct vmbus_ring_header *hdr = r->hdr;
    uint8_t *data = r->data;
    uint32_t size = r->size, start = r->prod_write;
    size_t pkt = sizeof(struct vmbus_packet_desc) + len;
    uint32_t padded = (uint32_t)(pkt + 7) & ~7u;
    uint32_t total = padded + VMBUS_PKT_TRAILER_SIZE;
    /* len8 must hold the packet; then start + total cannot overflow. */
    if (__builtin_expect(pkt > 0xffffu * 8u - 7u || start + total >= size, 0))
        return vmbus_ring_send_slow(r, type, flags, trans_id, payload, len, signal);
    uint32_t rd = vmbus_load_acquire(&hdr->read_index);
    /* Free space is rd - start when rd is ahead, else the ring minus the
     * unread bytes; both only once rd is known to be a valid index. */
    uint32_t space = rd > start ? rd - start : size - start + rd;
    if (__builtin_expect(!vmbus_ring_index_ok(size, rd) || total >= space, 0))
        return vmbus_ring_send_slow(r, type, flags, trans_id, payload, len, signal);

    /* One piece: the last body word zeroed (its padding), the payload over
     * it, the descriptor and the trailer. None of it is visible before
     * write_index moves. */
    uint8_t *p = data + start;
    uint64_t zero = 0;
    memcpy(p + padded - 8, &zero, 8);
    if (len)  /* payload may be NULL then */
        memcpy(p + sizeof(struct vmbus_packet_desc), payload, len);
    uint64_t d0 = type | (uint64_t)(sizeof(struct vmbus_packet_desc) / 8) << 16 |
                  (uint64_t)(padded / 8) << 32 | (uint64_t)flags << 48;
    uint64_t trailer = (uint64_t)start << 32;  /* "previous indices", unused by readers */
    memcpy(p, &d0, 8);
    memcpy(p + 8, &trans_id, 8);
    memcpy(p + padded, &trailer, 8);

    /* Packet bytes before the index that exposes them; then signal only on
     * empty -> non-empty and never against the mask (Hyper-V treats extra
     * interrupts as abuse; Linux hv_signal_on_write). */
    vmbus_store_release(&hdr->write_index, start + total);
    r->prod_write = start + total;
    if (vmbus_load_relaxed(&hdr->pending_send_sz) != 0)
        vmbus_store_relaxed(&hdr->pending_send_sz, 0);
    vmbus_mb();
    *signal = !vmbus_load_acquire(&hdr->interrupt_mask) &&
              vmbus_load_acquire(&hdr->read_index) == start;
    return VMBUS_OK;
}

static inline int vmbus_ring_read(struct vmbus_ring *r, void *buf, size_t buflen,
                                  struct vmbus_ring_pkt *pkt)
{
    const uint8_t *data = r->data;
    uint32_t size = r->size, rd = r->cons_read;
    uint32_t w = vmbus_load_acquire(&r->hdr->write_index);
    if (w == rd)
        return 0;  /* empty (rd is ours, so w is valid) */
    /* Unread bytes [rd, w) in one piece. Then rd <= size - 16, so the
     * descriptor lies inside the data area even if the host published fewer
     * bytes; the length check below refuses that (total + 8 >= 24). */
    uint32_t avail = w - rd;
    if (__builtin_expect(w < rd || w >= size || (w & 7), 0))
        return vmbus_ring_read_slow(r, buf, buflen, pkt);
    /* The descriptor is copied once, checked, and only the copy is used. */
    uint64_t d0, d1;
    memcpy(&d0, data + rd, 8);
    memcpy(&d1, data + rd + 8, 8);
    uint32_t total = VMBUS_DESC_LEN8(d0) * 8, off = VMBUS_DESC_OFFSET8(d0) * 8;
    if (__builtin_expect(off < sizeof(struct vmbus_packet_desc) || off > total ||
                         total + VMBUS_PKT_TRAILER_SIZE > avail || buflen < total, 0))
        return vmbus_ring_read_slow(r, buf, buflen, pkt);
    memcpy(&pkt->desc, &d0, 8);
    memcpy((uint8_t *)&pkt->desc + 8, &d1, 8);
    pkt->total_len = total;
    pkt->payload_off = off;
    pkt->payload_len = total - off;
    r->cons_read = rd + total + VMBUS_PKT_TRAILER_SIZE;  /* < w < size */
    memcpy(buf, &d0, 8);
    memcpy((uint8_t *)buf + 8, &d1, 8);
    memcpy((uint8_t *)buf + sizeof(struct vmbus_packet_desc),
           data + rd + sizeof(struct vmbus_packet_desc),
           total - sizeof(struct vmbus_packet_desc));
    return 1;
}

#endif
