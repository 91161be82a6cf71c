/* The line editor: every edit changes buf, then repaints the screen from the
 * first changed column with plain characters and backspaces. */
#include <string.h>
#include "lib/shell/line_edit.h"

enum {
    CTRL_A = 1, CTRL_B = 2, CTRL_C = 3, CTRL_D = 4, CTRL_E = 5, CTRL_F = 6, BS = 8, TAB = 9,
    CTRL_K = 11, CTRL_L = 12, CTRL_N = 14, CTRL_P = 16, CTRL_U = 21, CTRL_W = 23, ESC = 27, DEL = 127,
};

static void emit(struct line_edit *e, const char *s, size_t n)
{
    if (n)
        e->write(e->ctx, s, n);
}

static void emit_repeat(struct line_edit *e, char ch, unsigned n)
{
    char chunk[16];
    memset(chunk, ch, sizeof chunk);
    while (n) {
        unsigned k = n < sizeof chunk ? n : (unsigned)sizeof chunk;
        emit(e, chunk, k);
        n -= k;
    }
}

/* The screen cursor is at column `from` of the line, which showed old_len
 * characters: draw buf[from..len), blank what the line lost, and put the
 * cursor back at e->cur. */
static void repaint(struct line_edit *e, unsigned from, unsigned old_len)
{
    emit(e, e->buf + from, e->len - from);
    unsigned end = e->len;
    if (old_len > e->len) {
        emit_repeat(e, ' ', old_len - e->len);
        end = old_len;
    }
    emit_repeat(e, '\b', end - e->cur);
}

void line_edit_init(struct line_edit *e, const char *prompt, line_write_fn write,
                    line_complete_fn complete, void *ctx)
{
    memset(e, 0, sizeof *e);
    e->prompt = prompt;
    e->write = write;
    e->complete = complete;
    e->ctx = ctx;
}

void line_edit_redraw(struct line_edit *e)
{
    emit(e, e->prompt, strlen(e->prompt));
    emit(e, e->buf, e->len);
    emit_repeat(e, '\b', e->len - e->cur);
}

static void insert(struct line_edit *e, const char *s, unsigned n)
{
    if (n > LINE_MAX_LEN - e->len)
        n = LINE_MAX_LEN - e->len;
    if (n == 0)
        return;
    unsigned at = e->cur, old = e->len;
    memmove(e->buf + at + n, e->buf + at, e->len - at);
    memcpy(e->buf + at, s, n);
    e->len += n;
    e->cur += n;
    e->buf[e->len] = 0;
    repaint(e, at, old);
}

/* Remove [from, to) of the line; the cursor ends at from. */
static void cut(struct line_edit *e, unsigned from, unsigned to)
{
    if (from >= to)
        return;
    unsigned old = e->len;
    emit_repeat(e, '\b', e->cur - from);
    memmove(e->buf + from, e->buf + to, e->len - to);
    e->len -= to - from;
    e->buf[e->len] = 0;
    e->cur = from;
    repaint(e, from, old);
}

static void move_to(struct line_edit *e, unsigned pos)
{
    if (pos < e->cur)
        emit_repeat(e, '\b', e->cur - pos);
    else
        emit(e, e->buf + e->cur, pos - e->cur); /* redrawing moves right */
    e->cur = pos;
}

static void replace_line(struct line_edit *e, const char *s)
{
    unsigned old = e->len;
    emit_repeat(e, '\b', e->cur);
    size_t n = strlen(s);
    if (n > LINE_MAX_LEN)
        n = LINE_MAX_LEN;
    memcpy(e->buf, s, n);
    e->buf[n] = 0;
    e->len = e->cur = (unsigned)n;
    repaint(e, 0, old);
}

/* ---- history ---- */

static const char *history_entry(const struct line_edit *e, unsigned k) /* k = 1: newest */
{
    return e->history[(e->hist_next + LINE_HISTORY - k) % LINE_HISTORY];
}

static void history_add(struct line_edit *e, const char *s)
{
    if (s[0] == 0 || (e->hist_count && strcmp(history_entry(e, 1), s) == 0))
        return;
    strcpy(e->history[e->hist_next], s);
    e->hist_next = (e->hist_next + 1) % LINE_HISTORY;
    if (e->hist_count < LINE_HISTORY)
        e->hist_count++;
}

static void history_older(struct line_edit *e)
{
    if (e->hist_pos >= e->hist_count)
        return;
    if (e->hist_pos == 0)
        strcpy(e->saved, e->buf);
    e->hist_pos++;
    replace_line(e, history_entry(e, e->hist_pos));
}

static void history_newer(struct line_edit *e)
{
    if (e->hist_pos == 0)
        return;
    e->hist_pos--;
    replace_line(e, e->hist_pos ? history_entry(e, e->hist_pos) : e->saved);
}

/* ---- completion of the first word ---- */

