/* Kernel glue of the VMBus client: the vmbus_services it runs on
 * (hypercalls through drivers/hv, pages from the page allocator, the
 * interrupt-safe allocator, the clock), the SynIC handlers, the tick's
 * lost-interrupt rescue, and the kernel hooks of the IC drivers. The same
 * whichever backend answers the hypercalls. */
#include <stdatomic.h>
#include "drivers/vmbus_kernel.h"
#include "drivers/hv/hv.h"
#include "drivers/vmbus/vmbus.h"
#include "drivers/hvutil/hvutil.h"
#include "drivers/dm/dm.h"
#include "kernel/clock.h"
#include "kernel/kalloc.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/options.h"
#include "kernel/ipi.h"
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

/* vmbus.spread=1: round robin over the CPUs whose SynIC is up, by VP
 * index, so a channel's callback usually runs on another CPU than its
 * sender and both ends of each ring run truly concurrently (covered by
 * scenario_vmbus_spread). Off by default only because the console lessons'
 * transcripts show channels on VP 0 (docs/vmbus.md, "Not done"). */
static bool spread;

static uint32_t k_pick_target_vp(void)
{
    static unsigned next;
    if (!spread)
        return k_current_vp();
    for (unsigned tries = 0; tries < cpu_count; tries++) {
        unsigned cpu = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % cpu_count;
        if (hv_synic_up(cpu))
            return hv_vp_index(cpu);
    }
    return k_current_vp();
}

static void nothing(void *arg)
{
    (void)arg;
}

/* The SINT handler and the rescue tick run with interrupts off; a call IPI
 * is taken only outside them, so once every other CPU ran one, none is
 * still inside a path that read the relid table before the removal. */
static void k_quiesce(void)
{
    if (cpu_count > 1)
        smp_call_all(nothing, NULL, false);
}

static const struct vmbus_services kernel_vmbus_services = {
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
    .pick_target_vp = k_pick_target_vp,
    .quiesce = k_quiesce,
};

static uint64_t events_on_cpu[MAX_CPUS];

uint64_t vmbus_kernel_events_on(unsigned cpu)
{
    return cpu < MAX_CPUS ? __atomic_load_n(&events_on_cpu[cpu], __ATOMIC_RELAXED) : 0;
}

static void on_sint_message(unsigned cpu, const struct hv_message *copy)
{
    (void)cpu;
    vmbus_on_message(copy->payload, copy->header.message_type, copy->header.payload_size);
}

/* Each CPU scans its own SIEF page (the words given are that CPU's). */
static void on_sint_events(unsigned cpu, volatile uint64_t *words)
{
    if (cpu < MAX_CPUS)
        __atomic_fetch_add(&events_on_cpu[cpu], 1, __ATOMIC_RELAXED);
    vmbus_on_events(words);
}

/* Every CPU's tick (interrupt context): the guest's rescue of the channels
 * that target this CPU's VP and whose interrupt was lost (vmbus_poll_rings:
 * one table load per relid up to the mark). A channel freed after a rescind
 * waits for k_quiesce first, so a scan here never reads freed memory. */
static void vmbus_tick(void)
{
    if (hv_synic_up(this_cpu()->index) && vmbus_connected())
        vmbus_poll_rings(k_current_vp());
}

/* ---- IC hooks ---- */

static atomic_bool shutdown_requested;

void hvutil_hook_shutdown(void)
{
    atomic_store(&shutdown_requested, true);
}

bool vmbus_kernel_shutdown_requested(void)
{
    return atomic_load(&shutdown_requested);
}

void hvutil_hook_set_wall_clock(uint64_t unix_ns, int sync)
{
    (void)sync;
    wallclock_set_ns(unix_ns);
}

static uint64_t read_tsc(void)
{
    return rdtsc();
}

bool hvutil_hook_ref_time_100ns(uint64_t *now)
{
    return hv_ref_time(read_tsc, now);
}

static bool up;

int vmbus_kernel_init(void)
{
    if (hv_backend() == HV_BACKEND_NONE) {
        log_info("vmbus", "no Hyper-V backend: VMBus not started");
        return -1;
    }
    spread = option_bool("vmbus.spread", false);
    vmbus_set_services(&kernel_vmbus_services);
    hv_set_vmbus_handlers(on_sint_message, on_sint_events);
    hvutil_register_all();
    dm_register();
    if (timer_add_percpu_tick_callback(vmbus_tick) != 0)
        log_err("vmbus", "no timer tick slot: no lost-interrupt rescue");
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
