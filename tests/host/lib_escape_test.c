/* Escaping untrusted text for the log: printable ASCII unchanged, control,
 * escape and high bytes as \xNN, quotes and backslashes escaped, and a cut
 * output that ends "..." rather than half an escape. */
#include <string.h>
#include "tests/host/check.h"
#include "lib/escape.h"

/* Escapes `in` into a roomy buffer: `escapes` bytes must be escaped and the
 * text must come out as `want`. */
static void check_escaped(const char *in, int escapes, const char *want)
{
    char out[64];
    CHECK_EQ(escape_text(in, out, sizeof out), escapes);
    CHECK(strcmp(out, want) == 0);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "  escaped to '%s', wanted '%s'\n", out, want);
}

static void test_plain_unchanged(void)
{
    check_escaped("timer_hz=1000 test=vmbus.*", 0, "timer_hz=1000 test=vmbus.*");
}

static void test_control_and_escape_bytes(void)
{
    check_escaped("a\x1b[2Jb\x07\x7f\xff", 4, "a\\x1b[2Jb\\x07\\x7f\\xff");
}

static void test_quote_and_backslash(void)
{
    check_escaped("x=\"a\\b\"", 3, "x=\\\"a\\\\b\\\"");
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
