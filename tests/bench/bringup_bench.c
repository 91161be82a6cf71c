/* VMBus bring-up against the number of offers: from INITIATE_CONTACT to
 * ALLOFFERS_DELIVERED and every channel bound to its driver, the real guest
 * stack (drivers/vmbus) against the fake host (tests/host/vmbus_fakehost.c),
 * which offers N channels with dense relids 1..N as Hyper-V does. A bench
 * driver claims the offers' class; its probe binds without opening (the fake
 * host lends 64 GPADLs at most), so the cost measured is the offer path:
 * message handling, channel allocation, the relid table, driver matching.
 * Per N: time per bring-up (median of reps, wall clock: host-side only)
 * and, with --callgrind, instructions of vmbus_connect per offer, the
 * curve that should stay flat as N grows. The host's own work (building
 * the offer messages) is inside the count too; it is the same per offer. */
#include <stdbool.h>
#include <string.h>
#include "tests/bench/bench.h"
#include "tests/host/vmbus_fakehost.h"
#include "drivers/vmbus/vmbus_internal.h"

static unsigned bound;

static int bench_probe(struct vmbus_channel *ch)
{
    (void)ch;
    bound++;
    return 0;
}

static struct vmbus_driver bench_driver = {
    .name = "bench",
    .class_id = VMBUS_CLASS_BALLOON,   /* what fh_add_dense offers */
    .probe = bench_probe,
};

static const unsigned counts[] = { 4, 100, 500, 1000, 2047 };
#define NCOUNTS (sizeof counts / sizeof counts[0])

/* One bring-up of n offers; checks every channel got bound. */
static void bring_up(unsigned n)
{
    fh_init(FH_HYPERV);
    fh.deliver_events = false;
    fh_add_dense(n);
    bound = 0;
    if (vmbus_connect() != VMBUS_OK)
        BENCH_FAIL("vmbus_connect with %u offers failed", n);
    vmbus_poll();   /* deferred probes, if any */
    if (vmbus_channel_count() != n || bound != n)
        BENCH_FAIL("%u offers: %u channels, %u bound", n, vmbus_channel_count(), bound);
}

static int timed(void)
{
    printf("VMBus bring-up, INITIATE_CONTACT to ALLOFFERS_DELIVERED and all channels bound\n"
           "(fake host, wall clock, median of %d reps)\n", BENCH_REPS);
    printf("%8s %12s %12s\n", "offers", "us", "ns/offer");
    double per[NCOUNTS];
    for (unsigned c = 0; c < NCOUNTS; c++) {
        double t[BENCH_REPS];
        bring_up(counts[c]);   /* warm-up */
        for (unsigned rep = 0; rep < BENCH_REPS; rep++) {
            uint64_t t0 = bench_now_ns();
            bring_up(counts[c]);
            t[rep] = (double)(bench_now_ns() - t0);
        }
        double med = bench_median(t, BENCH_REPS);
        per[c] = med / counts[c];
        printf("%8u %12.1f %12.1f\n", counts[c], med / 1000, per[c]);
    }
    vmbus_disconnect();
    printf("summary: bring-up ns per offer (wall): %.0f / %.0f / %.0f at 4 / 100 / 2047 offers "
           "(2047 vs 100: %.2fx)\n", per[0], per[1], per[NCOUNTS - 1], per[NCOUNTS - 1] / per[1]);
    return 0;
}

static int callgrind_mode(void)
{
    for (unsigned c = 0; c < NCOUNTS; c++) {
        unsigned n = counts[c];
        bring_up(n);   /* warm-up */
        fh_init(FH_HYPERV);
        fh.deliver_events = false;
        fh_add_dense(n);
        bound = 0;
        CALLGRIND_ZERO_STATS;
        int rc = vmbus_connect();
        vmbus_poll();
        char label[64];
        snprintf(label, sizeof label, "offers=%u", n);
        CALLGRIND_DUMP_STATS_AT(label);
        if (rc != VMBUS_OK || bound != n)
            BENCH_FAIL("%u offers: rc %d, %u bound", n, rc, bound);
    }
    vmbus_disconnect();
    return 0;
}

int main(int argc, char **argv)
{
    vmbus_driver_register(&bench_driver);
    return bench_main(argc, argv, timed, callgrind_mode);
}
