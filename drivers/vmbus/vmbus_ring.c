/* VMBus ring buffer producer and consumer (see vmbus_ring.h). Every value
 * that comes from shared memory is copied to a local, checked, and only then
 * used; the other side may change shared memory at any moment. */
#include <string.h>
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"
#include "drivers/vmbus/vmbus_shmem.h"
#include "kernel/log.h"
#include "lib/refuse.h"

static bool index_ok(const struct vmbus_ring *r, uint32_t idx)
{
    return vmbus_ring_index_ok(r->size, idx);
}

static int ring_setup(struct vmbus_ring *r, void *mem, size_t bytes, const char *name)
{
    memset(r, 0, sizeof *r);
    if (mem == NULL || (bytes % VMBUS_PAGE_SIZE) != 0 ||
        bytes < 2 * VMBUS_PAGE_SIZE || bytes - VMBUS_PAGE_SIZE > 0x7fffffffu)
        return VMBUS_EINVAL;
    r->hdr = mem;
    r->data = (uint8_t *)mem + VMBUS_PAGE_SIZE;
    r->size = (uint32_t)(bytes - VMBUS_PAGE_SIZE);
    r->name = name ? name : "ring";
    return VMBUS_OK;
}

int vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t bytes, const char *name)
{
    int rc = ring_setup(r, mem, bytes, name);
    if (rc)
        return rc;
    memset(r->hdr, 0, sizeof *r->hdr);
    r->hdr->feature_bits = VMBUS_RING_FEAT_PENDING_SEND_SZ;
    vmbus_wmb();
    return VMBUS_OK;
}

int vmbus_ring_attach(struct vmbus_ring *r, void *mem, size_t bytes, const char *name)
{
    int rc = ring_setup(r, mem, bytes, name);
    if (rc)
        return rc;
    uint32_t w = vmbus_load_acquire(&r->hdr->write_index);
    uint32_t rd = vmbus_load_acquire(&r->hdr->read_index);
    if (!index_ok(r, w) || !index_ok(r, rd)) {
        log_err("vmbus", "%s: attach refused: write_index %u read_index %u "
                "(data size %u)", r->name, w, rd, r->size);
        return VMBUS_EIO;
    }
    r->prod_write = w;
    r->cons_read = r->cons_published = rd;
    return VMBUS_OK;
}

/* Copy in/out of the data area, splitting at the wrap point. off < size and
 * len <= size are guaranteed by the callers; the common case (no wrap) is one
 * memcpy. */
static inline void ring_copy_out(const struct vmbus_ring *r, uint32_t off, void *dst, uint32_t len)
{
    uint32_t first = r->size - off;
    if (__builtin_expect(len <= first, 1)) {
        memcpy(dst, r->data + off, len);
        return;
    }
    memcpy(dst, r->data + off, first);
    memcpy((uint8_t *)dst + first, r->data, len - first);
}

static inline uint32_t ring_copy_in(struct vmbus_ring *r, uint32_t off, const void *src, uint32_t len)
{
    uint32_t first = r->size - off;
    if (__builtin_expect(len < first, 1)) {
        memcpy(r->data + off, src, len);
        return off + len;
    }
    memcpy(r->data + off, src, first);
    memcpy(r->data, (const uint8_t *)src + first, len - first);
    return len - first;
}

/* Free bytes for the producer, given the consumer's read index. */
static inline uint32_t space_to_write(const struct vmbus_ring *r, uint32_t rd, uint32_t w)
{
    return rd > w ? rd - w : r->size - w + rd;
}

uint32_t vmbus_ring_packet_bytes(size_t payload_len)
{
    size_t pkt = sizeof(struct vmbus_packet_desc) + payload_len;
    return (uint32_t)(((pkt + 7) & ~(size_t)7) + VMBUS_PKT_TRAILER_SIZE);
}

/* Refusals are rare: out of line, so the fast paths stay small. */
static __attribute__((cold, noinline)) int refuse_read_index(struct vmbus_ring *r, uint32_t rd)
{
    REFUSE(&r->refused, "vmbus", "%s: refusing to write: read_index %u invalid "
           "(data size %u)", r->name, rd, r->size);
    return VMBUS_EIO;
}

static __attribute__((cold, noinline)) int refuse_write_index(struct vmbus_ring *r, uint32_t w)
{
    REFUSE(&r->refused, "vmbus", "%s: refusing packet: write_index %u invalid "
                "(data size %u)", r->name, w, r->size);
    return VMBUS_EIO;
}

