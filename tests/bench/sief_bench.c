/* SIEF scan cost per interrupt. The real guest stack is connected to the
 * fake host (tests/host/vmbus_fakehost.c), which offers N channels with
 * dense relids 1..N, so the relid table and its high-water mark are the ones
 * vmbus_connect() builds. Each channel gets a no-op counting callback. Then,
 * per "interrupt", the bench sets a few SIEF bits (as the host would) and
 * calls one scan variant:
 *   full     vmbus_sief_scan_full: all 32 words (2048 bits)
 *   hwm      vmbus_sief_scan_hwm: words 0..hwm/64, one exchange per non-zero
 *            word (what vmbus_on_events does)
 *   bitwise  vmbus_sief_scan_bitwise: per-bit test, locked and-not per set bit
 *   set      only the bit setting (and a plain clear): the loop's floor
 *   freebsd  FreeBSD's shape of the same algorithm (below), the reference
 *            the hwm scan must not exceed in instructions
 * Variants are interleaved (the order rotates every rep) so all of them see
 * the same machine state; each number is the median of BENCH_REPS reps.
 *
 * With --callgrind the same loops run a fixed number of times under
 * valgrind --tool=callgrind, and a stats dump is taken per configuration;
 * tests/bench/run.sh reads each scan function's inclusive instruction count
 * (deterministic, immune to load from other processes). */
#include <stdbool.h>
#include <string.h>
#include "tests/bench/bench.h"
#include "tests/host/vmbus_fakehost.h"
#include "drivers/vmbus/vmbus_internal.h"
#include "drivers/vmbus/vmbus_callback.h"

#define NWORDS (VMBUS_EVENT_FLAGS_COUNT / 64)
#define MAX_EVENTS 256
#define MAX_PAIRS (MAX_EVENTS * 4 + NWORDS)
#define TARGET_NS 500000.0    /* per measurement of the slowest variant */

/* The SINT 2 slot of the event-flags page. */
static uint64_t sief[NWORDS] __attribute__((aligned(64)));
static unsigned long cb_calls;

static void noop_cb(struct vmbus_channel *ch, void *ctx)
{
    (void)ch;
    (void)ctx;
    cb_calls++;
}

/* A cycle of interrupts: event e sets mask m[k] in word w[k] for k in
 * [start[e], start[e+1]). */
struct pattern {
    const char *name;
    unsigned n_events;
    unsigned bits_per_cycle;
    unsigned start[MAX_EVENTS + 1];
    uint8_t w[MAX_PAIRS];
    uint64_t m[MAX_PAIRS];
};

static struct pattern pat;

/* bits: events per interrupt; 0 = none (an interrupt for the message slot
 * only: vmbus_on_events still runs first); ALL_BITS = every channel. */
#define ALL_BITS 0xffffu
static void pattern_build(const char *name, unsigned channels, unsigned bits)
{
    uint64_t seed = 0x5eed0000ull + channels * 31 + bits;
    memset(&pat, 0, sizeof pat);
    pat.name = name;
    unsigned k = 0;
    if (bits == 0) {
        pat.n_events = 1;
        return;
    }
    if (bits == ALL_BITS) {
        /* Every channel at once (an interrupt storm). */
        pat.n_events = 1;
        uint64_t img[NWORDS] = { 0 };
        for (unsigned r = 1; r <= channels; r++)
            img[r / 64] |= 1ull << (r % 64);
        for (unsigned w = 0; w < NWORDS; w++)
            if (img[w]) {
                pat.w[k] = (uint8_t)w;
                pat.m[k++] = img[w];
            }
        pat.start[1] = k;
        pat.bits_per_cycle = channels;
        return;
    }
    pat.n_events = MAX_EVENTS;
    for (unsigned e = 0; e < MAX_EVENTS; e++) {
        uint64_t img[NWORDS] = { 0 };
        unsigned got = 0;
        while (got < bits) {
            unsigned r = 1 + (unsigned)(bench_rand(&seed) % channels);
            if (img[r / 64] & (1ull << (r % 64)))
                continue;
            img[r / 64] |= 1ull << (r % 64);
            got++;
        }
        pat.start[e] = k;
        for (unsigned w = 0; w < NWORDS; w++)
            if (img[w]) {
                pat.w[k] = (uint8_t)w;
                pat.m[k++] = img[w];
            }
        pat.bits_per_cycle += bits;
    }
    pat.start[MAX_EVENTS] = k;
}

