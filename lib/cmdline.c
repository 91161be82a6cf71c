#include <string.h>
#include "lib/cmdline.h"

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '-';
}

static void note_malformed(struct cmdline *c, const char *w, size_t len)
{
    if (c->malformed++ == 0) {
        size_t n = len < sizeof c->first_malformed - 1 ? len : sizeof c->first_malformed - 1;
        memcpy(c->first_malformed, w, n);
        c->first_malformed[n] = 0;
    }
}

void cmdline_parse(struct cmdline *c, const char *text)
{
    memset(c, 0, sizeof *c);
    const char *p = text;
    while (p && *p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - w);
        const char *eq = memchr(w, '=', len);
        size_t klen = eq ? (size_t)(eq - w) : len;
        size_t vlen = eq ? len - klen - 1 : 1;
        bool ok = klen > 0 && klen < CMDLINE_KEY_MAX && vlen < CMDLINE_VALUE_MAX &&
                  c->count < CMDLINE_MAX_WORDS && (!eq || vlen > 0);
        for (size_t i = 0; ok && i < klen; i++)
            ok = is_key_char(w[i]);
        if (!ok) {
            note_malformed(c, w, len);
            continue;
        }
        struct cmdline_word *cw = &c->words[c->count++];
        memcpy(cw->key, w, klen);
        cw->key[klen] = 0;
        if (eq) {
            memcpy(cw->value, eq + 1, vlen);
            cw->value[vlen] = 0;
        } else {
            cw->value[0] = '1';
            cw->value[1] = 0;
        }
    }
}

const char *cmdline_get(const struct cmdline *c, const char *key)
{
    for (unsigned i = c->count; i-- > 0;)
        if (strcmp(c->words[i].key, key) == 0)
            return c->words[i].value;
    return NULL;
}

bool cmdline_parse_u64(const char *s, uint64_t *out)
{
    return s != NULL && cmdline_parse_u64_span(s, strlen(s), out);
}

/* Decimal, or hex after 0x, from s up to end; returns where the digits
 * stopped, or NULL for no digits at all or a value past 64 bits. */
static const char *parse_digits(const char *s, const char *end, uint64_t *out)
{
    unsigned base = 10;
    if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const char *digits = s;
    uint64_t v = 0;
    for (; s < end; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return NULL; /* overflow */
        v = v * base + d;
    }
    if (s == digits)
        return NULL;  /* "", "0x", "k": a suffix needs a number */
    *out = v;
    return s;
}

bool cmdline_parse_plain_u64(const char *s, uint64_t *out)
{
    if (s == NULL)
        return false;
    const char *end = s + strlen(s);
    uint64_t v;
    if (parse_digits(s, end, &v) != end)
        return false;
    *out = v;
    return true;
}

bool cmdline_parse_u64_span(const char *s, size_t len, uint64_t *out)
{
    if (!s || len == 0)
        return false;
    const char *end = s + len;
    bool hex = len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    uint64_t v;
    s = parse_digits(s, end, &v);
    if (s == NULL)
        return false;
    unsigned shift = 0;
    if (s < end && !hex) {
        switch (*s) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return false;
        }
        s++;
    }
    if (s != end)
        return false;
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    return true;
}

bool cmdline_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "1", "on", "yes", "true" };
    static const char *const no[] = { "0", "off", "no", "false" };
    for (unsigned i = 0; s && i < 4; i++) {
        if (strcmp(s, yes[i]) == 0) { *out = true; return true; }
        if (strcmp(s, no[i]) == 0) { *out = false; return true; }
    }
    return false;
}
