/* The console's command language: a line is split into words, the first
 * names a command from a table, the rest are checked against that command's
 * argument list (numbers in decimal or 0x hex within a range, one word from
 * a fixed choice, or a free word) before the command runs, so a command
 * only ever sees values it asked for. Anything else gets one line saying
 * what was wrong. Hardware-free: the kernel supplies the table and an
 * output function; host tests and the fuzzer supply theirs. */
#ifndef SINTER_LIB_SHELL_SHELL_H
#define SINTER_LIB_SHELL_SHELL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_MAX_ARGS 4
#define SHELL_MAX_WORDS 8

enum shell_arg_kind {
    SHELL_ARG_NUM,      /* min..max, or min..limit()-1 when limit is set */
    SHELL_ARG_CHOICE,   /* one of choices, '|'-separated ("on|off") */
    SHELL_ARG_WORD,     /* any word */
};

struct shell_arg {
    const char *name;               /* shown in usage lines: <name> */
    enum shell_arg_kind kind;
    uint64_t min, max;
    uint64_t (*limit)(void);        /* run-time bound (CPU count, relids): max = limit() - 1 */
    const char *choices;
    bool optional;                  /* may be left out (only at the end) */
};

/* One parsed argument. */
struct shell_value {
    bool given;
    uint64_t num;                   /* SHELL_ARG_NUM */
    unsigned choice;                /* SHELL_ARG_CHOICE: index into choices */
    const char *word;               /* the word as typed (every kind) */
};

struct shell;
struct shell_cmd {
    const char *name;
    const char *help;               /* one line */
    const struct shell_arg *args;   /* nargs of them (SHELL_ARGS), at most SHELL_MAX_ARGS */
    unsigned nargs;
    void (*run)(struct shell *sh, const struct shell_value *v);
};

/* A command's argument list and its count, taken from the list itself
 * (a static array per command: no unused slots stored in the image).
 *   { "ipi", "help", SHELL_ARGS({ "cpu", SHELL_ARG_NUM, ... }), run } */
#define SHELL_ARGS(...) (const struct shell_arg[]){ __VA_ARGS__ }, \
    (unsigned)(sizeof((const struct shell_arg[]){ __VA_ARGS__ }) / sizeof(struct shell_arg))
#define SHELL_NO_ARGS NULL, 0

typedef void (*shell_write_fn)(void *ctx, const char *s, size_t n);

struct shell {
    const struct shell_cmd *const *cmds;   /* NULL-terminated */
    shell_write_fn write;
    void *ctx;
};

/* printf to the shell's output. */
void shell_printf(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse and run one line (modified in place: words are cut out of it).
 * Returns true when a command ran, false for an empty line or an error
 * (its one-line message already written). */
bool shell_exec(struct shell *sh, char *line);
/* The command called name, or NULL. */
const struct shell_cmd *shell_find(const struct shell *sh, const char *name);
/* The i-th command name, NULL past the end (line_edit's completion). */
const char *shell_cmd_name(const struct shell *sh, unsigned i);
/* "idt <vector>" into buf. */
void shell_usage(const struct shell_cmd *c, char *buf, size_t n);
/* The built-in `help`: every command with its usage and help line, or one. */
void shell_help(struct shell *sh, const char *name);

/* Decimal or 0x hex, no sign, no overflow; false on anything else. */
bool shell_parse_u64(const char *s, uint64_t *out);
/* The index of word among '|'-separated choices, or -1. */
int shell_choice_index(const char *choices, const char *word);

#endif
