/* The console's kernel side: the command table, the UART poll, the line
 * editor's output through console_write. */
#include <string.h>
#include "kernel/shell/shell_kernel.h"
#include "kernel/console.h"
#include "lib/shell/line_edit.h"
#include "drivers/console/uart16550.h"

#define MAX_CMDS 32

static const struct shell_cmd *table[MAX_CMDS + 1];
static unsigned ncmds;
static struct line_edit editor;
static bool started;
static unsigned long breaks_seen;

static void write_console(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

struct shell shell_kernel = { table, write_console, NULL };

bool shell_kernel_add(const struct shell_cmd *cmd)
{
    if (ncmds == MAX_CMDS || shell_find(&shell_kernel, cmd->name))
        return false;
    table[ncmds++] = cmd;
    return true;
}

static const char *complete_name(void *ctx, unsigned i)
{
    (void)ctx;
    return i < ncmds ? table[i]->name : NULL;
}

static void cmd_help_run(struct shell *sh, const struct shell_value *v)
{
    if (v[0].given && !shell_find(sh, v[0].word)) {
        shell_printf(sh, "help: no command '%.24s'\n", v[0].word);
        return;
    }
    if (!v[0].given)
        shell_printf(sh, "commands (Tab completes a name, Up/Down recall a line):\n");
    shell_help(sh, v[0].given ? v[0].word : NULL);
}

static const struct shell_cmd cmd_help = {
    "help", "list the commands, or explain one",
    SHELL_ARGS({ "command", SHELL_ARG_WORD, 0, 0, NULL, NULL, true }), cmd_help_run,
};

void shell_kernel_start(void)
{
    shell_kernel_add(&cmd_help);
    shell_cmds_cpu_register();
    shell_cmds_pi_register();
    line_edit_init(&editor, "sinter> ", write_console, complete_name, NULL);
    shell_printf(&shell_kernel, "console: type help (commands poke at the live interrupt path)\n");
    line_edit_redraw(&editor);
    started = true;
}

void shell_kernel_poll(void)
{
    if (!started)
        return;
    /* Log lines went out over the prompt: show it again below them. */
    unsigned long b = console_line_breaks();
    if (b != breaks_seen) {
        breaks_seen = b;
        line_edit_redraw(&editor);
    }
    /* A bounded batch: the idle loop goes back to hlt between batches. */
    for (int i = 0; i < 256; i++) {
        int ch = uart_getc();
        if (ch < 0)
            return;
        if (line_edit_feed(&editor, (unsigned char)ch)) {
            shell_exec(&shell_kernel, editor.line);
            line_edit_redraw(&editor);
        }
    }
}
