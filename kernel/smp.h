/* SMP bring-up: every enabled CPU of the MADT (at most smp.max) is started
 * with INIT-SIPI-SIPI through the real-mode trampoline, one at a time; each
 * loads its own GDT/TSS/IST stacks, the shared IDT and its local APIC in the
 * boot CPU's mode, starts its own tick and reports in. A CPU that does not
 * report in within smp.wait_ms is named in the log, sent INIT again (so it
 * can never run on reused trampoline state) and left out. */
#ifndef SINTER_KERNEL_SMP_H
#define SINTER_KERNEL_SMP_H
#include <stdint.h>

/* The page efi_main reserved below 1 MiB (0: none, only the boot CPU runs). */
void smp_set_trampoline(uint64_t pa);
/* On the boot CPU, with its LAPIC, clock and tick running. */
void smp_boot_aps(void);
/* APIC ids that were started but never reported in (for tests). */
unsigned smp_failed_count(void);
uint32_t smp_failed_apic_id(unsigned i);

#endif
