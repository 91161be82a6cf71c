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
#include "drivers/vmbus/vmbus.h"
#include "drivers/vmbus_kernel.h"
#include "kernel/log.h"
#include "kernel/shutdown.h"

void platform_late_init(void)
{
    if (hv_kernel_setup(option_str("hv"), cpu_count) == 0)
        vmbus_kernel_init();
}

/* Called from the idle loop: deferred VMBus work, and a clean power-off
 * when the host's shutdown IC asked for one. */
void platform_idle(void)
{
    if (!vmbus_kernel_up())
        return;
    vmbus_poll();
    if (vmbus_kernel_shutdown_requested()) {
        log_info("sinter", "shutdown requested by the host: disconnecting VMBus and powering off");
        vmbus_disconnect();
        machine_poweroff(0);
    }
}

void summary_format(char *buf, size_t n)
{
    int k = snprintf(buf, n, "boot ok cpus=%u apic=%s tsc_mhz=%llu timer_hz=%u mem_mib=%llu hv=%s",
                     cpu_count, apic_mode_name(), (unsigned long long)(tsc_hz() / 1000000), timer_hz(),
                     (unsigned long long)(pmm_usable_bytes() >> 20), hv_backend_name());
    if (k > 0 && (size_t)k + 1 < n) {
        buf[k] = ' ';
        if (vmbus_kernel_up())
            vmbus_summary(buf + k + 1, n - (size_t)k - 1);
        else
            snprintf(buf + k + 1, n - (size_t)k - 1, "vmbus=none offers=0 hwm=0");
    }
}
