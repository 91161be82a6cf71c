/* Boot order after the firmware: consoles, memory, our own descriptor
 * tables and stack, our own page tables, then the platform (ACPI, APIC,
 * clocks), the hypervisor layer, and finally tests or the idle loop. */
#include <stdio.h>
#include <string.h>
#include "kernel/boot_info.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "lib/escape.h"
#include "kernel/pmm.h"
#include "kernel/heap.h"
#include "kernel/percpu.h"
#include "kernel/acpi.h"
#include "kernel/smp.h"
#include "kernel/ipi.h"
#include "kernel/bench_pi.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/ktest.h"
#include "kernel/ksyms.h"
#include "kernel/shutdown.h"
#include "kernel/summary.h"
#include "kernel/boot_profile.h"
#include "kernel/panic.h"
#include "kernel/shell/shell_kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/posted_intr.h"

void stack_switch_call(uint64_t stack_top, void (*fn)(void *), void *arg) __attribute__((noreturn));

static void apply_log_options(void)
{
    const char *lvl = option_str("loglevel");
    if (lvl)
        console_level = strcmp(lvl, "err") == 0 ? LOG_ERR : strcmp(lvl, "warn") == 0 ? LOG_WARN :
                        strcmp(lvl, "debug") == 0 ? LOG_DEBUG : LOG_INFO;
    if (option_list_has("trace", "hv"))
        trace_mask |= TRACE_HV;
    const char *pm = option_str("panic");
    panic_exit = pm && strcmp(pm, "exit") == 0;
    if (option_list_has("trace", "vmbus"))
        trace_mask |= TRACE_VMBUS;
    if (option_list_has("trace", "pi"))
        trace_mask |= TRACE_PI;
    if (option_list_has("trace", "irq"))
        trace_mask |= TRACE_IRQ;
}

static __attribute__((noinline)) void raise_test_exception(const char *kind)
{
    log_info("sinter", "panic_test=%s: raising it now", kind);
    if (strcmp(kind, "pf") == 0)
        *(volatile uint64_t *)0x7fffdead0000ull = 1; /* far above RAM: unmapped */
    else if (strcmp(kind, "ud") == 0)
        __asm__ volatile("ud2");
    else if (strcmp(kind, "gp") == 0)
        __asm__ volatile("mov %0, %%ds" ::"r"((uint16_t)0x1238)); /* past the GDT limit */
    else {
        volatile int zero = 0;
        volatile int x = 1 / zero;
        (void)x;
    }
}

static void kernel_main_on_own_stack(void *arg)
{
    struct boot_info *bi = arg;
    paging_init(bi);
    boot_phase("page tables");
    pmm_reclaim_boot(bi);
    heap_init(16u << 20);
    boot_phase("memory");
    if (option_bool("fbcon", true))
        console_fb_init(&bi->fb);
    boot_phase("framebuffer");
    if (bi->fb.base)
        log_info("sinter", "framebuffer %ux%u at 0x%llx", bi->fb.width, bi->fb.height,
                 (unsigned long long)bi->fb.base);

    acpi_init(bi->acpi_rsdp);
    boot_phase("acpi");
    /* The 8259s are never used (every interrupt goes through the LAPIC);
     * where they exist they are remapped and masked so a stray one cannot
     * look like an exception. A Generation 2 VM has none: its MADT lacks
     * PCAT_COMPAT, and ports 0x20/0xa0 are not touched. */
    if (!acpi.have_madt || acpi.pcat_compat)
        pic_disable();
    apic_init();
    cpus[0].apic_id = apic_id();
    cpus[0].seen_apic_id = cpus[0].apic_id;
    if (acpi.cpus > 1)
        apic_park_other_cpus();
    boot_phase("local apic");
    /* pmtimer=0 hides the ACPI PM timer, as on a platform without one. */
    bool use_pm = option_bool("pmtimer", true);
    if (!use_pm && acpi.pm_timer_port)
        log_info("clock", "pmtimer=0: ACPI PM timer at 0x%x not used", acpi.pm_timer_port);
    refclock_init(use_pm);
    drivers_early_clock();   /* a hypervisor's stated rates, if it has any */
    boot_phase("hypervisor early");
    clock_calibrate();
    boot_phase("clock calibration");
    timer_start((unsigned)option_u64("timer_hz", 100));
    irq_enable();
    log_info("clock", "TSC %llu kHz, LAPIC timer %llu kHz (div 16) from %s; reference %s at %llu Hz; tick %u Hz %s",
             (unsigned long long)(tsc_hz() / 1000), (unsigned long long)(lapic_timer_hz() / 1000),
             clock_tsc_source(), refclock_name(), (unsigned long long)refclock_hz(), timer_hz(),
             timer_mode_name());
    boot_phase("tick");
    ipi_init();
    pi_init();
    pi_init_cpu();
    boot_phase("ipi, descriptors");
    smp_boot_aps();
    boot_phase("application cpus");

    drivers_late_init();
    boot_phase("vmbus and drivers");

    uint64_t boot_ms = boot_profile_total() * 1000 / (tsc_hz() ? tsc_hz() : 1);
    char line[256];
    summary_format(line, sizeof line);
    log_info("sinter", "%s", line);
    log_info("sinter", "kernel entry to summary: %llu ms", (unsigned long long)boot_ms);
    boot_profile_report();
    if (!option_bool("exit", false))
        drivers_status_page(line);

    const char *bench = option_str("bench");
    if (bench && strcmp(bench, "pi") == 0) {
        bench_pi_run();
        machine_poweroff(0);
    }
    const char *test = option_str("test");
    if (test) {
        unsigned failed = ktest_run(test);
        machine_poweroff(failed ? 1 : 0);
    }
    if (option_bool("exit", false))
        machine_poweroff(0);
    const char *pt = option_str("panic_test");
    if (pt)
        raise_test_exception(pt);
    log_info("sinter", "idle (timer running)");
    bool shell = option_bool("shell", true);
    if (shell)
        shell_kernel_start();
    for (;;) {
        drivers_idle();
        if (shell)
            shell_kernel_poll();
        cpu_halt();
    }
}

