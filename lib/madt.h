/* The processors in an ACPI MADT (ACPI 6.5, 5.2.12): Processor Local APIC
 * (type 0) and Processor Local x2APIC (type 9) entries. Hardware-free, so
 * host tests and a fuzzer feed it arbitrary tables. */
#ifndef SINTER_LIB_MADT_H
#define SINTER_LIB_MADT_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define MADT_MAX_CPUS 64
#define MADT_HEADER_LEN 44          /* SDT header (36) + local APIC address + flags */
#define MADT_LAPIC_ENABLED 1u       /* flags bit 0 */
#define MADT_LAPIC_ONLINE_CAPABLE 2u /* flags bit 1: may be enabled later (hot-add) */

struct madt_cpu {
    uint32_t apic_id;
    uint32_t uid;                   /* ACPI processor UID */
    bool x2apic_entry;              /* came from a type-9 entry */
};

struct madt_info {
    /* Enabled processors, in table order: the ones to start at boot. */
    struct madt_cpu cpus[MADT_MAX_CPUS];
    unsigned enabled;
    unsigned online_capable;        /* not enabled now, may be hot-added: never started */
    unsigned dropped;               /* enabled ones beyond MADT_MAX_CPUS */
    unsigned duplicates;            /* an APIC id listed twice: the first entry wins */
    unsigned invalid;               /* malformed entries, reserved ids (0xff / 0xffffffff) */
    uint32_t ioapic_base;           /* first I/O APIC; 0 if none */
    uint32_t lapic_base;            /* the header's 32-bit local APIC address */
};

/* Parse a whole MADT (header included; `len` bytes are readable). Entries
 * that run past the end stop the walk. Returns false if the table is too
 * short to have a header. */
bool madt_parse(const void *table, size_t len, struct madt_info *out);

#endif
