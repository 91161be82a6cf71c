#ifndef SINTER_DRIVERS_VMBUS_KERNEL_H
#define SINTER_DRIVERS_VMBUS_KERNEL_H
#include <stdbool.h>
/* Start VMBus over the chosen Hyper-V backend (and the model's VMBus host
 * under hv=model); 0 when connected. */
int vmbus_kernel_init(void);
bool vmbus_kernel_up(void);
/* The shutdown IC asked us to power off. */
bool vmbus_kernel_shutdown_requested(void);
#endif
