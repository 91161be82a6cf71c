/* Ring buffer tests over plain memory, both ends with the same code:
 * wraparound, full ring, signalling rules (empty -> non-empty only, never
 * against the interrupt mask, pending_send_sz crossing), and corrupted
 * indices/lengths/offsets that must be refused with a log line. */
#include <stdlib.h>
#include <string.h>
#include "tests/host/check.h"
#include "tests/host/host_log.h"
#include "kernel/log.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define RING_BYTES (2 * VMBUS_PAGE_SIZE)   /* 4096 bytes of data */

struct pair {
    void *mem;
    struct vmbus_ring prod;   /* e.g. the guest's outbound */
    struct vmbus_ring cons;   /* the host's view of the same ring */
};

static void pair_init(struct pair *p, size_t bytes)
{
    p->mem = aligned_alloc(VMBUS_PAGE_SIZE, bytes);
    memset(p->mem, 0xa5, bytes);
    CHECK_EQ(vmbus_ring_init(&p->prod, p->mem, bytes, "prod"), VMBUS_OK);
    CHECK_EQ(vmbus_ring_attach(&p->cons, p->mem, bytes, "cons"), VMBUS_OK);
}

static void pair_free(struct pair *p) { free(p->mem); }

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed * 31 + i * 7);
}

static void init_rules(void)
{
    uint8_t mem[3 * VMBUS_PAGE_SIZE] __attribute__((aligned(4096)));
    struct vmbus_ring r;
    CHECK_EQ(vmbus_ring_init(&r, mem, VMBUS_PAGE_SIZE, "x"), VMBUS_EINVAL);
    CHECK_EQ(vmbus_ring_init(&r, mem, 5000, "x"), VMBUS_EINVAL);
    CHECK_EQ(vmbus_ring_init(&r, mem, sizeof mem, "x"), VMBUS_OK);
    CHECK_EQ(r.size, 2 * VMBUS_PAGE_SIZE);
    CHECK_EQ(r.hdr->feature_bits, VMBUS_RING_FEAT_PENDING_SEND_SZ);
    CHECK_EQ(r.hdr->write_index, 0);
    CHECK(r.data == mem + VMBUS_PAGE_SIZE);
}

/* Each test below gets a fresh pair over RING_BYTES as `p`, freed after
 * it: RING_TEST(name) { ... } defines name() for RUN_TEST. */
#define RING_TEST(name)                                                     \
    static void name##_on(struct pair *p);                                  \
    static void name(void)                                                  \
    {                                                                       \
        struct pair fresh;                                                  \
        pair_init(&fresh, RING_BYTES);                                      \
        name##_on(&fresh);                                                  \
        pair_free(&fresh);                                                  \
    }                                                                       \
    static void name##_on(struct pair *p)

static const uint8_t zeros[256];
static uint8_t in[8192];   /* where the consumer reads to: room for any packet */

/* Sends `len` zero bytes in-band with trans id `id`; returns the ring's
 * answer, and in *sig whether the consumer must be signalled. */
static int send_zeros(struct pair *p, uint64_t id, uint32_t len, bool *sig)
{
    return vmbus_ring_send(&p->prod, VMBUS_PKT_DATA_INBAND, 0, id, zeros, len, sig);
}

/* Sends 8 zero bytes, which the ring must take; returns whether the
 * consumer must be signalled. */
static bool send_small(struct pair *p, uint64_t id)
{
    bool sig;
    CHECK_EQ(send_zeros(p, id, 8, &sig), VMBUS_OK);
    return sig;
}

/* Reads the next packet into `in`; returns the ring's answer (1: a packet). */
static int read_next(struct pair *p, struct vmbus_ring_pkt *pkt)
{
    return vmbus_ring_read(&p->cons, in, sizeof in, pkt);
}

/* Takes one packet, which must be there, and publishes the space it freed;
 * returns whether the producer must be signalled for that space. */
static bool take_one(struct pair *p)
{
    struct vmbus_ring_pkt pkt;
    CHECK_EQ(read_next(p, &pkt), 1);
    return vmbus_ring_commit(&p->cons);
}

/* Reads every waiting packet without publishing the space. */
static void read_all(struct pair *p)
{
    struct vmbus_ring_pkt pkt;
    while (read_next(p, &pkt) == 1)
        ;
}

