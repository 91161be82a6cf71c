/* Exception handling: recover through the exception table or an armed catch,
 * otherwise print everything we know and stop the machine. */
#include <stdatomic.h>
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/apic.h"
#include "kernel/irq.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/console.h"
#include "kernel/panic.h"

static const char *const names[32] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)",
    "segment not present (#NP)", "stack fault (#SS)", "general protection (#GP)",
    "page fault (#PF)", "reserved 15", "x87 floating point (#MF)", "alignment check (#AC)",
    "machine check (#MC)", "SIMD floating point (#XM)", "virtualization (#VE)",
    "control protection (#CP)", "reserved 22", "reserved 23", "reserved 24", "reserved 25",
    "reserved 26", "reserved 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
    "security (#SX)", "reserved 31",
};

const char *exception_name(unsigned vector)
{
    return vector < 32 ? names[vector] : "interrupt";
}

struct extable_entry { int32_t insn, fixup; };
extern const struct extable_entry __extable_start[], __extable_end[];

static bool fixup_from_extable(struct trap_frame *f)
{
    for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
        uint64_t insn = (uint64_t)e + (int64_t)e->insn;
        if (insn == f->rip) {
            f->rip = (uint64_t)e + (int64_t)e->fixup;
            return true;
        }
    }
    return false;
}

void trap_catch_set(struct trap_catch *c, int vector)
{
    c->vector = vector;
    c->armed = true;
    c->prev = this_cpu()->catch;
    this_cpu()->catch = c;
}

void trap_catch_clear(void)
{
    struct trap_catch *c = this_cpu()->catch;
    if (c) {
        c->armed = false;
        this_cpu()->catch = c->prev;
    }
}

void trap_catch_redirect(struct trap_frame *f, struct trap_catch *c)
{
    c->seen = *f;
    c->armed = false;
    this_cpu()->catch = c->prev;
    f->rbx = c->rbx; f->rbp = c->rbp; f->r12 = c->r12; f->r13 = c->r13;
    f->r14 = c->r14; f->r15 = c->r15;
    f->rsp = c->rsp;
    f->rip = c->rip;
    f->rax = 1;
}

/* noinline: the catch must live in a frame of its own that outlasts fn. */
__attribute__((noinline)) int trap_expect(int vector, void (*fn)(void *), void *arg,
                                          struct trap_catch *c)
{
    trap_catch_set(c, vector);
    if (trap_catch_arm(c))
        return 1;
    fn(arg);
    trap_catch_clear();
    return 0;
}

static void print_symbol_line(const char *prefix, uint64_t addr)
{
    uint64_t off = 0;
    const char *sym = ksyms_lookup(addr, &off);
    if (sym)
        log_err("trap", "%s0x%016llx <%s+0x%llx>", prefix, (unsigned long long)addr, sym,
                (unsigned long long)off);
    else
        log_err("trap", "%s0x%016llx <?>", prefix, (unsigned long long)addr);
}

/* Walks saved-RBP links. Each link is checked before it is followed: a
 * corrupt chain must not fault inside the fault handler. */
static void backtrace(uint64_t rbp)
{
    for (int depth = 0; depth < 24 && rbp; depth++) {
        if (rbp & 7 || rbp < 0x1000 || rbp > 0x0000800000000000ull)
            break;
        const uint64_t *fp = (const uint64_t *)rbp;
        uint64_t ret = fp[1];
        if (!ret)
            break;
        char prefix[16] = "  #";
        prefix[3] = (char)('0' + (depth + 1) / 10);
        prefix[4] = (char)('0' + (depth + 1) % 10);
        prefix[5] = ' ';
        prefix[6] = 0;
        print_symbol_line(prefix, ret);
        if (fp[0] <= rbp)
            break; /* stacks grow down: links must go up */
        rbp = fp[0];
    }
}
/* One dump line of four registers; names are 3 characters each, space
 * separated ("rax rbx rcx rdx"), so the columns line up. */
static void log_regs(const char *names, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    log_err("trap", "%.3s %016llx %.3s %016llx %.3s %016llx %.3s %016llx", names,
            (unsigned long long)a, names + 4, (unsigned long long)b, names + 8,
            (unsigned long long)c, names + 12, (unsigned long long)d);
}


static atomic_int halting;

