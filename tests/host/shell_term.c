#include <string.h>
#include "tests/host/shell_term.h"

void shell_term_reset(struct shell_term *t)
{
    memset(t->row, ' ', sizeof t->row);
    t->col = t->used = t->newlines = 0;
    t->bad = false;
    t->out_len = 0;
    t->out[0] = 0;
}

void shell_term_write(void *ctx, const char *s, size_t n)
{
    struct shell_term *t = ctx;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (t->out_len < sizeof t->out - 1)
            t->out[t->out_len++] = ch;
        t->out[t->out_len] = 0;
        if (ch == '\n') {
            memset(t->row, ' ', t->used);
            t->col = t->used = 0;
            t->newlines++;
        } else if (ch == '\b') {
            if (t->col == 0)
                t->bad = true;
            else
                t->col--;
        } else if (ch >= 0x20 && ch < 0x7f) {
            if (t->col >= sizeof t->row)
                t->bad = true;
            else
                t->row[t->col++] = ch;
            if (t->col > t->used)
                t->used = t->col;
        } else {
            t->bad = true;
        }
    }
}

bool shell_term_matches(const struct shell_term *t, const struct line_edit *e)
{
    size_t pl = strlen(e->prompt);
    if (t->bad || pl + e->len > sizeof t->row)
        return false;
    if (memcmp(t->row, e->prompt, pl) != 0 || memcmp(t->row + pl, e->buf, e->len) != 0)
        return false;
    for (size_t i = pl + e->len; i < t->used; i++)
        if (t->row[i] != ' ')
            return false;
    return t->col == pl + e->cur;
}
