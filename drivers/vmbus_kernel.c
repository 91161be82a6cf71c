/* Kernel glue for VMBus: the vmbus_platform the client stack talks through
 * (hypercalls from drivers/hv, pages from the page allocator, the
 * interrupt-safe allocator, the TSC clock), the SynIC handlers, the model's
 * VMBus host when hv=model, and the hooks the IC drivers call. */
#include <string.h>
#include <stdatomic.h>
#include "drivers/vmbus_kernel.h"
#include "drivers/hv/hv.h"
#include "drivers/hvsim/vmbus_host.h"
#include "drivers/vmbus/vmbus.h"
#include "drivers/hvutil/hvutil.h"
#include "kernel/clock.h"
#include "kernel/kalloc.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/timer.h"
#include "arch/x86_64/cpu.h"

static uint64_t k_post_message(uint32_t conn, uint32_t type, const void *payload, size_t len)
{
    return hv_post_message(conn, type, payload, (uint32_t)len);
}

static uint64_t k_signal_event(uint32_t conn)
{
    return hv_signal_event(conn, 0);
}

static void *k_alloc_pages(size_t n)
{
    return (void *)(uintptr_t)pmm_alloc(n);
}

static void k_free_pages(void *p, size_t n)
{
    pmm_free((uint64_t)(uintptr_t)p, n);
}

static uint64_t k_virt_to_phys(const void *p)
{
    return (uint64_t)(uintptr_t)p; /* identity mapped */
}

/* One step of a bounded wait: let interrupts in (the answer arrives as the
 * SINT interrupt) and give the CPU a breath. No hlt: the model answers with
 * a self-IPI that is already pending, and a real host's answer wakes a
 * spinning CPU as fast. */
static void k_pump(void)
{
    irq_enable();
    cpu_relax();
}

static uint32_t k_current_vp(void)
{
    return hv_vp_index(this_cpu()->index);
}

static const struct vmbus_platform kernel_vmbus_platform = {
    .post_message = k_post_message,
    .signal_event = k_signal_event,
    .alloc_pages = k_alloc_pages,
    .free_pages = k_free_pages,
    .zalloc = kzalloc,
    .free = kfree,
    .virt_to_phys = k_virt_to_phys,
    .now_ns = clock_ns,
    .pump = k_pump,
    .current_vp = k_current_vp,
};

static void on_sint_message(unsigned cpu, const struct hv_message *copy)
{
    (void)cpu;
    vmbus_on_message(copy->payload, copy->header.message_type, copy->header.payload_size);
}

static void on_sint_events(unsigned cpu, volatile uint64_t *words)
{
    (void)cpu;
    vmbus_on_events(words);
}

/* ---- the model's VMBus host (hv=model only) ---- */

static uint64_t host_now_100ns(void)
{
    return clock_ns() / 100;
}

/* The tick (interrupt context, every CPU): deferred host work under
 * hv=model (queued offers, heartbeats, delayed interrupts; never inside a
 * hypercall), then the guest's rescue of channels whose interrupt was lost
 * (vmbus_poll_rings: one table load per relid up to the mark). One callback
 * for both: tick slots are few. */
static bool model_host_running;
static uint64_t shutdown_at_ns;     /* hvsim.shutdown_after; 0 = never */
static atomic_bool shutdown_sent;

/* hvsim.shutdown_after=<ms>: the model host plays an operator pressing
 * "shut down" once the shutdown IC is negotiated (retried each tick until
 * it is). Host-side call: the tick already runs with interrupts off. */
static void maybe_request_shutdown(void)
{
    if (!shutdown_at_ns || clock_ns() < shutdown_at_ns || atomic_load(&shutdown_sent))
        return;
    if (atomic_exchange(&shutdown_sent, true))
        return;   /* another CPU's tick took it */
    if (vmbus_host_shutdown_request(0) == 0)
        log_info("hvsim", "host: shutdown request sent to the guest (hvsim.shutdown_after)");
    else
        atomic_store(&shutdown_sent, false);   /* IC not ready yet */
}

static void vmbus_tick(void)
{
    if (model_host_running) {
        vmbus_host_poll();
        maybe_request_shutdown();
    }
    /* BSP only: channels are opened (and freed after a rescind) from
     * process context there and target its VP; a scan on another CPU could
     * read a channel being freed (no grace period, docs/vmbus.md). */
    if (this_cpu()->index == 0 && vmbus_connected())
        vmbus_poll_rings(k_current_vp());
}

/* The default host, with the kernel services it runs on. */
static void default_host_config(struct vmbus_host_config *cfg)
{
    vmbus_host_default_config(cfg);
    cfg->nr_vps = cpu_count;
    cfg->alloc_pages = k_alloc_pages;
    cfg->free_pages = k_free_pages;
    cfg->now_100ns = host_now_100ns;
}

static int start_model_host(void)
{
    struct vmbus_host_config cfg;
    char err[256];
    default_host_config(&cfg);
    if (vmbus_host_parse_options(&cfg, option_str("hvsim.host"), option_str("hvsim.channels"),
                                 option_str("hvsim.relids"), option_str("hvsim.faults"), err,
                                 sizeof err) != 0) {
        log_err("hvsim", "%s; using the default VMBus host", err);
        default_host_config(&cfg);
    }
    uint64_t f = irq_save();
    int rc = vmbus_host_init(&cfg);
    irq_restore(f);
    if (rc != 0) {
        log_err("hvsim", "VMBus host model failed to start");
        return -1;
    }
    uint64_t after_ms = option_u64("hvsim.shutdown_after", 0);
    if (after_ms)
        shutdown_at_ns = clock_ns() + after_ms * 1000000ull;
    model_host_running = true;
    return 0;
}

/* ---- IC hooks ---- */

static atomic_bool shutdown_requested;

void platform_shutdown(void)
{
    atomic_store(&shutdown_requested, true);
}

bool vmbus_kernel_shutdown_requested(void)
{
    return atomic_load(&shutdown_requested);
}

void platform_set_wall_clock(uint64_t unix_ns, int sync)
{
    (void)sync;
    wallclock_set_ns(unix_ns);
}

static uint64_t read_tsc(void)
{
    return rdtsc();
}

bool platform_ref_time_100ns(uint64_t *now)
{
    uint64_t f = irq_save();   /* under the model this is a model MSR read */
    bool ok = hv_ref_time(read_tsc, now);
    irq_restore(f);
    return ok;
}

static bool up;

int vmbus_kernel_init(void)
{
    if (hv_backend() == HV_BACKEND_NONE) {
        log_info("vmbus", "no Hyper-V backend: VMBus not started");
        return -1;
    }
    if (hv_backend() == HV_BACKEND_MODEL && start_model_host() != 0)
        return -1;
    vmbus_set_platform(&kernel_vmbus_platform);
    hv_set_vmbus_handlers(on_sint_message, on_sint_events);
    hvutil_register_all();
    if (timer_add_tick_callback(vmbus_tick) != 0)
        log_err("vmbus", "no timer tick slot: no host model work, no lost-interrupt rescue");
    if (vmbus_connect() != 0) {
        log_err("vmbus", "connection failed; continuing without VMBus");
        return -1;
    }
    up = true;
    return 0;
}

bool vmbus_kernel_up(void)
{
    return up;
}
