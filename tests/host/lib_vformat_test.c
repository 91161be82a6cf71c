/* lib/vformat.c against the host C library's vsnprintf: a table of the
 * directives the kernel uses, then random directives (flags, width,
 * precision, length, conversion) with random values, each at several buffer
 * sizes so truncation and the return value are compared too. */
/* The table uses flags C defines as ignored ('+' on %u, '0' with '-' or a
 * precision) on purpose, and the random test builds its formats at run time. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "lib/vformat.h"
#include "tests/host/check.h"

static int ours(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vformat(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

/* Format with both at sizes 0, 1, 5 and 256; report the first difference. */
#define SAME(...)                                                                    \
    do {                                                                             \
        static const size_t sizes_[] = { 0, 1, 5, 256 };                            \
        for (unsigned i_ = 0; i_ < 4; i_++) {                                        \
            char a_[256], b_[256];                                                   \
            memset(a_, 'x', sizeof a_);                                              \
            memset(b_, 'x', sizeof b_);                                              \
            int ra_ = ours(a_, sizes_[i_], __VA_ARGS__);                             \
            int rb_ = snprintf(b_, sizes_[i_], __VA_ARGS__);                         \
            if (ra_ != rb_ || memcmp(a_, b_, sizeof a_) != 0) {                      \
                fprintf(stderr, "  size %zu: %s: ours %d \"%.*s\", libc %d \"%.*s\"\n", \
                        sizes_[i_], #__VA_ARGS__, ra_, ra_ < 0 ? 0 : ra_ > 255 ? 255 : ra_, a_, \
                        rb_, rb_ < 0 ? 0 : rb_ > 255 ? 255 : rb_, b_);               \
                check_failed_in_test = 1;                                            \
                break;                                                               \
            }                                                                        \
        }                                                                            \
    } while (0)

static void test_table(void)
{
    SAME("plain text, no directive");
    SAME("%d %u %x %X %o %c %s %%", -42, 42u, 0xbeefu, 0xbeefu, 8u, 'z', "hv");
    SAME("%5s|%-5s|%.2s|%-26s|%13s|%.24s", "ok", "ok", "okay", "left", "right", "cut");
    SAME("%02x %08x %016lx %016llx %03x", 5u, 0xabcu, 0x1234ul, 0xfedcba9876543210ull, 7u);
    SAME("%lu %llu %zu %ld %lld %jd %td", 1ul << 63, ~0ull, (size_t)17, -1l, -(1ll << 62),
         (intmax_t)-5, (ptrdiff_t)-9);
    SAME("%d %d %d", 0, INT32_MIN, INT32_MAX);
    SAME("%ld %lld", (long)INT64_MIN, (long long)INT64_MAX);
    SAME("%hd %hu %hhd %hhu %hx", 70000, 70000, 300, 300, 0x12345);
    SAME("%+d %+d % d % d %+u", 5, -5, 5, -5, 5u);
    SAME("%#x %#X %#o %#x %#o %#.0o", 0x1fu, 0x1fu, 8u, 0u, 0u, 0u);
    SAME("%.0u|%.0d|%.3u|%.3d|%5.3d|%-5.3d|%05d|%-05d|%05.2d", 0u, 0, 7u, -7, -7, -7, -7, -7, 3);
    SAME("%*d|%-*d|%*d|%.*u|%.*s|%.*d", 6, 42, 6, 42, -6, 42, 4, 9u, 2, "abc", -1, 5);
    SAME("%p %p", (void *)0x1000, (void *)0xffffffff80000000ull);
    SAME("%8p|%-20p|", (void *)0xabc, (void *)0xabc);
    SAME("%5c|%-3c|", 'a', 'b');
    SAME("%s", "");
    SAME("%08.3x|%-#10x|%#010x", 0xau, 0xau, 0xau);
}

/* Directives the engine does not take are copied as written. */
static void test_not_ours(void)
{
    char buf[64];
    CHECK_EQ(ours(buf, sizeof buf, "a %f b %q %", 1), 11);
    CHECK(strcmp(buf, "a %f b %q %") == 0);
    CHECK_EQ(ours(buf, sizeof buf, "%s", (const char *)NULL), 6);
    CHECK(strcmp(buf, "(null)") == 0);
    CHECK_EQ(ours(buf, sizeof buf, "%p", (void *)0), 3);   /* newlib's; glibc says (nil) */
    CHECK(strcmp(buf, "0x0") == 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_random(void)
{
    static const char *const flags[] = { "", "-", "0", "+", " ", "#", "-0", "0#", "+ ", "-#" };
    static const char *const lens[] = { "", "h", "hh", "l", "ll", "z", "j", "t" };
    static const char convs[] = "diuxXo";
    for (int n = 0; n < 200000; n++) {
        char fmt[64];
        uint64_t r = next();
        const char *len = lens[r % 8];
        char conv = convs[(r >> 3) % 6];
        const char *fl = flags[(r >> 6) % 10];
        char width[8] = "", prec[8] = "";
        if ((r >> 10) & 1)
            snprintf(width, sizeof width, "%u", (unsigned)((r >> 11) % 30));
        if ((r >> 16) & 1)
            snprintf(prec, sizeof prec, ".%u", (unsigned)((r >> 17) % 25));
        snprintf(fmt, sizeof fmt, "<%%%s%s%s%s%c>", fl, width, prec, len, conv);
        uint64_t v = next();
        if ((r >> 30) % 4 == 0)
            v %= 100;           /* small values and zero often */
        if (!strcmp(len, "l") || !strcmp(len, "ll") || !strcmp(len, "z") ||
            !strcmp(len, "j") || !strcmp(len, "t"))
            SAME(fmt, v);
        else
            SAME(fmt, (unsigned)v);
        if (check_failed_in_test) {
            fprintf(stderr, "  format %s, value 0x%llx\n", fmt, (unsigned long long)v);
            return;
        }
    }
}

int main(void)
{
    RUN_TEST(test_table);
    RUN_TEST(test_not_ours);
    RUN_TEST(test_random);
    CHECK_MAIN_END();
}
