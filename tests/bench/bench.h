/* Small helpers shared by the benchmark programs in tests/bench: a
 * monotonic clock, a median, and sinks that keep the compiler from deleting
 * work whose result nobody reads. Benchmarks report ratios of variants
 * measured side by side in one run, never absolute pass/fail times. */
#ifndef SINTER_TESTS_BENCH_H
#define SINTER_TESTS_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reps per measurement; the median is reported. */
#define BENCH_REPS 21

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The compiler may not move memory accesses across this, nor assume memory
 * it could not see is unchanged. */
#define bench_barrier() __asm__ __volatile__("" ::: "memory")

/* Results are folded in here so that no computation is dead. */
static volatile uint64_t bench_sink;

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v). */
static inline double bench_median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Deterministic PRNG (xorshift64*): the same event pattern every run. */
static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#define BENCH_FAIL(...) do { \
        fprintf(stderr, "bench: " __VA_ARGS__); \
        fputc('\n', stderr); \
        exit(1); \
    } while (0)

/* Instruction counts: the --callgrind modes bracket each measured run
 * with CALLGRIND_* requests (valgrind-dev's header; without it those modes
 * refuse to run, and the requests are no-ops so they still compile). */
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#else
#define HAVE_CALLGRIND 0
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_ZERO_STATS do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(label) ((void)(label))
#endif

/* main() of a benchmark: stdout line-buffered (the tables stream to
 * run.sh), then the timed run; with --callgrind the fixed-work run
 * instead, only under valgrind --tool=callgrind. */
static inline int bench_main(int argc, char **argv, int (*timed)(void), int (*callgrind)(void))
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "--callgrind") == 0) {
        if (!HAVE_CALLGRIND)
            BENCH_FAIL("built without <valgrind/callgrind.h>");
        if (!RUNNING_ON_VALGRIND)
            BENCH_FAIL("--callgrind: run me under valgrind --tool=callgrind");
        return callgrind();
    }
    return timed();
}

#endif
