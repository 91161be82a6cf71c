/* Synthetic timer 0 as a clock-event source, through the real interrupt
 * path: hv_stimer programs STIMER0 (TLFS "Timers"), the host model fires it
 * from the kernel tick, and the callback runs from the direct-mode vector
 * or from the HVMSG_TIMER_EXPIRED message on SINT2. Each test runs in both
 * modes when the backend offers both.
 *
 * The model compares due times with clock_ns()/100 once per tick, so a
 * timer is never early by the test's own clock and late by up to a tick
 * plus TCG's bursts. On a real hypervisor the reference clock is not ours:
 * one tick of slack below. */
#include <stdatomic.h>
#include "kernel/ktest.h"
#include "kernel/tests/sint_hold.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/percpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "drivers/hv/hv_internal.h"
#include "drivers/hvsim/hvsim.h"

/* Lateness is bounded in ticks, not in time: the model fires a timer at
 * the first tick that finds it due, and a loaded host can only make ticks
 * fewer (a periodic LAPIC timer coalesces), never more. Between arming and
 * the call there are at most the ticks of the interval, one partial tick
 * at each end, and the tick that fires it. */
#define LATE_TICKS 3

static struct {
    atomic_uint n;
    uint64_t at[16];            /* clock_ns() at each callback */
    uint64_t tick[16];          /* this CPU's ticks at each callback */
} rec;

/* This CPU's ticks (other CPUs tick too). */
static uint64_t own_ticks(void) { return timer_cpu_ticks(this_cpu()->index); }

static void on_fire(void *ctx)
{
    (void)ctx;
    unsigned n = atomic_load(&rec.n);
    if (n < 16) {
        rec.at[n] = clock_ns();
        rec.tick[n] = own_ticks();
    }
    atomic_store(&rec.n, n + 1);
}

/* Ticks an interval of ns may hold, plus the slack above. */
static uint64_t max_ticks(uint64_t ns)
{
    return ns * (timer_hz() ? timer_hz() : 100) / 1000000000ull + LATE_TICKS;
}

static uint64_t tick_ns(void) { return 1000000000ull / (timer_hz() ? timer_hz() : 100); }
static uint64_t early_slack(void) { return hv_backend() == HV_BACKEND_MODEL ? 0 : tick_ns(); }

static bool wait_n(unsigned n)
{
    return KT_WAIT_UNTIL(atomic_load(&rec.n) >= n, KT_WAIT_MS);
}

/* A window of at least `ticks` delivered ticks on this CPU in which nothing
 * more may arrive: counted in ticks, because the model only acts on a tick
 * and a loaded host delivers fewer of them per second. A correct timer
 * cannot fail this; a wrong one gets that many chances to. */
static void quiet_ticks(unsigned ticks)
{
    uint64_t t0 = own_ticks();
    (void)KT_WAIT_UNTIL(own_ticks() - t0 >= ticks, KT_WAIT_MS);
}

static struct hv_stimer_stats stats(void)
{
    struct hv_stimer_stats s;
    hv_stimer_get_stats(this_cpu()->index, &s);
    return s;
}

/* Modes to run: direct (if offered) and message. */
static unsigned modes(enum hv_stimer_mode out[2])
{
    unsigned n = 0;
    if (hv_stimer_set_mode(HV_STIMER_DIRECT) == 0)
        out[n++] = HV_STIMER_DIRECT;
    if (hv_stimer_set_mode(HV_STIMER_MESSAGE) == 0)
        out[n++] = HV_STIMER_MESSAGE;
    return n;
}

static enum hv_stimer_mode boot_mode;

/* However the test ends: the timer stopped, the boot's mode back. */
static void end(void *unused)
{
    (void)unused;
    hv_stimer_stop();
    hv_stimer_set_mode(boot_mode);
}

static bool begin(enum hv_stimer_mode *saved)
{
    if (hv_backend() == HV_BACKEND_NONE || hv_stimer_mode() == HV_STIMER_NONE) {
        ktest_skip("no synthetic timers (needs hv=model or Hyper-V with stimers)");
        return false;
    }
    *saved = boot_mode = hv_stimer_mode();
    ktest_defer(end, NULL);
    return true;
}

