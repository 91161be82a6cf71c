/* Kernel glue of the host model: struct hvsim_machine over kernel services
 * (interrupt injection by IPI, guest RAM, the current CPU, the clock, the
 * interrupt flag), the trap vector the model's hypercall page enters it
 * through, and the tick that runs its synthetic timers and its VMBus host's
 * deferred work. The guest never calls any of this: it only sees the MSRs,
 * CPUID and hypercall page the glue in drivers/backend.c hands it. */
#include <stdatomic.h>
#include <string.h>
#include "drivers/hvsim/hvsim.h"
#include "drivers/hvsim/hvsim_kernel.h"
#include "drivers/hvsim/vmbus_host.h"
#include "lib/array_size.h"
#include "lib/cmdline.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/posted_intr.h"
#include "kernel/clock.h"
#include "kernel/ipi.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/timer.h"

/* The trap vector is one of the kernel's fixed vectors, never handed out. */
_Static_assert(HVSIM_TRAP_VECTOR > IRQ_DYNAMIC_LAST && HVSIM_TRAP_VECTOR != VEC_TIMER &&
               HVSIM_TRAP_VECTOR != VEC_SPURIOUS, "model trap vector is reserved");

/* ---- the machine ------------------------------------------------------- */

/* hvsim.inject=posted: SINT and direct-mode timer vectors go into the
 * target CPU's posted-interrupt descriptor, with the notification vector
 * sent only as the descriptor says (as a hypervisor with posted-interrupt
 * hardware delivers to a running vCPU: Intel SDM vol. 3 "Posted-Interrupt
 * Processing"; KVM vmx_deliver_posted_interrupt). The guest's handlers are
 * the same; they run from the notification handler. */
static bool inject_posted;

bool hvsim_kernel_injects_posted(void)
{
    return inject_posted;
}

/* A fixed IPI with the vector to the VP's CPU, as the virtual APIC of a
 * real hypervisor would deliver it; or a posting (hvsim.inject=posted). */
static void machine_inject(uint32_t vp, uint8_t vector)
{
    if (vp >= cpu_count || !cpus[vp].online)
        return;
    if (inject_posted)
        pi_post(vp, vector);
    else if (vp == this_cpu()->index)
        apic_send_self_ipi(vector);
    else
        apic_send_ipi(cpus[vp].apic_id, vector);
}

/* Guest RAM only: the model must not be talked into touching MMIO or
 * memory beyond the end of RAM. */
static void *machine_gpa_to_ptr(uint64_t gpa, size_t len)
{
    if (gpa < PAGE_SIZE || len > pmm_ram_top() || gpa > pmm_ram_top() - len)
        return NULL;
    for (uint64_t p = gpa & ~(PAGE_SIZE - 1); p < gpa + len; p += PAGE_SIZE)
        if (!vm_is_mapped(p))
            return NULL;
    return (void *)(uintptr_t)gpa;
}

static uint32_t machine_current_vp(void) { return this_cpu()->index; }
/* The partition's reference time, in 100 ns units from the model's start,
 * from the TSC at the rate the model measured and offers (as Hyper-V
 * derives it from the host TSC): the same clock the reference TSC page
 * publishes, not the guest's own (clock_ns runs at whatever rate the guest
 * settled on; a page and a TIME_REF_COUNT from two clocks drift apart).
 * Without a rate: the guest's clock. */
static uint64_t ref_tsc0;
static struct hvsim_machine machine;   /* below; its tsc_hz is the rate */
static uint64_t machine_ref_time_at(uint64_t tsc)
{
    return (uint64_t)((unsigned __int128)(tsc - ref_tsc0) * 10000000u / machine.tsc_hz);
}

static uint64_t machine_ref_time(void)
{
    return machine.tsc_hz ? machine_ref_time_at(rdtsc()) : clock_ns() / 100;
}
static unsigned long machine_irq_save(void) { return (unsigned long)irq_save(); }
static void machine_irq_restore(unsigned long f) { irq_restore(f); }
static bool machine_irqs_off(void) { return !(read_rflags() & RFLAGS_IF); }

