/* Ring throughput across two CPUs: the producer (guest -> host direction
 * as the guest writes it) and the consumer run on two host threads pinned
 * to two cores, as guest and host VPs are. One ring (header page + 256 KiB),
 * 64-byte payloads. Batch size B: the producer writes B packets back to
 * back, the consumer drains up to B packets and then publishes its read
 * index once (vmbus_ring_commit), as a driver that commits per drain does.
 * Reported per B: packets per second (median of reps) and cache-line
 * transfers per packet. perf's hardware counters are not available in
 * every VM (`perf stat -e instructions true` says "not supported" here), so
 * the transfers are counted from the protocol: every store to the shared
 * header line (write_index, read_index, pending_send_sz) by one side is at
 * most one transfer of that line to the other core, and each packet's own
 * bytes are ceil(bytes / 64) data lines moved from producer to consumer.
 * The consumer checks every packet (sequence and payload), so a fast wrong
 * ring fails the bench. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include "tests/bench/bench.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define RING_DATA (256u * 1024u)
#define RING_BYTES (VMBUS_PAGE_SIZE + RING_DATA)
#define PAYLOAD 64u
#define PACKETS (1u << 18)
#define REPS 5
#define STALL_NS 10000000000ull   /* no progress for 10 s: a lost packet */

static uint8_t *ring_mem;
static struct vmbus_ring prod, cons;
static unsigned batch;
static atomic_bool go, pinned_ok;
static atomic_uint ready;

struct counts {
    uint64_t eagain;      /* producer found the ring full (pending_send_sz set) */
    uint64_t signals;     /* sends that asked for a signal */
    uint64_t commits;     /* read_index publications */
    uint64_t empty_polls; /* consumer found nothing */
};
static struct counts pc, cc;