static void use_mode(enum hv_stimer_mode m)
{
    KT_CHECK_EQ(hv_stimer_set_mode(m), 0);
    atomic_store(&rec.n, 0);
}

/* The model offers direct mode, so that is what boot picked. */
KTEST(mode, "hv.stimer_boot_mode")
{
    enum hv_stimer_mode saved;
    if (!begin(&saved))
        return;
    ktest_note("boot chose %s mode", hv_stimer_mode_name(saved));
    if (hv_backend() == HV_BACKEND_MODEL)
        KT_CHECK_EQ(saved, HV_STIMER_DIRECT);
    enum hv_stimer_mode m[2];
    KT_CHECK_EQ(modes(m), hv_get_info()->has_stimer_direct ? 2 : 1);
}

/* One-shot: once, never early, not absurdly late; Enable clears itself. */
KTEST(oneshot, "hv.stimer_oneshot_once")
{
    enum hv_stimer_mode saved, m[2];
    if (!begin(&saved))
        return;
    const uint64_t ns = 30000000;   /* 3 ticks at 100 Hz */
    for (unsigned i = 0, n = modes(m); i < n; i++) {
        use_mode(m[i]);
        struct hv_stimer_stats s0 = stats();
        uint64_t t0 = clock_ns(), k0 = own_ticks();
        KT_CHECK_EQ(hv_stimer_arm_oneshot(ns, on_fire, NULL), 0);
        bool fired = wait_n(1);
        KT_CHECK(fired);
        quiet_ticks(5);
        KT_CHECK_EQ(atomic_load(&rec.n), 1);
        if (fired) {
            uint64_t took = rec.at[0] - t0;
            ktest_note("%s: one-shot of %llu us fired after %llu us, %llu ticks",
                       hv_stimer_mode_name(m[i]), (unsigned long long)(ns / 1000),
                       (unsigned long long)(took / 1000), (unsigned long long)(rec.tick[0] - k0));
            KT_CHECK(took + early_slack() >= ns);
            KT_CHECK(rec.tick[0] - k0 <= max_ticks(ns));
        }
        uint64_t cfg = ~0ull;
        KT_CHECK_EQ(hv_rdmsr(HV_X64_MSR_STIMER0_CONFIG, &cfg), 0);
        KT_CHECK_EQ(cfg & HV_STIMER_ENABLE, 0);
        struct hv_stimer_stats s1 = stats();
        KT_CHECK_EQ(s1.fired - s0.fired, 1);
        KT_CHECK_EQ(s1.stale - s0.stale, 0);
    }
}

/* Periodic: N callbacks, the k-th no earlier than k periods; none after stop. */
KTEST(periodic, "hv.stimer_periodic_n")
{
    enum hv_stimer_mode saved, m[2];
    if (!begin(&saved))
        return;
    const uint64_t period = 20000000;
    const unsigned N = 6;
    for (unsigned i = 0, n = modes(m); i < n; i++) {
        use_mode(m[i]);
        uint64_t t0 = clock_ns(), k0 = own_ticks();
        KT_CHECK_EQ(hv_stimer_arm_periodic(period, on_fire, NULL), 0);
        bool ok = wait_n(N);
        hv_stimer_stop();
        KT_CHECK(ok);
        unsigned got = atomic_load(&rec.n);
        if (ok) {
            ktest_note("%s: %u periods of %llu us in %llu us", hv_stimer_mode_name(m[i]), N,
                       (unsigned long long)(period / 1000),
                       (unsigned long long)((rec.at[N - 1] - t0) / 1000));
            for (unsigned k = 0; k < N; k++)
                KT_CHECK(rec.at[k] - t0 + early_slack() >= (k + 1) * period);
            KT_CHECK(rec.tick[N - 1] - k0 <= max_ticks(N * period));
        }
        quiet_ticks(5);
        KT_CHECK_EQ(atomic_load(&rec.n), got);   /* stopped means stopped */
    }
}

