/* The one boot summary line, "sinter: boot ok cpus=... hv=...", and the
 * hook where later layers (Hyper-V, VMBus) come up after the core. */
#ifndef SINTER_KERNEL_SUMMARY_H
#define SINTER_KERNEL_SUMMARY_H
#include <stddef.h>
void summary_format(char *buf, size_t n);
void platform_late_init(void);
/* Deferred driver work, from the idle loop with interrupts enabled. */
void platform_idle(void);
#endif
