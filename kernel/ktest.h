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
            ktest_fail(__FILE__, __LINE__, "%s == 0x%llx, expected %s == 0x%llx", #a, kt_a_, #b, kt_b_); \
    } while (0)

struct trap_catch;
/* Read and write back one byte at p: 1 if that raised #PF (details in *c). */
int ktest_write_faults(volatile void *p, struct trap_catch *c);

/* A count that must not grow while a test runs unless the test says it
 * will: the post-check after every test fails the test for each unexpected
 * one (the model registers its protocol violations under hvsim.strict=1). */
void ktest_watch(const char *what, uint64_t (*count)(void));
/* The running test causes n watched events on purpose. */
void ktest_expect_watched(uint64_t n);

/* Runs the tests matching glob; returns the number that failed. */
unsigned ktest_run(const char *glob);
bool glob_match(const char *pattern, const char *s);

#endif
