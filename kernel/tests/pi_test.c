/* Posted-interrupt descriptors: layout per CPU, SN holding postings back,
 * and a posting storm from every CPU to vectors on every CPU with SN
 * toggling in the middle: each event handled exactly once, in order. */
#include <stddef.h>
#include "kernel/ktest.h"
#include "kernel/ipi.h"
#include "kernel/irq.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/posted_intr.h"

#define NVEC 4
#define STORM_CPUS 16
/* Rounds per poster: 100 up to 4 CPUs, fewer beyond (the events grow with
 * the square of the CPU count; TCG runs all vCPUs on the host's cores). */
#define STORM_EVENTS_MAX 6400
static unsigned storm_m;

/* One vector in each PIR word (0x30.., 0x50.., 0x90.., 0xd0..). */
static int vecs[NVEC];
static const unsigned classes[NVEC] = { 0x3, 0x5, 0x9, 0xd };

static bool alloc_vectors(irq_handler_t fn)
{
    for (unsigned k = 0; k < NVEC; k++) {
        vecs[k] = irq_alloc_vector(classes[k]);
        if (vecs[k] < 0)
            return false;
        irq_register((unsigned)vecs[k], fn, (void *)(uintptr_t)k, 0);
    }
    return true;
}

static void free_vectors(void)
{
    for (unsigned k = 0; k < NVEC; k++)
        if (vecs[k] >= 0)
            irq_free_vector((unsigned)vecs[k]);
}

/* ---- where a posted vector runs ---------------------------------------- */

static uint64_t ran_on[STORM_CPUS][NVEC];

static void record_cpu(void *ctx, struct trap_frame *f)
{
    unsigned k = (unsigned)(uintptr_t)ctx;
    unsigned c = this_cpu()->index;
    if (c < STORM_CPUS && f->vector == (uint64_t)vecs[k])
        __atomic_fetch_add(&ran_on[c][k], 1, __ATOMIC_RELAXED);
}

/* The CPUs the tests use: the first STORM_CPUS. */
static unsigned test_cpus(void)
{
    return cpu_count < STORM_CPUS ? cpu_count : STORM_CPUS;
}

/* ran_on cleared and the vectors recording into it; the CPUs to test. */
static unsigned start_recording(void)
{
    __builtin_memset(ran_on, 0, sizeof ran_on);
    KT_CHECK(alloc_vectors(record_cpu));
    return test_cpus();
}

static bool wait_ran(unsigned cpu, unsigned k, uint64_t want)
{
    uint64_t end = clock_ns() + 5000000000ull;
    while (__atomic_load_n(&ran_on[cpu][k], __ATOMIC_RELAXED) < want)
        if (clock_ns() > end)
            return false;
    return true;
}

/* NV and NDST per CPU; a posting runs its handler on the target CPU, with
 * the posted vector in the frame, exactly once. */
KTEST(layout_and_target, "pi.layout_and_target")
{
    unsigned n = start_recording();
    for (unsigned i = 0; i < n; i++) {
        struct pi_desc *d = pi_desc_of(i);
        KT_CHECK_EQ((uintptr_t)d % 64, 0);
        KT_CHECK_EQ(d->nv, VEC_PI_NOTIFY);
        KT_CHECK_EQ(pi_ndst_decode(d->ndst, apic_x2apic()), cpus[i].apic_id);
        if (!apic_x2apic())
            KT_CHECK_EQ(d->ndst, cpus[i].apic_id << 8);
        for (unsigned k = 0; k < NVEC; k++) {
            pi_post(i, (uint8_t)vecs[k]);
            KT_CHECK(wait_ran(i, k, 1));
        }
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned k = 0; k < NVEC; k++)
            KT_CHECK_EQ(__atomic_load_n(&ran_on[i][k], __ATOMIC_RELAXED), 1);
    free_vectors();
}

/* SN set: the posting stays in the PIR with ON set and nothing runs (no
 * notification was sent, so nothing can run it); SN cleared: it runs. */
