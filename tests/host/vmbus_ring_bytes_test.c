/* The ring buffer's wire format, byte by byte, against both ends: the
 * guest's ring code (drivers/vmbus/vmbus_ring.c) and the model's host ring
 * (drivers/hvsim/vmbus_host_ring.c). Expected bytes are laid out here by
 * hand from the format's definition (Linux include/linux/hyperv.h struct
 * hv_ring_buffer and vmpacket_descriptor; drivers/hv/ring_buffer.c for the
 * trailer), at explicit offsets and in explicit little-endian, never through
 * the shared structs: a misreading the two sides share cannot pass.
 *
 * Header page: write_index @0, read_index @4, interrupt_mask @8,
 * pending_send_sz @12, feature_bits @64 (bit 0: pending_send_sz supported);
 * data from byte 4096. Packet: type @0 (u16), offset8 @2, len8 @4, flags @6,
 * trans_id @8 (u64), payload at offset8 * 8, zero padding to a multiple of
 * 8 (len8 * 8 bytes in all), then a u64 trailer holding the packet's start
 * offset in its upper 32 bits. Indices are data-area offsets. */
#include <stdlib.h>
#include <string.h>
#include "drivers/hvsim/vmbus_host_ring.h"
#include "drivers/vmbus/vmbus_errno.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "kernel/log.h"
#include "tests/host/check.h"
#include "tests/host/host_log.h"

#define PAGE 4096u
#define DATA 4096u                 /* data bytes of a 2-page ring */
#define RING (PAGE + DATA)

static uint8_t *mem;               /* header page + data */
#define HDR(off) (mem + (off))
#define DAT(off) (mem + PAGE + (off))

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* A data-area byte offset, around the end. */
static uint32_t at(uint32_t off) { return off % DATA; }

static void put_data(uint32_t off, const void *src, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        *DAT(at(off + i)) = ((const uint8_t *)src)[i];
}

static void put_data_le(uint32_t off, uint64_t v, unsigned n)
{
    uint8_t b[8];
    put_le(b, v, n);
    put_data(off, b, n);
}

/* A fresh ring: header and data filled with 0xa5 (so unwritten bytes show),
 * then the header fields as given, feature bit 0 set. */
static void fresh(uint32_t write_index, uint32_t read_index)
{
    if (!mem)
        mem = aligned_alloc(PAGE, RING);
    memset(mem, 0xa5, RING);
    memset(mem, 0, PAGE);
    put_le(HDR(0), write_index, 4);
    put_le(HDR(4), read_index, 4);
    put_le(HDR(64), 1, 4);
}

/* Lay a packet into the data area by hand; returns the offset after its
 * trailer (what write_index must say). extra: bytes of an additional
 * header between descriptor and payload (offset8 = 2 + extra/8). */
static uint32_t lay_packet(uint32_t start, uint16_t type, uint16_t flags, uint64_t tid,
                           unsigned extra, const void *payload, unsigned len)
{
    unsigned off = 16 + extra;
    unsigned total = (off + len + 7) / 8 * 8;
    put_data_le(start + 0, type, 2);
    put_data_le(start + 2, off / 8, 2);
    put_data_le(start + 4, total / 8, 2);
    put_data_le(start + 6, flags, 2);
    put_data_le(start + 8, tid, 8);
    for (unsigned i = 16; i < off; i++)
        put_data_le(start + i, 0xe0 + i, 1);           /* the extra header */
    put_data(start + off, payload, len);
    for (unsigned i = off + len; i < total; i++)
        put_data_le(start + i, 0, 1);                  /* padding */
    put_data_le(start + total, (uint64_t)start << 32, 8);   /* trailer */
    return at(start + total + 8);
}

