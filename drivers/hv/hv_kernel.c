/* Kernel-only glue: the two backends and the call into the hypercall page.
 * Not built into host tests (they pass their own hv_backend_ops). */
#include "drivers/hv/hv_internal.h"
#include <string.h>
#include "drivers/hvsim/hvsim.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/paging.h"
#include "kernel/irq.h"
#include "kernel/pmm.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/log.h"

/* Provided by the kernel core (arch/x86_64/msr.h): 0, or -1 after a #GP. */
extern int arch_rdmsr_safe(uint32_t msr, uint64_t *v);
extern int arch_wrmsr_safe(uint32_t msr, uint64_t v);

/* CALL the start of the page with RCX = control, RDX = input (GPA or fast
 * param 1), R8 = output (GPA or fast param 2); the status comes back in RAX.
 * The TLFS promises only RAX (and RCX for rep calls) change, but the
 * clobbers are wider, as in Linux, so nothing depends on that promise. */
static uint64_t call_page(void *page, uint64_t control, uint64_t rdx, uint64_t r8)
{
    uint64_t status;
    register uint64_t r8_in __asm__("r8") = r8;
    __asm__ volatile("call *%[page]"
                     : "=a"(status), "+c"(control), "+d"(rdx), "+r"(r8_in)
                     : [page] "r"(page)
                     : "cc", "memory", "r9", "r10", "r11");
    return status;
}

static const struct hv_backend_ops real_ops = {
    .rdmsr = arch_rdmsr_safe,
    .wrmsr = arch_wrmsr_safe,
    .call = call_page,
};

/* A real rdmsr/wrmsr is one instruction: no interrupt lands in the middle.
 * The model takes a spinlock that the SINT handler (EOM) also takes, so an
 * interrupt inside a model MSR access would deadlock: keep them out. */
static int model_rdmsr(uint32_t msr, uint64_t *v)
{
    uint64_t f = irq_save();
    int r = hvsim_rdmsr_current(msr, v);
    irq_restore(f);
    return r;
}

static int model_wrmsr(uint32_t msr, uint64_t v)
{
    uint64_t f = irq_save();
    int r = hvsim_wrmsr_current(msr, v);
    irq_restore(f);
    return r;
}

static const struct hv_backend_ops model_ops = {
    .rdmsr = model_rdmsr,
    .wrmsr = model_wrmsr,
    .call = call_page,
};

int hv_init(const struct hv_boot_params *p)
{
    return hv_init_with(p, &real_ops, &model_ops);
}

/* ---- kernel services behind hv_boot_params and hvsim_platform ---------- */

static void kernel_cpuid(uint32_t leaf, uint32_t out[4])
{
    struct cpuid_regs r = cpuid(leaf, 0);
    out[0] = r.eax;
    out[1] = r.ebx;
    out[2] = r.ecx;
    out[3] = r.edx;
}

static void sint_irq(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    hv_synic_isr();   /* irq_dispatch sends the EOI afterwards (manual EOI) */
}

static int kernel_alloc_vector(void)
{
    /* A high priority class, as Linux gives its Hyper-V callback vector. */
    int v = irq_alloc_vector(0xe);
    if (v < 0)
        v = irq_alloc_vector(0);
    if (v >= 0)
        irq_register((unsigned)v, sint_irq, NULL, 0);
    return v;
}

static void stimer_irq(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    hv_stimer_isr();   /* irq_dispatch EOIs afterwards */
}

/* The clock-event vector in the top class below the fixed vectors, as Linux
 * puts HYPERV_STIMER0_VECTOR next to its other system vectors. */
static int kernel_alloc_stimer_vector(void)
{
    int v = irq_alloc_vector(0xe);
    if (v < 0)
        v = irq_alloc_vector(0);
    if (v >= 0)
        irq_register((unsigned)v, stimer_irq, NULL, 0);
    return v;
}

static void *kernel_alloc_page(void)
{
    return (void *)(uintptr_t)pmm_alloc(1);
}

static void kernel_map_executable(void *page)
{
    vm_protect((uint64_t)(uintptr_t)page, PAGE_SIZE, VM_EXEC);
}

