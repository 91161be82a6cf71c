#include "lib/escape.h"

static const char hex[] = "0123456789abcdef";

size_t escape_text(const char *in, char *out, size_t cap)
{
    size_t n = 0, escaped = 0;
    size_t mark = 0;   /* the last piece boundary with room for "..." after it */
    int cut = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        char e[4];
        size_t len = 0;
        if (*p == '\\' || *p == '"') {
            e[len++] = '\\';
            e[len++] = (char)*p;
        } else if (*p < 0x20 || *p >= 0x7f) {
            e[len++] = '\\';
            e[len++] = 'x';
            e[len++] = hex[*p >> 4];
            e[len++] = hex[*p & 15];
        } else {
            e[len++] = (char)*p;
        }
        if (len > 1)
            escaped++;
        if (cut)
            continue;
        if (n + len + 1 > cap) {
            cut = 1;
            continue;
        }
        for (size_t i = 0; i < len; i++)
            out[n++] = e[i];
        if (n + 4 <= cap)
            mark = n;
    }
    if (cap == 0)
        return escaped;
    if (cut) {
        n = mark;
        for (int i = 0; i < 3 && n + 1 < cap; i++)
            out[n++] = '.';
    }
    out[n] = 0;
    return escaped;
}