/* gdb=wait: the image base for `symbol-file -o`, then a spin on a flag gdb
 * clears (scripts/gdb-attach.sh does both), as OSDev's GNU-EFI debugging
 * recipe does. sinter_gdb_magic lets the script check the base it used:
 * read through the loaded symbols, it must say what it says here. */
volatile int sinter_gdb_wait;
const volatile char sinter_gdb_magic[] = "sinter gdb base ok";

static void gdb_wait(const struct boot_info *bi)
{
    const char *v = option_str("gdb");
    if (!v || strcmp(v, "wait") != 0)
        return;
    sinter_gdb_wait = 1;
    log_info("gdb", "waiting: image base 0x%llx; in gdb: symbol-file -o 0x%llx build/sinter.so, "
             "then set var sinter_gdb_wait = 0 (make gdb does both)",
             (unsigned long long)bi->image_base, (unsigned long long)bi->image_base);
    while (sinter_gdb_wait)
        cpu_relax();
    log_info("gdb", "released by the debugger (magic %c)", sinter_gdb_magic[0]);
}

/* The command line as the boot stub passed it, escaped (it is untrusted
 * text), and a warning for every byte it could not pass on. */
static void log_cmdline(const struct boot_info *bi)
{
    static char shown[4 * BOOT_CMDLINE_MAX];
    size_t odd = escape_text(bi->cmdline, shown, sizeof shown);
    log_info("sinter", "command line (%s): \"%s\"", bi->cmdline_source, shown);
    if (odd)
        log_warn("cmdline", "%zu control or non-ASCII byte(s), shown as \\xNN", odd);
    if (bi->cmdline_nuls)
        log_warn("cmdline", "%u NUL byte(s) in CMDLINE.TXT read as spaces", bi->cmdline_nuls);
    if (bi->cmdline_dropped) {
        char head[4 * sizeof bi->cmdline_dropped_head];
        const char *h = bi->cmdline_dropped_head;
        while (*h == ' ')
            h++;
        escape_text(h, head, sizeof head);
        log_err("cmdline", "CMDLINE.TXT is %u bytes, over the %u-byte limit: dropped its last "
                "%u byte(s), from \"%s\" on", bi->cmdline_bytes, BOOT_CMDLINE_MAX - 1,
                bi->cmdline_dropped, head);
    }
}

void kernel_main(struct boot_info *bi)
{
    boot_profile_start(rdtsc());
    irq_disable();
    console_early_init();
    kernel_image_base = bi->image_base;
    log_info("sinter", "booting; image at 0x%llx (%llu KiB), gdb: symbol-file -o 0x%llx build/sinter.so",
             (unsigned long long)bi->image_base, (unsigned long long)(bi->image_size / 1024),
             (unsigned long long)bi->image_base);
    log_cmdline(bi);
    options_init(bi->cmdline);
    gdb_wait(bi);
    apply_log_options();
    pmm_init(bi);
    smp_set_trampoline(bi->ap_trampoline);

    struct cpu *c = &cpus[0];
    c->index = 0;
    c->online = true;
    c->kstack_top = kstack_alloc(KSTACK_SIZE);
    cpu_init_descriptors(c);
    idt_init();
    boot_phase("early (cpu 0 tables)");
    stack_switch_call(c->kstack_top, kernel_main_on_own_stack, bi);
}
