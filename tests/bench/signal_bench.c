/* Signals per 1,000 packets. Every signal is a hypercall (HvSignalEvent) or
 * an injected interrupt, and Hyper-V throttles guests that signal needlessly,
 * so the ring code asks for one only on the transitions that need it:
 *   producer: the ring went from empty to non-empty and the consumer's
 *             interrupt_mask is clear (vmbus_ring_write's *signal);
 *   consumer: the producer is blocked (pending_send_sz) and this commit made
 *             the free space cross what it asked for (vmbus_ring_commit).
 * The naive alternative signals on every packet. Counts are deterministic
 * (single thread, scripted interleaving), so this bench does no timing.
 *
 * Table 1: a producer sends bursts of 1, 8, 64 and 1000 packets of 64 B into
 * an IC-sized ring (4 pages: 12 KiB of data); the consumer drains the ring
 * between bursts (and whenever the producer is blocked).
 * Table 2: the consumer's side: a producer streams packets faster than the
 * consumer reads, so it blocks whenever the ring is full; the consumer drains
 * and commits per packet or once per drain. Every block must be answered by
 * exactly one consumer signal (none lost, none extra). */
#include <stdbool.h>
#include <string.h>
#include "tests/bench/bench.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define RING_BYTES (4u * VMBUS_PAGE_SIZE)

static uint8_t *mem;
static struct vmbus_ring prod, cons;
static uint8_t payload[4096], buf[8192];

struct counts {
    unsigned long packets, prod_signals, blocked, cons_signals, commits;
};

static void ring_reset(void)
{
    if (vmbus_ring_init(&prod, mem, RING_BYTES, "bench-prod") != 0 ||
        vmbus_ring_attach(&cons, mem, RING_BYTES, "bench-cons") != 0)
        BENCH_FAIL("ring setup");
}

/* Consumer: read everything; commit after each packet or once at the end.
 * Returns whether any commit asked to signal the producer. */
static bool drain(struct counts *c, bool commit_each, uint64_t *next_seq)
{
    struct vmbus_ring_pkt pkt;
    bool wake = false;
    int rc;
    while ((rc = vmbus_ring_read(&cons, buf, sizeof buf, &pkt)) == 1) {
        if (pkt.desc.trans_id != *next_seq)
            BENCH_FAIL("packet %llu arrived as %llu", (unsigned long long)*next_seq,
                       (unsigned long long)pkt.desc.trans_id);
        (*next_seq)++;
        if (commit_each) {
            c->commits++;
            if (vmbus_ring_commit(&cons)) {
                c->cons_signals++;
                wake = true;
            }
        }
    }
    if (rc != 0)
        BENCH_FAIL("vmbus_ring_read: %d", rc);
    if (!commit_each) {
        c->commits++;
        if (vmbus_ring_commit(&cons)) {
            c->cons_signals++;
            wake = true;
        }
    }
    return wake;
}

/* Send total packets in bursts; a blocked producer waits for the consumer,
 * which drains and must signal it. */
static struct counts run(size_t len, unsigned burst, unsigned long total, bool commit_each)
{
    struct counts c = { 0 };
    uint64_t seq = 0, got = 0;
    ring_reset();
    while (seq < total) {
        for (unsigned i = 0; i < burst && seq < total;) {
            bool sig;
            int rc = vmbus_ring_send(&prod, VMBUS_PKT_DATA_INBAND, 0, seq, payload, len, &sig);
            if (rc == VMBUS_EAGAIN) {
                c.blocked++;
                if (!drain(&c, commit_each, &got))
                    BENCH_FAIL("producer blocked at packet %llu and the consumer "
                               "never signalled it (lost wake-up)", (unsigned long long)seq);
                continue;
            }
            if (rc != 0)
                BENCH_FAIL("vmbus_ring_send: %d", rc);
            c.prod_signals += sig;
            seq++;
            i++;
        }
        drain(&c, commit_each, &got);
    }
    if (got != total)
        BENCH_FAIL("%llu of %lu packets arrived", (unsigned long long)got, total);
    c.packets = total;
    return c;
}

static double per1000(unsigned long n, unsigned long packets)
{
    return 1000.0 * (double)n / (double)packets;
}

