/* bench=pi: posted-interrupt delivery against direct fixed IPIs, measured
 * side by side in one boot (rounds interleaved, so drift of the host hits
 * both alike). The boot CPU sends; CPU1 (or the boot CPU itself on a
 * one-CPU machine) takes the events. Results in TSC cycles and events/s;
 * docs/bench.md says what they mean under TCG. */
#include <stddef.h>
#include "kernel/bench_pi.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ipi.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/posted_intr.h"
#include "lib/array_size.h"

#define NVEC 64
#define ROUNDS 7

static int vecs[NVEC];
static unsigned nvec;
static uint64_t handled;
static int pong_vector;
static volatile int pong;

static void count_event(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    __atomic_fetch_add(&handled, 1, __ATOMIC_RELEASE);
}

/* Round trip: the target answers with an IPI back to the boot CPU. */
static void ping(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    ipi_send(0, (uint8_t)pong_vector);
}

static void pong_handler(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    pong = 1;
}

static bool wait_handled(uint64_t want)
{
    for (uint64_t spins = 0; __atomic_load_n(&handled, __ATOMIC_ACQUIRE) < want; spins++) {
        if (spins > 4000000000ull)
            return false;
        cpu_relax();
    }
    return true;
}

static uint64_t now(void) { return rdtsc(); }

/* One event: posted into the target's descriptor, or a fixed IPI. */
static void send_event(unsigned target, bool posted, uint8_t v)
{
    if (posted)
        pi_post(target, v);
    else
        ipi_send(target, v);
}

/* One event per interrupt, waiting for each: n events; cycles per event. */
static uint64_t sparse(unsigned target, bool posted, unsigned n)
{
    uint64_t t0 = now();
    for (unsigned i = 0; i < n; i++) {
        uint64_t want = __atomic_load_n(&handled, __ATOMIC_RELAXED) + 1;
        send_event(target, posted, (uint8_t)vecs[i % nvec]);
        if (!wait_handled(want))
            return 0;
    }
    return (now() - t0) / n;
}

/* Bursts of k distinct vectors sent back to back, then wait for all k. */
static uint64_t burst(unsigned target, bool posted, unsigned k, unsigned bursts)
{
    uint64_t t0 = now();
    for (unsigned b = 0; b < bursts; b++) {
        uint64_t want = __atomic_load_n(&handled, __ATOMIC_RELAXED) + k;
        for (unsigned i = 0; i < k; i++)
            send_event(target, posted, (uint8_t)vecs[i]);
        if (!wait_handled(want))
            return 0;
    }
    return (now() - t0) / ((uint64_t)k * bursts);
}

/* One notification with k vectors pending: SN held while they are posted,
 * then cleared (the clear sends the one notification); cycles per event
 * from the clear to the last handler. */
static uint64_t notify_with_pending(unsigned target, unsigned k, unsigned reps)
{
    uint64_t total = 0;
    for (unsigned r = 0; r < reps; r++) {
        pi_suppress(target, true);
        uint64_t want = __atomic_load_n(&handled, __ATOMIC_RELAXED) + k;
        for (unsigned i = 0; i < k; i++)
            pi_post(target, (uint8_t)vecs[i]);
        uint64_t t0 = now();
        pi_suppress(target, false);
        if (!wait_handled(want))
            return 0;
        total += now() - t0;
    }
    return total / ((uint64_t)k * reps);
}

static uint64_t round_trip(unsigned target, unsigned n)
{
    uint64_t t0 = now();
    for (unsigned i = 0; i < n; i++) {
        pong = 0;
        ipi_send(target, (uint8_t)vecs[0]);
        for (uint64_t s = 0; !pong; s++)
            if (s > 4000000000ull)
                return 0;
    }
    return (now() - t0) / n;
}

