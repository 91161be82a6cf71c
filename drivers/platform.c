/* The layers above the core, brought up in order once the core runs: the
 * Hyper-V backend (real, model or none), then VMBus. Also formats the boot
 * summary line with each layer's fields. */
#include <stdio.h>
#include "kernel/summary.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/pmm.h"
#include "arch/x86_64/apic.h"
#include "drivers/hv/hv.h"

void platform_late_init(void)
{
    hv_kernel_setup(option_str("hv"), cpu_count);
}

void summary_format(char *buf, size_t n)
{
    snprintf(buf, n, "boot ok cpus=%u apic=%s tsc_mhz=%llu timer_hz=%u mem_mib=%llu hv=%s",
             cpu_count, apic_mode_name(), (unsigned long long)(tsc_hz() / 1000000), timer_hz(),
             (unsigned long long)(pmm_usable_bytes() >> 20), hv_backend_name());
}