static void ratio(char *out, size_t n, double naive, double actual)
{
    if (actual == 0)
        snprintf(out, n, "%s", "no signals");
    else
        snprintf(out, n, "%.1fx", naive / actual);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    mem = aligned_alloc(VMBUS_PAGE_SIZE, RING_BYTES);
    if (mem == NULL)
        BENCH_FAIL("out of memory");
    memset(payload, 0xa5, sizeof payload);
    const unsigned long total = 64000;
    /* The producer never fills the ring completely. */
    unsigned ring_pkts = (RING_BYTES - VMBUS_PAGE_SIZE - 1) / vmbus_ring_packet_bytes(64);

    printf("Producer signals per 1000 packets: 64 B packets, %u KiB ring (%u packets fit), "
           "consumer drains between bursts\n", (RING_BYTES - VMBUS_PAGE_SIZE) / 1024,
           ring_pkts);
    printf("%6s %14s %14s %13s %15s %15s\n", "burst", "host signals", "naive (every)",
           "naive/actual", "producer blocks", "consumer signals");
    static const unsigned bursts[] = { 1, 8, 64, 1000 };
    double s_actual[4];
    for (unsigned b = 0; b < 4; b++) {
        struct counts c = run(64, bursts[b], total, false);
        char r[24];
        s_actual[b] = per1000(c.prod_signals, c.packets);
        ratio(r, sizeof r, 1000.0, s_actual[b]);
        printf("%6u %14.1f %14.1f %13s %15.1f %15.1f\n", bursts[b], s_actual[b], 1000.0, r,
               per1000(c.blocked, c.packets), per1000(c.cons_signals, c.packets));
    }

    printf("\nConsumer signals per 1000 packets (pending_send_sz): producer streams "
           "%lu packets,\nthe consumer drains only when the producer is blocked\n", total);
    printf("%8s %-10s %9s %15s %16s %14s %13s\n", "payload", "commit", "fit/ring",
           "producer blocks", "consumer signals", "naive (every)", "naive/actual");
    static const size_t lens[] = { 64, 1024, 4000 };
    double c_actual[3];
    for (unsigned l = 0; l < 3; l++)
        for (int each = 1; each >= 0; each--) {
            struct counts c = run(lens[l], ~0u, total, each);
            if (c.cons_signals != c.blocked)
                BENCH_FAIL("%zu B: %lu blocks but %lu consumer signals", lens[l], c.blocked,
                           c.cons_signals);
            char r[24];
            double a = per1000(c.cons_signals, c.packets);
            if (!each)
                c_actual[l] = a;
            ratio(r, sizeof r, 1000.0, a);
            printf("%6zu B %-10s %9u %15.1f %16.1f %14.1f %13s\n", lens[l],
                   each ? "per packet" : "per drain",
                   (RING_BYTES - VMBUS_PAGE_SIZE - 1) / vmbus_ring_packet_bytes(lens[l]),
                   per1000(c.blocked, c.packets), a, 1000.0, r);
        }
    /* A consumer that keeps up never blocks the producer: no signals back. */
    struct counts k = run(64, 8, total, false);
    printf("%6u B %-10s %9s %15.1f %16.1f %14.1f %13s   (bursts of 8, drained between)\n",
           64, "per drain", "-", per1000(k.blocked, k.packets),
           per1000(k.cons_signals, k.packets), 1000.0,
           k.cons_signals ? "?" : "no signals");

    printf("summary: host signals per 1000 packets: %.0f / %.0f / %.1f for bursts of 1 / 8 / 64 "
           "(naive 1000: %.0fx / %.0fx / %.0fx fewer)\n", s_actual[0], s_actual[1],
           s_actual[2], 1000.0 / s_actual[0], 1000.0 / s_actual[1], 1000.0 / s_actual[2]);
    printf("summary: consumer signals per 1000 packets when the producer outruns it: "
           "%.1f / %.1f / %.1f (64 B / 1 KiB / 4000 B), exactly one per block; "
           "0 when it keeps up\n", c_actual[0], c_actual[1], c_actual[2]);
    free(mem);
    return 0;
}
