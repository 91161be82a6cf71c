/* Splitting a line into words, finding the command, checking every argument
 * against its declaration, and the one-line messages for what is wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/shell/shell.h"

void shell_printf(struct shell *sh, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    sh->write(sh->ctx, buf, (size_t)n);
}

/* The kernel's one number parser, without the command line's k/m/g. */
bool shell_parse_u64(const char *s, uint64_t *out)
{
    return cmdline_parse_plain_u64(s, out);
}

int shell_choice_index(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int i = 0;
    for (const char *p = choices; p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == wl && strncmp(p, word, len) == 0)
            return i;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

const struct shell_cmd *shell_find(const struct shell *sh, const char *name)
{
    for (const struct shell_cmd *const *c = sh->cmds; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            return *c;
    return NULL;
}

const char *shell_cmd_name(const struct shell *sh, unsigned i)
{
    for (unsigned k = 0; sh->cmds[k]; k++)
        if (k == i)
            return sh->cmds[k]->name;
    return NULL;
}

void shell_usage(const struct shell_cmd *c, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "%s", c->name);
    for (unsigned i = 0; i < c->nargs && k < n; i++) {
        const struct shell_arg *a = &c->args[i];
        const char *open = a->optional ? "[" : "<", *close = a->optional ? "]" : ">";
        const char *label = a->kind == SHELL_ARG_CHOICE ? a->choices : a->name;
        k += (size_t)snprintf(buf + k, n - k, " %s%s%s", open, label, close);
    }
}

void shell_help(struct shell *sh, const char *name)
{
    char usage[96];
    for (const struct shell_cmd *const *c = sh->cmds; *c; c++) {
        if (name && strcmp((*c)->name, name) != 0)
            continue;
        shell_usage(*c, usage, sizeof usage);
        shell_printf(sh, "  %-26s %s\n", usage, (*c)->help);
    }
}

/* Check one word against its declaration; false after printing why not. */
static bool check_arg(struct shell *sh, const struct shell_cmd *c, const struct shell_arg *a,
                      const char *word, struct shell_value *v)
{
    v->given = true;
    v->word = word;
    switch (a->kind) {
    case SHELL_ARG_NUM: {
        uint64_t max = a->max;
        if (a->limit) {
            uint64_t lim = a->limit();
            if (lim == 0) {
                shell_printf(sh, "%s: no <%s> exists here\n", c->name, a->name);
                return false;
            }
            max = lim - 1;
        }
        if (!shell_parse_u64(word, &v->num)) {
            shell_printf(sh, "%s: bad number '%s' for <%s>\n", c->name, word, a->name);
            return false;
        }
        if (v->num < a->min || v->num > max) {
            shell_printf(sh, "%s: <%s> %s out of range %llu..%llu\n", c->name, a->name, word,
                         (unsigned long long)a->min, (unsigned long long)max);
            return false;
        }
        return true;
    }
    case SHELL_ARG_CHOICE: {
        int i = shell_choice_index(a->choices, word);
        if (i < 0) {
            shell_printf(sh, "%s: '%s' is not one of %s\n", c->name, word, a->choices);
            return false;
        }
        v->choice = (unsigned)i;
        return true;
    }
    case SHELL_ARG_WORD:
        return true;
    }
    return false;
}

bool shell_exec(struct shell *sh, char *line)
{
    char *words[SHELL_MAX_WORDS + 1];
    unsigned n = 0;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        if (n == SHELL_MAX_WORDS + 1)
            break;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (n == 0)
        return false;
    const struct shell_cmd *c = shell_find(sh, words[0]);
    if (!c) {
        /* A word of noise can be long: quote at most 24 characters of it. */
        shell_printf(sh, "unknown command '%.24s' (type help)\n", words[0]);
        return false;
    }
    if (c->nargs > SHELL_MAX_ARGS) {   /* a table bug, not input: say so, never overrun v */
        shell_printf(sh, "%s: declares %u arguments, more than %u\n", c->name, c->nargs,
                     (unsigned)SHELL_MAX_ARGS);
        return false;
    }
    unsigned required = 0;
    for (unsigned i = 0; i < c->nargs; i++)
        if (!c->args[i].optional)
            required = i + 1;
    if (n - 1 < required || n - 1 > c->nargs) {
        char usage[96];
        shell_usage(c, usage, sizeof usage);
        shell_printf(sh, "usage: %s\n", usage);
        return false;
    }
    struct shell_value v[SHELL_MAX_ARGS];
    memset(v, 0, sizeof v);
    for (unsigned i = 0; i + 1 < n; i++)
        if (!check_arg(sh, c, &c->args[i], words[i + 1], &v[i]))
            return false;
    c->run(sh, v);
    return true;
}
