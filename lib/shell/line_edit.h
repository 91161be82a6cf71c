/* A line editor for a dumb serial terminal, fed one byte at a time: insert
 * and delete anywhere in the line, cursor keys (VT100 arrows, Ctrl-A/E/B/F),
 * Ctrl-U/K/W to cut, history (Up/Down, Ctrl-P/N), Tab completion of the
 * first word, Ctrl-C to abandon the line. Its output uses only printable
 * characters, '\b' (cursor left) and '\n' (the console's write turns it into
 * CR LF), so the same bytes draw right on a VT100 and on the framebuffer
 * console: no escape sequences to interpret. Hardware-free, host-tested. */
#ifndef SINTER_LIB_SHELL_LINE_EDIT_H
#define SINTER_LIB_SHELL_LINE_EDIT_H
#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX_LEN 120       /* characters a line can hold */
#define LINE_HISTORY 16        /* lines remembered */

typedef void (*line_write_fn)(void *ctx, const char *s, size_t n);
/* Candidates for completing the first word: the i-th name (i = 0, 1, ...)
 * or NULL after the last. */
typedef const char *(*line_complete_fn)(void *ctx, unsigned i);

struct line_edit {
    line_write_fn write;
    line_complete_fn complete;
    void *ctx;
    const char *prompt;
    char buf[LINE_MAX_LEN + 1];         /* the line being edited */
    char line[LINE_MAX_LEN + 1];        /* the line Enter completed */
    unsigned len, cur;                  /* characters in buf; cursor position */
    char history[LINE_HISTORY][LINE_MAX_LEN + 1];
    unsigned hist_count, hist_next;     /* entries held; slot the next one goes to */
    unsigned hist_pos;                  /* 0 = editing a new line, k = k-th newest */
    char saved[LINE_MAX_LEN + 1];       /* the new line while browsing history */
    enum { ESC_NONE, ESC_GOT_ESC, ESC_GOT_CSI } esc;
    unsigned csi_param;                 /* digits of ESC [ n ~ */
    bool last_cr;                       /* "\r\n" is one Enter */
};

void line_edit_init(struct line_edit *e, const char *prompt, line_write_fn write,
                    line_complete_fn complete, void *ctx);
/* Print the prompt (and the line being edited, e.g. after other output). */
void line_edit_redraw(struct line_edit *e);
/* Feed one input byte. Returns true when Enter completed a line: it is then
 * in e->line (NUL-terminated, already in the history if non-empty) and the
 * editor holds a fresh empty line; the caller runs it, then redraws. */
bool line_edit_feed(struct line_edit *e, unsigned char ch);

#endif
