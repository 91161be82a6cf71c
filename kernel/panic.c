#include <stdarg.h>
#include <stdio.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/shutdown.h"

int panic_exit;

void panic_stop(void)
{
    stop_other_cpus();
    if (panic_exit) {
        log_err("sinter", "system halted (panic=exit: powering off with status 3)");
        machine_poweroff(3);
    }
    log_err("sinter", "system halted");
    halt_all_cpus();
}

void panic(const char *fmt, ...)
{
    irq_disable();
    console_panic_mode();
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_err("panic", "%s", msg);
    /* ud2 with nothing armed lands in the exception path, which prints the
     * registers and a backtrace and halts every CPU. */
    __asm__ volatile("ud2");
    __builtin_unreachable();
}
