/* lib/fmt.h: appends chain, the buffer is never overrun and always
 * terminated, and the returned offset is what the text would need. */
#include <string.h>
#include "tests/host/check.h"
#include "lib/fmt.h"

static void test_chain(void)
{
    char b[32];
    size_t at = fmt_str(b, sizeof b, 0, "vmbus=");
    at = fmt_uint(b, sizeof b, at, 5);
    at = fmt_str(b, sizeof b, at, ".");
    at = fmt_uint(b, sizeof b, at, 3);
    CHECK(strcmp(b, "vmbus=5.3") == 0);
    CHECK_EQ(at, 9);
    CHECK_EQ(fmt_uint(b, sizeof b, 0, 0), 1);
    CHECK(strcmp(b, "0") == 0);
    fmt_uint(b, sizeof b, 0, 18446744073709551615ul);
    CHECK(strcmp(b, "18446744073709551615") == 0);
}

static void test_cut(void)
{
    char b[8];
    memset(b, 'x', sizeof b);
    size_t at = fmt_str(b, 6, 0, "relid ");
    at = fmt_uint(b, 6, at, 2047);
    CHECK_EQ(at, 10);
    CHECK(strcmp(b, "relid") == 0);       /* 5 chars and the NUL */
    CHECK_EQ(b[6], 'x');                  /* nothing past n */
    CHECK_EQ(fmt_str(b, 0, 3, "abc"), 6);  /* n = 0: nothing written */
    CHECK_EQ(b[0], 'r');
}

int main(void)
{
    RUN_TEST(test_chain);
    RUN_TEST(test_cut);
    CHECK_MAIN_END();
}
