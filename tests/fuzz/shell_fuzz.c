/* libFuzzer target: whatever a user types at the console. Every byte goes
 * through the line editor, which must keep the screen showing exactly the
 * prompt and the line; every completed line goes through the parser, which
 * either runs a command with arguments inside their declared ranges or
 * writes exactly one line saying what was wrong. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/shell/line_edit.h"
#include "lib/shell/shell.h"
#include "tests/host/shell_term.h"

static uint64_t cpu_limit(void) { return 3; }

static void run_num(struct shell *sh, const struct shell_value *v)
{
    (void)sh;
    if (v[0].num > 255)
        abort();
}
static void run_cpu(struct shell *sh, const struct shell_value *v)
{
    (void)sh;
    if (v[0].num >= 3)
        abort();
}
static void run_choice(struct shell *sh, const struct shell_value *v)
{
    (void)sh;
    if (v[0].choice > 3 || v[1].choice > 1)
        abort();
}
static void run_send(struct shell *sh, const struct shell_value *v)
{
    (void)sh;
    if (v[0].num < 1 || v[0].num > 2047 || (v[1].given && (v[1].num < 1 || v[1].num > 100000)))
        abort();
}
static void run_word(struct shell *sh, const struct shell_value *v)
{
    if (!v[0].word || strlen(v[0].word) > LINE_MAX_LEN)
        abort();
    shell_printf(sh, "knob %s\n", v[0].word);
}

static const struct shell_cmd c_idt = { "idt", "", SHELL_ARGS({ "vector", SHELL_ARG_NUM, 0, 255, NULL, NULL, false }), run_num };
static const struct shell_cmd c_ipi = { "ipi", "", SHELL_ARGS({ "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false }), run_cpu };
static const struct shell_cmd c_irq = { "irq", "", SHELL_NO_ARGS, run_num };
static const struct shell_cmd c_trace = {
    "trace", "", SHELL_ARGS({ "what", SHELL_ARG_CHOICE, 0, 0, NULL, "hv|vmbus|pi|irq", false },
                   { "state", SHELL_ARG_CHOICE, 0, 0, NULL, "on|off", false }), run_choice };
static const struct shell_cmd c_send = {
    "send", "", SHELL_ARGS({ "relid", SHELL_ARG_NUM, 1, 2047, NULL, NULL, false },
                  { "n", SHELL_ARG_NUM, 1, 100000, NULL, NULL, true }), run_send };
static const struct shell_cmd c_fault = { "fault", "", SHELL_ARGS({ "knob", SHELL_ARG_WORD, 0, 0, NULL, NULL, false }), run_word };
static const struct shell_cmd *const table[] = { &c_idt, &c_ipi, &c_irq, &c_trace, &c_send, &c_fault, NULL };

static struct shell_term term, out;
static struct shell sh = { table, shell_term_write, &out };

static const char *complete_name(void *ctx, unsigned i)
{
    (void)ctx;
    return shell_cmd_name(&sh, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct line_edit ed;
    shell_term_reset(&term);
    line_edit_init(&ed, "sinter> ", shell_term_write, complete_name, &term);
    line_edit_redraw(&ed);
    for (size_t i = 0; i < size; i++) {
        if (line_edit_feed(&ed, data[i])) {
            if (strlen(ed.line) > LINE_MAX_LEN)
                abort();
            char line[LINE_MAX_LEN + 1];
            memcpy(line, ed.line, sizeof line);
            shell_term_reset(&out);
            bool ran = shell_exec(&sh, line);
            /* Refused input: one line; empty input: nothing. */
            if (!ran && out.newlines > 1)
                abort();
            if (out.out_len && out.out[out.out_len - 1] != '\n')
                abort();
            line_edit_redraw(&ed);
        }
        if (ed.cur > ed.len || ed.len > LINE_MAX_LEN || strlen(ed.buf) != ed.len)
            abort();
        if (!shell_term_matches(&term, &ed))
            abort();
    }
    return 0;
}
