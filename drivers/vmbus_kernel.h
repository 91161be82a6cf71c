#ifndef SINTER_DRIVERS_VMBUS_KERNEL_H
#define SINTER_DRIVERS_VMBUS_KERNEL_H
#include <stdbool.h>
#include <stdint.h>
/* Start the VMBus client over the Hyper-V backend that is up (whichever it
 * is: the host side, real or the model's, is already listening); 0 when
 * connected. */
int vmbus_kernel_init(void);
bool vmbus_kernel_up(void);
/* The shutdown IC asked us to power off. */
bool vmbus_kernel_shutdown_requested(void);
/* VMBus event interrupts (SIEF scans) taken on this CPU so far. */
uint64_t vmbus_kernel_events_on(unsigned cpu);
#endif
