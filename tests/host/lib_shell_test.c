/* The console's line editor and command parser (lib/shell), checked through
 * what a terminal would show and what a command receives. */
#include <string.h>
#include "tests/host/check.h"
#include "tests/host/shell_term.h"
#include "tests/host/u64_parse_cases.h"
#include "lib/shell/line_edit.h"
#include "lib/shell/shell.h"

/* ---- a small command table ---- */

static struct shell_value got[SHELL_MAX_ARGS];
static const char *ran;
static uint64_t cpus = 2;
static uint64_t cpu_limit(void) { return cpus; }

static void run_record(struct shell *sh, const struct shell_value *v)
{
    (void)sh;
    memcpy(got, v, sizeof got);
    ran = "yes";
}

static const struct shell_cmd cmd_idt = {
    "idt", "decode a gate", SHELL_ARGS({ "vector", SHELL_ARG_NUM, 0, 255, NULL, NULL, false }), run_record,
};
static const struct shell_cmd cmd_ipi = {
    "ipi", "send an IPI", SHELL_ARGS({ "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false }), run_record,
};
static const struct shell_cmd cmd_irq = { "irq", "counts", SHELL_NO_ARGS, run_record };
static const struct shell_cmd cmd_trace = {
    "trace", "narrate",
    SHELL_ARGS({ "what", SHELL_ARG_CHOICE, 0, 0, NULL, "hv|vmbus|pi|irq", false },
      { "state", SHELL_ARG_CHOICE, 0, 0, NULL, "on|off", false }), run_record,
};
static const struct shell_cmd cmd_send = {
    "send", "echo traffic",
    SHELL_ARGS({ "relid", SHELL_ARG_NUM, 1, 2047, NULL, NULL, false },
      { "n", SHELL_ARG_NUM, 1, 100000, NULL, NULL, true }), run_record,
};
static const struct shell_cmd cmd_fault = {
    "fault", "a knob", SHELL_ARGS({ "knob", SHELL_ARG_WORD, 0, 0, NULL, NULL, false }), run_record,
};
static const struct shell_cmd *const table[] = {
    &cmd_idt, &cmd_ipi, &cmd_irq, &cmd_trace, &cmd_send, &cmd_fault, NULL,
};

static struct shell_term term;
static struct shell sh = { table, shell_term_write, &term };

static bool exec(const char *text)
{
    char line[200];
    strcpy(line, text);
    shell_term_reset(&term);
    ran = NULL;
    memset(got, 0, sizeof got);
    return shell_exec(&sh, line);
}

static void test_parse_numbers(void)
{
    uint64_t v = 7;
    check_u64_parser_limits(shell_parse_u64);
    CHECK(shell_parse_u64("0", &v) && v == 0);
    CHECK(shell_parse_u64("255", &v) && v == 255);
    CHECK(shell_parse_u64("0xfE", &v) && v == 0xfe);
    CHECK(!shell_parse_u64("0x10000000000000000", &v));
    CHECK(!shell_parse_u64("-1", &v));
    CHECK(!shell_parse_u64("12a", &v));
    CHECK(!shell_parse_u64("0xfg", &v));
    CHECK_EQ(shell_choice_index("hv|vmbus|pi|irq", "pi"), 2);
    CHECK_EQ(shell_choice_index("hv|vmbus|pi|irq", "hv"), 0);
    CHECK_EQ(shell_choice_index("hv|vmbus|pi|irq", "irq"), 3);
    CHECK_EQ(shell_choice_index("hv|vmbus|pi|irq", "p"), -1);
    CHECK_EQ(shell_choice_index("hv|vmbus|pi|irq", "vmbus|pi"), -1);
}

static void test_exec_good(void)
{
    CHECK(exec("idt 0x0e"));
    CHECK(ran && got[0].given && got[0].num == 14);
    CHECK(exec("  trace   vmbus off "));
    CHECK(got[0].choice == 1 && got[1].choice == 1);
    CHECK(exec("send 4"));
    CHECK(got[0].num == 4 && !got[1].given);
    CHECK(exec("send 4 100000"));
    CHECK(got[1].given && got[1].num == 100000);
    CHECK(exec("fault\tdrop_irq=1/10"));
    CHECK(strcmp(got[0].word, "drop_irq=1/10") == 0);
    CHECK(exec("ipi 1"));
    CHECK_EQ(term.out_len, 0); /* commands that ran print their own output only */
}

/* The shell must refuse `line`, run nothing, and print exactly `message`. */
static void check_refused(const char *line, const char *message)
{
    CHECK(!exec(line));
    CHECK(ran == NULL);
    CHECK(strcmp(term.out, message) == 0);
    if (strcmp(term.out, message) != 0)
        fprintf(stderr, "  '%s' printed '%s'\n", line, term.out);
}

static void test_exec_bad(void)
{
    CHECK(!exec(""));
    CHECK(!exec("   "));
    CHECK_EQ(term.out_len, 0);
    check_refused("frobnicate 1", "unknown command 'frobnicate' (type help)\n");
    check_refused("idt", "usage: idt <vector>\n");
    check_refused("idt 1 2", "usage: idt <vector>\n");
    check_refused("idt 256", "idt: <vector> 256 out of range 0..255\n");
    check_refused("idt x1", "idt: bad number 'x1' for <vector>\n");
    check_refused("ipi 2", "ipi: <cpu> 2 out of range 0..1\n");
    cpus = 0;
    check_refused("ipi 0", "ipi: no <cpu> exists here\n");
    cpus = 2;
    check_refused("trace pi maybe", "trace: 'maybe' is not one of on|off\n");
    check_refused("send 0 5", "send: <relid> 0 out of range 1..2047\n");
    check_refused("send 1 2 3 4 5 6 7 8 9 10 11", "usage: send <relid> [n]\n");
    CHECK(ran == NULL); /* no command ran for any of them */
    check_refused("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  "unknown command 'aaaaaaaaaaaaaaaaaaaaaaaa' (type help)\n");
}

static void test_help(void)
{
    shell_term_reset(&term);
    shell_help(&sh, NULL);
    CHECK(strstr(term.out, "  idt <vector>") != NULL);
    CHECK(strstr(term.out, "  trace <hv|vmbus|pi|irq> <on|off>") != NULL);
    CHECK(strstr(term.out, "  send <relid> [n]") != NULL);
    CHECK_EQ(term.newlines, 6);
    shell_term_reset(&term);
    shell_help(&sh, "ipi");
    CHECK(strncmp(term.out, "  ipi <cpu>", 11) == 0);
    CHECK_EQ(term.newlines, 1);
    CHECK(strcmp(shell_cmd_name(&sh, 0), "idt") == 0);
    CHECK(shell_cmd_name(&sh, 6) == NULL);
}

/* ---- the line editor ---- */

static struct line_edit ed;

static const char *complete_name(void *ctx, unsigned i)
{
    (void)ctx;
    return shell_cmd_name(&sh, i);
}

static void start(void)
{
    shell_term_reset(&term);
    line_edit_init(&ed, "sinter> ", shell_term_write, complete_name, &term);
    line_edit_redraw(&ed);
}

/* Feed keys; each byte must leave the screen showing exactly the line.
 * Returns how many lines Enter completed. */
static unsigned type(const char *keys)
{
    unsigned lines = 0;
    for (const char *k = keys; *k; k++) {
        if (line_edit_feed(&ed, (unsigned char)*k)) {
            lines++;
            line_edit_redraw(&ed);
        }
        if (!shell_term_matches(&term, &ed)) {
            fprintf(stderr, "  screen '%.40s' col %u, line '%s' cur %u after byte 0x%02x\n",
                    term.row, term.col, ed.buf, ed.cur, (unsigned char)*k);
            CHECK(false);
            return lines;
        }
    }
    return lines;
}

static void test_edit_basic(void)
{
    start();
    CHECK_EQ(type("idt 6"), 0);
    CHECK(strcmp(ed.buf, "idt 6") == 0);
    CHECK_EQ(type("\r"), 1);
    CHECK(strcmp(ed.line, "idt 6") == 0);
    CHECK_EQ(ed.len, 0);
    CHECK_EQ(type("\n"), 0);   /* CR LF is one Enter */
    CHECK_EQ(type("\n"), 1);   /* a lone LF is another */
    CHECK(strcmp(ed.line, "") == 0);
}

static void test_edit_cursor(void)
{
    start();
    type("ipi 1");
    type("\x1b[D\x1b[D\x1b[D");      /* cursor after "ip" */
    type("X");
    CHECK(strcmp(ed.buf, "ipXi 1") == 0);
    type("\x7f");                     /* backspace */
    CHECK(strcmp(ed.buf, "ipi 1") == 0);
    type("\x01Z\x05Q");               /* Ctrl-A, Ctrl-E */
    CHECK(strcmp(ed.buf, "Zipi 1Q") == 0);
    type("\x01\x1b[3~");              /* delete at cursor */
    CHECK(strcmp(ed.buf, "ipi 1Q") == 0);
    type("\x1b[F\x08");               /* End, backspace (0x08) */
    CHECK(strcmp(ed.buf, "ipi 1") == 0);
    type("\x1b[H\x1b[C\x1b[C\x1b[C\x0b"); /* Home, right x3, Ctrl-K */
    CHECK(strcmp(ed.buf, "ipi") == 0);
    type(" 1 2");
    type("\x17");                     /* Ctrl-W: the last word */
    CHECK(strcmp(ed.buf, "ipi 1 ") == 0);
    type("\x02\x02\x15");             /* Ctrl-B x2, Ctrl-U: cut before the cursor */
    CHECK(strcmp(ed.buf, "1 ") == 0 && ed.cur == 0);
    type("\x1bOF\x1b[1~\x1b[4~");     /* SS3 End, Home and End as ESC [ n ~ */
    CHECK_EQ(ed.cur, 2);
    type("\x03");                     /* Ctrl-C abandons the line */
    CHECK_EQ(ed.len, 0);
    CHECK(strstr(term.out, "^C\n") != NULL);
    type("\x1b[1;5D\x1b[99999999~\x04\x7f"); /* odd sequences and keys on an empty line */
    CHECK_EQ(ed.len, 0);
}

static void test_edit_limits(void)
{
    start();
    char many[300];
    memset(many, 'a', sizeof many - 1);
    many[sizeof many - 1] = 0;
    type(many);
    CHECK_EQ(ed.len, LINE_MAX_LEN);
    type("\x01");
    type("b");                        /* full: nothing inserted anywhere */
    CHECK_EQ(ed.len, LINE_MAX_LEN);
    CHECK(ed.buf[0] == 'a');
    type("\x0b");
    CHECK_EQ(ed.len, 0);
    type("\x80\xff\x07\t");           /* non-ASCII and bell ignored, tab with no prefix lists all */
    CHECK_EQ(ed.len, 0);
}

static void test_history(void)
{
    start();
    type("idt 1\ridt 2\ridt 2\r\rirq\r");
    CHECK_EQ(ed.hist_count, 3);       /* the duplicate and the empty line are not kept */
    type("ipi");
    type("\x1b[A");
    CHECK(strcmp(ed.buf, "irq") == 0);
    type("\x10");                     /* Ctrl-P */
    CHECK(strcmp(ed.buf, "idt 2") == 0);
    type("\x1b[A\x1b[A\x1b[A");       /* past the oldest: stays */
    CHECK(strcmp(ed.buf, "idt 1") == 0);
    type("\x1b[B\x0e");               /* Down, Ctrl-N */
    CHECK(strcmp(ed.buf, "irq") == 0);
    type("\x1b[B");                   /* back to the line being typed */
    CHECK(strcmp(ed.buf, "ipi") == 0);
    type("\x1b[B");
    CHECK(strcmp(ed.buf, "ipi") == 0);
    type("\x1b[A\r");                 /* a recalled line runs as typed */
    CHECK(strcmp(ed.line, "irq") == 0);
    for (int i = 0; i < 40; i++) {
        char l[24];
        snprintf(l, sizeof l, "idt %d\r", i);
        type(l);
    }
    CHECK_EQ(ed.hist_count, LINE_HISTORY);
    type("\x1b[A");
    CHECK(strcmp(ed.buf, "idt 39") == 0);
    for (int i = 0; i < 40; i++)
        type("\x1b[A");
    CHECK(strcmp(ed.buf, "idt 24") == 0); /* the oldest kept */
}

static void test_completion(void)
{
    start();
    type("tr\t");
    CHECK(strcmp(ed.buf, "trace ") == 0);
    type("\x15" "i\t");               /* idt, ipi, irq: nothing in common past "i": list */
    CHECK(strcmp(ed.buf, "i") == 0);
    CHECK(strstr(term.out, "\nidt  ipi  irq  \n") != NULL);
    type("p\t");
    CHECK(strcmp(ed.buf, "ipi ") == 0);
    type("\t");                       /* not in the first word: nothing */
    CHECK(strcmp(ed.buf, "ipi ") == 0);
    type("\x15" "x\t");               /* no match */
    CHECK(strcmp(ed.buf, "x") == 0);
    type("\x15" "se 4\x01\x1b[C\x1b[C\t"); /* cursor at the end of the first word */
    CHECK(strcmp(ed.buf, "send 4") == 0);
    CHECK_EQ(ed.cur, 4);
    type("\x05\x15" "idt\t");         /* whole name: a space */
    CHECK(strcmp(ed.buf, "idt ") == 0);
}

int main(void)
{
    RUN_TEST(test_parse_numbers);
    RUN_TEST(test_exec_good);
    RUN_TEST(test_exec_bad);
    RUN_TEST(test_help);
    RUN_TEST(test_edit_basic);
    RUN_TEST(test_edit_cursor);
    RUN_TEST(test_edit_limits);
    RUN_TEST(test_history);
    RUN_TEST(test_completion);
    CHECK_MAIN_END();
}
