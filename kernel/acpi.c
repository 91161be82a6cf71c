/* Table walk: RSDP -> XSDT (or RSDT) -> FADT, MADT, HPET. Every length and
 * checksum is verified before a table is read. */
#include <string.h>
#include "kernel/acpi.h"
#include "kernel/log.h"
#include "lib/madt.h"
#include "arch/x86_64/paging.h"

struct acpi_info acpi;

struct sdt_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct sdt_header) == 36, "ACPI SDT header is 36 bytes");

struct rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t ext_checksum, reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct rsdp) == 36, "ACPI 2.0 RSDP is 36 bytes");

struct gas { uint8_t space, bit_width, bit_offset, access; uint64_t address; } __attribute__((packed));
_Static_assert(sizeof(struct gas) == 12, "generic address structure");

static bool checksum_ok(const void *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static const struct sdt_header *map_table(uint64_t pa)
{
    if (!pa)
        return NULL;
    vm_map_mmio(pa, sizeof(struct sdt_header));
    const struct sdt_header *h = (const struct sdt_header *)pa;
    uint32_t len = h->length;
    if (len < sizeof *h || len > (16u << 20))
        return NULL;
    vm_map_mmio(pa, len);
    if (!checksum_ok(h, len)) {
        log_warn("acpi", "table %.4s at 0x%llx has a bad checksum, ignored", h->signature,
                 (unsigned long long)pa);
        return NULL;
    }
    return h;
}

static void parse_madt(const struct sdt_header *h)
{
    struct madt_info *m = &acpi.madt;
    uint32_t flags;
    memcpy(&flags, (const uint8_t *)h + 40, 4);   /* after the local APIC address */
    acpi.have_madt = true;
    acpi.pcat_compat = flags & 1u;                /* PCAT_COMPAT: dual 8259s present */
    madt_parse(h, h->length, m);
    for (unsigned i = 0; i < m->enabled; i++)
        acpi.apic_ids[i] = m->cpus[i].apic_id;
    acpi.cpus = m->enabled;
    acpi.ioapic_base = m->ioapic_base;
    if (m->online_capable || m->dropped || m->duplicates || m->invalid)
        log_info("acpi", "MADT: %u online-capable (not started), %u beyond %u CPUs, %u duplicate, "
                 "%u malformed entries", m->online_capable, m->dropped, MADT_MAX_CPUS,
                 m->duplicates, m->invalid);
}

/* \_S5 in the DSDT: NameOp "_S5_" PackageOp PkgLength NumElements, then the
 * SLP_TYPa/b values as BytePrefix+byte or a bare Zero/One. A scan, not an
 * AML interpreter: enough for the fixed shape firmware emits. */
static void find_s5(const struct sdt_header *dsdt)
{
    const uint8_t *p = (const uint8_t *)dsdt + sizeof *dsdt, *end = (const uint8_t *)dsdt + dsdt->length;
    for (; p + 12 < end; p++) {
        if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12)
            continue;
        const uint8_t *q = p + 5;
        q += ((q[0] >> 6) & 3) + 1;   /* PkgLength */
        q++;                           /* NumElements */
        uint8_t v[2];
        for (int i = 0; i < 2 && q < end; i++) {
            if (*q == 0x0a && q + 1 < end) { v[i] = q[1]; q += 2; }
            else { v[i] = *q <= 1 ? *q : 0; q++; }
        }
        acpi.s5_typ_a = v[0] & 7;
        acpi.s5_typ_b = v[1] & 7;
        acpi.s5_found = true;
        return;
    }
}

static void parse_fadt(const struct sdt_header *h)
{
    const uint8_t *f = (const uint8_t *)h;
    uint32_t len = h->length, pm_tmr, pm1a, pm1b, flags = 0, dsdt32;
    uint64_t dsdt = 0;
    memcpy(&dsdt32, f + 40, 4);
    dsdt = dsdt32;
    memcpy(&pm1a, f + 64, 4);
    memcpy(&pm1b, f + 68, 4);
    memcpy(&pm_tmr, f + 76, 4);
    if (len >= 116)
        memcpy(&flags, f + 112, 4);
    if (len >= 148) {
        uint64_t x;
        memcpy(&x, f + 140, 8);
        if (x)
            dsdt = x;
    }
    if (len >= 220) {
        struct gas g;
        memcpy(&g, f + 208, sizeof g);
        if (g.space == 1 && g.address)
            pm_tmr = (uint32_t)g.address;
    }
    acpi.pm_timer_port = (uint16_t)pm_tmr;
    acpi.pm_timer_32bit = flags & (1u << 8); /* TMR_VAL_EXT */
    acpi.pm1a_cnt_port = (uint16_t)pm1a;
    acpi.pm1b_cnt_port = (uint16_t)pm1b;
    const struct sdt_header *d = map_table(dsdt);
    if (d && memcmp(d->signature, "DSDT", 4) == 0)
        find_s5(d);
}

bool acpi_init(uint64_t rsdp_pa)
{
    memset(&acpi, 0, sizeof acpi);
    if (!rsdp_pa) {
        log_warn("acpi", "no RSDP from firmware");
        return false;
    }
    vm_map_mmio(rsdp_pa, sizeof(struct rsdp));
    const struct rsdp *r = (const struct rsdp *)rsdp_pa;
    if (memcmp(r->signature, "RSD PTR ", 8) != 0 || !checksum_ok(r, 20)) {
        log_warn("acpi", "RSDP at 0x%llx is invalid", (unsigned long long)rsdp_pa);
        return false;
    }
    memcpy(acpi.oem_id, r->oem_id, 6);
    bool use_x = r->revision >= 2 && r->xsdt && checksum_ok(r, r->length < 36 ? 36 : r->length);
    const struct sdt_header *root = map_table(use_x ? r->xsdt : r->rsdt);
    if (!root) {
        log_warn("acpi", "no usable %s", use_x ? "XSDT" : "RSDT");
        return false;
    }
    unsigned esz = use_x ? 8 : 4;
    unsigned n = (root->length - sizeof *root) / esz;
    for (unsigned i = 0; i < n; i++) {
        uint64_t pa = 0;
        memcpy(&pa, (const uint8_t *)root + sizeof *root + i * esz, esz);
        const struct sdt_header *t = map_table(pa);
        if (!t)
            continue;
        if (memcmp(t->signature, "APIC", 4) == 0 && t->length >= 44)
            parse_madt(t);
        else if (memcmp(t->signature, "FACP", 4) == 0 && t->length >= 80)
            parse_fadt(t);
        else if (memcmp(t->signature, "HPET", 4) == 0 && t->length >= 56) {
            struct gas g;
            memcpy(&g, (const uint8_t *)t + 40, sizeof g);
            if (g.space == 0)
                acpi.hpet_base = g.address;
        }
    }
    if (!acpi.cpus)
        acpi.cpus = 1;
    log_info("acpi", "oem %s, %u cpu(s), pm timer %s0x%x, hpet 0x%llx, ioapic 0x%llx, S5 %s, 8259 %s",
             acpi.oem_id, acpi.cpus, acpi.pm_timer_32bit ? "32-bit " : "", acpi.pm_timer_port,
             (unsigned long long)acpi.hpet_base, (unsigned long long)acpi.ioapic_base,
             acpi.s5_found ? "found" : "not found",
             !acpi.have_madt ? "assumed (no MADT)" : acpi.pcat_compat ? "present (PCAT_COMPAT)" : "absent");
    return true;
}
