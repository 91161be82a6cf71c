#include <stdio.h>
#include "kernel/summary.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/pmm.h"
#include "arch/x86_64/apic.h"

void platform_late_init(void)
{
}

void summary_format(char *buf, size_t n)
{
    snprintf(buf, n, "boot ok cpus=%u apic=%s tsc_mhz=%llu timer_hz=%u mem_mib=%llu hv=%s",
             cpu_count, apic_mode_name(), (unsigned long long)(tsc_hz() / 1000000), timer_hz(),
             (unsigned long long)(pmm_usable_bytes() >> 20), "none");
}