/* Check what a writer put at `start` against the format. */
static void check_packet_bytes(uint32_t start, uint16_t type, uint16_t flags, uint64_t tid,
                               const void *payload, unsigned len)
{
    unsigned total = (16 + len + 7) / 8 * 8;
    CHECK_EQ(get_le(DAT(at(start + 0)), 1) | get_le(DAT(at(start + 1)), 1) << 8, type);
    CHECK_EQ(*DAT(at(start + 2)), 2);                  /* offset8: payload at 16 */
    CHECK_EQ(*DAT(at(start + 3)), 0);
    CHECK_EQ(*DAT(at(start + 4)) | *DAT(at(start + 5)) << 8, total / 8);
    CHECK_EQ(*DAT(at(start + 6)) | *DAT(at(start + 7)) << 8, flags);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ(*DAT(at(start + 8 + i)), (uint8_t)(tid >> (8 * i)));
    unsigned bad = 0;
    for (unsigned i = 0; i < len; i++)
        bad += *DAT(at(start + 16 + i)) != ((const uint8_t *)payload)[i];
    CHECK_EQ(bad, 0);
    for (unsigned i = 16 + len; i < total; i++)
        CHECK_EQ(*DAT(at(start + i)), 0);              /* padding is zeros */
    for (unsigned i = 0; i < 4; i++)                   /* trailer: start << 32 */
        CHECK_EQ(*DAT(at(start + total + i)), 0);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(*DAT(at(start + total + 4 + i)), (uint8_t)(start >> (8 * i)));
}

static const uint8_t hello[5] = { 'h', 'e', 'l', 'l', 'o' };
static const uint8_t eight[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* ---- hand-laid packets, read by each side --------------------------------- */

/* The two readers under test behind one shape: 1 = packet, 0 = empty, < 0
 * refused; out gets the payload offset and length. */
struct reader {
    const char *who;
    void (*attach)(void);
    int (*read)(uint8_t *buf, uint32_t cap, uint32_t *off, uint32_t *len, uint16_t *type,
                uint64_t *tid);
    bool (*release)(void);   /* true: signal the producer (pending_send_sz) */
};

static struct vmbus_ring g;
static struct vh_ring h;

static void g_attach(void) { CHECK_EQ(vmbus_ring_attach(&g, mem, RING, "bytes"), VMBUS_OK); }
static int g_read(uint8_t *buf, uint32_t cap, uint32_t *off, uint32_t *len, uint16_t *type,
                  uint64_t *tid)
{
    struct vmbus_ring_pkt p;
    int rc = vmbus_ring_read(&g, buf, cap, &p);
    if (rc == 1) {
        *off = p.payload_off;
        *len = p.payload_len;
        *type = p.desc.type;
        *tid = p.desc.trans_id;
    }
    return rc;
}
static bool g_release(void) { return vmbus_ring_commit(&g); }

static void h_attach(void) { CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, false), VH_RING_OK); }
static int h_read(uint8_t *buf, uint32_t cap, uint32_t *off, uint32_t *len, uint16_t *type,
                  uint64_t *tid)
{
    struct vh_pkt p;
    int rc = vh_ring_peek(&h, buf, cap, &p);
    if (rc == 1) {
        vh_ring_pop(&h, &p);
        *off = p.payload_off;
        *len = p.payload_len;
        *type = p.desc.type;
        *tid = p.desc.trans_id;
    }
    return rc;
}
static bool h_release(void) { return vh_ring_release(&h); }

static const struct reader readers[2] = {
    { "guest", g_attach, g_read, g_release },
    { "host", h_attach, h_read, h_release },
};

