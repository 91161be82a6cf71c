/* The host's end of the VMBus rings (see vmbus_host_ring.h).
 *
 * The rules, from the wire format (Linux include/linux/hyperv.h struct
 * hv_ring_buffer and vmpacket_descriptor) and how hosts and guests use it
 * (QEMU hw/hyperv/vmbus.c vmbus_channel_reserve / vmbus_channel_send /
 * vmbus_channel_recv_peek / vmbus_channel_recv_done; Linux
 * drivers/hv/ring_buffer.c hv_ringbuffer_write / hv_pkt_iter_close):
 *   - indices are byte offsets into the data area, below its size and
 *     multiples of 8; read == write means empty, and a producer never lets
 *     write catch up with read, so a packet needs strictly more free bytes
 *     than it occupies;
 *   - a packet is a 16-byte descriptor (len8 = whole packet in 8-byte
 *     units, trailer excluded; offset8 = where the payload starts), the
 *     payload, zeros up to 8 bytes, then an 8-byte word holding the
 *     packet's start offset in its upper half; it may wrap at the end;
 *   - the producer publishes write_index only after the packet, and
 *     interrupts the consumer only when the ring was empty before the packet
 *     and the consumer's interrupt_mask is clear;
 *   - a consumer about to stop shows what it took in read_index, fences and
 *     looks once more: the producer tells "empty" by read_index, so a
 *     consumer that stops on a private index misses the next signal;
 *   - a blocked producer stores the bytes it needs in pending_send_sz; a
 *     consumer that sees the feat_pending_send_sz bit signals it when its
 *     read moves free space from at most pending_send_sz to more. */
#include <string.h>
#include "drivers/hvsim/vmbus_host_ring.h"
#include "kernel/log.h"

#define DESC_BYTES ((uint32_t)sizeof(struct vmbus_packet_desc))

