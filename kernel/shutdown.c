#include "kernel/shutdown.h"
#include "kernel/acpi.h"
#include "kernel/log.h"
#include "kernel/result.h"
#include "kernel/clock.h"
#include "arch/x86_64/cpu.h"

#define ISA_DEBUG_EXIT_PORT 0xf4   /* QEMU: -device isa-debug-exit,iobase=0xf4 */
#define SLP_EN (1u << 13)
#define POWEROFF_GRACE_NS 5000000000ull

void machine_poweroff(int status)
{
    irq_disable();
    result_print(status);
    /* QEMU exits with (value << 1) | 1; the runner decodes it. Elsewhere an
     * unclaimed port write does nothing and we fall through to ACPI. */
    outl(ISA_DEBUG_EXIT_PORT, (uint32_t)status);
    if (acpi.pm1a_cnt_port) {
        outw(acpi.pm1a_cnt_port, (uint16_t)(acpi.s5_typ_a << 10 | SLP_EN));
        if (acpi.pm1b_cnt_port)
            outw(acpi.pm1b_cnt_port, (uint16_t)(acpi.s5_typ_b << 10 | SLP_EN));
    }
    /* QEMU acts on both writes asynchronously (the vCPU runs on until the
     * main loop stops it): only a machine still running well after them
     * has failed to power off. */
    uint64_t end = clock_ns() + POWEROFF_GRACE_NS;
    while (clock_ns() < end)
        cpu_relax();
    log_err("sinter", "power-off failed; halting");
    for (;;)
        cpu_halt();
}
