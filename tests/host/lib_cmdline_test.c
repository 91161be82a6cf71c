#include <string.h>
#include "tests/host/check.h"
#include "tests/host/u64_parse_cases.h"
#include "lib/cmdline.h"
#include "kernel/ktest.h"

static void test_words(void)
{
    struct cmdline c;
    cmdline_parse(&c, "  test=apic.*  exit   hv=sim trace=hv,vmbus ");
    CHECK_EQ(c.count, 4);
    CHECK_EQ(c.malformed, 0);
    CHECK(strcmp(cmdline_get(&c, "test"), "apic.*") == 0);
    CHECK(strcmp(cmdline_get(&c, "exit"), "1") == 0); /* bare key */
    CHECK(strcmp(cmdline_get(&c, "trace"), "hv,vmbus") == 0);
    CHECK(cmdline_get(&c, "missing") == NULL);
}

static void test_last_wins_and_malformed(void)
{
    struct cmdline c;
    cmdline_parse(&c, "hv=off =x a=b=c hv=sim k= bad!key=1");
    CHECK(strcmp(cmdline_get(&c, "hv"), "sim") == 0);
    CHECK(strcmp(cmdline_get(&c, "a"), "b=c") == 0);
    CHECK_EQ(c.malformed, 3); /* "=x", "k=", "bad!key=1" */
    CHECK(strcmp(c.first_malformed, "=x") == 0);
}

static void test_limits(void)
{
    struct cmdline c;
    char big[600];
    memset(big, 'v', sizeof big);
    memcpy(big, "key=", 4);
    big[sizeof big - 1] = 0;
    cmdline_parse(&c, big);
    CHECK_EQ(c.count, 0);
    CHECK_EQ(c.malformed, 1);
    char many[2000] = "";
    for (int i = 0; i < 40; i++)
        strcat(many, "a=1 ");
    cmdline_parse(&c, many);
    CHECK_EQ(c.count, CMDLINE_MAX_WORDS);
    CHECK_EQ(c.malformed, 40 - CMDLINE_MAX_WORDS);
    cmdline_parse(&c, "");
    CHECK_EQ(c.count, 0);
    cmdline_parse(&c, NULL);
    CHECK_EQ(c.count, 0);
}

static void test_numbers(void)
{
    uint64_t v = 7;
    CHECK(cmdline_parse_u64("100", &v) && v == 100);
    CHECK(cmdline_parse_u64("0x1F", &v) && v == 31);
    CHECK(cmdline_parse_u64("2G", &v) && v == 2ull << 30);
    v = 7;
    CHECK(!cmdline_parse_u64("abc", &v));
    CHECK(!cmdline_parse_u64("12q", &v));
    /* A suffix needs a number in front of it. */
    CHECK(!cmdline_parse_u64("k", &v) && v == 7);
    CHECK(!cmdline_parse_u64("G", &v));
    CHECK(!cmdline_parse_u64("0xk", &v));
    /* A field inside a longer string. */
    CHECK(cmdline_parse_u64_span("12,3", 2, &v) && v == 12);
    CHECK(cmdline_parse_u64_span("0x10/", 4, &v) && v == 16);
    CHECK(cmdline_parse_u64_span("4k", 2, &v) && v == 4096);
    CHECK(!cmdline_parse_u64_span("12", 0, &v));
    CHECK(!cmdline_parse_u64("99999999999999999999G", &v));
    CHECK(!cmdline_parse_u64("17179869184G", &v)); /* overflows on the shift */
    check_u64_parser_limits(cmdline_parse_u64);
    bool b = false;
    CHECK(cmdline_parse_bool("on", &b) && b);
    CHECK(cmdline_parse_bool("0", &b) && !b);
    CHECK(!cmdline_parse_bool("maybe", &b));
}

static void test_glob(void)
{
    CHECK(glob_match("*", "apic.self_ipi"));
    CHECK(glob_match("apic.*", "apic.self_ipi"));
    CHECK(!glob_match("apic.*", "timer.rate"));
    CHECK(glob_match("*.rate*", "timer.rate_vs_reference_clock"));
    CHECK(glob_match("a?c", "abc"));
    CHECK(!glob_match("a?c", "ac"));
    CHECK(glob_match("exact", "exact"));
    CHECK(!glob_match("exact", "exactly"));
    CHECK(glob_match("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
    CHECK(!glob_match("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int main(void)
{
    RUN_TEST(test_words);
    RUN_TEST(test_last_wins_and_malformed);
    RUN_TEST(test_limits);
    RUN_TEST(test_numbers);
    RUN_TEST(test_glob);
    CHECK_MAIN_END();
}
