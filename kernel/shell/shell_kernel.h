/* The live console: a shell on serial (echoed to the framebuffer too) that
 * runs as the kernel's idle work. It polls the UART from the idle loop, so
 * it never holds interrupts off and never sits between an interrupt and
 * its handler; a command runs with interrupts on, like any idle work. */
#ifndef SINTER_KERNEL_SHELL_KERNEL_H
#define SINTER_KERNEL_SHELL_KERNEL_H
#include <stdbool.h>
#include "lib/shell/shell.h"

/* Register a command (before or after start); false when the table is full. */
bool shell_kernel_add(const struct shell_cmd *cmd);
/* Print the banner and the first prompt. */
void shell_kernel_start(void);
/* Take whatever bytes the UART holds and run any line they complete. */
void shell_kernel_poll(void);
/* The shell commands print through this (serial and framebuffer). */
extern struct shell shell_kernel;

/* The core commands (kernel/shell/cmds_*.c), registered by shell_kernel_start. */
void shell_cmds_cpu_register(void);
void shell_cmds_pi_register(void);
/* The console's own vector (allocated on first use; -1 if none is free) and
 * how often its handler ran on a CPU: `ipi` and `post` deliver it. */
int shell_console_vector(void);
uint64_t shell_console_vector_seen(unsigned cpu);
/* Run before `shutdown` powers off (the drivers leave VMBus). */
void shell_set_shutdown_hook(void (*fn)(void));

#endif
