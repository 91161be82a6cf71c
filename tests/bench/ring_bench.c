/* Ring buffer send+receive throughput, single thread, against memcpy.
 * One ring in memory (header page + 256 KiB data) seen from both ends: the
 * producer view from vmbus_ring_init, the consumer view from
 * vmbus_ring_attach, exactly as the guest and the host model use it. Per
 * batch the producer writes half a ring of packets with vmbus_ring_send, then
 * the consumer takes them all with vmbus_ring_read and publishes the read
 * index once with vmbus_ring_commit (the drain of ic_common.c).
 *
 * Two memcpy references move the same payload bytes in the same run:
 *   memcpy      one bulk copy of the volume (256 KiB at a time): plain
 *               memcpy bandwidth
 *   copy in+out the ring's unavoidable work without the ring: each payload
 *               copied into a 256 KiB staging area and out again, in
 *               packet-sized pieces, in the same batches
 * The three are interleaved (order rotated every rep); medians of reps.
 *
 * With --callgrind, ring and copy in+out run a fixed number of packets per
 * payload size under valgrind --tool=callgrind, one stats dump each;
 * tests/bench/run.sh divides each dump's total instructions by its packets
 * (the loops of both variants included). */
#include <stdbool.h>
#include <string.h>
#include "tests/bench/bench.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define RING_DATA (256u * 1024u)
#define RING_BYTES (VMBUS_PAGE_SIZE + RING_DATA)

static uint8_t *ring_mem;
static uint8_t *src, *dst, *stage, *bulk_src, *bulk_dst;
static struct vmbus_ring prod, cons;

/* Packet size through a volatile so memcpy is called as for any runtime
 * length (the ring code sees runtime lengths too). */
static volatile size_t payload_v;

static uint64_t ring_run(size_t len, unsigned packets)
{
    unsigned batch = (RING_DATA / 2) / vmbus_ring_packet_bytes(len);
    uint64_t seq = 0, got = 0, sum = 0;
    struct vmbus_ring_pkt pkt;
    bool sig;
    uint64_t t0 = bench_now_ns();
    while (got < packets) {
        for (unsigned i = 0; i < batch && seq < packets; i++) {
            int rc = vmbus_ring_send(&prod, VMBUS_PKT_DATA_INBAND, 0, seq, src, len, &sig);
            if (rc != 0)
                BENCH_FAIL("vmbus_ring_send: %d at packet %llu", rc, (unsigned long long)seq);
            seq++;
        }
        int rc;
        while ((rc = vmbus_ring_read(&cons, dst, len + 64, &pkt)) == 1) {
            sum += dst[pkt.payload_off] + pkt.desc.trans_id;
            got++;
        }
        if (rc != 0)
            BENCH_FAIL("vmbus_ring_read: %d", rc);
        vmbus_ring_commit(&cons);
    }
    uint64_t t1 = bench_now_ns();
    if (got != packets || seq != packets)
        BENCH_FAIL("ring moved %llu of %u packets", (unsigned long long)got, packets);
    bench_sink += sum;
    return t1 - t0;
}

static uint64_t copy_inout_run(size_t len, unsigned packets)
{
    unsigned batch = (RING_DATA / 2) / vmbus_ring_packet_bytes(len);
    size_t step = (len + 7) & ~(size_t)7;
    size_t win = 0, rin = 0;
    uint64_t seq = 0, got = 0, sum = 0;
    uint64_t t0 = bench_now_ns();
    while (got < packets) {
        for (unsigned i = 0; i < batch && seq < packets; i++, seq++) {
            size_t n = payload_v;
            if (win + step > RING_DATA)
                win = 0;
            memcpy(stage + win, src, n);
            win += step;
        }
        for (; got < seq; got++) {
            size_t n = payload_v;
            if (rin + step > RING_DATA)
                rin = 0;
            memcpy(dst, stage + rin, n);
            rin += step;
            sum += dst[0];
        }
        bench_barrier();
    }
    uint64_t t1 = bench_now_ns();
    bench_sink += sum;
    return t1 - t0;
}

static uint64_t memcpy_run(size_t len, unsigned packets)
{
    size_t total = len * packets;
    uint64_t t0 = bench_now_ns();
    while (total) {
        size_t n = total < RING_DATA ? total : RING_DATA;
        memcpy(bulk_dst, bulk_src, n);
        bench_barrier();
        total -= n;
    }
    uint64_t t1 = bench_now_ns();
    bench_sink += bulk_dst[len];
    return t1 - t0;
}

