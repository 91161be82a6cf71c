/* Kernel command line: space-separated `key=value` words (a bare `key`
 * means key=1). Hardware-free and host-tested. */
#ifndef SINTER_LIB_CMDLINE_H
#define SINTER_LIB_CMDLINE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define CMDLINE_MAX_WORDS 32
#define CMDLINE_KEY_MAX 32
#define CMDLINE_VALUE_MAX 128

struct cmdline_word { char key[CMDLINE_KEY_MAX]; char value[CMDLINE_VALUE_MAX]; };

struct cmdline {
    struct cmdline_word words[CMDLINE_MAX_WORDS];
    unsigned count;
    unsigned malformed;        /* words that were dropped */
    char first_malformed[64];  /* the first of them, for the warning */
};

void cmdline_parse(struct cmdline *c, const char *text);
/* The last value given for key, or NULL. */
const char *cmdline_get(const struct cmdline *c, const char *key);

/* Value parsers: return false (leaving *out alone) on malformed input. */
bool cmdline_parse_u64(const char *s, uint64_t *out);   /* decimal or 0x hex; k/m/g suffix */
bool cmdline_parse_plain_u64(const char *s, uint64_t *out); /* the same without a suffix */
/* The same for the len bytes at s (a field inside a longer string). */
bool cmdline_parse_u64_span(const char *s, size_t len, uint64_t *out);
bool cmdline_parse_bool(const char *s, bool *out);      /* 1/0, on/off, yes/no, true/false */

#endif
