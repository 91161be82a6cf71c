/* Time: the TSC and LAPIC timer rates come from the hypervisor's word
 * (Hyper-V's frequency MSRs), else a measurement against a platform
 * reference clock (HPET, else ACPI PM timer), else CPUID leaves 0x15/0x16;
 * after that the TSC is the kernel's clock. */
#ifndef SINTER_KERNEL_CLOCK_H
#define SINTER_KERNEL_CLOCK_H
#include <stdint.h>
#include <stdbool.h>

bool refclock_init(bool use_pm_timer);   /* false: no HPET and no (usable) PM timer */
const char *refclock_name(void);
uint64_t refclock_hz(void);
uint64_t refclock_read(void);   /* monotonic ticks, extended to 64 bits */

/* Rates stated by a hypervisor, taken by clock_calibrate without measuring
 * (if plausible). Call before it. */
void clock_offer_rates(uint64_t tsc_hz, uint64_t lapic_div16_hz, const char *source);
/* Sets the TSC and LAPIC timer rates by the chain above. */
void clock_calibrate(void);
/* A measurement in windows of window_ms against the reference clock: a
 * window whose reference reads took more than 1/slack_div of it is measured
 * again (at most five). False without a reference clock. */
bool clock_measure(unsigned window_ms, unsigned slack_div, uint64_t *tsc_hz,
                   uint64_t *lapic_div16_hz);
/* Rates from CPUID leaf 0x15 (crystal ratio) or 0x16 (base MHz). */
bool clock_cpuid_rates(uint64_t *tsc_hz, uint64_t *lapic_div16_hz, const char **source);
uint64_t tsc_hz(void);
uint64_t lapic_timer_hz(void);  /* at divide-by-16 */
void clock_set_tsc_hz(uint64_t hz, const char *source); /* e.g. Hyper-V's frequency MSR */
void clock_set_lapic_timer_hz(uint64_t hz);              /* at divide-by-16; then timer_reprogram() */
const char *clock_tsc_source(void);   /* where the rates came from: "hpet", "acpi-pm", "cpuid 0x15", ... */
uint64_t clock_ns(void);        /* since calibration */
void delay_us(uint64_t us);

/* Wall clock (seconds since 1970), set by timesync; 0 until then. */
void wallclock_set_ns(uint64_t unix_ns);
uint64_t wallclock_ns(void);

#endif
