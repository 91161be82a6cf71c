/* Console commands about the CPU side of the interrupt path: CPUs, the IDT,
 * the local APIC, interrupt counts, IPIs, a trap taken on purpose, trace
 * switches, power-off. Each only reads state, or acts through the same
 * calls the kernel itself uses. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "kernel/shell/shell_kernel.h"
#include "kernel/clock.h"
#include "kernel/acpi.h"
#include "kernel/irq.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/shutdown.h"
#include "kernel/timer.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/x86_desc.h"
#include "lib/array_size.h"

static uint64_t cpu_limit(void) { return cpu_count; }

static void print_symbol(struct shell *sh, uint64_t addr)
{
    uint64_t off = 0;
    const char *name = ksyms_lookup(addr, &off);
    if (name)
        shell_printf(sh, "<%s+0x%llx>", name, (unsigned long long)off);
    else
        shell_printf(sh, "<?>");
}

/* ---- cpus ---- */

static void cmd_cpus_run(struct shell *sh, const struct shell_value *v)
{
    (void)v;
    unsigned online = 0;
    for (unsigned i = 0; i < cpu_count && i < MAX_CPUS; i++)
        online += cpus[i].online;
    shell_printf(sh, "%u CPUs in the MADT, %u online; this is cpu%u\n", cpu_count, online,
                 this_cpu()->index);
    for (unsigned i = 0; i < cpu_count && i < MAX_CPUS; i++)
        shell_printf(sh, "  cpu%u  apic id %u  %s\n", i, cpus[i].online ? cpus[i].apic_id : acpi.apic_ids[i],
                     cpus[i].online ? "online" : "not online");
}

static const struct shell_cmd cmd_cpus = { "cpus", "the CPUs the MADT lists, and which run", SHELL_NO_ARGS, cmd_cpus_run };

/* ---- irq ---- */

/* Columns for at most this many CPUs; the rest are summed in "others". */
#define IRQ_CPU_COLUMNS 4

static void cmd_irq_run(struct shell *sh, const struct shell_value *v)
{
    (void)v;
    unsigned ncol = cpu_count < IRQ_CPU_COLUMNS ? cpu_count : IRQ_CPU_COLUMNS;
    shell_printf(sh, "vector");
    for (unsigned c = 0; c < ncol; c++)
        shell_printf(sh, "     cpu%u", c);
    if (cpu_count > ncol)
        shell_printf(sh, "   others");
    shell_printf(sh, "  handler\n");
    for (unsigned vec = 32; vec < 256; vec++) {
        uint64_t n = irq_count(vec);
        irq_handler_t fn = irq_handler(vec);
        if (n == 0 && !fn)
            continue;
        shell_printf(sh, "  0x%02x", vec);
        uint64_t shown = 0;
        for (unsigned c = 0; c < ncol; c++) {
            uint64_t k = irq_count_cpu(vec, c);
            shown += k;
            shell_printf(sh, " %8llu", (unsigned long long)k);
        }
        if (cpu_count > ncol)
            shell_printf(sh, " %8llu", (unsigned long long)(n > shown ? n - shown : 0));
        shell_printf(sh, "  ");
        if (fn)
            print_symbol(sh, (uint64_t)(uintptr_t)fn);
        else
            shell_printf(sh, vec == VEC_SPURIOUS ? "(spurious: no handler, no EOI)" : "(none)");
        shell_printf(sh, "\n");
    }
    shell_printf(sh, "unhandled: %llu\n", (unsigned long long)irq_unhandled());
}

static const struct shell_cmd cmd_irq = { "irq", "interrupt counts per vector and CPU, with the handler", SHELL_NO_ARGS, cmd_irq_run };

/* ---- idt ---- */

extern const char isr_stubs[];

static const struct idt_gate *idt_base(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) r;
    __asm__ volatile("sidt %0" : "=m"(r));
    return (const struct idt_gate *)(uintptr_t)r.base;
}