static __attribute__((cold, noinline)) int refuse_avail(struct vmbus_ring *r, uint32_t avail)
{
    REFUSE(&r->refused, "vmbus", "%s: refusing packet: only %u bytes available",
                r->name, avail);
    return VMBUS_EIO;
}

static __attribute__((cold, noinline)) int refuse_desc(struct vmbus_ring *r, uint64_t d0,
                                                      uint32_t avail)
{
    REFUSE(&r->refused, "vmbus", "%s: refusing packet: type %u offset8 %u len8 %u "
                "with %u bytes available", r->name, (unsigned)(d0 & 0xffff),
                (unsigned)(d0 >> 16 & 0xffff), (unsigned)(d0 >> 32 & 0xffff), avail);
    return VMBUS_EIO;
}

/* Room for total bytes at the producer's write offset, judged from a checked
 * copy of the consumer's read index. When full, ask the consumer for a signal
 * once enough space is free, then look again: it may have freed space before
 * it could see our request. */
static inline int ring_reserve(struct vmbus_ring *r, uint32_t total)
{
    uint32_t w = r->prod_write;
    uint32_t rd = vmbus_load_acquire(&r->hdr->read_index);
    if (__builtin_expect(!index_ok(r, rd), 0))
        return refuse_read_index(r, rd);
    if (__builtin_expect(total >= space_to_write(r, rd, w), 0)) {
        vmbus_store_release(&r->hdr->pending_send_sz, total);
        vmbus_mb();
        rd = vmbus_load_acquire(&r->hdr->read_index);
        if (!index_ok(r, rd) || total >= space_to_write(r, rd, w))
            return VMBUS_EAGAIN;
    }
    return VMBUS_OK;
}

/* Expose the packet written at [start, w) and say whether to signal. */
static inline bool ring_publish(struct vmbus_ring *r, uint32_t start, uint32_t w)
{
    /* Packet bytes must be visible before the index that exposes them. */
    vmbus_store_release(&r->hdr->write_index, w);
    r->prod_write = w;
    if (vmbus_load_relaxed(&r->hdr->pending_send_sz) != 0)
        vmbus_store_relaxed(&r->hdr->pending_send_sz, 0);

    /* Signal only on empty -> non-empty, and never against the mask: Hyper-V
     * treats extra interrupts as abuse (Linux hv_signal_on_write). */
    vmbus_mb();
    if (vmbus_load_acquire(&r->hdr->interrupt_mask))
        return false;
    return vmbus_load_acquire(&r->hdr->read_index) == start;
}

int vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_ring_sg *sg,
                     unsigned nsg, bool *signal)
{
    static const uint8_t zeros[8];
    size_t len = 0;
    *signal = false;
    for (unsigned i = 0; i < nsg; i++) {
        len += sg[i].len;
        if (sg[i].len > r->size)
            return VMBUS_EINVAL;
    }
    size_t padded = (len + 7) & ~(size_t)7;
    if (padded + VMBUS_PKT_TRAILER_SIZE >= r->size)
        return VMBUS_EINVAL;  /* could never fit */
    uint32_t total = (uint32_t)(padded + VMBUS_PKT_TRAILER_SIZE);
    int rc = ring_reserve(r, total);
    if (rc)
        return rc;

    uint32_t start = r->prod_write, w = start;
    for (unsigned i = 0; i < nsg; i++)
        if (sg[i].len)
            w = ring_copy_in(r, w, sg[i].p, (uint32_t)sg[i].len);
    if (padded > len)
        w = ring_copy_in(r, w, zeros, (uint32_t)(padded - len));
    uint64_t trailer = (uint64_t)start << 32;  /* "previous indices", unused by readers */
    w = ring_copy_in(r, w, &trailer, sizeof trailer);
    *signal = ring_publish(r, start, w);
    return VMBUS_OK;
}

static inline uint64_t ring_get64(const struct vmbus_ring *r, uint32_t off)
{
    uint64_t v;
    memcpy(&v, r->data + off, sizeof v);
    return v;
}

/* Every case: a packet that wraps, ends exactly at the end of the data
 * area or never fits, a full ring, an invalid read index. */
int vmbus_ring_send_slow(struct vmbus_ring *r, uint16_t type, uint16_t flags,
                         uint64_t trans_id, const void *payload, size_t len,
                         bool *signal)
{
    size_t pkt = sizeof(struct vmbus_packet_desc) + len;
    if (pkt > 0xffffu * 8u - 7u) {
        *signal = false;
        return VMBUS_EINVAL;
    }
    struct vmbus_packet_desc d = {
        .type = type,
        .offset8 = sizeof(struct vmbus_packet_desc) / 8,
        .len8 = (uint16_t)((pkt + 7) / 8),
        .flags = flags,
        .trans_id = trans_id,
    };
    struct vmbus_ring_sg sg[2] = { { &d, sizeof d }, { payload, len } };
    return vmbus_ring_write(r, sg, 2, signal);
}