static uint64_t median(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static uint64_t per_s(uint64_t cycles) { return cycles ? tsc_hz() / cycles : 0; }

/* Ratio posted/direct of events per second, in percent. */
static unsigned ratio(uint64_t posted_cyc, uint64_t direct_cyc)
{
    return posted_cyc ? (unsigned)(direct_cyc * 100 / posted_cyc) : 0;
}

void bench_pi_run(void)
{
    unsigned target = cpu_count > 1 ? 1 : 0;
    for (nvec = 0; nvec < NVEC; nvec++) {
        vecs[nvec] = irq_alloc_vector(0);
        if (vecs[nvec] < 0)
            break;
        irq_register((unsigned)vecs[nvec], count_event, NULL, 0);
    }
    pong_vector = irq_alloc_vector(0);
    if (nvec < 16 || pong_vector < 0) {
        log_err("bench", "pi: not enough free vectors (%u)", nvec);
        return;
    }
    irq_register((unsigned)pong_vector, pong_handler, NULL, 0);
    log_info("bench", "pi: boot CPU -> CPU%u, %u vectors, TSC %llu MHz, %u interleaved rounds",
             target, nvec, (unsigned long long)(tsc_hz() / 1000000), ROUNDS);
    struct pi_stats s0, s1;
    uint64_t d1[ROUNDS], p1[ROUNDS], d16[ROUNDS], p16[ROUNDS], d64[ROUNDS], p64[ROUNDS];
    for (unsigned r = 0; r < ROUNDS; r++) {
        /* Alternate which variant goes first, so neither always follows the other. */
        bool pf = r & 1;
        if (pf) { p1[r] = sparse(target, true, 1000); d1[r] = sparse(target, false, 1000); }
        else { d1[r] = sparse(target, false, 1000); p1[r] = sparse(target, true, 1000); }
        if (pf) { p16[r] = burst(target, true, 16, 100); d16[r] = burst(target, false, 16, 100); }
        else { d16[r] = burst(target, false, 16, 100); p16[r] = burst(target, true, 16, 100); }
        if (pf) { p64[r] = burst(target, true, nvec, 25); d64[r] = burst(target, false, nvec, 25); }
        else { d64[r] = burst(target, false, nvec, 25); p64[r] = burst(target, true, nvec, 25); }
        log_info("bench", "pi: round %u cycles/event: sparse direct %llu posted %llu; burst16 direct %llu "
                 "posted %llu; burst%u direct %llu posted %llu", r, (unsigned long long)d1[r],
                 (unsigned long long)p1[r], (unsigned long long)d16[r], (unsigned long long)p16[r], nvec,
                 (unsigned long long)d64[r], (unsigned long long)p64[r]);
    }
    uint64_t md1 = median(d1, ROUNDS), mp1 = median(p1, ROUNDS), md16 = median(d16, ROUNDS),
             mp16 = median(p16, ROUNDS), md64 = median(d64, ROUNDS), mp64 = median(p64, ROUNDS);
    log_info("bench", "pi: median of %u: sparse posted/direct events/s %u%% (%llu vs %llu/s); burst16 %u%% "
             "(%llu vs %llu/s); burst%u %u%% (%llu vs %llu/s)", ROUNDS, ratio(mp1, md1),
             (unsigned long long)per_s(mp1), (unsigned long long)per_s(md1), ratio(mp16, md16),
             (unsigned long long)per_s(mp16), (unsigned long long)per_s(md16), nvec, ratio(mp64, md64),
             (unsigned long long)per_s(mp64), (unsigned long long)per_s(md64));
    pi_get_stats(target, &s0);
    static const unsigned ks[] = { 1, 4, 16, 64 };
    for (unsigned i = 0; i < ARRAY_SIZE(ks); i++) {
        unsigned k = ks[i] < nvec ? ks[i] : nvec;
        log_info("bench", "pi: one notification with %u pending: %llu cycles/event", k,
                 (unsigned long long)notify_with_pending(target, k, 200));
    }
    pi_get_stats(target, &s1);
    log_info("bench", "pi: (those runs: %llu notifications for %llu vectors dispatched)",
             (unsigned long long)(s1.notifications - s0.notifications),
             (unsigned long long)(s1.dispatched - s0.dispatched));
    if (target != 0) {
        irq_register((unsigned)vecs[0], ping, NULL, 0);
        log_info("bench", "pi: IPI round trip boot CPU -> CPU%u -> boot CPU: %llu cycles", target,
                 (unsigned long long)round_trip(target, 2000));
    } else {
        log_info("bench", "pi: one CPU: no IPI round trip");
    }
    for (unsigned i = 0; i < nvec; i++)
        irq_free_vector((unsigned)vecs[i]);
    irq_free_vector((unsigned)pong_vector);
}