static void cmd_idt_run(struct shell *sh, const struct shell_value *v)
{
    unsigned vec = (unsigned)v[0].num;
    const struct idt_gate *g = &idt_base()[vec];
    unsigned type = g->type_attr & 0xf, dpl = (g->type_attr >> 5) & 3, present = g->type_attr >> 7;
    uint64_t handler = idt_gate_handler(g);
    shell_printf(sh, "vector 0x%02x: %s\n", vec, vec < 32 ? exception_name(vec) : "external or software interrupt");
    shell_printf(sh, "  gate: %s, %s, DPL %u, IST %u (%s)\n",
                 type == GATE_INTERRUPT ? "interrupt gate (IF cleared on entry)"
                 : type == GATE_TRAP ? "trap gate (IF kept)" : "other type",
                 present ? "present" : "not present", dpl, g->ist & 7,
                 (g->ist & 7) ? "own stack from the TSS" : "current stack");
    shell_printf(sh, "  entry: selector 0x%02x, offset 0x%llx ", g->selector, (unsigned long long)handler);
    /* The stubs are one array of 16-byte entries (isr_stubs.asm). */
    uint64_t stubs = (uint64_t)(uintptr_t)isr_stubs;
    if (handler >= stubs && handler < stubs + 256 * 16)
        shell_printf(sh, "<isr_stubs+0x%llx>", (unsigned long long)(handler - stubs));
    else
        print_symbol(sh, handler);
    shell_printf(sh, "\n  path: stub pushes vector and error code, isr_common saves registers, trap_dispatch\n");
    if (vec < 32) {
        shell_printf(sh, "  then: exception table fixup, an armed catch, or the dump\n");
        return;
    }
    irq_handler_t fn = irq_handler(vec);
    shell_printf(sh, "  then: irq_dispatch -> ");
    if (fn)
        print_symbol(sh, (uint64_t)(uintptr_t)fn);
    else
        shell_printf(sh, "no handler registered");
    shell_printf(sh, ", taken %llu times\n", (unsigned long long)irq_count(vec));
}

static const struct shell_cmd cmd_idt = {
    "idt", "decode one IDT gate and where it leads",
    SHELL_ARGS({ "vector", SHELL_ARG_NUM, 0, 255, NULL, NULL, false }), cmd_idt_run,
};

/* ---- apic ---- */

static void print_vector_set(struct shell *sh, const char *label, enum apic_reg base)
{
    shell_printf(sh, "  %s:", label);
    unsigned found = 0;
    for (unsigned w = 0; w < 8; w++) {
        uint32_t bits = apic_read((enum apic_reg)(base + w * 0x10));
        for (unsigned b = 0; b < 32; b++)
            if (bits & (1u << b)) {
                shell_printf(sh, " 0x%02x", w * 32 + b);
                found++;
            }
    }
    shell_printf(sh, found ? "\n" : " none\n");
}

static void cmd_apic_run(struct shell *sh, const struct shell_value *v)
{
    (void)v;
    uint32_t ver = apic_read(APIC_VERSION), svr = apic_read(APIC_SVR), lvt = apic_read(APIC_LVT_TIMER);
    char where[48];
    if (apic_x2apic())
        snprintf(where, sizeof where, "registers are MSRs 0x800+");
    else
        snprintf(where, sizeof where, "registers are MMIO at 0x%llx",
                 (unsigned long long)(rdmsr(MSR_IA32_APIC_BASE) & 0xffffff000ull));
    shell_printf(sh, "local APIC of cpu%u: %s mode (%s), id %u, version 0x%02x, %u LVT entries\n",
                 this_cpu()->index, apic_mode_name(), where, apic_id(), ver & 0xff, ((ver >> 16) & 0xff) + 1);
    shell_printf(sh, "  TPR 0x%02x  PPR 0x%02x  SVR 0x%03x (%s, spurious vector 0x%02x)\n",
                 apic_get_tpr(), apic_read(APIC_PPR) & 0xff, svr,
                 svr & APIC_SVR_ENABLE ? "enabled" : "disabled", svr & 0xff);
    print_vector_set(sh, "ISR (in service)", APIC_ISR0);
    print_vector_set(sh, "IRR (requested) ", APIC_IRR0);
    unsigned mode = (lvt >> 17) & 3;
    shell_printf(sh, "  timer: vector 0x%02x, %s, %s, %s at %u Hz, %llu ticks so far\n", lvt & 0xff,
                 mode == 2 ? "TSC-deadline" : mode == 1 ? "periodic" : "one-shot",
                 lvt & APIC_LVT_MASKED ? "masked" : "unmasked", timer_mode_name(), timer_hz(),
                 (unsigned long long)timer_ticks());
    if (mode == 2)
        shell_printf(sh, "  next deadline in %lld TSC cycles\n", (long long)(rdmsr(MSR_TSC_DEADLINE) - rdtsc()));
    else
        shell_printf(sh, "  initial count %u, current count %u\n", apic_read(APIC_TIMER_INIT),
                     apic_read(APIC_TIMER_CUR));
}