/* The host's side of one interrupt: set the event's bits. */
static inline void raise_event(unsigned e)
{
    volatile uint64_t *s = sief;
    for (unsigned k = pat.start[e]; k < pat.start[e + 1]; k++)
        s[pat.w[k]] |= pat.m[k];
}

typedef unsigned (*scan_fn)(volatile uint64_t *);

/* FreeBSD's scan (sys/dev/hyperv/vmbus/vmbus.c, vmbus_event_flags_proc;
 * the count from vmbus_chan.c, vmbus_chan_update_evtflagcnt), written here
 * from its documented behaviour: each CPU keeps a count of event-flag words
 * to scan, raised to chid/64 + 1 when a channel bound to that CPU opens and
 * never lowered; per interrupt it visits words [0, count), and for each
 * non-zero word swaps it with 0 atomically, then walks the swapped bits with
 * a find-first-set loop (ffsl, 1-based), clearing each bit found, and looks
 * the channel up in a plain array indexed by channel id, skipping a NULL
 * (closed) slot. All of it inline in the interrupt handler. Where FreeBSD
 * then queues the channel's task, this does sinter's per-event action
 * (callback load, statistic, call), so only the loop shapes differ. */
static struct vmbus_channel *fbsd_chmap[VMBUS_MAX_RELIDS];
static unsigned fbsd_flag_cnt;   /* this CPU's word count */

static __attribute__((noinline)) unsigned bench_sief_scan_freebsd(volatile uint64_t *words)
{
    unsigned handled = 0, cnt = fbsd_flag_cnt;
    for (unsigned f = 0; f < cnt; f++) {
        if (words[f] == 0)
            continue;
        uint64_t flags = __atomic_exchange_n(&words[f], 0, __ATOMIC_ACQ_REL);
        unsigned base = f * 64;
        int ofs;
        while ((ofs = __builtin_ffsll((long long)flags)) != 0) {
            ofs--;
            flags &= ~(1ull << ofs);
            struct vmbus_channel *ch = fbsd_chmap[base + (unsigned)ofs];
            if (ch == NULL)
                continue;
            vmbus_channel_cb cb = atomic_load_explicit(&ch->callback, memory_order_acquire);
            if (cb == NULL)
                continue;
            /* FreeBSD queues the channel's task, which its task queue runs
             * on one CPU at a time; here the same per-event action as
             * sinter's: the guarded callback with its statistic. */
            vmbus_callback_run(ch, cb, true);
            handled++;
        }
    }
    return handled;
}