static struct hvsim_machine machine = {
    .inject = machine_inject,
    .gpa_to_ptr = machine_gpa_to_ptr,
    .current_vp = machine_current_vp,
    .ref_time_100ns = machine_ref_time,
    .read_tsc = rdtsc,
    .irq_save = machine_irq_save,
    .irq_restore = machine_irq_restore,
    .irqs_off = machine_irqs_off,
};

/* ---- entries: the trap and the tick ------------------------------------- */

/* int $HVSIM_TRAP_VECTOR from the hypercall page: the model's "VM exit".
 * An interrupt gate, so the model runs with interrupts off, as a real
 * hypervisor runs while the guest VP is out. */
static void model_trap(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    f->rax = hvsim_hypercall(f->rcx, f->rdx, f->r8);
}

static bool vmbus_host_running;
static int host_cpu = -1;       /* hvsim.host_cpu (setup_host_cpu below); -1: none */
static int host_vector = -1;
static uint64_t shutdown_at_ns;     /* hvsim.shutdown_after; 0 = never */
static atomic_bool shutdown_sent;

/* Every IC the host offered has negotiated (the shutdown request must not
 * overtake the others: a loaded host can take longer than the delay to
 * bring them up, and a scenario then misses their first exchange). */
static bool all_ics_ready(void)
{
    static const enum vmbus_host_dev ics[] = { VMBUS_HOST_DEV_HEARTBEAT,
                                               VMBUS_HOST_DEV_SHUTDOWN,
                                               VMBUS_HOST_DEV_TIMESYNC };
    for (unsigned i = 0; i < ARRAY_SIZE(ics); i++) {
        struct vmbus_host_chan_info ci;
        uint32_t relid = vmbus_host_relid_of(ics[i]);
        if (relid && (vmbus_host_chan_info(relid, &ci) != 0 || !ci.ic_ready))
            return false;
    }
    return true;
}

/* hvsim.shutdown_after=<ms>: the model host plays an operator pressing
 * "shut down" once that time has passed and every IC is negotiated
 * (retried each tick until they are). */
static void maybe_request_shutdown(void)
{
    if (!shutdown_at_ns || clock_ns() < shutdown_at_ns || atomic_load(&shutdown_sent))
        return;
    if (!all_ics_ready())
        return;
    if (atomic_exchange(&shutdown_sent, true))
        return;   /* another CPU's tick took it */
    if (vmbus_host_shutdown_request(0) == 0)
        log_info("hvsim", "host: shutdown request sent to the guest (hvsim.shutdown_after)");
    else
        atomic_store(&shutdown_sent, false);   /* IC not ready yet */
}

/* Every tick of the boot CPU (timer_add_tick_callback), in interrupt
 * context: the synthetic timers (the model's timer resolution is one
 * tick), then the VMBus host's deferred work (queued offers, heartbeats,
 * delayed interrupts; never inside a hypercall), on the host's CPU if it
 * has one. */
static atomic_bool background_held;
static atomic_uint background_running;   /* CPUs inside the VMBus host's poll */

static void host_kick(void);

static void background_poll(void)
{
    /* seq_cst both sides: either this tick sees the hold, or the holder
     * sees it running and waits for it. */
    atomic_fetch_add(&background_running, 1);
    if (!atomic_load(&background_held)) {
        vmbus_host_poll();
        maybe_request_shutdown();
    }
    atomic_fetch_sub(&background_running, 1);
}

/* hvsim.host_cpu: a tick taken on another CPU hands the background work to
 * the host's CPU (host_work below), where all of the host runs. */
static atomic_bool host_tick_due;

static void model_tick(void)
{
    hvsim_poll_timers();
    if (!vmbus_host_running)
        return;
    if (host_cpu >= 0 && this_cpu()->index != (unsigned)host_cpu) {
        atomic_store(&host_tick_due, true);
        host_kick();
        return;
    }
    background_poll();
}

#define HOLD_WAIT_NS 2000000000ull   /* one poll takes microseconds; TCG may stall a vCPU */