RING_TEST(wraparound)
{
    uint8_t out[600];
    struct vmbus_ring_pkt pkt;
    bool sig;
    unsigned wraps = 0;
    uint32_t last_w = 0;
    for (unsigned i = 0; i < 20000; i++) {
        size_t len = 1 + (i * 37) % 500;
        fill(out, len, i);
        CHECK_EQ(vmbus_ring_send(&p->prod, VMBUS_PKT_DATA_INBAND, 0, i, out, len, &sig), VMBUS_OK);
        if (p->prod.prod_write < last_w)
            wraps++;
        last_w = p->prod.prod_write;
        CHECK_EQ(read_next(p, &pkt), 1);
        CHECK_EQ(pkt.desc.trans_id, i);
        CHECK_EQ(pkt.payload_off, 16);
        CHECK_EQ(pkt.payload_len, (len + 7) & ~7u);
        CHECK(memcmp(in + pkt.payload_off, out, len) == 0);
        vmbus_ring_commit(&p->cons);
        if (check_failed_in_test)
            break;
    }
    CHECK(wraps > 100);
    CHECK_EQ(read_next(p, &pkt), 0);
}

RING_TEST(full_ring_and_pending_send_sz)
{
    bool sig;
    unsigned n = 0;
    int rc;
    /* 200-byte payload -> 216 + 8 = 224 bytes per packet. */
    while ((rc = send_zeros(p, n, 200, &sig)) == VMBUS_OK)
        n++;
    CHECK_EQ(rc, VMBUS_EAGAIN);
    CHECK_EQ(n, 4096 / 224);   /* 18 packets; never completely full */
    CHECK_EQ(p->mem == NULL, 0);
    struct vmbus_ring_header *h = p->prod.hdr;
    CHECK_EQ(h->pending_send_sz, 224);
    /* Reading one packet frees 224 bytes: 4096-18*224 = 64 free before,
     * 288 after -> crosses 224: the producer must be signalled. */
    CHECK(take_one(p));
    /* Nothing more freed: no second signal. */
    CHECK(!vmbus_ring_commit(&p->cons));
    CHECK_EQ(send_zeros(p, n, 200, &sig), VMBUS_OK);
    CHECK_EQ(h->pending_send_sz, 0);      /* cleared once written */
    /* Not blocked any more: reading gives no signal. */
    CHECK(!take_one(p));
    /* A packet that can never fit is refused outright. */
    uint8_t *big = calloc(1, 5000);
    CHECK_EQ(vmbus_ring_send(&p->prod, VMBUS_PKT_DATA_INBAND, 0, 0, big, 4096, &sig), VMBUS_EINVAL);
    free(big);
}

RING_TEST(pending_send_sz_crossing_only)
{
    bool sig;
    /* 10 packets of 40 + 16 -> 56 + 8 = 64 bytes each: 640 used, 3456 free. */
    for (int i = 0; i < 10; i++)
        CHECK_EQ(send_zeros(p, i, 40, &sig), VMBUS_OK);
    /* The producer wants 3500 bytes free. */
    p->prod.hdr->pending_send_sz = 3500;
    CHECK(take_one(p));     /* 3520 free */
    CHECK(!take_one(p));    /* 3584: already above */
    /* Without the feature bit the consumer never signals for space. */
    p->prod.hdr->feature_bits = 0;
    p->prod.hdr->pending_send_sz = 3600;
    CHECK(!take_one(p));
}

RING_TEST(signal_on_empty_to_nonempty_only)
{
    CHECK(send_small(p, 1));
    CHECK(!send_small(p, 2));
    /* Consumer takes one but the ring is still non-empty. */
    take_one(p);
    CHECK(!send_small(p, 3));
    /* Read but not yet published: the producer still sees data pending. */
    read_all(p);
    CHECK(!send_small(p, 4));
    read_all(p);
    vmbus_ring_commit(&p->cons);
    CHECK(send_small(p, 5));
}

RING_TEST(interrupt_mask_honoured)
{
    vmbus_ring_mask(&p->cons);
    CHECK_EQ(p->cons.hdr->interrupt_mask, 1);
    CHECK(!send_small(p, 1));                      /* empty -> non-empty, but masked */
    CHECK(vmbus_ring_unmask(&p->cons));            /* data arrived while masked */
    CHECK_EQ(p->cons.hdr->interrupt_mask, 0);
    take_one(p);
    CHECK(!vmbus_ring_unmask(&p->cons));
    CHECK(send_small(p, 2));
}