static const struct variant {
    const char *name;
    scan_fn fn;               /* NULL: set-only floor */
} variants[] = {
    { "set", NULL },
    { "full", vmbus_sief_scan_full },
    { "hwm", vmbus_sief_scan_hwm },
    { "bitwise", vmbus_sief_scan_bitwise },
    { "freebsd", bench_sief_scan_freebsd },
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

/* Runs iters interrupts (a multiple of pat.n_events); returns elapsed ns.
 * Checks that every bit set was handled exactly once. */
static uint64_t run(const struct variant *v, unsigned iters)
{
    unsigned long handled = 0;
    unsigned long calls0 = cb_calls;
    unsigned e = 0;
    bench_barrier();
    uint64_t t0 = bench_now_ns();
    if (v->fn) {
        scan_fn fn = v->fn;
        for (unsigned i = 0; i < iters; i++) {
            raise_event(e);
            handled += fn(sief);
            if (++e == pat.n_events)
                e = 0;
        }
    } else {
        volatile uint64_t *s = sief;
        for (unsigned i = 0; i < iters; i++) {
            raise_event(e);
            for (unsigned k = pat.start[e]; k < pat.start[e + 1]; k++)
                s[pat.w[k]] = 0;
            if (++e == pat.n_events)
                e = 0;
        }
    }
    uint64_t t1 = bench_now_ns();
    bench_barrier();
    if (v->fn) {
        unsigned long want = (unsigned long)(iters / pat.n_events) * pat.bits_per_cycle;
        if (handled != want || cb_calls - calls0 != want)
            BENCH_FAIL("%s scan handled %lu events (%lu callbacks), expected %lu",
                       v->name, handled, cb_calls - calls0, want);
    }
    for (unsigned w = 0; w < NWORDS; w++)
        if (sief[w])
            BENCH_FAIL("%s scan left word %u = %#llx", v->name, w,
                       (unsigned long long)sief[w]);
    bench_sink += handled;
    return t1 - t0;
}

static void setup_channels(unsigned n)
{
    fh_init(FH_HYPERV);
    fh.deliver_events = false;
    fh_add_dense(n);
    if (vmbus_connect() != VMBUS_OK)
        BENCH_FAIL("vmbus_connect with %u offers failed", n);
    if (vmbus_relid_hwm() != n || vmbus_channel_count() != n)
        BENCH_FAIL("expected %u channels up to relid %u, got %u up to %u", n, n,
                   vmbus_channel_count(), vmbus_relid_hwm());
    for (unsigned r = 1; r <= n; r++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(r);
        ch->cb_ctx = NULL;
        atomic_store_explicit(&ch->callback, noop_cb, memory_order_release);
    }
    /* FreeBSD's view of the same channels: the array and the word count
     * its channel opens would have left (all channels on this CPU). */
    memset(fbsd_chmap, 0, sizeof fbsd_chmap);
    fbsd_flag_cnt = 0;
    for (unsigned r = 1; r <= n; r++) {
        fbsd_chmap[r] = vmbus_relid_to_channel(r);
        if (r / 64 + 1 > fbsd_flag_cnt)
            fbsd_flag_cnt = r / 64 + 1;
    }
    memset(sief, 0, sizeof sief);
}

static const unsigned channel_counts[] = { 8, 100, 1000, 2047 };
static const struct { const char *name, *tag; unsigned bits; } patterns[] = {
    { "none", "none", 0 }, { "1 bit", "1bit", 1 }, { "4 bits", "4bits", 4 },
    { "all", "all", ALL_BITS },
};

static unsigned round_iters(double want)
{
    unsigned n = pat.n_events;
    if (want < n * 4.0)
        want = n * 4.0;
    if (want > 50000000.0)
        want = 50000000.0;
    return ((unsigned)want + n - 1) / n * n;
}

#define NCOUNTS (sizeof channel_counts / sizeof channel_counts[0])
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

/* ns per operation of one uncontended read-modify-write, for reading the
 * table: the scans differ mostly in how many of these they issue. */
static void locked_op_costs(void)
{
    static uint64_t word __attribute__((aligned(64)));
    volatile uint64_t *vw = &word;
    const unsigned iters = 2000000;
    double s[3][BENCH_REPS];
    for (unsigned rep = 0; rep < BENCH_REPS; rep++) {
        for (unsigned j = 0; j < 3; j++) {
            unsigned v = (rep + j) % 3;
            uint64_t t0 = bench_now_ns();
            for (unsigned i = 0; i < iters; i++) {
                if (v == 0)
                    *vw = *vw + 1;
                else if (v == 1)
                    __atomic_fetch_add(&word, 1, __ATOMIC_RELAXED);
                else
                    __atomic_exchange_n(&word, i, __ATOMIC_ACQ_REL);
            }
            s[v][rep] = (double)(bench_now_ns() - t0) / iters;
        }
    }
    bench_sink += word;
    printf("one op on a private cache line, ns: plain load+store %.1f, lock xadd %.1f, "
           "xchg %.1f\n", bench_median(s[0], BENCH_REPS), bench_median(s[1], BENCH_REPS),
           bench_median(s[2], BENCH_REPS));
}

static int timed(void)
{
    static double res[NCOUNTS][NPATTERNS][NVARIANTS];
    printf("SIEF scan: ns per interrupt (median of %d interleaved reps; every column includes\n"
           "the host-side bit setting, shown alone as 'set')\n", BENCH_REPS);
    printf("%8s %5s %6s %-7s %7s %8s %8s %8s %8s %9s %11s %9s\n", "channels", "hwm", "words",
           "pattern", "set", "full", "hwm", "bitwise", "freebsd", "full/hwm", "bitwise/hwm",
           "hwm/fbsd");
    for (unsigned c = 0; c < NCOUNTS; c++) {
        unsigned n = channel_counts[c];
        setup_channels(n);
        for (unsigned p = 0; p < NPATTERNS; p++) {
            pattern_build(patterns[p].name, n, patterns[p].bits);
            /* Calibrate on the slowest variant so each measurement takes
             * about TARGET_NS. */
            double slowest = 0;
            unsigned pilot = round_iters(0);
            for (unsigned v = 0; v < NVARIANTS; v++) {
                run(&variants[v], pilot);
                double ns = (double)run(&variants[v], pilot) / pilot;
                if (ns > slowest)
                    slowest = ns;
            }
            unsigned iters = round_iters(TARGET_NS / slowest);
            unsigned warm = round_iters(iters / 8.0);
            double samples[NVARIANTS][BENCH_REPS];
            for (unsigned rep = 0; rep < BENCH_REPS; rep++)
                for (unsigned j = 0; j < NVARIANTS; j++) {
                    unsigned v = (rep + j) % NVARIANTS;
                    run(&variants[v], warm);
                    samples[v][rep] = (double)run(&variants[v], iters) / iters;
                }
            double *med = res[c][p];
            for (unsigned v = 0; v < NVARIANTS; v++)
                med[v] = bench_median(samples[v], BENCH_REPS);
            char words[16];
            snprintf(words, sizeof words, "%u/%u", n / 64 + 1, NWORDS);
            printf("%8u %5u %6s %-7s %7.1f %8.1f %8.1f %8.1f %8.1f %8.2fx %10.2fx %8.2fx\n", n,
                   vmbus_relid_hwm(), words, patterns[p].name, med[0], med[1], med[2],
                   med[3], med[4], med[1] / med[2], med[3] / med[2], med[2] / med[4]);
        }
        vmbus_disconnect();
    }
    locked_op_costs();
    /* Pattern 0 = none, 1 = one bit, 3 = all channels. */
    printf("summary: SIEF full/hwm, empty interrupt: %.1fx / %.1fx / %.1fx at 8 / 100 / 1000 "
           "channels\n", res[0][0][1] / res[0][0][2], res[1][0][1] / res[1][0][2],
           res[2][0][1] / res[2][0][2]);
    printf("summary: SIEF full/hwm, one event: %.2fx / %.2fx / %.2fx at 8 / 100 / 1000 "
           "channels\n", res[0][1][1] / res[0][1][2], res[1][1][1] / res[1][1][2],
           res[2][1][1] / res[2][1][2]);
    printf("summary: SIEF bitwise/word-exchange, one event: %.2fx / %.2fx / %.2fx; all "
           "channels: %.2fx / %.2fx / %.2fx\n", res[0][1][3] / res[0][1][2],
           res[1][1][3] / res[1][1][2], res[2][1][3] / res[2][1][2],
           res[0][3][3] / res[0][3][2], res[1][3][3] / res[1][3][2],
           res[2][3][3] / res[2][3][2]);
    return 0;
}

/* Fixed work per configuration, one callgrind dump each. */
static int callgrind_mode(void)
{
    for (unsigned c = 0; c < NCOUNTS; c++) {
        unsigned n = channel_counts[c];
        setup_channels(n);
        for (unsigned p = 0; p < NPATTERNS; p++) {
            pattern_build(patterns[p].name, n, patterns[p].bits);
            unsigned iters = pat.n_events == 1 ? 256 : pat.n_events * 4;
            CALLGRIND_ZERO_STATS;
            for (unsigned v = 1; v < NVARIANTS; v++)
                run(&variants[v], iters);
            char label[96];
            snprintf(label, sizeof label, "channels=%u hwm=%u pattern=%s scans=%u", n,
                     vmbus_relid_hwm(), patterns[p].tag, iters);
            CALLGRIND_DUMP_STATS_AT(label);
        }
        vmbus_disconnect();
    }
    return 0;
}

int main(int argc, char **argv)
{
    return bench_main(argc, argv, timed, callgrind_mode);
}