bool hvsim_hold_background(bool hold)
{
    atomic_store(&background_held, hold);
    if (!hold)
        return true;
    uint64_t end = clock_ns() + HOLD_WAIT_NS;
    while (atomic_load(&background_running) != 0) {
        if (clock_ns() > end) {
            atomic_store(&background_held, false);
            return false;
        }
        cpu_relax();
    }
    return true;
}

/* ---- start ------------------------------------------------------------- */

/* The platform's TSC and APIC timer rates, as a hypervisor knows its own
 * machine: the model's host side measures them once against the platform
 * clock (or takes CPUID 0x15/0x16), before the guest's clock exists, so
 * the guest can take them from the frequency MSRs instead of measuring.
 * None known: the model offers no frequency MSRs. */
/* A real hypervisor knows its rates; the model pays for measuring them in
 * the guest's boot time, so it takes a 4 ms window (the guest's own
 * fallback takes 50) and accepts one whose brackets took up to 1/200 of
 * it: a window with a slower bracket (a vCPU pause) is measured again
 * (clock_measure). The rates only need to agree with themselves
 * (TIME_REF_COUNT, the reference TSC page and the guest's clock all come
 * from them), not with a wall; under TCG a bracket takes 2-8 us and the
 * first window's (code translated for the first time) over 100 us, so the
 * guest's 1/1000 bound (4 us here) meant five windows nearly every boot. */
#define HVSIM_RATE_WINDOW_MS 4
#define HVSIM_RATE_SLACK_DIV 200

static void machine_rates(void)
{
    uint64_t tsc = 0, lapic_div16 = 0;
    const char *how = refclock_name();
    if (tsc_hz()) {                    /* the guest's clock is already up */
        tsc = tsc_hz();
        lapic_div16 = lapic_timer_hz();
        how = "the kernel's clock";
    } else if (!clock_measure(HVSIM_RATE_WINDOW_MS, HVSIM_RATE_SLACK_DIV, &tsc, &lapic_div16) &&
               !clock_cpuid_rates(&tsc, &lapic_div16, &how)) {
        tsc = lapic_div16 = 0;
        how = "nothing";
    }
    ref_tsc0 = rdtsc();
    machine.tsc_hz = tsc;
    machine.ref_time_at_tsc = tsc ? machine_ref_time_at : NULL;
    machine.apic_hz = lapic_div16 * 16;
    log_info("hvsim", "host: platform TSC %llu kHz, APIC timer %llu kHz (from %s)",
             (unsigned long long)(tsc / 1000), (unsigned long long)(lapic_div16 * 16 / 1000), how);
}

static bool model_started;

int hvsim_kernel_start(unsigned nr_cpus)
{
    struct hvsim_config cfg;
    if (model_started)   /* started early for its frequency MSRs */
        return 0;
    const char *inj = option_str("hvsim.inject");
    inject_posted = inj && strcmp(inj, "posted") == 0;
    machine_rates();
    irq_register(HVSIM_TRAP_VECTOR, model_trap, NULL, IRQ_NO_EOI);
    hvsim_default_config(&cfg, nr_cpus ? nr_cpus : 1);
    if (hvsim_init(&machine, &cfg) != 0) {
        irq_unregister(HVSIM_TRAP_VECTOR);
        log_warn("hvsim", "Hyper-V model failed to start");
        return -1;
    }
    log_info("hvsim", "interrupts injected %s", inject_posted ?
             "through posted-interrupt descriptors (hvsim.inject=posted)" : "as fixed IPIs");
    if (timer_add_tick_callback(model_tick) != 0)
        log_warn("hvsim", "no tick callback slot: the model's synthetic timers and "
                 "VMBus host will not run");
    model_started = true;
    return 0;
}

static uint64_t host_now_100ns(void)
{
    return machine_ref_time();
}

static void *host_alloc_pages(size_t n)
{
    return (void *)(uintptr_t)pmm_alloc(n);
}

static void host_free_pages(void *p, size_t n)
{
    pmm_free((uint64_t)(uintptr_t)p, n);
}

