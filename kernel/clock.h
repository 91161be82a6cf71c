/* Time: a platform reference clock (HPET or ACPI PM timer) calibrates the
 * TSC and the LAPIC timer; after that the TSC is the kernel's clock. */
#ifndef SINTER_KERNEL_CLOCK_H
#define SINTER_KERNEL_CLOCK_H
#include <stdint.h>
#include <stdbool.h>

bool refclock_init(void);
const char *refclock_name(void);
uint64_t refclock_hz(void);
uint64_t refclock_read(void);   /* monotonic ticks, extended to 64 bits */

/* Measures the TSC and LAPIC timer rates against the reference clock. */
void clock_calibrate(void);
uint64_t tsc_hz(void);
uint64_t lapic_timer_hz(void);  /* at divide-by-16 */
void clock_set_tsc_hz(uint64_t hz, const char *source); /* e.g. Hyper-V's frequency MSR */
void clock_set_lapic_timer_hz(uint64_t hz);              /* at divide-by-16; then timer_reprogram() */
const char *clock_tsc_source(void);                      /* "calibrated", "assumed", ... */
uint64_t clock_ns(void);        /* since calibration */
void delay_us(uint64_t us);

/* Wall clock (seconds since 1970), set by timesync; 0 until then. */
void wallclock_set_ns(uint64_t unix_ns);
uint64_t wallclock_ns(void);

#endif