static const struct shell_cmd cmd_apic = { "apic", "this CPU's local APIC: mode, id, TPR, ISR/IRR, timer", SHELL_NO_ARGS, cmd_apic_run };

/* ---- ipi ---- */

/* The console's own vector: `ipi` sends it, `post` posts it; its handler
 * counts where it ran. */
static int ipi_vector = -1;
static atomic_uint_fast64_t ipi_seen[MAX_CPUS];

static void ipi_handler(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    atomic_fetch_add(&ipi_seen[this_cpu()->index], 1);
}

int shell_console_vector(void)
{
    if (ipi_vector < 0) {
        ipi_vector = irq_alloc_vector(0);
        if (ipi_vector >= 0)
            irq_register((unsigned)ipi_vector, ipi_handler, NULL, 0);
    }
    return ipi_vector;
}

uint64_t shell_console_vector_seen(unsigned cpu)
{
    return cpu < MAX_CPUS ? atomic_load(&ipi_seen[cpu]) : 0;
}

static void cmd_ipi_run(struct shell *sh, const struct shell_value *v)
{
    unsigned cpu = (unsigned)v[0].num;
    if (!cpus[cpu].online) {
        shell_printf(sh, "ipi: cpu%u is not online\n", cpu);
        return;
    }
    if (shell_console_vector() < 0) {
        shell_printf(sh, "ipi: no free vector\n");
        return;
    }
    uint64_t before = atomic_load(&ipi_seen[cpu]);
    uint64_t t0 = clock_ns();
    apic_send_ipi(cpus[cpu].apic_id, (uint8_t)ipi_vector);
    /* Bounded (generously: a vCPU thread of a loaded host can stall): the
     * IPI is a fixed interrupt and interrupts are on here. */
    while (atomic_load(&ipi_seen[cpu]) == before && clock_ns() - t0 < 10000000000ull)
        cpu_relax();
    if (atomic_load(&ipi_seen[cpu]) == before) {
        shell_printf(sh, "ipi: vector 0x%02x to cpu%u never arrived within 10 s\n", ipi_vector, cpu);
        return;
    }
    shell_printf(sh, "ipi: vector 0x%02x, fixed delivery, through the ICR to apic id %u: handled on cpu%u after %llu ns (%llu so far)\n",
                 ipi_vector, cpus[cpu].apic_id, cpu, (unsigned long long)(clock_ns() - t0),
                 (unsigned long long)atomic_load(&ipi_seen[cpu]));
}

