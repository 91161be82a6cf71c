#include <stdarg.h>
#include <stdio.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "arch/x86_64/cpu.h"

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
