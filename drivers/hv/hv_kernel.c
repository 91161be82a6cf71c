/* Kernel glue of the guest layer: the real backend (the CPU's own CPUID and
 * MSR instructions), the call into the hypercall page, the kernel services
 * behind hv_boot_params, and the boot CPU's bring-up once hv_init has
 * succeeded. Not built into host tests, which pass their own. Which backend
 * hv_init gets is decided in drivers/backend.c. */
#include <string.h>
#include "drivers/hv/hv_internal.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "kernel/irq.h"
#include "kernel/pmm.h"
#include "kernel/percpu.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/log.h"

/* Provided by the kernel core (arch/x86_64/msr_safe.asm): 0, or -1 after a
 * #GP. */
extern int arch_rdmsr_safe(uint32_t msr, uint64_t *v);
extern int arch_wrmsr_safe(uint32_t msr, uint64_t v);

static void cpu_cpuid(uint32_t leaf, uint32_t out[4])
{
    struct cpuid_regs r = cpuid(leaf, 0);
    out[0] = r.eax;
    out[1] = r.ebx;
    out[2] = r.ecx;
    out[3] = r.edx;
}

const struct hv_backend_ops hv_kernel_real_ops = {
    .kind = HV_BACKEND_REAL,
    .cpuid = cpu_cpuid,
    .rdmsr = arch_rdmsr_safe,
    .wrmsr = arch_wrmsr_safe,
};

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

/* ---- kernel services behind hv_boot_params ------------------------------- */

static void sint_irq(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    hv_synic_isr();   /* irq_dispatch sends the EOI afterwards (manual EOI) */
}

static void stimer_irq(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    hv_stimer_isr();   /* irq_dispatch EOIs afterwards */
}

/* A vector in the top class below the fixed vectors (else any), as Linux
 * gives its Hyper-V callback vector and HYPERV_STIMER0_VECTOR a high
 * priority next to its other system vectors. */
static int alloc_high_vector(irq_handler_t fn)
{
    int v = irq_alloc_vector(0xe);
    if (v < 0)
        v = irq_alloc_vector(0);
    if (v >= 0)
        irq_register((unsigned)v, fn, NULL, 0);
    return v;
}

static int kernel_alloc_vector(void) { return alloc_high_vector(sint_irq); }
static int kernel_alloc_stimer_vector(void) { return alloc_high_vector(stimer_irq); }

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

void hv_kernel_boot_params(struct hv_boot_params *p, unsigned nr_cpus)
{
    *p = (struct hv_boot_params){
        .nr_cpus = nr_cpus,
        .alloc_vector = kernel_alloc_vector,
        .alloc_stimer_vector = kernel_alloc_stimer_vector,
        .alloc_page = kernel_alloc_page,
        .map_executable = kernel_map_executable,
        .call_page = call_page,
        .this_cpu = kernel_this_cpu,
        .irq_save = kernel_irq_save,
        .irq_restore = kernel_irq_restore,
    };
}

int hv_kernel_start_boot_cpu(void)
{
    /* Hyper-V states its TSC and APIC timer rates (a Gen2 VM may have no
     * HPET for the calibration to lean on). Normally the clock took them
     * before calibrating (drivers_early_clock); if not, take them now and
     * keep the tick rate by reprogramming the period. The reference TSC
     * page is taken from whichever backend offers it (hv_ref_time reads it). */
    bool rates_taken = strcmp(clock_tsc_source(), "hyper-v frequency MSRs") == 0;
    int time_rc = hv_time_init();
    if (hv_backend() == HV_BACKEND_REAL && time_rc == 0 && !rates_taken &&
        (hv_tsc_hz() || hv_apic_hz())) {
        if (hv_tsc_hz())
            clock_set_tsc_hz(hv_tsc_hz(), "hyper-v frequency MSR");
        if (hv_apic_hz())
            clock_set_lapic_timer_hz(hv_apic_hz() / 16);
        timer_reprogram();
        log_info("hv", "TSC %llu kHz, APIC timer %llu kHz from the frequency MSRs",
                 (unsigned long long)(tsc_hz() / 1000), (unsigned long long)(hv_apic_hz() / 1000));
    }
    int r = hv_synic_init_cpu(this_cpu()->index);
    if (hv_get_info()->has_stimer)
        hv_stimer_init();   /* after the SynIC: message mode needs SINT2 */
    return r;
}