static uint32_t ld(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void st(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static void full_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static bool valid_index(const struct vh_ring *r, uint32_t i)
{
    return i < r->size && i % VMBUS_PKT_ALIGN == 0;
}

/* Offset `n` bytes after `at`, around the end of the data area. */
static uint32_t advance(const struct vh_ring *r, uint32_t at, uint32_t n)
{
    uint64_t x = (uint64_t)at + n;
    return (uint32_t)(x % r->size);
}

/* Bytes from `from` up to `to`, going forward around the ring. */
static uint32_t distance(const struct vh_ring *r, uint32_t from, uint32_t to)
{
    return to >= from ? to - from : r->size - from + to;
}

/* Free bytes for the producer at `write` when the consumer is at `read`. */
static uint32_t room(const struct vh_ring *r, uint32_t write, uint32_t read)
{
    return r->size - distance(r, read, write);
}

static void put_bytes(struct vh_ring *r, uint32_t at, const void *src, uint32_t n)
{
    const uint8_t *s = src;
    uint32_t tail = r->size - at;
    if (n <= tail) {
        memcpy(r->data + at, s, n);
    } else {
        memcpy(r->data + at, s, tail);
        memcpy(r->data, s + tail, n - tail);
    }
}

static void get_bytes(const struct vh_ring *r, uint32_t at, void *dst, uint32_t n)
{
    uint8_t *d = dst;
    uint32_t tail = r->size - at;
    if (n <= tail) {
        memcpy(d, r->data + at, n);
    } else {
        memcpy(d, r->data + at, tail);
        memcpy(d + tail, r->data, n - tail);
    }
}

/* A guest that corrupts its ring could make us log on every packet. */
static bool note_refusal(struct vh_ring *r)
{
    r->refused++;
    return r->refused <= 8 || (r->refused & 1023) == 0;
}

/* An index the guest wrote: in range, or the ring is corrupt (said, rate
 * limited; which names the ring and the index). */
static bool index_ok(struct vh_ring *r, uint32_t i, const char *which)
{
    if (valid_index(r, i))
        return true;
    if (note_refusal(r))
        log_warn("hvsim", "host: relid %u %s %u invalid (%u data bytes)", r->relid, which, i,
                 r->size);
    return false;
}

int vh_ring_attach(struct vh_ring *r, void *mem, size_t bytes, uint32_t relid, bool produce)
{
    memset(r, 0, sizeof *r);
    r->relid = relid;
    if (!mem || bytes % VMBUS_PAGE_SIZE || bytes < 2 * VMBUS_PAGE_SIZE ||
        bytes - VMBUS_PAGE_SIZE > UINT32_MAX / 2)
        return VH_RING_CORRUPT;
    r->hdr = mem;
    r->data = (uint8_t *)mem + VMBUS_PAGE_SIZE;
    r->size = (uint32_t)(bytes - VMBUS_PAGE_SIZE);
    uint32_t w = ld(&r->hdr->write_index), rd = ld(&r->hdr->read_index);
    if (!valid_index(r, w) || !valid_index(r, rd)) {
        log_warn("hvsim", "host: relid %u %s ring: indices write %u read %u invalid for "
                 "%u data bytes", relid, produce ? "inbound" : "outbound", w, rd, r->size);
        return VH_RING_CORRUPT;
    }
    if (produce) {
        r->pos = w;
        /* QEMU ringbufs_init: the producer announces pending_send_sz. */
        __atomic_fetch_or(&r->hdr->feature_bits, VMBUS_RING_FEAT_PENDING_SEND_SZ,
                          __ATOMIC_RELEASE);
    } else {
        r->pos = r->released = r->shown = rd;
    }
    return VH_RING_OK;
}

void (*vh_ring_after_show)(struct vh_ring *r);

/* ---- producer (the guest's inbound ring) ---------------------------------- */

/* Room for `need` bytes now? If not, ask the guest for a signal and look
 * once more: it may have read meanwhile without seeing the request. */
static int reserve(struct vh_ring *r, uint32_t need)
{
    uint32_t rd = ld(&r->hdr->read_index);
    if (valid_index(r, rd) && room(r, r->pos, rd) > need)
        goto ok;
    st(&r->hdr->pending_send_sz, need);
    if (!r->waiting)
        r->waits++;
    r->waiting = true;
    full_fence();
    rd = ld(&r->hdr->read_index);
    if (!index_ok(r, rd, "inbound ring (not written): read_index"))
        return VH_RING_CORRUPT;
    if (room(r, r->pos, rd) <= need)
        return VH_RING_FULL;
ok:
    if (r->waiting) {
        st(&r->hdr->pending_send_sz, 0);
        r->waiting = false;
    }
    return VH_RING_OK;
}

/* The bytes are in place: trailer, publish, decide on the interrupt. */
static int publish(struct vh_ring *r, uint32_t start, uint32_t at, bool *signal)
{
    uint64_t trailer = VMBUS_PKT_TRAILER(start);
    put_bytes(r, at, &trailer, sizeof trailer);
    at = advance(r, at, sizeof trailer);
    full_fence();                   /* packet before the index that shows it */
    st(&r->hdr->write_index, at);
    r->pos = at;
    full_fence();                   /* index before we look at the consumer */
    *signal = ld(&r->hdr->interrupt_mask) == 0 && ld(&r->hdr->read_index) == start;
    return VH_RING_OK;
}

int vh_ring_put(struct vh_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
                const void *payload, uint32_t len, bool *signal)
{
    static const uint8_t zeros[VMBUS_PKT_ALIGN];
    *signal = false;
    uint64_t body = (uint64_t)DESC_BYTES + len;
    uint64_t padded = (body + VMBUS_PKT_ALIGN - 1) / VMBUS_PKT_ALIGN * VMBUS_PKT_ALIGN;
    if (padded / 8 > 0xffffu || padded + VMBUS_PKT_TRAILER_SIZE >= r->size)
        return VH_RING_INVALID;
    int rc = reserve(r, (uint32_t)padded + VMBUS_PKT_TRAILER_SIZE);
    if (rc)
        return rc;
    struct vmbus_packet_desc d = {
        .type = type, .offset8 = DESC_BYTES / 8, .len8 = (uint16_t)(padded / 8),
        .flags = flags, .trans_id = trans_id,
    };
    uint32_t start = r->pos, at = start;
    put_bytes(r, at, &d, DESC_BYTES);
    at = advance(r, at, DESC_BYTES);
    if (len) {
        put_bytes(r, at, payload, len);
        at = advance(r, at, len);
    }
    uint32_t pad = (uint32_t)(padded - body);
    if (pad) {
        put_bytes(r, at, zeros, pad);
        at = advance(r, at, pad);
    }
    return publish(r, start, at, signal);
}

int vh_ring_put_raw(struct vh_ring *r, const void *bytes, uint32_t len, bool *signal)
{
    *signal = false;
    if (len % VMBUS_PKT_ALIGN || (uint64_t)len + VMBUS_PKT_TRAILER_SIZE >= r->size)
        return VH_RING_INVALID;
    int rc = reserve(r, len + VMBUS_PKT_TRAILER_SIZE);
    if (rc)
        return rc;
    uint32_t start = r->pos;
    put_bytes(r, start, bytes, len);
    return publish(r, start, advance(r, start, len), signal);
}

/* ---- consumer (the guest's outbound ring) ---------------------------------- */

bool vh_ring_unread(const struct vh_ring *r)
{
    return ld(&r->hdr->write_index) != r->pos;
}

int vh_ring_peek(struct vh_ring *r, void *buf, uint32_t cap, struct vh_pkt *pkt)
{
    uint32_t w = ld(&r->hdr->write_index);
    if (!index_ok(r, w, "outbound ring: write_index"))
        return VH_RING_CORRUPT;
    if (w == r->pos && r->pos != r->shown) {
        /* Looks empty, but the guest judges "empty" by read_index (it
         * signals only when read_index equals where its packet starts,
         * Linux hv_signal_on_write): until read_index shows everything we
         * took, a packet it writes now raises no signal. So show it, fence
         * (store then load: only a full fence orders them), and look again;
         * then either we see its write_index or it sees our read_index. */
        st(&r->hdr->read_index, r->pos);
        r->shown = r->pos;
        full_fence();
        if (vh_ring_after_show)
            vh_ring_after_show(r);
        w = ld(&r->hdr->write_index);
        if (!index_ok(r, w, "outbound ring: write_index"))
            return VH_RING_CORRUPT;
    }
    if (w == r->pos)
        return 0;
    full_fence();                   /* the index before the bytes it covers */
    uint32_t avail = distance(r, r->pos, w);
    struct vmbus_packet_desc d;
    if (avail < DESC_BYTES + VMBUS_PKT_TRAILER_SIZE) {
        if (note_refusal(r))
            log_warn("hvsim", "host: relid %u outbound ring: %u bytes, less than a packet",
                     r->relid, avail);
        return VH_RING_CORRUPT;
    }
    get_bytes(r, r->pos, &d, DESC_BYTES);
    uint32_t total = (uint32_t)d.len8 * 8, off = (uint32_t)d.offset8 * 8;
    if (off < DESC_BYTES || off > total || total + VMBUS_PKT_TRAILER_SIZE > avail) {
        if (note_refusal(r))
            log_warn("hvsim", "host: relid %u outbound ring: descriptor type %u offset8 %u "
                     "len8 %u does not fit the %u bytes written", r->relid, d.type,
                     d.offset8, d.len8, avail);
        return VH_RING_CORRUPT;
    }
    pkt->desc = d;
    pkt->total_len = total;
    pkt->payload_off = off;
    pkt->payload_len = total - off;
    if (cap < total)
        return VH_RING_TOO_BIG;
    get_bytes(r, r->pos, buf, total);
    memcpy(buf, &d, DESC_BYTES);    /* the checked copy, whatever memory says now */
    return 1;
}

void vh_ring_pop(struct vh_ring *r, const struct vh_pkt *pkt)
{
    r->pos = advance(r, r->pos, pkt->total_len + VMBUS_PKT_TRAILER_SIZE);
}

bool vh_ring_release(struct vh_ring *r)
{
    uint32_t freed = distance(r, r->released, r->pos);
    if (freed == 0)
        return false;
    full_fence();                   /* done with the bytes before they are reused */
    st(&r->hdr->read_index, r->pos);
    r->released = r->shown = r->pos;
    full_fence();                   /* the index before pending_send_sz */
    if (!(ld(&r->hdr->feature_bits) & VMBUS_RING_FEAT_PENDING_SEND_SZ))
        return false;
    uint32_t want = ld(&r->hdr->pending_send_sz);
    if (want == 0)
        return false;
    uint32_t w = ld(&r->hdr->write_index);
    if (!valid_index(r, w))
        return false;
    uint32_t now = room(r, w, r->pos);
    /* Blocked before this release (free <= want), unblocked after. */
    return now > want && now - freed <= want;
}