/* The default host, with the kernel services it runs on. */
static void default_host_config(struct vmbus_host_config *cfg)
{
    vmbus_host_default_config(cfg);
    cfg->nr_vps = cpu_count;
    cfg->alloc_pages = host_alloc_pages;
    cfg->free_pages = host_free_pages;
    cfg->now_100ns = host_now_100ns;
}

/* hvsim.host_cpu=<n> (default the last CPU, with two or more): the VMBus
 * host runs on CPU n, as a real host runs on its own cores. A guest's post or signal queues the work and sends
 * host_vector to that CPU (vmbus_host_config.kick); its handler serves it
 * in interrupt context there, so host and guest really run concurrently on
 * the rings and message pages. hvsim.host_cpu=off, or one CPU: the host
 * runs inside the guest's hypercalls and from every CPU's tick. */

static void host_kick(void)
{
    ipi_send((unsigned)host_cpu, (uint8_t)host_vector);
}

static void host_work(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    if (atomic_exchange(&host_tick_due, false))
        background_poll();
    vmbus_host_run_deferred();   /* also while the background is held */
}

static void setup_host_cpu(struct vmbus_host_config *cfg)
{
    /* Default: the last CPU when there are two or more; "off" keeps the
     * host inside the guest's hypercalls, as with one CPU. */
    const char *want = option_str("hvsim.host_cpu");
    if ((want && strcmp(want, "off") == 0) || (!want && cpu_count < 2))
        return;
    uint64_t n = cpu_count - 1;
    if (want && !cmdline_parse_u64(want, &n)) {
        log_warn("hvsim", "hvsim.host_cpu=%s: neither a CPU number nor off; the last CPU", want);
        n = cpu_count - 1;
    }
    if (n >= cpu_count) {
        log_warn("hvsim", "hvsim.host_cpu=%llu: only %u CPU(s) online; the host runs in "
                 "the guest's hypercalls", (unsigned long long)n, cpu_count);
        return;
    }
    /* A high priority class: the host runs whatever the guest's TPR holds
     * off (the SynIC tests hold the SINT's class). */
    int v = irq_alloc_vector(0xe);
    if (v < 0) {
        log_warn("hvsim", "hvsim.host_cpu: no free vector; the host runs in the guest's hypercalls");
        return;
    }
    host_vector = v;
    host_cpu = (int)n;
    irq_register((unsigned)v, host_work, NULL, 0);
    cfg->kick = host_kick;
    log_info("hvsim", "host: the VMBus host runs on CPU %d (vector 0x%x)", host_cpu, v);
}

int hvsim_kernel_start_vmbus_host(void)
{
    struct vmbus_host_config cfg;
    char err[256];
    default_host_config(&cfg);
    setup_host_cpu(&cfg);
    if (vmbus_host_parse_options(&cfg, option_str("hvsim.host"), option_str("hvsim.channels"),
                                 option_str("hvsim.relids"), option_str("hvsim.faults"), err,
                                 sizeof err) != 0) {
        /* The good options still apply; each bad one kept its default. */
        log_err("hvsim", "%s (those keep their defaults)", err);
    }
    err[0] = 0;
    if (vmbus_host_parse_dm(&cfg, option_str("hvsim.dm"), err, sizeof err) != 0)
        log_err("hvsim", "%s (DM keeps its defaults)", err);
    if (vmbus_host_init(&cfg) != 0) {
        log_err("hvsim", "VMBus host model failed to start");
        return -1;
    }
    /* Strict (the default when in-kernel tests run): every rule a guest
     * breaks fails the running test (kernel/ktest.c post-check). */
    if (option_bool("hvsim.strict", option_str("test") != NULL)) {
        ktest_watch("hvsim.strict: guest protocol violations", vmbus_host_violations);
        log_info("hvsim", "strict: a guest protocol violation fails the running test");
    }
    uint64_t after_ms = option_u64("hvsim.shutdown_after", 0);
    if (after_ms)
        shutdown_at_ns = clock_ns() + after_ms * 1000000ull;
    vmbus_host_running = true;
    return 0;
}