/* Every case: the general path, and the refusals. */
int vmbus_ring_read_slow(struct vmbus_ring *r, void *buf, size_t buflen,
                         struct vmbus_ring_pkt *pkt)
{
    uint32_t size = r->size;
    uint32_t w = vmbus_load_acquire(&r->hdr->write_index);
    uint32_t rd = r->cons_read;
    if (__builtin_expect(!index_ok(r, w), 0))
        return refuse_write_index(r, w);
    if (w == rd)
        return 0;
    uint32_t avail = w > rd ? w - rd : size - rd + w;
    if (__builtin_expect(avail < sizeof(struct vmbus_packet_desc) + VMBUS_PKT_TRAILER_SIZE, 0))
        return refuse_avail(r, avail);

    /* The descriptor, read once as two words (the second may be the first
     * word of the data area), checked, and only the copy used. */
    uint32_t second = rd + 8 == size ? 0 : rd + 8;
    uint64_t d0 = ring_get64(r, rd), d1 = ring_get64(r, second);
    uint32_t total = VMBUS_DESC_LEN8(d0) * 8;
    uint32_t off = VMBUS_DESC_OFFSET8(d0) * 8;
    if (__builtin_expect(off < sizeof(struct vmbus_packet_desc) || off > total ||
                         total + VMBUS_PKT_TRAILER_SIZE > avail, 0))
        return refuse_desc(r, d0, avail);
    memcpy(&pkt->desc, &d0, 8);
    memcpy((uint8_t *)&pkt->desc + 8, &d1, 8);
    pkt->total_len = total;
    pkt->payload_off = off;
    pkt->payload_len = total - off;
    if (buflen < total)
        return VMBUS_ENOBUFS;

    /* The caller's buffer: the checked descriptor, then the rest of the
     * packet, never a second read of the descriptor in shared memory. */
    uint32_t next = rd + total + VMBUS_PKT_TRAILER_SIZE;
    r->cons_read = next >= size ? next - size : next;
    memcpy(buf, &d0, 8);
    memcpy((uint8_t *)buf + 8, &d1, 8);
    uint32_t body = second + 8 == size ? 0 : second + 8;
    ring_copy_out(r, body, (uint8_t *)buf + sizeof(struct vmbus_packet_desc),
                  total - (uint32_t)sizeof(struct vmbus_packet_desc));
    return 1;
}

bool vmbus_ring_commit(struct vmbus_ring *r)
{
    uint32_t rd = r->cons_read;
    uint32_t old = r->cons_published;
    if (rd == old)
        return false;
    /* All packet reads complete before the producer may reuse the space. */
    vmbus_mb();
    vmbus_store_release(&r->hdr->read_index, rd);
    r->cons_published = rd;
    if (!(vmbus_load_relaxed(&r->hdr->feature_bits) & VMBUS_RING_FEAT_PENDING_SEND_SZ))
        return false;

    vmbus_mb();
    uint32_t pending = vmbus_load_acquire(&r->hdr->pending_send_sz);
    if (pending == 0)
        return false;
    uint32_t w = vmbus_load_acquire(&r->hdr->write_index);
    if (!index_ok(r, w))
        return false;
    uint32_t freed = rd > old ? rd - old : r->size - old + rd;
    uint32_t free_now = space_to_write(r, rd, w);
    if (freed > free_now)
        return false;  /* inconsistent view; the write index moved under us */
    uint32_t free_before = free_now - freed;
    /* Signal on the blocked -> unblocked transition only. */
    return free_before <= pending && free_now > pending;
}

void vmbus_ring_mask(struct vmbus_ring *r)
{
    vmbus_store_release(&r->hdr->interrupt_mask, 1);
    vmbus_mb();
}

bool vmbus_ring_unmask(struct vmbus_ring *r)
{
    vmbus_store_release(&r->hdr->interrupt_mask, 0);
    /* A packet written while we were masked raised no signal: look again. */
    vmbus_mb();
    return vmbus_ring_has_data(r);
}

bool vmbus_ring_has_data(struct vmbus_ring *r)
{
    return vmbus_load_acquire(&r->hdr->write_index) != r->cons_read;
}
