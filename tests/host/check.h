/* Minimal host unit-test harness. Each test binary prints one line per test,
 * "ok - name" or "not ok - name", and exits non-zero if any failed;
 * tests/run-all.sh counts the lines. */
#ifndef SINTER_TESTS_CHECK_H
#define SINTER_TESTS_CHECK_H
#include <stdio.h>
#include <stdlib.h>

extern int check_failed_in_test;
extern int check_total_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                        \
            check_failed_in_test = 1;                                        \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        unsigned long long check_a_ = (unsigned long long)(a);               \
        unsigned long long check_b_ = (unsigned long long)(b);               \
        if (check_a_ != check_b_) {                                          \
            fprintf(stderr, "  %s:%d: CHECK_EQ failed: %s (0x%llx) != %s (0x%llx)\n", \
                    __FILE__, __LINE__, #a, check_a_, #b, check_b_);         \
            check_failed_in_test = 1;                                        \
        }                                                                    \
    } while (0)

#define RUN_TEST(fn)                                                         \
    do {                                                                     \
        check_failed_in_test = 0;                                            \
        fn();                                                                \
        printf("%s - %s\n", check_failed_in_test ? "not ok" : "ok", #fn);    \
        fflush(stdout);                                                      \
        check_total_failed += check_failed_in_test;                          \
    } while (0)

#define CHECK_MAIN_END() return check_total_failed ? 1 : 0

#endif