static void complete(struct line_edit *e)
{
    if (!e->complete)
        return;
    for (unsigned i = 0; i < e->cur; i++)
        if (e->buf[i] == ' ')
            return;                     /* only the command name completes */
    if (e->cur < e->len && e->buf[e->cur] != ' ')
        return;
    unsigned plen = e->cur, matches = 0, common = 0;
    const char *first = NULL;
    for (unsigned i = 0;; i++) {
        const char *name = e->complete(e->ctx, i);
        if (!name)
            break;
        if (strncmp(name, e->buf, plen) != 0)
            continue;
        if (!first) {
            first = name;
            common = (unsigned)strlen(name);
        } else {
            unsigned k = plen;
            while (k < common && name[k] == first[k])
                k++;
            common = k;
        }
        matches++;
    }
    if (matches == 0)
        return;
    if (common > plen) {
        insert(e, first + plen, common - plen);
        if (matches == 1 && (e->cur == e->len || e->buf[e->cur] != ' '))
            insert(e, " ", 1);
        return;
    }
    if (matches == 1) {
        if (e->cur == e->len)
            insert(e, " ", 1);
        return;
    }
    /* Ambiguous and nothing more in common: list the candidates. */
    emit(e, "\n", 1);
    for (unsigned i = 0;; i++) {
        const char *name = e->complete(e->ctx, i);
        if (!name)
            break;
        if (strncmp(name, e->buf, plen) == 0) {
            emit(e, name, strlen(name));
            emit(e, "  ", 2);
        }
    }
    emit(e, "\n", 1);
    line_edit_redraw(e);
}

/* ---- input ---- */

static bool enter(struct line_edit *e)
{
    emit(e, "\n", 1);
    memcpy(e->line, e->buf, e->len + 1);
    history_add(e, e->line);
    e->len = e->cur = 0;
    e->buf[0] = 0;
    e->hist_pos = 0;
    return true;
}

/* The final byte of ESC [ ... or ESC O ... */
static void escape_final(struct line_edit *e, unsigned char ch)
{
    switch (ch) {
    case 'A': history_older(e); break;
    case 'B': history_newer(e); break;
    case 'C': if (e->cur < e->len) move_to(e, e->cur + 1); break;
    case 'D': if (e->cur > 0) move_to(e, e->cur - 1); break;
    case 'H': move_to(e, 0); break;
    case 'F': move_to(e, e->len); break;
    case '~':
        if (e->csi_param == 1 || e->csi_param == 7)
            move_to(e, 0);
        else if (e->csi_param == 4 || e->csi_param == 8)
            move_to(e, e->len);
        else if (e->csi_param == 3 && e->cur < e->len)
            cut(e, e->cur, e->cur + 1);
        break;
    default: break;
    }
}

bool line_edit_feed(struct line_edit *e, unsigned char ch)
{
    bool was_cr = e->last_cr;
    e->last_cr = ch == '\r';
    if (e->esc == ESC_GOT_ESC) {
        e->esc = (ch == '[' || ch == 'O') ? ESC_GOT_CSI : ESC_NONE;
        e->csi_param = 0;
        return false;
    }
    if (e->esc == ESC_GOT_CSI) {
        if (ch >= '0' && ch <= '9') {
            if (e->csi_param < 1000)
                e->csi_param = e->csi_param * 10 + (ch - '0');
            return false;
        }
        if (ch == ';')
            return false;
        e->esc = ESC_NONE;
        escape_final(e, ch);
        return false;
    }
    switch (ch) {
    case '\r':
        return enter(e);
    case '\n':
        return was_cr ? false : enter(e);
    case ESC: e->esc = ESC_GOT_ESC; break;
    case BS:
    case DEL: if (e->cur > 0) cut(e, e->cur - 1, e->cur); break;
    case CTRL_D: if (e->cur < e->len) cut(e, e->cur, e->cur + 1); break;
    case CTRL_A: move_to(e, 0); break;
    case CTRL_E: move_to(e, e->len); break;
    case CTRL_B: if (e->cur > 0) move_to(e, e->cur - 1); break;
    case CTRL_F: if (e->cur < e->len) move_to(e, e->cur + 1); break;
    case CTRL_P: history_older(e); break;
    case CTRL_N: history_newer(e); break;
    case CTRL_U: cut(e, 0, e->cur); break;
    case CTRL_K: cut(e, e->cur, e->len); break;
    case CTRL_W: {
        unsigned k = e->cur;
        while (k > 0 && e->buf[k - 1] == ' ')
            k--;
        while (k > 0 && e->buf[k - 1] != ' ')
            k--;
        cut(e, k, e->cur);
        break;
    }
    case CTRL_C:
        emit(e, "^C\n", 3);
        e->len = e->cur = 0;
        e->buf[0] = 0;
        e->hist_pos = 0;
        line_edit_redraw(e);
        break;
    case CTRL_L:
        emit(e, "\n", 1);
        line_edit_redraw(e);
        break;
    case TAB: complete(e); break;
    default:
        if (ch >= 0x20 && ch < 0x7f) {
            char c = (char)ch;
            insert(e, &c, 1);
        }
        break;
    }
    return false;
}
