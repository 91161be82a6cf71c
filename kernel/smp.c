/* Starting the application processors (SDM vol. 3, 9.4.4.1 "Typical BSP
 * initialization sequence": INIT, 10 ms, STARTUP, 200 us, STARTUP; no
 * waits after INIT on modern processors, as Linux). The
 * trampoline (arch/x86_64/ap_trampoline.asm) takes an AP from real mode to
 * ap_entry() on its own kernel stack. */
#include <stdio.h>
#include <string.h>
#include "kernel/smp.h"
#include "kernel/acpi.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/timer.h"
#include "kernel/ipi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/posted_intr.h"
#include "arch/x86_64/trap.h"

/* Mirrors the parameter block at the end of ap_trampoline.asm. */
struct ap_tramp_params {
    uint64_t cr3, cr4, cr0, efer, stack, entry, arg;
    uint32_t started, reserved;
};
_Static_assert(sizeof(struct ap_tramp_params) == 64, "matches ap_trampoline.asm");
_Static_assert(__builtin_offsetof(struct ap_tramp_params, started) == 56, "p_started");

extern const char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_params[];

unsigned cpu_present = 1;
static uint64_t trampoline_pa;
static uint32_t failed[MAX_CPUS];
static unsigned failed_count;

#define EFER_LMA (1ull << 10)

void smp_set_trampoline(uint64_t pa) { trampoline_pa = pa; }
unsigned smp_failed_count(void) { return failed_count; }
uint32_t smp_failed_apic_id(unsigned i) { return i < failed_count ? failed[i] : 0; }

/* The AP's first C code, on its own kernel stack, interrupts off. */
static void __attribute__((noreturn)) ap_entry(struct cpu *c)
{
    cpu_load_descriptors(c);
    idt_load();
    __asm__ volatile("fninit");
    apic_init_ap();
    c->seen_apic_id = apic_id();
    pi_init_cpu();
    timer_start_ap();
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    smp_idle_loop();
}

static bool wait_until(volatile bool *flag, uint64_t timeout_ns)
{
    uint64_t end = clock_ns() + timeout_ns;
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
        if (clock_ns() >= end)
            return false;
        cpu_relax();
    }
    return true;
}

/* The SDM's 10 ms after INIT and 200 us after STARTUP are for old
 * processors: Linux (arch/x86/kernel/smpboot.c smp_quirk_init_udelay)
 * waits nothing after INIT on Intel family 6, AMD family 0xF and later and
 * Hygon family 0x18 and later, and 10 us instead of 300 after STARTUP. A
 * virtual CPU (CPUID.1:ECX bit 31) takes INIT from its hypervisor at once:
 * kvm-unit-tests (lib/x86/smp.c) starts its APs with no waits at all.
 * Each AP cost the boot 10 ms otherwise (QEMU's TCG "max" is AMD family 6). */
static bool init_needs_no_wait(void)
{
    struct cpuid_regs v = cpuid(0, 0), f = cpuid(1, 0);
    unsigned family = (f.eax >> 8) & 0xf;
    if (family == 0xf)
        family += (f.eax >> 20) & 0xff;
    if (f.ecx & (1u << 31))
        return true;
    if (v.ebx == 0x756e6547)           /* "Genu"ineIntel */
        return family == 6;
    if (v.ebx == 0x68747541)           /* "Auth"enticAMD */
        return family >= 0xf;
    return v.ebx == 0x6f677948 && family >= 0x18;   /* "Hygo"nGenuine */
}

static bool no_waits;   /* init_needs_no_wait(), once per boot (smp_boot_aps) */