static void *page_alloc(size_t n)
{
    void *p = aligned_alloc(VMBUS_PAGE_SIZE, n);
    if (p == NULL)
        BENCH_FAIL("out of memory");
    memset(p, 0x5a, n);
    return p;
}

/* Fixed work per payload size and variant, one callgrind dump each. */
static int callgrind_mode(void)
{
    static const size_t lens[] = { 64, 256, 1024, 4096 };
    for (unsigned s = 0; s < sizeof lens / sizeof lens[0]; s++) {
        size_t len = lens[s];
        unsigned batch = (RING_DATA / 2) / vmbus_ring_packet_bytes(len);
        unsigned packets = batch * 4;
        payload_v = len;
        for (unsigned v = 0; v < 2; v++) {
            if (v == 0)
                ring_run(len, batch);   /* warm: every page touched */
            else
                copy_inout_run(len, batch);
            CALLGRIND_ZERO_STATS;
            if (v == 0)
                ring_run(len, packets);
            else
                copy_inout_run(len, packets);
            char label[96];
            snprintf(label, sizeof label, "variant=%s payload=%zu packets=%u",
                     v == 0 ? "ring" : "copy", len, packets);
            CALLGRIND_DUMP_STATS_AT(label);
        }
    }
    return 0;
}

static void setup(void)
{
    ring_mem = page_alloc(RING_BYTES);
    src = page_alloc(8192);
    dst = page_alloc(8192);
    stage = page_alloc(RING_DATA);
    bulk_src = page_alloc(RING_DATA);
    bulk_dst = page_alloc(RING_DATA);
    for (unsigned i = 0; i < 8192; i++)
        src[i] = (uint8_t)(i * 7);
    if (vmbus_ring_init(&prod, ring_mem, RING_BYTES, "bench-prod") != 0 ||
        vmbus_ring_attach(&cons, ring_mem, RING_BYTES, "bench-cons") != 0)
        BENCH_FAIL("ring setup");
}

static int timed(void)
{
    static const struct { size_t len; unsigned packets; } sizes[] = {
        { 64, 1u << 16 },      /* 4 MiB of payload per rep */
        { 4096, 1u << 12 },    /* 16 MiB */
    };
    printf("Ring send+receive, single thread, %u KiB ring, batches of half a ring "
           "(median of %d interleaved reps)\n", RING_DATA / 1024, BENCH_REPS);
    printf("%8s %9s %9s %10s %10s %10s %12s %13s\n", "payload", "packets", "ns/pkt",
           "ring GB/s", "in+out GB/s", "memcpy GB/s", "ring/memcpy", "ring/in+out");
    double frac[2][2];
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t len = sizes[s].len;
        unsigned packets = sizes[s].packets;
        payload_v = len;
        double t[3][BENCH_REPS], med[3];
        /* Warm-up: every variant once. */
        ring_run(len, packets / 4);
        copy_inout_run(len, packets / 4);
        memcpy_run(len, packets / 4);
        for (unsigned rep = 0; rep < BENCH_REPS; rep++)
            for (unsigned j = 0; j < 3; j++) {
                unsigned v = (rep + j) % 3;
                uint64_t ns = v == 0 ? ring_run(len, packets)
                            : v == 1 ? copy_inout_run(len, packets)
                                     : memcpy_run(len, packets);
                t[v][rep] = (double)ns;
            }
        for (unsigned v = 0; v < 3; v++)
            med[v] = bench_median(t[v], BENCH_REPS);
        double bytes = (double)len * packets;
        double gbs[3];
        for (unsigned v = 0; v < 3; v++)
            gbs[v] = bytes / med[v];   /* bytes per ns = GB/s */
        frac[s][0] = gbs[0] / gbs[2];
        frac[s][1] = gbs[0] / gbs[1];
        printf("%6zu B %9u %9.1f %10.2f %10.2f %10.2f %11.2f %12.2f\n", len, packets,
               med[0] / packets, gbs[0], gbs[1], gbs[2], frac[s][0], frac[s][1]);
    }
    printf("summary: ring throughput = %.0f%% (64 B) and %.0f%% (4 KiB) of memcpy bandwidth; "
           "%.0f%% and %.0f%% of copy in+out\n", frac[0][0] * 100, frac[1][0] * 100,
           frac[0][1] * 100, frac[1][1] * 100);
    free(ring_mem);
    free(src);
    free(dst);
    free(stage);
    free(bulk_src);
    free(bulk_dst);
    return 0;
}

int main(int argc, char **argv)
{
    setup();
    return bench_main(argc, argv, timed, callgrind_mode);
}