/* A stopped one-shot never calls back; re-arming replaces the old one. */
KTEST(stop, "hv.stimer_stop_and_rearm")
{
    enum hv_stimer_mode saved, m[2];
    if (!begin(&saved))
        return;
    for (unsigned i = 0, n = modes(m); i < n; i++) {
        use_mode(m[i]);
        KT_CHECK_EQ(hv_stimer_arm_oneshot(20000000, on_fire, NULL), 0);
        hv_stimer_stop();
        quiet_ticks(6);
        KT_CHECK_EQ(atomic_load(&rec.n), 0);
        uint64_t t0 = clock_ns();
        KT_CHECK_EQ(hv_stimer_arm_oneshot(200000000, on_fire, NULL), 0);
        KT_CHECK_EQ(hv_stimer_arm_oneshot(20000000, on_fire, NULL), 0);   /* replaces */
        KT_CHECK(wait_n(1));
        KT_CHECK(rec.at[0] - t0 < 200000000ull);
        /* Past the replaced deadline, by the clock and by ticks. */
        (void)KT_WAIT_UNTIL(clock_ns() - t0 > 250000000ull, KT_WAIT_MS);
        quiet_ticks(3);
        KT_CHECK_EQ(atomic_load(&rec.n), 1);
    }
}

/* Message mode with the SINT held off by the TPR: the first expiration
 * sits in the slot, later ones fold into one queued message instead of
 * piling up; stopping the timer withdraws the queued one, and the message
 * still in the slot is recognised as stale. */
KTEST(pending, "hv.stimer_message_not_duplicated")
{
    enum hv_stimer_mode saved;
    if (!begin(&saved))
        return;
    if (hv_backend() != HV_BACKEND_MODEL || hv_stimer_set_mode(HV_STIMER_MESSAGE) != 0) {
        ktest_skip("needs the host model's message mode");
        return;
    }
    use_mode(HV_STIMER_MESSAGE);
    uint32_t vp = hv_vp_index(this_cpu()->index);
    struct hvsim_stats h0, h1;   /* this VP's: other VPs' timers land any time */
    uint64_t f = irq_save();
    hvsim_get_vp_stats(vp, &h0);
    irq_restore(f);
    struct hv_stimer_stats s0 = stats();

    sint_hold();   /* the tick's class 0xf still runs */
    KT_CHECK_EQ(hv_stimer_arm_periodic(10000000, on_fire, NULL), 0);
    uint32_t depth;
    uint64_t end = ktest_deadline_ns(KT_WAIT_MS);
    do {                                     /* until 6 expirations while held */
        f = irq_save();
        depth = hvsim_queue_depth(vp, HV_VMBUS_MESSAGE_SINT);
        hvsim_get_vp_stats(vp, &h1);
        irq_restore(f);
    } while (h1.timer_expired - h0.timer_expired < 6 && ktest_before(end));
    hv_stimer_stop();
    f = irq_save();
    uint32_t depth_after_stop = hvsim_queue_depth(vp, HV_VMBUS_MESSAGE_SINT);
    irq_restore(f);
    sint_release();
    quiet_ticks(3);

    struct hv_stimer_stats s1 = stats();
    ktest_note("%llu expirations while held, %llu coalesced, queue depth %u",
               (unsigned long long)(h1.timer_expired - h0.timer_expired),
               (unsigned long long)(h1.timer_coalesced - h0.timer_coalesced), depth);
    KT_CHECK(h1.timer_expired - h0.timer_expired >= 6);
    KT_CHECK_EQ(depth, 1);
    KT_CHECK(h1.timer_coalesced - h0.timer_coalesced >= 4);
    KT_CHECK_EQ(depth_after_stop, 0);
    KT_CHECK_EQ(atomic_load(&rec.n), 0);
    KT_CHECK_EQ(s1.fired - s0.fired, 0);
    KT_CHECK_EQ(s1.stale - s0.stale, 1);       /* the one from the slot */
}
