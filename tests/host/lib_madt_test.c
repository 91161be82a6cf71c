/* lib/madt.c: enabled vs online-capable, x2APIC ids above 255, duplicates,
 * malformed and truncated entries. */
#include <string.h>
#include "tests/host/check.h"
#include "lib/madt.h"

static uint8_t tbl[4096];
static size_t tlen;

static void start(void)
{
    memset(tbl, 0, sizeof tbl);
    memcpy(tbl, "APIC", 4);
    uint32_t lapic = 0xfee00000u;
    memcpy(tbl + 36, &lapic, 4);
    tlen = MADT_HEADER_LEN;
}

static void put(const uint8_t *e, size_t n)
{
    memcpy(tbl + tlen, e, n);
    tlen += n;
}

static void lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t e[8] = { 0, 8, uid, id };
    memcpy(e + 4, &flags, 4);
    put(e, sizeof e);
}

static void x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t e[16] = { 9, 16 };
    memcpy(e + 4, &id, 4);
    memcpy(e + 8, &flags, 4);
    memcpy(e + 12, &uid, 4);
    put(e, sizeof e);
}

static void test_enabled_and_online_capable(void)
{
    start();
    lapic(0, 0, 1);
    lapic(1, 2, 1);
    lapic(2, 4, 2);           /* online-capable only: hot-add, not started */
    lapic(3, 6, 0);           /* disabled, not capable: ignored */
    struct madt_info m;
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.enabled, 2);
    CHECK_EQ(m.cpus[0].apic_id, 0);
    CHECK_EQ(m.cpus[1].apic_id, 2);
    CHECK_EQ(m.cpus[1].uid, 1);
    CHECK_EQ(m.online_capable, 1);
    CHECK_EQ(m.lapic_base, 0xfee00000u);
}

static void test_x2apic_ids_above_255(void)
{
    start();
    lapic(0, 0, 1);
    x2apic(256, 1, 100);
    x2apic(0x12345, 1, 101);
    x2apic(0xffffffffu, 1, 102);   /* reserved id */
    x2apic(300, 2, 103);           /* online-capable */
    struct madt_info m;
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.enabled, 3);
    CHECK_EQ(m.cpus[1].apic_id, 256);
    CHECK(m.cpus[1].x2apic_entry);
    CHECK_EQ(m.cpus[1].uid, 100);
    CHECK_EQ(m.cpus[2].apic_id, 0x12345);
    CHECK_EQ(m.invalid, 1);
    CHECK_EQ(m.online_capable, 1);
}

static void test_duplicates_and_reserved_xapic_id(void)
{
    start();
    lapic(0, 1, 1);
    x2apic(1, 1, 0);          /* the same processor listed twice */
    lapic(1, 0xff, 1);        /* 0xff is broadcast, not a CPU */
    struct madt_info m;
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.enabled, 1);
    CHECK_EQ(m.duplicates, 1);
    CHECK_EQ(m.invalid, 1);
    CHECK(!m.cpus[0].x2apic_entry);
}

static void test_more_than_max(void)
{
    start();
    for (unsigned i = 0; i < MADT_MAX_CPUS + 5; i++)
        x2apic(i, 1, i);
    struct madt_info m;
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.enabled, MADT_MAX_CPUS);
    CHECK_EQ(m.dropped, 5);
    CHECK_EQ(m.cpus[MADT_MAX_CPUS - 1].apic_id, MADT_MAX_CPUS - 1);
}

static void test_malformed_entries_stop_the_walk(void)
{
    start();
    lapic(0, 0, 1);
    uint8_t zero_len[2] = { 0, 0 };
    put(zero_len, 2);         /* would loop forever if followed */
    lapic(1, 1, 1);
    struct madt_info m;
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.enabled, 1);
    CHECK_EQ(m.invalid, 1);

    start();
    lapic(0, 0, 1);
    uint8_t short_lapic[6] = { 0, 6, 1, 1, 1, 0 };  /* too short for its flags */
    put(short_lapic, sizeof short_lapic);
    x2apic(7, 1, 7);
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.enabled, 2);
    CHECK_EQ(m.invalid, 1);

    /* An entry whose length runs past the table: nothing read beyond it. */
    start();
    lapic(0, 0, 1);
    x2apic(9, 1, 9);
    CHECK(madt_parse(tbl, tlen - 1, &m));
    CHECK_EQ(m.enabled, 1);
    CHECK_EQ(m.invalid, 1);
}

static void test_ioapic_and_short_table(void)
{
    start();
    uint8_t io[12] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe };
    put(io, sizeof io);
    struct madt_info m;
    CHECK(madt_parse(tbl, tlen, &m));
    CHECK_EQ(m.ioapic_base, 0xfec00000u);
    CHECK_EQ(m.enabled, 0);
    CHECK(!madt_parse(tbl, MADT_HEADER_LEN - 1, &m));
    CHECK(!madt_parse(NULL, 100, &m));
}

int main(void)
{
    RUN_TEST(test_enabled_and_online_capable);
    RUN_TEST(test_x2apic_ids_above_255);
    RUN_TEST(test_duplicates_and_reserved_xapic_id);
    RUN_TEST(test_more_than_max);
    RUN_TEST(test_malformed_entries_stop_the_walk);
    RUN_TEST(test_ioapic_and_short_table);
    CHECK_MAIN_END();
}
