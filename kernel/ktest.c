/* The test runner. Each test runs under a trap catch (an unexpected
 * exception fails that test, not the run) and a watchdog on the timer tick
 * (a test that hangs with interrupts enabled is cut off and failed). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/result.h"
#include "lib/escape.h"
#include "kernel/timer.h"
#include "kernel/clock.h"
#include "kernel/percpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/apic.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static unsigned failures;
static bool skipped;
static char skip_reason[96];
static struct trap_catch guard;
static volatile uint64_t deadline_ns;     /* 0: no test running */
static struct cpu *volatile runner_cpu;   /* the CPU the tests run on */
static volatile bool watchdog_fired;

static struct { void (*fn)(void *); void *arg; } defers[KTEST_MAX_DEFERS];
static unsigned n_defers;

static void out(const char *fmt, ...)
{
    char buf[300];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out("    # %s:%d: %s\n", file, line, msg);
    failures++;
}

void ktest_note(const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out("    # %s\n", msg);
}

void ktest_skip(const char *reason)
{
    skipped = true;
    snprintf(skip_reason, sizeof skip_reason, "%s", reason);
}

void ktest_defer(void (*fn)(void *), void *arg)
{
    if (n_defers == KTEST_MAX_DEFERS) {
        ktest_fail(__FILE__, __LINE__, "more than %u deferred cleanups", KTEST_MAX_DEFERS);
        fn(arg);
        return;
    }
    defers[n_defers].fn = fn;
    defers[n_defers].arg = arg;
    n_defers++;
}

static void run_defers(void)
{
    while (n_defers) {
        n_defers--;
        defers[n_defers].fn(defers[n_defers].arg);
    }
}

uint64_t ktest_deadline_ns(unsigned timeout_ms)
{
    return clock_ns() + (uint64_t)timeout_ms * 1000000ull;
}

bool ktest_before(uint64_t deadline)
{
    cpu_relax();
    return clock_ns() < deadline;
}

static void touch_byte(void *p)
{
    volatile uint8_t *b = p;
    *b = *b;
}

int ktest_write_faults(volatile void *p, struct trap_catch *c)
{
    return trap_expect(VEC_PF, touch_byte, (void *)(uintptr_t)p, c);
}

/* Timer hook: past the deadline, resume the runner at its catch point. Only
 * on the runner's CPU (another CPU's tick must never be redirected onto the
 * runner's stack), and only when the tick interrupted the test itself (not
 * another handler). The deadline is clock time, not a tick count: ticks
 * coalesce under load, and other CPUs may tick too. */
static void watchdog(struct trap_frame *f)
{
    uint64_t dl = deadline_ns;
    if (!dl || this_cpu() != runner_cpu || clock_ns() < dl || !guard.armed)
        return;
    if ((f->cs & 3) != 0)
        return;
    watchdog_fired = true;
    deadline_ns = 0;
    trap_catch_redirect(f, &guard);
}

/* Runs one test under the guard catch; false if it was cut short by an
 * exception or the watchdog. */
static __attribute__((noinline)) bool run_guarded(const struct ktest *const volatile t, volatile unsigned ms)
{
    irq_enable();
    trap_catch_set(&guard, -1);
    if (trap_catch_arm(&guard) != 0) {
        deadline_ns = 0;
        irq_enable();
        apic_set_tpr(0);
        return false;
    }
    deadline_ns = clock_ns() + (uint64_t)ms * 1000000ull;
    t->fn();
    deadline_ns = 0;
    trap_catch_clear();
    return true;
}

/* selftest.* fail on purpose, stress.* run for minutes: only a glob that
 * names them selects them, never test=all. */
static bool opt_in_only(const char *glob, const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(name, prefix, n) == 0 && strncmp(glob, prefix, n - 1) != 0;
}

static bool selected(const char *glob, const char *name)
{
    if (opt_in_only(glob, name, "selftest.") || opt_in_only(glob, name, "stress."))
        return false;
    return glob_match(glob, name);
}

