/* libFuzzer target: the ring reader (and writer) over a ring whose header
 * and data the host controls completely. The input fills the header fields
 * and the data area; the consumer then reads with buffers of several sizes.
 * Whatever it returns must be self-consistent; nothing may read or write
 * outside the ring or the caller's buffer (ASan).
 *
 * Differential: the same input is also run, step by step, on a second copy
 * of the ring through the general paths alone (vmbus_ring_read_slow,
 * vmbus_ring_send_slow). The inline fast paths (vmbus_ring_fast.h) must give
 * the same result, the same packet, the same buffer and ring bytes and the
 * same indices at every step.
 *
 * Rewrite mode (bit 0 of the second-to-last input byte): the host goes on
 * storing indices after the guest attached, between the guest's reads (its
 * write index) and sends (its read index), with values from the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define RING_BYTES (2 * VMBUS_PAGE_SIZE)

static void same(const void *a, const void *b, size_t n)
{
    if (memcmp(a, b, n) != 0)
        __builtin_trap();
}

/* The host stores v into one index of both copies of the ring. */
static void host_rewrite(uint8_t *mem, uint8_t *ref, size_t field_off, const uint8_t *data,
                         size_t size, int step)
{
    uint32_t v;
    memcpy(&v, data + ((size_t)step * 4) % (size - 3), 4);
    memcpy(mem + field_off, &v, 4);
    memcpy(ref + field_off, &v, 4);
}

static void same_ring(const struct vmbus_ring *a, const struct vmbus_ring *b)
{
    if (a->prod_write != b->prod_write || a->cons_read != b->cons_read ||
        a->cons_published != b->cons_published || a->refused.count != b->refused.count)
        __builtin_trap();
    same(a->hdr, b->hdr, RING_BYTES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *mem, *ref;
    if (mem == NULL) {
        mem = aligned_alloc(VMBUS_PAGE_SIZE, RING_BYTES);
        ref = aligned_alloc(VMBUS_PAGE_SIZE, RING_BYTES);
    }
    if (size < 20)
        return 0;
    struct vmbus_ring_header *h = (struct vmbus_ring_header *)mem;
    memset(mem, 0, RING_BYTES);
    memcpy(&h->write_index, data, 4);
    memcpy(&h->read_index, data + 4, 4);
    memcpy(&h->interrupt_mask, data + 8, 4);
    memcpy(&h->pending_send_sz, data + 12, 4);
    memcpy(&h->feature_bits, data + 16, 4);
    size_t n = size - 20 < RING_BYTES - VMBUS_PAGE_SIZE ? size - 20 : RING_BYTES - VMBUS_PAGE_SIZE;
    memcpy(mem + VMBUS_PAGE_SIZE, data + 20, n);
    memcpy(ref, mem, RING_BYTES);

    bool rewrite = data[size - 2] & 1;
    struct vmbus_ring cons, prod, rcons, rprod;
    int a = vmbus_ring_attach(&cons, mem, RING_BYTES, "fuzz-cons");
    if (a != vmbus_ring_attach(&rcons, ref, RING_BYTES, "fuzz-cons"))
        __builtin_trap();
    if (a == VMBUS_OK) {
        static const size_t sizes[] = { 16, 64, 4096, 17 };
        for (int i = 0; i < 64; i++) {
            size_t buflen = sizes[(i + data[size - 1]) % 4];  /* input picks the first */
            uint8_t *buf = malloc(buflen);  /* exact size for ASan */
            uint8_t *rbuf = malloc(buflen);
            memset(buf, 0xee, buflen);
            memset(rbuf, 0xee, buflen);
            struct vmbus_ring_pkt pkt, rpkt;
            memset(&pkt, 0, sizeof pkt);
            memset(&rpkt, 0, sizeof rpkt);
            int rc = vmbus_ring_read(&cons, buf, buflen, &pkt);
            if (rc != vmbus_ring_read_slow(&rcons, rbuf, buflen, &rpkt))
                __builtin_trap();
            same(buf, rbuf, buflen);
            same_ring(&cons, &rcons);
            if (rc == 1 || rc == VMBUS_ENOBUFS)
                same(&pkt, &rpkt, sizeof pkt);
            if (rc == 1) {
                if (pkt.total_len > buflen || pkt.payload_off + pkt.payload_len != pkt.total_len ||
                    pkt.payload_off < 16 || cons.cons_read >= cons.size || (cons.cons_read & 7))
                    __builtin_trap();
            }
            free(buf);
            free(rbuf);
            if (rc == 0 || rc == VMBUS_EIO)
                break;
            if (rc == VMBUS_ENOBUFS)
                continue;
            if (i % 3 == 0 && vmbus_ring_commit(&cons) != vmbus_ring_commit(&rcons))
                __builtin_trap();
            if (rewrite && i % 4 == 1)
                host_rewrite(mem, ref, offsetof(struct vmbus_ring_header, write_index), data, size, i);
        }
        if (vmbus_ring_commit(&cons) != vmbus_ring_commit(&rcons) ||
            vmbus_ring_unmask(&cons) != vmbus_ring_unmask(&rcons))
            __builtin_trap();
        same_ring(&cons, &rcons);
    }
    /* The producer side facing a hostile read index. */
    a = vmbus_ring_attach(&prod, mem, RING_BYTES, "fuzz-prod");
    if (a != vmbus_ring_attach(&rprod, ref, RING_BYTES, "fuzz-prod"))
        __builtin_trap();
    if (a == VMBUS_OK) {
        uint8_t payload[100] = { 0 };
        for (int i = 0; i < 8; i++) {
            bool sig = true, rsig = false;
            size_t len = (size_t)(data[i % size] % sizeof payload);
            memset(payload, i + 1, len);
            int rc = vmbus_ring_send(&prod, VMBUS_PKT_DATA_INBAND, (uint16_t)i, (uint64_t)i,
                                     payload, len, &sig);
            if (rc != vmbus_ring_send_slow(&rprod, VMBUS_PKT_DATA_INBAND, (uint16_t)i,
                                           (uint64_t)i, payload, len, &rsig) || sig != rsig)
                __builtin_trap();
            same_ring(&prod, &rprod);
            if (rc != VMBUS_OK)
                break;
            if (rewrite && i % 2 == 1)
                host_rewrite(mem, ref, offsetof(struct vmbus_ring_header, read_index), data, size, i);
        }
        if (prod.prod_write >= prod.size || (prod.prod_write & 7))
            __builtin_trap();
    }
    return 0;
}
