/* The host model in the kernel (hvsim_kernel.c): its machine interface over
 * kernel services, its trap vector and its tick. Called only by the glue
 * above guest and model (drivers/drivers.c, drivers/backend.c). */
#ifndef SINTER_DRIVERS_HVSIM_KERNEL_H
#define SINTER_DRIVERS_HVSIM_KERNEL_H
#include <stdbool.h>

/* Reset and start the Hyper-V model for nr_cpus VPs: route its trap vector,
 * hook its timers to the tick. 0, or -1 (logged). */
int hvsim_kernel_start(unsigned nr_cpus);
/* Start the model's VMBus host with the hvsim.* options (a refused option
 * leaves the default host, with one error line). 0, or -1 (logged). */
int hvsim_kernel_start_vmbus_host(void);

/* Tests that count SynIC traffic on a VP hold the VMBus host's own
 * background work (heartbeats, time samples, deferred interrupts, queued
 * offers) for their window. hvsim_hold_background(true) returns once no
 * CPU is inside that work any more, so every interrupt it raised has been
 * sent; false if a poll did not finish within the bound (nothing held).
 * The synthetic timers keep running: tests arm those themselves. */
bool hvsim_hold_background(bool hold);
/* hvsim.inject=posted: the model posts vectors into descriptors. */
bool hvsim_kernel_injects_posted(void);

#endif
