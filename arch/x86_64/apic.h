/* Local APIC in x2APIC mode (MSRs) when the CPU offers it, else xAPIC (MMIO).
 * Register offsets: SDM vol. 3, table 11-1 (xAPIC) and 11-6 (x2APIC). */
#ifndef SINTER_ARCH_APIC_H
#define SINTER_ARCH_APIC_H
#include <stdint.h>
#include <stdbool.h>

enum apic_reg {
    APIC_ID = 0x20, APIC_VERSION = 0x30, APIC_TPR = 0x80, APIC_PPR = 0xa0, APIC_EOI = 0xb0,
    APIC_LDR = 0xd0, APIC_SVR = 0xf0, APIC_ISR0 = 0x100, APIC_TMR0 = 0x180, APIC_IRR0 = 0x200,
    APIC_ESR = 0x280, APIC_ICR_LO = 0x300, APIC_ICR_HI = 0x310, APIC_LVT_TIMER = 0x320,
    APIC_LVT_LINT0 = 0x350, APIC_LVT_LINT1 = 0x360, APIC_LVT_ERROR = 0x370,
    APIC_TIMER_INIT = 0x380, APIC_TIMER_CUR = 0x390, APIC_TIMER_DIV = 0x3e0, APIC_SELF_IPI = 0x3f0,
};

#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_ICR_DM_FIXED (0u << 8)
#define APIC_ICR_DM_NMI (4u << 8)
#define APIC_ICR_DM_INIT (5u << 8)
#define APIC_ICR_DM_STARTUP (6u << 8)
#define APIC_ICR_PENDING (1u << 12)
#define APIC_ICR_ASSERT (1u << 14)
#define APIC_ICR_SELF (1u << 18)
#define APIC_ICR_ALL (2u << 18)
#define APIC_ICR_ALL_BUT_SELF (3u << 18)
#define MSR_TSC_DEADLINE 0x6e0

void apic_init(void);            /* boot CPU: mode choice, SVR, LVTs masked */
void apic_init_ap(void);         /* an AP, on itself: the boot CPU's mode, same setup */
bool apic_is_up(void);
bool apic_x2apic(void);
const char *apic_mode_name(void);
uint32_t apic_read(enum apic_reg r);
void apic_write(enum apic_reg r, uint32_t v);
uint32_t apic_id(void);
void apic_eoi(void);
void apic_set_tpr(uint8_t tpr);
uint8_t apic_get_tpr(void);
/* Is the vector's bit set in the ISR (in service) or IRR (requested)? */
bool apic_isr_bit(uint8_t vector);
bool apic_irr_bit(uint8_t vector);
void apic_send_ipi(uint32_t dest_apic_id, uint8_t vector);
void apic_send_self_ipi(uint8_t vector);
void apic_send_nmi_all_but_self(void);
enum apic_dest { APIC_DEST_ONE, APIC_DEST_SELF, APIC_DEST_ALL, APIC_DEST_ALL_BUT_SELF };
/* mode_vector: APIC_ICR_DM_* | vector. apic_id only for APIC_DEST_ONE. */
void apic_send_ipi_mode(enum apic_dest dest, uint32_t apic_id, uint32_t mode_vector);
/* SMP start-up (SDM vol. 3, 9.4.4.1): INIT, then STARTUP with the page
 * number of the real-mode entry. */
void apic_send_init(uint32_t apic_id);
void apic_send_startup(uint32_t apic_id, uint8_t page);
/* Send INIT to all other CPUs (they wait for a SIPI, using no time). */
void apic_park_other_cpus(void);
/* Legacy 8259 PICs: remapped away from the exception vectors, all masked. */
void pic_disable(void);

#endif
