/* The console's one command that reaches into the host model: `fault`
 * turns the model's fault knobs (hvsim.faults= syntax) at run time. Model
 * only: with real Hyper-V there is nothing to turn, and it says so. */
#include "drivers/shell_cmds.h"
#include "drivers/hvsim/vmbus_host.h"
#include "kernel/shell/shell_kernel.h"
#include "arch/x86_64/cpu.h"

static bool model_up;

static void cmd_fault_run(struct shell *sh, const struct shell_value *v)
{
    if (!model_up) {
        shell_printf(sh, "fault: the host model is not the backend: no knobs to turn\n");
        return;
    }
    char err[96];
    uint64_t f = irq_save();  /* the model's lock is taken with interrupts off */
    int rc = vmbus_host_set_faults(v[0].word, err, sizeof err);
    irq_restore(f);
    if (rc != 0)
        shell_printf(sh, "fault: %s\n", err);
    else
        shell_printf(sh, "fault: model host now runs with faults %s\n", v[0].word);
}

static const struct shell_cmd cmd_fault = {
    "fault", "set the model's fault knobs (hvsim.faults= syntax; none = off)",
    SHELL_ARGS({ "knobs", SHELL_ARG_WORD, 0, 0, NULL, NULL, false }), cmd_fault_run,
};

void shell_model_register(bool model_is_backend)
{
    model_up = model_is_backend;
    shell_kernel_add(&cmd_fault);
}
