/* The one boot summary line, "sinter: boot ok cpus=... hv=...", and the
 * hook where later layers (Hyper-V, VMBus) come up after the core. */
#ifndef SINTER_KERNEL_SUMMARY_H
#define SINTER_KERNEL_SUMMARY_H
#include <stddef.h>
void summary_format(char *buf, size_t n);
/* drivers/drivers.c: the layers above the core (Hyper-V backend, VMBus),
 * after the core is up; then their deferred work, from the idle loop with
 * interrupts enabled. */
void drivers_late_init(void);
/* Before the clock calibration: a hypervisor's stated TSC and APIC timer
 * rates (clock_offer_rates), if the backend that will be picked has them. */
void drivers_early_clock(void);
void drivers_idle(void);
/* The framebuffer status page (drivers/status_page.c), after the summary. */
void drivers_status_page(const char *summary);
#endif