static void read_hand_laid(const struct reader *r)
{
    uint8_t buf[256];
    uint32_t off, len;
    uint16_t type;
    uint64_t tid;
    /* One packet at 0: 16 + 5 bytes, padded to 24, trailer 24..31. */
    fresh(0, 0);
    uint32_t end = lay_packet(0, 6, 1, 0x1122334455667788ull, 0, hello, 5);
    CHECK_EQ(end, 32);
    put_le(HDR(0), end, 4);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(type == 6 && tid == 0x1122334455667788ull && off == 16 && len == 8);
    CHECK(memcmp(buf + 16, hello, 5) == 0 && buf[21] == 0 && buf[23] == 0);
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 0);
    r->release();
    CHECK_EQ(get_le(HDR(4), 4), 32);                   /* read_index after the trailer */

    /* An additional header (offset8 3): the payload starts at 24. */
    fresh(0, 0);
    end = lay_packet(0, 9, 0, 5, 8, eight, 8);
    put_le(HDR(0), end, 4);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(type == 9 && off == 24 && len == 8 && memcmp(buf + 24, eight, 8) == 0);
    CHECK_EQ(buf[16], 0xe0 + 16);

    /* Wrap: descriptor in the last 16 bytes, payload and trailer at 0. */
    fresh(DATA - 16, DATA - 16);
    end = lay_packet(DATA - 16, 6, 0, 42, 0, eight, 8);
    CHECK_EQ(end, 16);
    put_le(HDR(0), end, 4);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(tid == 42 && len == 8 && memcmp(buf + 16, eight, 8) == 0);
    r->release();
    CHECK_EQ(get_le(HDR(4), 4), 16);

    /* Wrap inside the descriptor (8 bytes before the end). */
    fresh(DATA - 8, DATA - 8);
    end = lay_packet(DATA - 8, 6, 0, 0xabcdef, 0, hello, 5);
    put_le(HDR(0), end, 4);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(tid == 0xabcdef && memcmp(buf + 16, hello, 5) == 0);

    /* The trailer is skipped, whatever it holds; two packets back to back. */
    fresh(0, 0);
    uint32_t second = lay_packet(0, 6, 0, 1, 0, hello, 5);
    put_data_le(24, 0xdeadbeefcafef00dull, 8);
    end = lay_packet(second, 6, 0, 2, 0, eight, 8);
    put_le(HDR(0), end, 4);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK_EQ(tid, 1);
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(tid == 2 && memcmp(buf + 16, eight, 8) == 0);

    /* Refused, nothing consumed: len8 past what was written; offset8 < 2;
     * offset8 past len8; a write_index that is not 8-aligned. */
    static const struct { unsigned byte; uint8_t val; } bad[] = {
        { 4, 5 }, { 2, 1 }, { 2, 4 },
    };
    for (unsigned i = 0; i < 3; i++) {
        fresh(0, 0);
        end = lay_packet(0, 6, 0, 3, 0, hello, 5);
        put_data_le(bad[i].byte, bad[i].val, 1);
        put_le(HDR(0), end, 4);
        r->attach();
        CHECK(r->read(buf, sizeof buf, &off, &len, &type, &tid) < 0);
        r->release();
        CHECK_EQ(get_le(HDR(4), 4), 0);
    }
    fresh(0, 0);
    r->attach();
    put_le(HDR(0), 36, 4);
    CHECK(r->read(buf, sizeof buf, &off, &len, &type, &tid) < 0);
}

static void test_guest_reads_hand_laid_packets(void) { read_hand_laid(&readers[0]); }
static void test_host_reads_hand_laid_packets(void) { read_hand_laid(&readers[1]); }

/* ---- each side's writes, checked byte by byte ------------------------------ */

struct writer {
    void (*attach)(void);
    int (*send)(uint16_t type, uint16_t flags, uint64_t tid, const void *p, unsigned len,
                bool *signal);   /* 0 written, 1 full, < 0 refused */
};

static void gw_attach(void) { CHECK_EQ(vmbus_ring_attach(&g, mem, RING, "bytes"), VMBUS_OK); }
static int gw_send(uint16_t type, uint16_t flags, uint64_t tid, const void *p, unsigned len,
                   bool *signal)
{
    int rc = vmbus_ring_send(&g, type, flags, tid, p, len, signal);
    return rc == VMBUS_EAGAIN ? 1 : rc;
}
static void hw_attach(void) { CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, true), VH_RING_OK); }
static int hw_send(uint16_t type, uint16_t flags, uint64_t tid, const void *p, unsigned len,
                   bool *signal)
{
    int rc = vh_ring_put(&h, type, flags, tid, p, len, signal);
    return rc == VH_RING_FULL ? 1 : rc;
}

static const struct writer writers[2] = { { gw_attach, gw_send }, { hw_attach, hw_send } };

