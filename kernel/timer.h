/* The periodic kernel tick on the LAPIC timer (TSC-deadline mode when the
 * CPU has it, else periodic mode), and hooks run on every tick. */
#ifndef SINTER_KERNEL_TIMER_H
#define SINTER_KERNEL_TIMER_H
#include <stdint.h>
#include "arch/x86_64/trap.h"

void timer_start(unsigned hz);        /* boot CPU: mode, period, its own timer */
void timer_start_ap(void);            /* an AP, on itself, once timer_start ran */
/* Ticks a CPU has taken on its own timer. */
uint64_t timer_cpu_ticks(unsigned cpu);
/* The clock rates changed (better numbers from the hypervisor): keep the
 * tick rate by reprogramming the period. */
void timer_reprogram(void);
unsigned timer_hz(void);
const char *timer_mode_name(void);
uint64_t timer_ticks(void);           /* the boot CPU's ticks */
/* One hook, called in interrupt context with the interrupted frame (the
 * test runner's watchdog owns it). */
typedef void (*tick_hook_t)(struct trap_frame *f);
void timer_set_hook(tick_hook_t hook);
/* Services driven by the boot CPU's tick (e.g. the Hyper-V model's
 * synthetic timers), called in interrupt context before the hook. Never removed; 0 or -1 when
 * the TIMER_MAX_TICK_CALLBACKS slots are taken. */
#define TIMER_MAX_TICK_CALLBACKS 4
int timer_add_tick_callback(void (*fn)(void));
/* The same, but called on every CPU's own tick (this_cpu() says which). */
int timer_add_percpu_tick_callback(void (*fn)(void));
/* Records the reference clock at each of the next n ticks (bounded by
 * timeout_ns); returns how many were recorded. For tests. */
unsigned timer_probe(uint64_t *stamps, unsigned n, uint64_t timeout_ns);
#endif
