/* The host model in the kernel (hvsim_kernel.c): its machine interface over
 * kernel services, its trap vector and its tick. Called only by the glue
 * above guest and model (drivers/drivers.c, drivers/backend.c). */
#ifndef SINTER_DRIVERS_HVSIM_KERNEL_H
#define SINTER_DRIVERS_HVSIM_KERNEL_H

/* Reset and start the Hyper-V model for nr_cpus VPs: route its trap vector,
 * hook its timers to the tick. 0, or -1 (logged). */
int hvsim_kernel_start(unsigned nr_cpus);
/* Start the model's VMBus host with the hvsim.* options (a refused option
 * leaves the default host, with one error line). 0, or -1 (logged). */
int hvsim_kernel_start_vmbus_host(void);

#endif
