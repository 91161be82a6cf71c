/* Encoders for x86-64 segment descriptors and IDT gates (SDM vol. 3, 3.4.5,
 * 7.2.3, 6.14.1). Pure functions so host tests can check the bit layouts. */
#ifndef SINTER_LIB_X86_DESC_H
#define SINTER_LIB_X86_DESC_H
#include <stdint.h>

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;        /* bits 0-2: IST index, 0 = none */
    uint8_t type_attr;  /* P, DPL, type (0xE interrupt gate, 0xF trap gate) */
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes in long mode");

/* 64-bit TSS (SDM vol. 3, figure 8-11). */
struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];    /* ist[0] is IST1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");
_Static_assert(__builtin_offsetof(struct tss64, ist) == 0x24, "IST1 at 0x24");
_Static_assert(__builtin_offsetof(struct tss64, iomap_base) == 0x66, "I/O map base at 0x66");

enum { GATE_INTERRUPT = 0xE, GATE_TRAP = 0xF };

struct idt_gate idt_gate_encode(uint64_t handler, uint16_t selector, unsigned ist,
                                unsigned type, unsigned dpl);
uint64_t idt_gate_handler(const struct idt_gate *g);

/* Flat 64-bit code segment (L=1, D=0) or data segment for a privilege level. */
uint64_t gdt_code64(unsigned dpl);
uint64_t gdt_data(unsigned dpl);
/* An available 64-bit TSS takes two GDT slots. */
void gdt_tss64(uint64_t out[2], uint64_t base, uint32_t limit);

#endif