static const struct shell_cmd cmd_ipi = {
    "ipi", "send a fixed IPI to a CPU and wait for its handler",
    SHELL_ARGS({ "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false }), cmd_ipi_run,
};

/* ---- trap ---- */

static __attribute__((noinline)) void raise_ud(void *arg) { (void)arg; __asm__ volatile("ud2"); }
static __attribute__((noinline)) void raise_bp(void *arg) { (void)arg; __asm__ volatile("int3"); }
static __attribute__((noinline)) void raise_de(void *arg)
{
    (void)arg;
    __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx; div %%ecx" ::: "eax", "ecx", "edx");
}

static void cmd_trap_run(struct shell *sh, const struct shell_value *v)
{
    static void (*const raise[])(void *) = { raise_ud, raise_bp, raise_de };
    static const int vectors[] = { VEC_UD, VEC_BP, VEC_DE };
    struct trap_catch c;
    unsigned k = v[0].choice;
    if (!trap_expect(vectors[k], raise[k], NULL, &c)) {
        shell_printf(sh, "trap: no exception was raised\n");
        return;
    }
    const struct trap_frame *f = &c.seen;
    shell_printf(sh, "trap: %s, vector %llu, on cpu%u\n", exception_name((unsigned)f->vector),
                 (unsigned long long)f->vector, this_cpu()->index);
    shell_printf(sh, "  frame the CPU pushed: ss 0x%02llx rsp 0x%llx rflags 0x%llx cs 0x%02llx rip 0x%llx ",
                 (unsigned long long)f->ss, (unsigned long long)f->rsp, (unsigned long long)f->rflags,
                 (unsigned long long)f->cs, (unsigned long long)f->rip);
    print_symbol(sh, f->rip);
    shell_printf(sh, "\n  the stub pushed: error code %llu (%s), vector %llu; isr_common pushed 15 registers\n",
                 (unsigned long long)f->error, f->vector == VEC_UD || f->vector == VEC_BP || f->vector == VEC_DE
                 ? "none from the CPU: the stub's 0" : "from the CPU", (unsigned long long)f->vector);
    shell_printf(sh, "  rip points %s; IF was %s\n",
                 f->vector == VEC_BP ? "after int3 (a trap)" : "at the faulting instruction (a fault)",
                 f->rflags & RFLAGS_IF ? "on" : "off");
    shell_printf(sh, "  the armed catch took it: trap_dispatch rewrote the frame, iretq returned to the catch point\n");
}

static const struct shell_cmd cmd_trap = {
    "trap", "raise an exception on purpose, catch it, show its frame",
    SHELL_ARGS({ "kind", SHELL_ARG_CHOICE, 0, 0, NULL, "ud|bp|de", false }), cmd_trap_run,
};

/* ---- trace ---- */

static void cmd_trace_run(struct shell *sh, const struct shell_value *v)
{
    static const unsigned bits[] = { TRACE_HV, TRACE_VMBUS, TRACE_PI, TRACE_IRQ };
    static const char *const names[] = { "hv", "vmbus", "pi", "irq" };
    unsigned k = v[0].choice;
    bool on = v[1].choice == 0;
    if (on)
        __atomic_or_fetch(&trace_mask, bits[k], __ATOMIC_RELAXED);
    else
        __atomic_and_fetch(&trace_mask, ~bits[k], __ATOMIC_RELAXED);
    shell_printf(sh, "trace: %s %s\n", names[k], on ? "on" : "off");
}

static const struct shell_cmd cmd_trace = {
    "trace", "narrate one layer on the console",
    SHELL_ARGS({ "what", SHELL_ARG_CHOICE, 0, 0, NULL, "hv|vmbus|pi|irq", false },
      { "state", SHELL_ARG_CHOICE, 0, 0, NULL, "on|off", false }), cmd_trace_run,
};

/* ---- shutdown ---- */

static void (*before_poweroff)(void);

void shell_set_shutdown_hook(void (*fn)(void))
{
    before_poweroff = fn;
}

static void cmd_shutdown_run(struct shell *sh, const struct shell_value *v)
{
    (void)v;
    shell_printf(sh, "shutdown: powering off\n");
    if (before_poweroff)
        before_poweroff();
    machine_poweroff(0);
}

static const struct shell_cmd cmd_shutdown = { "shutdown", "leave VMBus cleanly and power off", SHELL_NO_ARGS, cmd_shutdown_run };

void shell_cmds_cpu_register(void)
{
    static const struct shell_cmd *const mine[] = {
        &cmd_cpus, &cmd_irq, &cmd_idt, &cmd_apic, &cmd_ipi, &cmd_trap, &cmd_trace, &cmd_shutdown,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(mine); i++)
        shell_kernel_add(mine[i]);
}
