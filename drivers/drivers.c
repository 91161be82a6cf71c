/* The drivers above the core, brought up in order once the core runs: the
 * Hyper-V backend (chosen in backend.c: real, the model, or none), the
 * model's VMBus host when the model is the backend, then the VMBus client.
 * Also their deferred work from the idle loop, and the boot summary line
 * with each layer's fields. This file and backend.c are the only ones that
 * see both the guest and the model. */
#include <stdio.h>
#include "kernel/boot_profile.h"
#include "kernel/summary.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/ipi.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/pmm.h"
#include "kernel/acpi.h"
#include "arch/x86_64/apic.h"
#include "drivers/backend.h"
#include "drivers/status_page.h"
#include "drivers/hv/hv.h"
#include "drivers/hvsim/hvsim_kernel.h"
#include "drivers/vmbus/vmbus.h"
#include "drivers/vmbus_kernel.h"
#include "drivers/dm/dm.h"
#include "kernel/log.h"
#include "kernel/shutdown.h"
#include "kernel/shell/shell_kernel.h"
#include "drivers/shell_cmds.h"

static void synic_on_this_cpu(void *arg)
{
    (void)arg;
    hv_synic_init_cpu(this_cpu()->index);
}

static struct backend_choice backend_choice(void)
{
    return (struct backend_choice){
        .want = backend_parse_option(option_str("hv")),
        .real = &hv_kernel_real_ops,
        .start_model = hvsim_kernel_start,
    };
}

void drivers_early_clock(void)
{
    struct backend_choice c = backend_choice();
    struct backend_rates r;
    if (backend_early_rates(&c, acpi.cpus, &r) != 0)
        return;
    log_info("hv", "TSC %llu kHz, APIC timer %llu kHz from the %s: no calibration window",
             (unsigned long long)(r.tsc_hz / 1000), (unsigned long long)(r.apic_hz / 1000), r.source);
    clock_offer_rates(r.tsc_hz, r.apic_hz / 16, r.source);
}

static int hv_up(void)
{
    struct hv_boot_params p;
    hv_kernel_boot_params(&p, cpu_count);
    struct backend_choice c = backend_choice();
    if (backend_select(&c, &p) != 0)
        return -1;
    int r = hv_kernel_start_boot_cpu();
    /* Every AP sets up its own SynIC, reading its own VP index. */
    for (unsigned i = 1; r == 0 && i < cpu_count; i++)
        smp_call(i, synic_on_this_cpu, NULL);
    return r;
}

/* The console's shutdown: leave VMBus first, as the host's shutdown IC does. */
static void leave_vmbus(void)
{
    if (vmbus_kernel_up())
        vmbus_disconnect();
}

void drivers_late_init(void)
{
    /* Registered whatever comes up: the commands say what is missing. */
    shell_guest_register();
    shell_set_shutdown_hook(leave_vmbus);
    int hv_rc = hv_up();
    boot_phase("hypervisor (synic)");
    shell_model_register(hv_rc == 0 && hv_backend() == HV_BACKEND_MODEL);
    if (hv_rc != 0)
        return;
    if (hv_backend() == HV_BACKEND_MODEL && hvsim_kernel_start_vmbus_host() != 0)
        return;
    boot_phase("vmbus host model");
    vmbus_kernel_init();
}

/* Called from the idle loop: deferred VMBus work, and a clean power-off
 * when the host's shutdown IC asked for one. */
void drivers_idle(void)
{
    status_page_tick();
    if (!vmbus_kernel_up())
        return;
    vmbus_poll();
    dm_poll_status();
    if (vmbus_kernel_shutdown_requested()) {
        log_info("sinter", "shutdown requested by the host: disconnecting VMBus and powering off");
        vmbus_disconnect();
        machine_poweroff(0);
    }
}

void summary_format(char *buf, size_t n)
{
    int k = snprintf(buf, n, "boot ok cpus=%u/%u apic=%s tsc_mhz=%llu timer_hz=%u mem_mib=%llu hv=%s",
                     cpu_count, cpu_present, apic_mode_name(), (unsigned long long)(tsc_hz() / 1000000), timer_hz(),
                     (unsigned long long)(pmm_usable_bytes() >> 20), hv_backend_name());
    if (k > 0 && (size_t)k + 1 < n) {
        buf[k] = ' ';
        if (vmbus_kernel_up())
            vmbus_summary(buf + k + 1, n - (size_t)k - 1);
        else
            snprintf(buf + k + 1, n - (size_t)k - 1, "vmbus=none offers=0 hwm=0");
    }
}

void drivers_status_page(const char *summary)
{
    status_page_show(summary);
}