static unsigned kernel_this_cpu(void) { return this_cpu()->index; }
static unsigned long kernel_irq_save(void) { return (unsigned long)irq_save(); }
static void kernel_irq_restore(unsigned long f) { irq_restore(f); }

/* The model's interrupt injection: a fixed IPI with the SINT's vector to
 * the VP's CPU, as the virtual APIC of a real hypervisor would deliver it. */
static void model_inject(uint32_t vp, uint8_t vector)
{
    if (vp >= cpu_count || !cpus[vp].online)
        return;
    if (vp == this_cpu()->index)
        apic_send_self_ipi(vector);
    else
        apic_send_ipi(cpus[vp].apic_id, vector);
}

/* Guest RAM only: the model must not be talked into touching MMIO or
 * memory beyond the end of RAM. */
static void *model_gpa_to_ptr(uint64_t gpa, size_t len)
{
    if (gpa < PAGE_SIZE || len > pmm_ram_top() || gpa > pmm_ram_top() - len)
        return NULL;
    for (uint64_t p = gpa & ~(PAGE_SIZE - 1); p < gpa + len; p += PAGE_SIZE)
        if (!vm_is_mapped(p))
            return NULL;
    return (void *)(uintptr_t)gpa;
}

static uint32_t model_current_vp(void) { return this_cpu()->index; }
static uint64_t model_ref_time(void) { return clock_ns() / 100; }

/* The model's synthetic timers advance on the kernel tick (interrupt
 * context, interrupts off, which the model's lock needs): resolution one
 * tick. */
static void model_tick(void)
{
    if (hv_backend() == HV_BACKEND_MODEL)
        hvsim_poll_timers();
}

/* int $0xf3 from the hypercall page: the model's "VM exit". */
static void model_trap(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    f->rax = hvsim_hypercall(f->rcx, f->rdx, f->r8);
}

static struct hvsim_platform sim_platform = {
    .inject = model_inject,
    .gpa_to_ptr = model_gpa_to_ptr,
    .current_vp = model_current_vp,
    .ref_time_100ns = model_ref_time,
};

int hv_kernel_setup(const char *option, unsigned nr_cpus)
{
    sim_platform.tsc_hz = tsc_hz();
    sim_platform.apic_hz = lapic_timer_hz() * 16;
    irq_register(HVSIM_TRAP_VECTOR, model_trap, NULL, IRQ_NO_EOI);
    bool real_only = option && strcmp(option, "real") == 0;
    struct hv_boot_params p = {
        .option = real_only ? "auto" : option,
        .nr_cpus = nr_cpus,
        .cpuid = kernel_cpuid,
        .alloc_vector = kernel_alloc_vector,
        .alloc_stimer_vector = kernel_alloc_stimer_vector,
        .alloc_page = kernel_alloc_page,
        .map_executable = kernel_map_executable,
        .this_cpu = kernel_this_cpu,
        .irq_save = kernel_irq_save,
        .irq_restore = kernel_irq_restore,
        .sim = real_only ? NULL : &sim_platform,
    };
    if (hv_init(&p) != 0)
        return -1;
    /* Hyper-V states its TSC and APIC timer rates (a Gen2 VM may have no
     * HPET for the calibration to lean on): take them and keep the tick
     * rate by reprogramming the period. */
    if (hv_backend() == HV_BACKEND_REAL && hv_time_init() == 0 && (hv_tsc_hz() || hv_apic_hz())) {
        if (hv_tsc_hz())
            clock_set_tsc_hz(hv_tsc_hz(), "hyper-v frequency MSR");
        if (hv_apic_hz())
            clock_set_lapic_timer_hz(hv_apic_hz() / 16);
        timer_reprogram();
        log_info("hv", "TSC %llu kHz, APIC timer %llu kHz from the frequency MSRs",
                 (unsigned long long)(tsc_hz() / 1000), (unsigned long long)(hv_apic_hz() / 1000));
    }
    if (hv_backend() == HV_BACKEND_MODEL && timer_add_tick_callback(model_tick) != 0)
        log_warn("hv", "no tick callback slot: the model's synthetic timers will not run");
    int r = hv_synic_init_cpu(this_cpu()->index);
    if (hv_platform_info()->has_stimer)
        hv_stimer_init();   /* after the SynIC: message mode needs SINT2 */
    return r;
}