/* Tests run in name order, whatever order the linker left them in. */
#define KTEST_MAX 512
static const struct ktest *order[KTEST_MAX];

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const struct ktest *const *)a)->name, (*(const struct ktest *const *)b)->name);
}

static const char *watch_what;
static uint64_t (*watch_count)(void);
static uint64_t watch_expected;

void ktest_watch(const char *what, uint64_t (*count)(void))
{
    watch_what = what;
    watch_count = count;
}

void ktest_expect_watched(uint64_t n) { watch_expected += n; }

static uint64_t watched(void) { return watch_count ? watch_count() : 0; }

/* The post-check: what the test caused beyond what it announced. */
static void post_check(uint64_t before)
{
    uint64_t grew = watched() - before;
    if (watch_count && grew != watch_expected)
        ktest_fail(__FILE__, __LINE__, "%s: %llu during this test, %llu expected (see the log)",
                   watch_what, (unsigned long long)grew, (unsigned long long)watch_expected);
}

unsigned ktest_run(const char *glob)
{
    if (strcmp(glob, "all") == 0 || strcmp(glob, "1") == 0)
        glob = "*";
    unsigned planned = 0, failed_tests = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end && planned < KTEST_MAX; t++)
        if (selected(glob, t->name))
            order[planned++] = t;
    qsort(order, planned, sizeof order[0], by_name);
    if (planned == 0) {
        /* A typo in CI must not look like a pass. */
        char shown[64];
        escape_text(glob, shown, sizeof shown);
        out("TAP version 14\nBail out! test=%s matches no test\n", shown);
        log_err("ktest", "test=%s matches no test", shown);
        result_set_tests(0, 1);
        return 1;
    }
    out("TAP version 14\n1..%u\n", planned);
    runner_cpu = this_cpu();
    uint64_t before_tests = watched();
    if (before_tests)
        out("# %s: %llu before the first test (boot)\n", watch_what,
            (unsigned long long)before_tests);
    /* Under a debugger a test may sit at a breakpoint for minutes. */
    const char *g = option_str("gdb");
    bool debugging = g && strcmp(g, "wait") == 0;
    if (debugging)
        out("# gdb=wait: test watchdog off\n");
    else
        timer_set_hook(watchdog);
    for (unsigned n = 1; n <= planned; n++) {
        const struct ktest *t = order[n - 1];
        failures = 0;
        skipped = false;
        watchdog_fired = false;
        unsigned ms = t->timeout_ms ? t->timeout_ms : KTEST_DEFAULT_TIMEOUT_MS;
        uint64_t t0 = clock_ns();
        uint64_t watched0 = watched();
        watch_expected = 0;
        if (!run_guarded(t, ms)) {
            if (watchdog_fired)
                ktest_fail(__FILE__, __LINE__, "watchdog: no result after %u ms", ms);
            else
                ktest_fail(__FILE__, __LINE__, "unexpected %s at rip 0x%llx (error 0x%llx, cr2 0x%llx)",
                           exception_name((unsigned)guard.seen.vector),
                           (unsigned long long)guard.seen.rip, (unsigned long long)guard.seen.error,
                           (unsigned long long)guard.cr2);
        }
        run_defers();   /* pass or fail, cut short or not */
        uint64_t ms_taken = (clock_ns() - t0) / 1000000;
        if (!skipped)
            post_check(watched0);
        if (failures) {
            failed_tests++;
            out("not ok %u - %s # time=%llums\n", n, t->name, (unsigned long long)ms_taken);
        } else if (skipped) {
            out("ok %u - %s # SKIP %s\n", n, t->name, skip_reason);
        } else {
            out("ok %u - %s # time=%llums\n", n, t->name, (unsigned long long)ms_taken);
        }
    }
    timer_set_hook(NULL);
    /* Violations during boot belong to no test, but still fail the run. */
    if (before_tests)
        failed_tests++;
    out("# %u of %u test(s) failed\n", failed_tests, planned);
    result_set_tests(planned, failed_tests);
    return failed_tests;
}