KTEST(sn_holds_then_delivers, "pi.sn_holds_then_delivers")
{
    unsigned n = start_recording();
    for (unsigned i = 0; i < n; i++) {
        struct pi_desc *d = pi_desc_of(i);
        struct pi_stats before, after;
        pi_get_stats(i, &before);
        pi_suppress(i, true);
        KT_CHECK(!pi_post(i, (uint8_t)vecs[0]));
        KT_CHECK(!pi_post(i, (uint8_t)vecs[3]));
        unsigned v0 = (unsigned)vecs[0], v3 = (unsigned)vecs[3];
        KT_CHECK(__atomic_load_n(&d->pir[v0 / 64], __ATOMIC_RELAXED) & (1ull << (v0 % 64)));
        KT_CHECK(__atomic_load_n(&d->pir[v3 / 64], __ATOMIC_RELAXED) & (1ull << (v3 % 64)));
        KT_CHECK(__atomic_load_n(&d->control, __ATOMIC_RELAXED) & PI_ON);
        pi_get_stats(i, &after);
        KT_CHECK_EQ(after.notifications, before.notifications);
        KT_CHECK_EQ(__atomic_load_n(&ran_on[i][0], __ATOMIC_RELAXED), 0);
        pi_suppress(i, false);
        KT_CHECK(wait_ran(i, 0, 1) && wait_ran(i, 3, 1));
        /* The handler counts its notification after dispatching: wait for it. */
        uint64_t end = clock_ns() + 5000000000ull;
        do
            pi_get_stats(i, &after);
        while (after.notifications == before.notifications && clock_ns() < end);
        KT_CHECK_EQ(after.suppressed - before.suppressed, 1);
        KT_CHECK_EQ(after.notifications - before.notifications, 1);
    }
    free_vectors();
}

/* ---- the storm ----------------------------------------------------------- */

/* mailbox[t][k][p]: the last sequence number poster p posted to vector k on
 * CPU t; seen[t][k][p]: the last one t's handler took (only t writes it). */
static uint64_t mailbox[STORM_CPUS][NVEC][STORM_CPUS];
static uint64_t seen[STORM_CPUS][NVEC][STORM_CPUS];
static uint64_t skipped, handled;
static unsigned storm_n;
static int posters_done, posters_failed;

static void storm_handler(void *ctx, struct trap_frame *f)
{
    (void)f;
    unsigned k = (unsigned)(uintptr_t)ctx, t = this_cpu()->index;
    if (t >= storm_n)
        return;
    for (unsigned p = 0; p < storm_n; p++) {
        uint64_t s = __atomic_load_n(&mailbox[t][k][p], __ATOMIC_ACQUIRE);
        uint64_t last = seen[t][k][p];
        if (s == last)
            continue;
        if (s != last + 1)
            __atomic_fetch_add(&skipped, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&seen[t][k][p], s, __ATOMIC_RELEASE);
        __atomic_fetch_add(&handled, 1, __ATOMIC_RELAXED);
    }
}

/* Poster p: M rounds; in each, one event to every vector on every CPU, each
 * only once the previous one to that (CPU, vector) was handled, so every
 * handled event is one posting. Every 8th posting is made with SN set on
 * its target, which then clears it: the other posters' postings meanwhile
 * must arrive through the SN-clear notification. */
static void poster(void *arg)
{
    unsigned p = (unsigned)(uintptr_t)arg;
    uint64_t n = 0;
    for (uint64_t s = 1; s <= storm_m; s++)
        for (unsigned t = 0; t < storm_n; t++)
            for (unsigned k = 0; k < NVEC; k++) {
                uint64_t end = clock_ns() + 10000000000ull;
                while (__atomic_load_n(&seen[t][k][p], __ATOMIC_ACQUIRE) != s - 1) {
                    if (clock_ns() > end) {
                        __atomic_fetch_add(&posters_failed, 1, __ATOMIC_RELAXED);
                        __atomic_fetch_add(&posters_done, 1, __ATOMIC_RELEASE);
                        return;
                    }
                    cpu_relax();
                }
                bool toggle = (++n % 8) == 0;
                if (toggle)
                    pi_suppress(t, true);
                __atomic_store_n(&mailbox[t][k][p], s, __ATOMIC_RELEASE);
                pi_post(t, (uint8_t)vecs[k]);
                if (toggle)
                    pi_suppress(t, false);
            }
    __atomic_fetch_add(&posters_done, 1, __ATOMIC_RELEASE);
}

