/* Escaping untrusted text for the log: printable ASCII unchanged, control,
 * escape and high bytes as \xNN, quotes and backslashes escaped, and a cut
 * output that ends "..." rather than half an escape. */
#include <string.h>
#include "tests/host/check.h"
#include "lib/escape.h"

static void test_plain_unchanged(void)
{
    char out[64];
    CHECK_EQ(escape_text("timer_hz=1000 test=vmbus.*", out, sizeof out), 0);
    CHECK(strcmp(out, "timer_hz=1000 test=vmbus.*") == 0);
}

static void test_control_and_escape_bytes(void)
{
    char out[64];
    CHECK_EQ(escape_text("a\x1b[2Jb\x07\x7f\xff", out, sizeof out), 4);
    CHECK(strcmp(out, "a\\x1b[2Jb\\x07\\x7f\\xff") == 0);
}

static void test_quote_and_backslash(void)
{
    char out[64];
    CHECK_EQ(escape_text("x=\"a\\b\"", out, sizeof out), 3);
    CHECK(strcmp(out, "x=\\\"a\\\\b\\\"") == 0);
}

static void test_cut_never_splits_an_escape(void)
{
    char out[12];
    escape_text("abcdef\x1b\x1b\x1b\x1b", out, sizeof out);
    CHECK(strlen(out) < sizeof out);
    CHECK(strcmp(out + strlen(out) - 3, "...") == 0);
    CHECK(strstr(out, "\\x") == NULL || strstr(out, "\\x1b") != NULL);
    char exact[4];
    escape_text("abc", exact, sizeof exact);     /* fits exactly: no dots */
    CHECK(strcmp(exact, "abc") == 0);
    char tiny[1];
    escape_text("abc", tiny, sizeof tiny);
    CHECK_EQ(tiny[0], 0);
}

int main(void)
{
    RUN_TEST(test_plain_unchanged);
    RUN_TEST(test_control_and_escape_bytes);
    RUN_TEST(test_quote_and_backslash);
    RUN_TEST(test_cut_never_splits_an_escape);
    CHECK_MAIN_END();
}