/* Start one AP as cpus[index]; true once it reported in. */
static bool start_ap(unsigned index, uint32_t apic, volatile struct ap_tramp_params *p,
                     uint64_t wait_ns, bool skip_sipi)
{
    struct cpu *c = &cpus[index];
    memset(c, 0, sizeof *c);
    c->index = index;
    c->apic_id = apic;
    c->kstack_top = kstack_alloc(KSTACK_SIZE);
    cpu_alloc_ist_stacks(c);

    p->cr3 = read_cr3();
    p->cr4 = read_cr4();
    p->cr0 = read_cr0();
    p->efer = rdmsr(MSR_IA32_EFER) & ~EFER_LMA;
    p->stack = c->kstack_top;
    p->entry = (uint64_t)(uintptr_t)ap_entry;
    p->arg = (uint64_t)(uintptr_t)c;
    p->started = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    apic_send_init(apic);
    delay_us(no_waits ? 0 : 10000);
    if (!skip_sipi) {
        apic_send_startup(apic, (uint8_t)(trampoline_pa >> 12));
        delay_us(no_waits ? 10 : 200);
        if (!p->started)                 /* the second STARTUP only if the first was lost */
            apic_send_startup(apic, (uint8_t)(trampoline_pa >> 12));
    }
    if (wait_until(&c->online, wait_ns))
        return true;
    /* INIT puts it back into wait-for-SIPI: a latecomer must not run on the
     * next AP's stack and parameters. */
    apic_send_init(apic);
    delay_us(10000);
    return false;
}

void smp_boot_aps(void)
{
    const struct madt_info *m = &acpi.madt;
    cpu_present = m->enabled ? m->enabled : 1;
    unsigned max = (unsigned)option_u64("smp.max", MAX_CPUS);
    uint64_t wait_ms = option_u64("smp.wait_ms", 5000);
    const char *skip_str = option_str("smp.skip_sipi");
    uint32_t skip = (uint32_t)option_u64("smp.skip_sipi", 0);
    if (cpu_present < 2 || max < 2) {
        if (cpu_present > 1)
            log_info("smp", "smp.max=%u: only the boot CPU runs (%u present)", max, cpu_present);
        return;
    }
    if (!trampoline_pa) {
        log_warn("smp", "no page below 1 MiB for the AP trampoline: only the boot CPU runs");
        return;
    }
    if (read_cr3() >> 32) {
        log_warn("smp", "kernel page tables above 4 GiB (the trampoline loads CR3 in 32-bit mode): "
                 "only the boot CPU runs");
        return;
    }
    size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
    vm_map(trampoline_pa, PAGE_SIZE, VM_WRITE | VM_EXEC);
    memcpy((void *)(uintptr_t)trampoline_pa, ap_trampoline_start, len);
    volatile struct ap_tramp_params *p =
        (volatile struct ap_tramp_params *)(uintptr_t)(trampoline_pa +
                                                       (size_t)(ap_trampoline_params - ap_trampoline_start));
    uint32_t self = cpus[0].apic_id;
    no_waits = init_needs_no_wait();
    uint64_t t0 = clock_ns();
    unsigned not_started = 0;
    for (unsigned i = 0; i < m->enabled; i++) {
        uint32_t id = m->cpus[i].apic_id;
        if (id == self)
            continue;
        if (cpu_count >= max || cpu_count >= MAX_CPUS) {
            not_started++;
            continue;
        }
        if (!apic_x2apic() && id > 254) {
            log_warn("smp", "APIC id %u needs x2APIC mode: not started", id);
            not_started++;
            continue;
        }
        bool skip_it = skip_str && id == skip;
        if (skip_it)
            log_info("smp", "smp.skip_sipi: no SIPI for APIC id %u", id);
        if (start_ap(cpu_count, id, p, wait_ms * 1000000ull, skip_it)) {
            cpu_count++;
            continue;
        }
        log_err("smp", "CPU with APIC id %u (MADT uid %u) did not report in within %llu ms (%s); "
                "going on without it", id, m->cpus[i].uid, (unsigned long long)wait_ms,
                p->started ? "it ran the trampoline" : "it never ran the trampoline");
        if (failed_count < MAX_CPUS)
            failed[failed_count++] = id;
    }
    if (not_started)
        log_info("smp", "%u CPU(s) not started (smp.max=%u or unreachable)", not_started, max);
    char ids[160];
    size_t n = 0;
    ids[0] = 0;
    for (unsigned i = 0; i < cpu_count && n + 12 < sizeof ids; i++)
        n += (size_t)snprintf(ids + n, sizeof ids - n, " %u", cpus[i].apic_id);
    log_info("smp", "%u of %u CPUs online in %llu ms (APIC ids%s)", cpu_count, cpu_present,
             (unsigned long long)((clock_ns() - t0) / 1000000), ids);
}