static bool pin(unsigned cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

static void start_line(unsigned cpu)
{
    if (!pin(cpu))
        atomic_store(&pinned_ok, false);
    atomic_fetch_add(&ready, 1);
    while (!atomic_load_explicit(&go, memory_order_acquire))
        __builtin_ia32_pause();
}

/* Free bytes for the producer exceed need (the ring's own rule). */
static bool room_for(uint32_t need)
{
    uint32_t rd = __atomic_load_n(&prod.hdr->read_index, __ATOMIC_ACQUIRE), w = prod.prod_write;
    uint32_t space = rd > w ? rd - w : prod.size - w + rd;
    return space > need;
}

static void *producer(void *arg)
{
    (void)arg;
    uint8_t payload[PAYLOAD];
    start_line(0);
    uint64_t last = bench_now_ns();
    for (uint64_t seq = 0; seq < PACKETS;) {
        for (unsigned i = 0; i < batch && seq < PACKETS;) {
            memset(payload, (int)(seq & 0xff), sizeof payload);
            bool sig;
            int rc = vmbus_ring_send(&prod, VMBUS_PKT_DATA_INBAND, 0, seq, payload,
                                     sizeof payload, &sig);
            if (rc == VMBUS_OK) {
                pc.signals += sig;
                seq++, i++;
                continue;
            }
            if (rc != VMBUS_EAGAIN)
                BENCH_FAIL("cross-CPU send: %d", rc);
            /* Full: pending_send_sz is set; wait (reading only) until the
             * consumer has freed room for the packet, as a producer waiting
             * for the consumer's signal would, then try again. A condition
             * on the state, not on a change: the consumer may have drained
             * everything between the send and this loop. */
            pc.eagain++;
            for (unsigned spin = 1; !room_for(vmbus_ring_packet_bytes(PAYLOAD)); spin++) {
                __builtin_ia32_pause();
                if ((spin & 1023) == 0) {
                    sched_yield();   /* a loaded machine: let the consumer run */
                    if (bench_now_ns() - last > STALL_NS)
                        BENCH_FAIL("cross-CPU: producer stalled at packet %llu",
                                   (unsigned long long)seq);
                }
            }
        }
        last = bench_now_ns();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    uint8_t buf[PAYLOAD + 64];
    struct vmbus_ring_pkt pkt;
    start_line(1);
    uint64_t want = 0, last = bench_now_ns();
    while (want < PACKETS) {
        unsigned got = 0;
        int rc = 0;
        while (got < batch && (rc = vmbus_ring_read(&cons, buf, sizeof buf, &pkt)) == 1) {
            if (pkt.desc.trans_id != want || pkt.payload_len != PAYLOAD ||
                buf[pkt.payload_off] != (uint8_t)want ||
                buf[pkt.payload_off + PAYLOAD - 1] != (uint8_t)want)
                BENCH_FAIL("cross-CPU: packet %llu wrong (trans_id %llu)",
                           (unsigned long long)want, (unsigned long long)pkt.desc.trans_id);
            want++, got++;
        }
        if (got == 0) {
            if (rc != 0)
                BENCH_FAIL("cross-CPU read: %d", rc);
            cc.empty_polls++;
            __builtin_ia32_pause();
            if ((cc.empty_polls & 1023) == 0) {
                sched_yield();
                if (bench_now_ns() - last > STALL_NS)
                    BENCH_FAIL("cross-CPU: consumer stalled at packet %llu",
                               (unsigned long long)want);
            }
            continue;
        }
        last = bench_now_ns();
        vmbus_ring_commit(&cons);
        cc.commits++;
    }
    return NULL;
}

/* One run of PACKETS packets; returns ns. */
static uint64_t run_once(void)
{
    memset(ring_mem, 0, RING_BYTES);
    if (vmbus_ring_init(&prod, ring_mem, RING_BYTES, "xcpu-prod") != 0 ||
        vmbus_ring_attach(&cons, ring_mem, RING_BYTES, "xcpu-cons") != 0)
        BENCH_FAIL("ring setup");
    memset(&pc, 0, sizeof pc);
    memset(&cc, 0, sizeof cc);
    atomic_store(&go, false);
    atomic_store(&ready, 0);
    pthread_t tp, tc;
    if (pthread_create(&tc, NULL, consumer, NULL) || pthread_create(&tp, NULL, producer, NULL))
        BENCH_FAIL("pthread_create");
    while (atomic_load(&ready) < 2)
        sched_yield();
    uint64_t t0 = bench_now_ns();
    atomic_store_explicit(&go, true, memory_order_release);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    return bench_now_ns() - t0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    ring_mem = aligned_alloc(VMBUS_PAGE_SIZE, RING_BYTES);
    if (!ring_mem)
        BENCH_FAIL("out of memory");
    atomic_store(&pinned_ok, true);
    static const unsigned batches[] = { 1, 8, 64 };
    unsigned lines = (vmbus_ring_packet_bytes(PAYLOAD) + 63) / 64;
    printf("Ring across two CPUs: producer on CPU 0, consumer on CPU 1, %u KiB ring, %u B "
           "payloads, %u packets per run (median of %d runs)\n", RING_DATA / 1024, PAYLOAD,
           PACKETS, REPS);
    printf("%6s %12s %8s %10s %10s %9s %10s %10s\n", "batch", "Mpkt/s", "ns/pkt", "hdr pub",
           "data lines", "lines/pkt", "full/pkt", "signals");
    double mpps[3];
    for (unsigned b = 0; b < 3; b++) {
        batch = batches[b];
        double ns[REPS];
        struct counts p = { 0 }, c = { 0 };
        run_once();   /* warm-up */
        for (unsigned rep = 0; rep < REPS; rep++) {
            ns[rep] = (double)run_once();
            p.eagain += pc.eagain, p.signals += pc.signals;
            c.commits += cc.commits;
        }
        double med = bench_median(ns, REPS);
        double n = (double)PACKETS * REPS;
        /* Header-line stores: one write_index per packet, one read_index per
         * commit, one pending_send_sz per full ring seen (and its clear). */
        double hdr = (n + c.commits + 2.0 * p.eagain) / n;
        mpps[b] = PACKETS / med * 1000.0;
        printf("%6u %12.2f %8.1f %10.3f %10u %9.2f %10.4f %10.4f\n", batch, mpps[b],
               med / PACKETS, hdr, lines, hdr + lines, p.eagain / n, p.signals / n);
    }
    printf("(hdr pub: stores to the shared header line per packet, each at most one line "
           "transfer; data lines: the packet's own lines; full/pkt: sends that found the "
           "ring full; signals: sends that asked for an interrupt)\n");
    if (!atomic_load(&pinned_ok))
        printf("note: pinning to CPUs 0 and 1 failed; the threads ran unpinned\n");
    printf("summary: ring across two CPUs, 64 B: %.1f / %.1f / %.1f Mpkt/s at batch 1 / 8 / 64 "
           "(cache lines per packet from the index-publication count; perf has no hardware "
           "counters here)\n", mpps[0], mpps[1], mpps[2]);
    free(ring_mem);
    return 0;
}
