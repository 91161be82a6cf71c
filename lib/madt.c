/* MADT processor entries (ACPI 6.5, 5.2.12.2 Processor Local APIC, 5.2.12.12
 * Processor Local x2APIC). A firmware lists each processor once, as a type-0
 * entry when its id fits in 8 bits and as type 9 otherwise; some list both,
 * so ids are de-duplicated. Every field is copied out before it is used: the
 * table may be misaligned. */
#include <string.h>
#include "lib/madt.h"

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void add_cpu(struct madt_info *m, uint32_t id, uint32_t uid, uint32_t flags, bool x2)
{
    if (!(flags & MADT_LAPIC_ENABLED)) {
        if (flags & MADT_LAPIC_ONLINE_CAPABLE)
            m->online_capable++;
        return;
    }
    for (unsigned i = 0; i < m->enabled; i++)
        if (m->cpus[i].apic_id == id) {
            m->duplicates++;
            return;
        }
    if (m->enabled >= MADT_MAX_CPUS) {
        m->dropped++;
        return;
    }
    m->cpus[m->enabled++] = (struct madt_cpu){ .apic_id = id, .uid = uid, .x2apic_entry = x2 };
}

bool madt_parse(const void *table, size_t len, struct madt_info *out)
{
    memset(out, 0, sizeof *out);
    if (!table || len < MADT_HEADER_LEN)
        return false;
    const uint8_t *t = table;
    out->lapic_base = rd32(t + 36);
    size_t off = MADT_HEADER_LEN;
    while (off + 2 <= len) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || elen > len - off) {
            out->invalid++;
            break;              /* a zero length would loop forever; past the end is garbage */
        }
        const uint8_t *e = t + off;
        if (type == 0) {        /* UID u8 @2, APIC id u8 @3, flags u32 @4 */
            if (elen < 8 || e[3] == 0xff)
                out->invalid++;
            else
                add_cpu(out, e[3], e[2], rd32(e + 4), false);
        } else if (type == 9) { /* reserved u16 @2, x2APIC id u32 @4, flags u32 @8, UID u32 @12 */
            if (elen < 16 || rd32(e + 4) == 0xffffffffu)
                out->invalid++;
            else
                add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
        } else if (type == 1) { /* I/O APIC: id @2, address u32 @4 */
            if (elen >= 12 && !out->ioapic_base)
                out->ioapic_base = rd32(e + 4);
        }
        off += elen;
    }
    return true;
}