static void write_bytes(const struct writer *w)
{
    bool sig;
    /* Two packets from 0: layout, trailers, write_index, nothing else moved. */
    fresh(0, 0);
    w->attach();
    CHECK_EQ(w->send(6, 1, 0x0102030405060708ull, hello, 5, &sig), 0);
    CHECK(sig);                                        /* empty -> non-empty */
    check_packet_bytes(0, 6, 1, 0x0102030405060708ull, hello, 5);
    CHECK_EQ(get_le(HDR(0), 4), 32);
    CHECK_EQ(*DAT(32), 0xa5);                          /* nothing past the packet */
    CHECK_EQ(w->send(11, 0, 9, NULL, 0, &sig), 0);
    CHECK(!sig);                                       /* not empty before */
    check_packet_bytes(32, 11, 0, 9, NULL, 0);
    CHECK_EQ(get_le(HDR(0), 4), 56);
    CHECK_EQ(get_le(HDR(4), 4), 0);                    /* read_index untouched */
    CHECK_EQ(get_le(HDR(8), 4), 0);
    CHECK_EQ(get_le(HDR(12), 4), 0);
    CHECK_EQ(get_le(HDR(64), 4), 1);

    /* Wrap: the packet starts 16 bytes before the end. */
    fresh(DATA - 16, DATA - 16);
    w->attach();
    CHECK_EQ(w->send(6, 0, 77, eight, 8, &sig), 0);
    check_packet_bytes(DATA - 16, 6, 0, 77, eight, 8);
    CHECK_EQ(get_le(HDR(0), 4), 16);
    CHECK_EQ(get_le(DAT(8), 8), (uint64_t)(DATA - 16) << 32);

    /* The consumer's interrupt_mask: written, no signal. */
    fresh(0, 0);
    put_le(HDR(8), 1, 4);
    w->attach();
    CHECK_EQ(w->send(6, 0, 1, eight, 8, &sig), 0);
    CHECK(!sig);

    /* Full vs empty: a packet needs strictly more free bytes than it takes
     * (write may never catch up with read). 32 bytes free, a 32-byte packet
     * (16 + 8 + trailer): refused, pending_send_sz = 32; 40 free: fits, and
     * pending_send_sz is cleared. */
    fresh(0, 32);
    w->attach();
    CHECK_EQ(w->send(6, 0, 1, eight, 8, &sig), 1);
    CHECK_EQ(get_le(HDR(12), 4), 32);
    CHECK_EQ(get_le(HDR(0), 4), 0);
    CHECK_EQ(*DAT(0), 0xa5);                           /* nothing written */
    put_le(HDR(4), 40, 4);
    CHECK_EQ(w->send(6, 0, 1, eight, 8, &sig), 0);
    CHECK_EQ(get_le(HDR(0), 4), 32);
    CHECK_EQ(get_le(HDR(12), 4), 0);
    CHECK(!sig);                                       /* the reader was not at 0 */

    /* A read_index the consumer moved to no data offset (not 8-aligned;
     * past the end): refused, nothing written. */
    fresh(0, 0);
    w->attach();
    put_le(HDR(4), 12, 4);
    CHECK(w->send(6, 0, 1, eight, 8, &sig) < 0);
    put_le(HDR(4), DATA + 8, 4);
    CHECK(w->send(6, 0, 1, eight, 8, &sig) < 0);
    CHECK_EQ(get_le(HDR(0), 4), 0);
}

static void test_guest_writes_the_wire_format(void) { write_bytes(&writers[0]); }
static void test_host_writes_the_wire_format(void) { write_bytes(&writers[1]); }

/* ---- the consumer's pending_send_sz signal ------------------------------- */

/* 128 bytes of packets (4 x 32) written from DATA - 96, wrapping to 32; the
 * reader at DATA - 96, so DATA - 128 bytes are free, and the producer waits
 * for more than DATA - 100 (pending_send_sz). Reading the first packet
 * frees 32: DATA - 96 > DATA - 100, the producer was blocked and no longer
 * is: signal. Reading the second: it was not blocked any more: no signal.
 * Without the feature bit the producer does not use pending_send_sz: none. */
