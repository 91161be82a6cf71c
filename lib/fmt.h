/* The one small string builder of the hardware-free code (which has no
 * stdio): append a string or a decimal number at offset `at` of a buffer
 * of n bytes. The result is always NUL-terminated and cut at the end of the
 * buffer; the return value is the offset after the append as if it had fit,
 * so calls chain: at = fmt_str(buf, n, at, "x="); at = fmt_uint(...). */
#ifndef SINTER_LIB_FMT_H
#define SINTER_LIB_FMT_H
#include <stddef.h>

static inline size_t fmt_str(char *buf, size_t n, size_t at, const char *s)
{
    for (; s && *s; s++, at++)
        if (at + 1 < n)
            buf[at] = *s;
    if (n)
        buf[at < n ? at : n - 1] = '\0';
    return at;
}

static inline size_t fmt_uint(char *buf, size_t n, size_t at, unsigned long v)
{
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (int i = 0; i < nd; i++)
        out[i] = digits[nd - 1 - i];
    out[nd] = '\0';
    return fmt_str(buf, n, at, out);
}

#endif
