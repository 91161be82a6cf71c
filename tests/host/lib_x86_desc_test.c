/* Descriptor encodings against values worked out from the SDM by hand
 * (and matching what Linux's GDT_ENTRY_INIT produces for the same flags). */
#include "tests/host/check.h"
#include "lib/x86_desc.h"

static void test_segments(void)
{
    CHECK_EQ(gdt_code64(0), 0x00af9a000000ffffull);
    CHECK_EQ(gdt_data(0), 0x00cf92000000ffffull);
    CHECK_EQ(gdt_code64(3), 0x00affa000000ffffull);
    CHECK_EQ(gdt_data(3), 0x00cff2000000ffffull);
}

static void test_tss(void)
{
    uint64_t d[2];
    gdt_tss64(d, 0xffff88001234abcdull, 103);
    /* limit 103, base 0x34abcd in bits 16-39, type 9 present, base 0x12 in 56-63 */
    CHECK_EQ(d[0], 0x12008934abcd0067ull);
    CHECK_EQ(d[1], 0xffff8800ull);
}

static void test_gates(void)
{
    struct idt_gate g = idt_gate_encode(0xffffffff81234567ull, 0x08, 1, GATE_INTERRUPT, 0);
    CHECK_EQ(g.offset_lo, 0x4567);
    CHECK_EQ(g.offset_mid, 0x8123);
    CHECK_EQ(g.offset_hi, 0xffffffff);
    CHECK_EQ(g.selector, 0x08);
    CHECK_EQ(g.ist, 1);
    CHECK_EQ(g.type_attr, 0x8e);
    CHECK_EQ(idt_gate_handler(&g), 0xffffffff81234567ull);
    struct idt_gate t = idt_gate_encode(0x1000, 0x08, 9, GATE_TRAP, 3);
    CHECK_EQ(t.type_attr, 0xef);
    CHECK_EQ(t.ist, 1); /* IST is 3 bits */
}

int main(void)
{
    RUN_TEST(test_segments);
    RUN_TEST(test_tss);
    RUN_TEST(test_gates);
    CHECK_MAIN_END();
}