KTEST_T(storm, "pi.storm_every_cpu_exactly_once", 120000)
{
    storm_n = test_cpus();
    storm_m = STORM_EVENTS_MAX / (storm_n * storm_n * NVEC);
    if (storm_m > 100)
        storm_m = 100;
    if (storm_m < 10)
        storm_m = 10;
    __builtin_memset(mailbox, 0, sizeof mailbox);
    __builtin_memset(seen, 0, sizeof seen);
    skipped = handled = 0;
    posters_done = posters_failed = 0;
    KT_CHECK(alloc_vectors(storm_handler));
    struct pi_stats before[STORM_CPUS], after;
    for (unsigned i = 0; i < storm_n; i++)
        pi_get_stats(i, &before[i]);
    unsigned started = 1;
    for (unsigned i = 1; i < storm_n; i++)
        started += smp_queue_work(i, poster, (void *)(uintptr_t)i) == 0;
    KT_CHECK_EQ(started, storm_n);
    poster((void *)0);
    uint64_t end = clock_ns() + 60000000000ull;
    while ((unsigned)__atomic_load_n(&posters_done, __ATOMIC_ACQUIRE) < started && clock_ns() < end)
        cpu_relax();
    KT_CHECK_EQ(__atomic_load_n(&posters_done, __ATOMIC_ACQUIRE), started);
    KT_CHECK_EQ(posters_failed, 0);
    uint64_t events = (uint64_t)started * storm_m * storm_n * NVEC;
    /* The last postings' handlers may still be running on their targets. */
    end = clock_ns() + 5000000000ull;
    while (__atomic_load_n(&handled, __ATOMIC_RELAXED) < events && clock_ns() < end)
        cpu_relax();
    KT_CHECK_EQ(__atomic_load_n(&handled, __ATOMIC_RELAXED), events);
    KT_CHECK_EQ(skipped, 0);
    unsigned shown = 0;
    for (unsigned t = 0; t < storm_n; t++)
        for (unsigned k = 0; k < NVEC; k++)
            for (unsigned p = 0; p < started; p++)
                if (seen[t][k][p] != storm_m && shown++ < 8)
                    ktest_fail(__FILE__, __LINE__, "CPU%u vector 0x%x from CPU%u: %llu of %u", t, vecs[k],
                               p, (unsigned long long)seen[t][k][p], storm_m);
    uint64_t notes = 0, coalesced = 0, suppressed = 0, dispatched = 0, maxn = 0;
    for (unsigned i = 0; i < storm_n; i++) {
        pi_get_stats(i, &after);
        notes += after.notifications - before[i].notifications;
        coalesced += after.coalesced - before[i].coalesced;
        suppressed += after.suppressed - before[i].suppressed;
        dispatched += after.dispatched - before[i].dispatched;
        if (after.max_per_notification > maxn)
            maxn = after.max_per_notification;
    }
    KT_CHECK(notes <= events);
    KT_CHECK(suppressed > 0 || storm_n == 0);
    ktest_note("%u posters x %u CPUs x %u vectors x %u: %llu events, %llu notifications, %llu vectors "
               "dispatched, %llu coalesced in the PIR, %llu found SN set; up to %llu per notification",
               started, storm_n, NVEC, storm_m, (unsigned long long)events, (unsigned long long)notes,
               (unsigned long long)dispatched, (unsigned long long)coalesced,
               (unsigned long long)suppressed, (unsigned long long)maxn);
    free_vectors();
}
