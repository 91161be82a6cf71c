/* In-kernel tests: registered in the .ktests section, selected by a glob on
 * the command line (test=apic.*), reported as TAP version 14 on serial. */
#ifndef SINTER_KERNEL_KTEST_H
#define SINTER_KERNEL_KTEST_H
#include <stdbool.h>
#include <stdint.h>

struct ktest {
    const char *name;
    void (*fn)(void);
    unsigned timeout_ms;   /* watchdog; 0 = default */
};

#define KTEST_DEFAULT_TIMEOUT_MS 10000

#define KTEST_T(id, tname, timeout)                                                   \
    static void ktest_fn_##id(void);                                                  \
    static const struct ktest ktest_##id __attribute__((used, section(".ktests"),     \
                                                        aligned(8))) = {              \
        tname, ktest_fn_##id, timeout };                                              \
    static void ktest_fn_##id(void)
#define KTEST(id, tname) KTEST_T(id, tname, 0)

/* Record a failure (the test goes on); the message becomes a TAP comment. */
void ktest_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A line of diagnostics for the TAP output ("# ..."). */
void ktest_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktest_skip(const char *reason);

#define KT_CHECK(cond) \
    do { if (!(cond)) ktest_fail(__FILE__, __LINE__, "check failed: %s", #cond); } while (0)
#define KT_CHECK_EQ(a, b)                                                                  \
    do {                                                                                   \
        unsigned long long kt_a_ = (unsigned long long)(a), kt_b_ = (unsigned long long)(b); \
        if (kt_a_ != kt_b_)                                                                \
            ktest_fail(__FILE__, __LINE__, "%s == 0x%llx, expected 0x%llx", #a, kt_a_, kt_b_); \
    } while (0)

/* Cleanup that must run however the test ends (pass, failed check,
 * watchdog, unexpected exception): the runner calls each fn(arg) after the
 * test, last registered first, in thread context with interrupts on. Up to
 * KTEST_MAX_DEFERS per test; one more fails the test and runs at once. */
#define KTEST_MAX_DEFERS 8
void ktest_defer(void (*fn)(void *), void *arg);

/* Bounded waits. KT_WAIT_UNTIL(cond, timeout_ms) polls cond (with
 * cpu_relax) until it holds or timeout_ms of clock time has passed, and
 * evaluates to whether it held. The timeout only bounds a broken run: give
 * seconds, never a value the test's result depends on (TCG under load may
 * not run the guest for a long while). */
uint64_t ktest_deadline_ns(unsigned timeout_ms);
bool ktest_before(uint64_t deadline_ns);   /* cpu_relax, then: still before it? */
#define KT_WAIT_UNTIL(cond, timeout_ms)                                          \
    __extension__({                                                              \
        uint64_t kt_dl_ = ktest_deadline_ns(timeout_ms);                         \
        bool kt_ok_;                                                             \
        for (;;) {                                                               \
            if ((kt_ok_ = !!(cond)))                                             \
                break;                                                           \
            if (!ktest_before(kt_dl_)) {                                         \
                kt_ok_ = !!(cond);                                               \
                break;                                                           \
            }                                                                    \
        }                                                                        \
        kt_ok_;                                                                  \
    })
/* The default bound for a wait on something the test itself caused. */
#define KT_WAIT_MS 5000

struct trap_catch;
/* Read and write back one byte at p: 1 if that raised #PF (details in *c). */
int ktest_write_faults(volatile void *p, struct trap_catch *c);

/* A count that must not grow while a test runs unless the test says it
 * will: the post-check after every test fails the test for each unexpected
 * one (the model registers its protocol violations under hvsim.strict=1). */
void ktest_watch(const char *what, uint64_t (*count)(void));
/* The running test causes n watched events on purpose. */
void ktest_expect_watched(uint64_t n);

/* Runs the tests matching glob; returns the number that failed. A glob
 * that selects no test is an error (logged, counted as one failure). */
unsigned ktest_run(const char *glob);
bool glob_match(const char *pattern, const char *s);

#endif
