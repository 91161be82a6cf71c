#include "lib/x86_desc.h"

struct idt_gate idt_gate_encode(uint64_t handler, uint16_t selector, unsigned ist,
                                unsigned type, unsigned dpl)
{
    struct idt_gate g = {
        .offset_lo = (uint16_t)handler,
        .selector = selector,
        .ist = (uint8_t)(ist & 7),
        .type_attr = (uint8_t)(0x80 | (dpl & 3) << 5 | (type & 0xF)),
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_hi = (uint32_t)(handler >> 32),
        .reserved = 0,
    };
    return g;
}

uint64_t idt_gate_handler(const struct idt_gate *g)
{
    return (uint64_t)g->offset_lo | (uint64_t)g->offset_mid << 16 | (uint64_t)g->offset_hi << 32;
}

/* Access byte: P(7) DPL(6:5) S(4) type(3:0); flags nibble: G(3) D/B(2) L(1). */
static uint64_t segment(unsigned access, unsigned flags)
{
    return 0xFFFFull | (uint64_t)access << 40 | 0xFull << 48 | (uint64_t)flags << 52;
}

uint64_t gdt_code64(unsigned dpl)
{
    return segment(0x9A | (dpl & 3) << 5, 0xA); /* execute/read, accessed=0; G=1, L=1 */
}

uint64_t gdt_data(unsigned dpl)
{
    return segment(0x92 | (dpl & 3) << 5, 0xC); /* read/write; G=1, D/B=1 */
}

void gdt_tss64(uint64_t out[2], uint64_t base, uint32_t limit)
{
    out[0] = (limit & 0xFFFFull) | (base & 0xFFFFFFull) << 16 | 0x89ull << 40 |
             (uint64_t)((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFFull) << 56;
    out[1] = base >> 32;
}