RING_TEST(small_buffer_leaves_packet)
{
    struct vmbus_ring_pkt pkt;
    bool sig;
    CHECK_EQ(send_zeros(p, 9, 100, &sig), VMBUS_OK);
    CHECK_EQ(vmbus_ring_read(&p->cons, in, 64, &pkt), VMBUS_ENOBUFS);
    CHECK_EQ(pkt.total_len, 120);
    CHECK_EQ(read_next(p, &pkt), 1);
    CHECK_EQ(pkt.desc.trans_id, 9);
}

/* Each corruption must be refused with an error log line, and nothing
 * consumed; after the bad value is repaired reading continues. */
static void expect_refused(struct pair *p)
{
    struct vmbus_ring_pkt pkt;
    unsigned errs = host_log_lines[LOG_WARN];
    uint32_t before = p->cons.cons_read;
    CHECK_EQ(read_next(p, &pkt), VMBUS_EIO);
    CHECK_EQ(host_log_lines[LOG_WARN], errs + 1);
    CHECK_EQ(p->cons.cons_read, before);
}

RING_TEST(corrupt_indices_lengths_offsets)
{
    struct vmbus_ring_pkt pkt;
    bool sig;
    CHECK_EQ(send_zeros(p, 1, 40, &sig), VMBUS_OK);
    struct vmbus_ring_header *h = p->prod.hdr;
    struct vmbus_packet_desc *d = (struct vmbus_packet_desc *)p->prod.data;
    uint32_t good_w = h->write_index;

    h->write_index = 4096;          /* == data size: out of range */
    expect_refused(p);
    h->write_index = 0xfffffff8u;
    expect_refused(p);
    h->write_index = 12;            /* unaligned */
    expect_refused(p);
    h->write_index = 8;             /* fewer bytes than a descriptor */
    expect_refused(p);
    h->write_index = good_w;

    uint16_t len8 = d->len8, off8 = d->offset8;
    p->cons.refused.count = 0;      /* a fresh log budget (8 lines) for these */
    d->len8 = 0x200;                /* longer than what was written */
    expect_refused(p);
    d->len8 = (uint16_t)(len8 + 1); /* fits, but its trailer would not */
    expect_refused(p);
    d->len8 = 1;                    /* shorter than the descriptor */
    expect_refused(p);
    d->len8 = len8;
    d->offset8 = 1;                 /* payload inside the descriptor */
    expect_refused(p);
    d->offset8 = (uint16_t)(len8 + 1);  /* payload beyond the packet */
    expect_refused(p);
    d->offset8 = off8;

    CHECK_EQ(read_next(p, &pkt), 1);
    CHECK_EQ(pkt.desc.trans_id, 1);
    vmbus_ring_commit(&p->cons);

    /* The producer refuses a corrupt read index. */
    unsigned errs = host_log_lines[LOG_WARN];
    h->read_index = 5000;
    CHECK_EQ(send_zeros(p, 2, 8, &sig), VMBUS_EIO);
    CHECK_EQ(host_log_lines[LOG_WARN], errs + 1);
    h->read_index = 3;
    CHECK_EQ(send_zeros(p, 2, 8, &sig), VMBUS_EIO);
    h->read_index = p->cons.cons_read;
    CHECK_EQ(send_zeros(p, 2, 8, &sig), VMBUS_OK);

    /* Attach refuses bad indices too. */
    struct vmbus_ring r2;
    h->write_index = 4100;
    CHECK_EQ(vmbus_ring_attach(&r2, p->mem, RING_BYTES, "again"), VMBUS_EIO);
}

int main(void)
{
    RUN_TEST(init_rules);
    RUN_TEST(wraparound);
    RUN_TEST(full_ring_and_pending_send_sz);
    RUN_TEST(pending_send_sz_crossing_only);
    RUN_TEST(signal_on_empty_to_nonempty_only);
    RUN_TEST(interrupt_mask_honoured);
    RUN_TEST(small_buffer_leaves_packet);
    RUN_TEST(corrupt_indices_lengths_offsets);
    CHECK_MAIN_END();
}
