/* Hyper-V integration components (ICs) on VMBus: heartbeat, shutdown, time
 * sync. Register them before or after vmbus_connect(); they bind when their
 * offer appears. */
#ifndef SINTER_HVUTIL_H
#define SINTER_HVUTIL_H

#include <stdbool.h>
#include <stdint.h>

void hvutil_register_all(void);
void hvutil_unregister_all(void);
/* Heartbeats the host sent that were answered (its "OK" in Hyper-V Manager). */
unsigned long hvutil_heartbeats_answered(void);

/* The IC drivers' kernel hooks: drivers/vmbus_kernel.c provides them in the
 * kernel, host tests and fuzzers their own. All are called from the channel
 * callback (interrupt context): do the real work later if it cannot run
 * there. */
void hvutil_hook_shutdown(void);
/* Nanoseconds since 1970-01-01 UTC. sync is true for a hard set (boot,
 * resume) and false for a periodic sample the kernel may smooth or ignore. */
void hvutil_hook_set_wall_clock(uint64_t unix_ns, int sync);
/* The partition reference time (TLFS TIME_REF_COUNT, 100 ns units) now;
 * false when the hypervisor offers none. Timesync 4.0 uses it to add the time a
 * sample spent in transit. */
bool hvutil_hook_ref_time_100ns(uint64_t *now);

#endif
