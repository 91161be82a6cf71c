/* What the kernel takes from the ACPI tables (ACPI 6.x spec, chapter 5). */
#ifndef SINTER_KERNEL_ACPI_H
#define SINTER_KERNEL_ACPI_H
#include <stdint.h>
#include <stdbool.h>
#include "lib/madt.h"

struct acpi_info {
    unsigned cpus;              /* enabled local APICs in the MADT (1 if there is none) */
    uint32_t apic_ids[MADT_MAX_CPUS];
    struct madt_info madt;      /* the whole processor list (lib/madt.h) */
    uint64_t ioapic_base;
    uint16_t pm_timer_port;     /* 0: none */
    bool pm_timer_32bit;
    uint64_t hpet_base;         /* 0: none */
    bool have_madt;
    bool pcat_compat;           /* MADT flags bit 0 (ACPI 6.5, 5.2.12): a PC-AT 8259 pair exists */
    uint16_t pm1a_cnt_port;     /* for S5 power-off */
    uint16_t pm1b_cnt_port;
    uint8_t s5_typ_a, s5_typ_b;
    bool s5_found;
    char oem_id[7];
};

extern struct acpi_info acpi;
/* Parse from the RSDP's physical address; false when unusable. */
bool acpi_init(uint64_t rsdp_pa);

#endif
