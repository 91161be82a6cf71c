/* A one-line terminal for testing the line editor: it interprets what the
 * editor writes (printable characters, '\b', '\n') the way a VT100 or the
 * framebuffer console does, so a test can check that what the user sees is
 * the prompt followed by the line, with the cursor where the editor thinks. */
#ifndef SINTER_TESTS_SHELL_TERM_H
#define SINTER_TESTS_SHELL_TERM_H
#include <stdbool.h>
#include <stddef.h>
#include "lib/shell/line_edit.h"

struct shell_term {
    char row[256];       /* the current screen row */
    unsigned col;
    unsigned used;       /* columns written since the row was blank */
    unsigned newlines;
    bool bad;            /* an unexpected byte or the cursor left the row */
    char out[8192];      /* everything written, for tests that read it */
    size_t out_len;
};

void shell_term_reset(struct shell_term *t);
void shell_term_write(void *ctx, const char *s, size_t n);
/* Does the row show prompt + e->buf (blanks after it) with the cursor at
 * strlen(prompt) + e->cur? */
bool shell_term_matches(const struct shell_term *t, const struct line_edit *e);

#endif
