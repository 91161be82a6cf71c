/* libFuzzer target: the ring reader (and writer) over a ring whose header
 * and data the host controls completely. The input fills the header fields
 * and the data area; the consumer then reads with buffers of several sizes.
 * Whatever it returns must be self-consistent; nothing may read or write
 * outside the ring or the caller's buffer (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define RING_BYTES (2 * VMBUS_PAGE_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *mem;
    if (mem == NULL)
        mem = aligned_alloc(VMBUS_PAGE_SIZE, RING_BYTES);
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

    struct vmbus_ring cons, prod;
    if (vmbus_ring_attach(&cons, mem, RING_BYTES, "fuzz-cons") == VMBUS_OK) {
        static const size_t sizes[] = { 16, 64, 4096, 17 };
        for (int i = 0; i < 64; i++) {
            size_t buflen = sizes[i % 4];
            uint8_t *buf = malloc(buflen);  /* exact size for ASan */
            struct vmbus_ring_pkt pkt;
            int rc = vmbus_ring_read(&cons, buf, buflen, &pkt);
            if (rc == 1) {
                if (pkt.total_len > buflen || pkt.payload_off + pkt.payload_len != pkt.total_len ||
                    pkt.payload_off < 16 || cons.cons_read >= cons.size || (cons.cons_read & 7))
                    __builtin_trap();
            }
            free(buf);
            if (rc == 0 || rc == VMBUS_EIO)
                break;
            if (rc == VMBUS_ENOBUFS)
                continue;
            if (i % 3 == 0)
                vmbus_ring_commit(&cons);
        }
        vmbus_ring_commit(&cons);
        vmbus_ring_unmask(&cons);
    }
    /* The producer side facing a hostile read index. */
    if (vmbus_ring_attach(&prod, mem, RING_BYTES, "fuzz-prod") == VMBUS_OK) {
        bool sig;
        uint8_t payload[100] = { 0 };
        for (int i = 0; i < 8; i++)
            if (vmbus_ring_send(&prod, VMBUS_PKT_DATA_INBAND, 0, (uint64_t)i, payload,
                                (size_t)(data[i % size] % sizeof payload), &sig) != VMBUS_OK)
                break;
        if (prod.prod_write >= prod.size || (prod.prod_write & 7))
            __builtin_trap();
    }
    return 0;
}
