/* The kernel's printf engine: integers, characters and strings, C's rules
 * for flags, width and precision. It replaces newlib's integer engine
 * (vsniprintf, about 6 KB) for the image target (docs/bench.md); it is
 * hardware-free and tested against the host C library's vsnprintf under
 * ASan/UBSan (tests/host/vformat_test.c). */
#include <stdbool.h>
#include <stdint.h>
#include "lib/vformat.h"

struct out {
    char *buf;
    size_t size, len;   /* len counts every byte, stored or not */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero, plus, space, alt;
    int width, prec;    /* prec < 0: none given */
};

/* One converted field: sign/prefix, zeros for precision, digits, padded. */
static void field(struct out *o, const struct spec *s, const char *prefix, const char *body,
                  int blen)
{
    int plen = 0;
    while (prefix[plen])
        plen++;
    int zeros = s->prec > blen ? s->prec - blen : 0;
    int fill = s->width - plen - zeros - blen;
    if (s->zero && !s->left && s->prec < 0) {
        zeros += fill > 0 ? fill : 0;
        fill = 0;
    }
    if (!s->left)
        pad(o, ' ', fill);
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    pad(o, '0', zeros);
    for (int i = 0; i < blen; i++)
        put(o, body[i]);
    if (s->left)
        pad(o, ' ', fill);
}

static void integer(struct out *o, const struct spec *s, uintmax_t v, bool neg, unsigned base,
                    bool upper, char conv)
{
    char digits[24];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    uintmax_t left = v;
    while (left) {
        digits[sizeof digits - 1 - n++] = set[left % base];
        left /= base;
    }
    if (v == 0 && s->prec != 0)
        digits[sizeof digits - 1 - n++] = '0';  /* %.0u of 0 prints nothing (C11 7.21.6.1) */
    const char *prefix = "";
    if (neg)
        prefix = "-";
    else if (conv == 'd' && s->plus)
        prefix = "+";
    else if (conv == 'd' && s->space)
        prefix = " ";
    else if (s->alt && base == 16 && v)
        prefix = upper ? "0X" : "0x";
    else if (conv == 'p')
        prefix = "0x";
    else if (s->alt && base == 8 && s->prec <= n && (n == 0 || digits[sizeof digits - n] != '0'))
        prefix = "0";       /* %#o: the first digit is a zero */
    field(o, s, prefix, digits + sizeof digits - n, n);
}

static int number(const char **f, va_list *ap)
{
    if (**f == '*') {
        (*f)++;
        return va_arg(*ap, int);
    }
    int n = 0;
    for (; **f >= '0' && **f <= '9'; (*f)++)
        if (n < 100000)
            n = n * 10 + (**f - '0');
    return n;
}

int vformat(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        const char *start = f++;
        struct spec s = { .prec = -1 };
        for (;; f++) {
            if (*f == '-') s.left = true;
            else if (*f == '0') s.zero = true;
            else if (*f == '+') s.plus = true;
            else if (*f == ' ') s.space = true;
            else if (*f == '#') s.alt = true;
            else break;
        }
        s.width = number(&f, &ap);
        if (s.width < 0) {          /* a negative '*' width means '-' */
            s.left = true;
            s.width = -s.width;
        }
        if (*f == '.') {
            f++;
            s.prec = number(&f, &ap);
            if (s.prec < 0)
                s.prec = -1;        /* a negative '*' precision is none */
        }
        int lng = 0;                /* -2 hh, -1 h, 1 l, 2 ll/j/z/t */
        for (;; f++) {
            if (*f == 'h') lng = lng == -1 ? -2 : -1;
            else if (*f == 'l') lng++;
            else if (*f == 'j' || *f == 'z' || *f == 't') lng = 2;
            else break;
        }
        char c = *f;
        switch (c) {
        case 'd':
        case 'i': {
            intmax_t v = lng >= 1 ? (lng == 1 ? va_arg(ap, long) : va_arg(ap, long long))
                                  : va_arg(ap, int);
            if (lng == -1) v = (short)v;
            if (lng == -2) v = (signed char)v;
            uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
            integer(&o, &s, mag, v < 0, 10, false, 'd');
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uintmax_t v = lng >= 1 ? (lng == 1 ? va_arg(ap, unsigned long)
                                               : va_arg(ap, unsigned long long))
                                   : va_arg(ap, unsigned);
            if (lng == -1) v = (unsigned short)v;
            if (lng == -2) v = (unsigned char)v;
            unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
            integer(&o, &s, v, false, base, c == 'X', c);
            break;
        }
        case 'p':
            s.alt = false;
            integer(&o, &s, (uintptr_t)va_arg(ap, void *), false, 16, false, 'p');
            break;
        case 'c': {
            char ch = (char)va_arg(ap, int);
            s.prec = -1;
            s.zero = false;
            field(&o, &s, "", &ch, 1);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int n = 0;
            while (str[n] && (s.prec < 0 || n < s.prec))
                n++;
            s.prec = -1;
            s.zero = false;
            field(&o, &s, "", str, n);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default:
            /* Not ours (floating point among them): print the directive as
             * written, take no argument, so the rest stays in step only when
             * it took none. A format string with one is a bug a reader sees. */
            for (const char *p = start; p <= f && *p; p++)
                put(&o, *p);
            if (!c)
                f--;
            break;
        }
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}