static atomic_int dumping;

static void dump_and_halt(struct trap_frame *f)
{
    /* A fault while printing a fault: say so in as few steps as possible. */
    if (atomic_exchange(&dumping, 1)) {
        static const char msg[] = "trap: nested exception while dumping; halted\n";
        console_write(msg, sizeof msg - 1);
        halt_all_cpus();
    }
    console_panic_mode();
    struct cpu *c = this_cpu();
    log_err("trap", "EXCEPTION %s on CPU%u, error code 0x%llx", exception_name((unsigned)f->vector),
            c ? c->index : 0, (unsigned long long)f->error);
    print_symbol_line("rip ", f->rip);
    if (f->vector == VEC_PF)
        log_err("trap", "cr2 0x%016llx (%s %s %s)", (unsigned long long)read_cr2(),
                f->error & 1 ? "protection" : "not-present", f->error & 2 ? "write" : "read",
                f->error & 16 ? "ifetch" : "");
    log_regs("rax rbx rcx rdx", f->rax, f->rbx, f->rcx, f->rdx);
    log_regs("rsi rdi rbp rsp", f->rsi, f->rdi, f->rbp, f->rsp);
    log_regs("r8  r9  r10 r11", f->r8, f->r9, f->r10, f->r11);
    log_regs("r12 r13 r14 r15", f->r12, f->r13, f->r14, f->r15);
    log_err("trap", "cs %04llx ss %04llx rflags %08llx cr0 %llx cr3 %llx cr4 %llx",
            (unsigned long long)f->cs, (unsigned long long)f->ss, (unsigned long long)f->rflags,
            (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
            (unsigned long long)read_cr4());
    log_err("trap", "backtrace:");
    print_symbol_line("  #00 ", f->rip);
    backtrace(f->rbp);
    panic_stop();
}

static atomic_uint stopped_cpus;

/* NMI the others (an NMI gets through even where interrupts are off) and
 * wait, bounded, for each to say it stopped; then name any that did not.
 * Only the first caller does this; a second one just stops. */
unsigned stop_other_cpus(void)
{
    irq_disable();
    if (atomic_exchange(&halting, 1) != 0) {
        for (;;) { irq_disable(); cpu_halt(); }
    }
    if (!apic_is_up() || cpu_count < 2)
        return 0;
    apic_send_nmi_all_but_self();
    /* No clock reads here: the failure may be in the clock. A spin count
     * that is a long time on any machine. */
    for (uint64_t spins = 0; spins < 200000000ull && atomic_load(&stopped_cpus) + 1 < cpu_count; spins++)
        cpu_relax();
    unsigned n = atomic_load(&stopped_cpus);
    if (n + 1 < cpu_count) {
        for (unsigned i = 0; i < cpu_count; i++)
            if (i != this_cpu()->index && !__atomic_load_n(&cpus[i].halted, __ATOMIC_ACQUIRE))
                log_err("trap", "CPU%u (APIC id %u) did not stop", i, cpus[i].apic_id);
    }
    log_err("trap", "stopped %u other CPU(s) of %u", n, cpu_count - 1);
    return n;
}

void halt_all_cpus(void)
{
    stop_other_cpus();
    for (;;)
        cpu_halt();
}

static void exception(struct trap_frame *f)
{
    if (f->vector == VEC_NMI) {
        if (atomic_load(&halting)) {
            __atomic_store_n(&this_cpu()->halted, true, __ATOMIC_RELEASE);
            atomic_fetch_add(&stopped_cpus, 1);
            for (;;) { irq_disable(); cpu_halt(); }
        }
        log_warn("trap", "NMI on CPU%u (ignored)", this_cpu()->index);
        return;
    }
    if (fixup_from_extable(f))
        return;
    /* The innermost catch that wants this vector wins; the ones inside it
     * are abandoned with the code they protected. */
    for (struct trap_catch *c = this_cpu()->catch; c; c = c->prev) {
        if (c->armed && (c->vector < 0 || (uint64_t)c->vector == f->vector)) {
            c->cr2 = f->vector == VEC_PF ? read_cr2() : 0;
            trap_catch_redirect(f, c);
            return;
        }
    }
    dump_and_halt(f);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector < 32)
        exception(f);
    else
        irq_dispatch(f);
}