static void lay_crossing(bool feature)
{
    uint32_t w = DATA - 96;
    fresh(0, DATA - 96);
    for (int i = 0; i < 4; i++)
        w = lay_packet(w, 6, 0, (uint64_t)i, 0, eight, 8);
    CHECK_EQ(w, 32);
    put_le(HDR(0), w, 4);
    put_le(HDR(12), DATA - 100, 4);
    if (!feature)
        put_le(HDR(64), 0, 4);
}

static void release_signals_on_crossing(const struct reader *r)
{
    uint8_t buf[64];
    uint32_t off, len;
    uint16_t type;
    uint64_t tid;
    lay_crossing(true);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(r->release());
    CHECK_EQ(get_le(HDR(4), 4), DATA - 64);
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(!r->release());
    CHECK_EQ(get_le(HDR(4), 4), DATA - 32);
    CHECK(!r->release());                              /* nothing new read */

    /* Exactly enough is not enough: free must end above pending_send_sz. */
    lay_crossing(true);
    put_le(HDR(12), DATA - 96, 4);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(!r->release());                              /* free == want */
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(r->release());                               /* now above it */

    lay_crossing(false);
    r->attach();
    CHECK_EQ(r->read(buf, sizeof buf, &off, &len, &type, &tid), 1);
    CHECK(!r->release());
}

static void test_guest_release_signals_on_crossing(void) { release_signals_on_crossing(&readers[0]); }
static void test_host_release_signals_on_crossing(void) { release_signals_on_crossing(&readers[1]); }

/* The host, as producer, announces pending_send_sz support in the ring it
 * writes (QEMU ringbufs_init does the same) and keeps the rest of the
 * header as the guest left it. */
static void test_host_attach(void)
{
    fresh(64, 32);
    put_le(HDR(64), 0, 4);
    put_le(HDR(8), 1, 4);
    CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, true), VH_RING_OK);
    CHECK_EQ(get_le(HDR(64), 4), 1);
    CHECK_EQ(get_le(HDR(0), 4), 64);
    CHECK_EQ(get_le(HDR(4), 4), 32);
    CHECK_EQ(get_le(HDR(8), 4), 1);
    fresh(0, 0);
    put_le(HDR(64), 0, 4);
    CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, false), VH_RING_OK);
    CHECK_EQ(get_le(HDR(64), 4), 0);                   /* a consumer does not */
    fresh(4, 0);                                       /* not 8-aligned */
    CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, true), VH_RING_CORRUPT);
    fresh(0, DATA);                                    /* past the end */
    CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, false), VH_RING_CORRUPT);
}

/* A packet too big for the consumer's buffer: described, left in place,
 * and pop steps over it whole (trailer included). */
static void test_host_too_big_and_pop(void)
{
    uint8_t buf[16];
    struct vh_pkt p;
    fresh(0, 0);
    uint32_t second = lay_packet(0, 6, 0, 1, 0, eight, 8);
    uint32_t end = lay_packet(second, 6, 0, 2, 0, hello, 5);
    put_le(HDR(0), end, 4);
    CHECK_EQ(vh_ring_attach(&h, mem, RING, 7, false), VH_RING_OK);
    CHECK_EQ(vh_ring_peek(&h, buf, sizeof buf, &p), VH_RING_TOO_BIG);
    CHECK_EQ(p.total_len, 24);
    CHECK_EQ(p.desc.trans_id, 1);
    vh_ring_pop(&h, &p);
    CHECK_EQ(h.pos, 32);
    CHECK(vh_ring_peek(&h, buf, sizeof buf, &p) == VH_RING_TOO_BIG && p.desc.trans_id == 2);
}

int main(void)
{
    RUN_TEST(test_guest_reads_hand_laid_packets);
    RUN_TEST(test_host_reads_hand_laid_packets);
    RUN_TEST(test_guest_writes_the_wire_format);
    RUN_TEST(test_host_writes_the_wire_format);
    RUN_TEST(test_guest_release_signals_on_crossing);
    RUN_TEST(test_host_release_signals_on_crossing);
    RUN_TEST(test_host_attach);
    RUN_TEST(test_host_too_big_and_pop);
    free(mem);
    CHECK_MAIN_END();
}
