/* The one refusal mechanism: every refusal counted, the first few and then
 * one in REFUSE_LOG_EVERY logged, each line with the running count. */
#include <string.h>
#include "tests/host/check.h"
#include "tests/host/host_log.h"
#include "lib/refuse.h"

static void test_rate_limit(void)
{
    struct refusals r = { 0 };
    unsigned before = host_log_lines[LOG_WARN];
    for (unsigned i = 0; i < 3 * REFUSE_LOG_EVERY; i++)
        REFUSE(&r, "test", "relid %u out of range", 5000u);
    CHECK_EQ(refusals_seen(&r), 3 * REFUSE_LOG_EVERY);
    /* 1..8, then 1024, 2048 and 3072. */
    CHECK_EQ(host_log_lines[LOG_WARN] - before, REFUSE_LOG_FIRST + 3);
    CHECK(strstr(host_log_last, "refused: relid 5000 out of range (3072 refused)") != NULL);
}

static void test_count_says_when(void)
{
    struct refusals r = { 0 };
    uint64_t n = 0;
    for (unsigned i = 1; i <= REFUSE_LOG_FIRST; i++)
        CHECK(refusal_count(&r, &n) && n == i);
    CHECK(!refusal_count(&r, &n));
    CHECK_EQ(n, REFUSE_LOG_FIRST + 1);
    CHECK(!refusal_count(&r, NULL));
}

int main(void)
{
    RUN_TEST(test_rate_limit);
    RUN_TEST(test_count_says_when);
    CHECK_MAIN_END();
}
