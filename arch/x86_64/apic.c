#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "kernel/irq.h"
#include "kernel/log.h"

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define X2APIC_MSR(reg) (0x800u + ((unsigned)(reg) >> 4))

static bool x2apic, up;
static volatile uint32_t *mmio;

bool apic_is_up(void) { return up; }
bool apic_x2apic(void) { return x2apic; }
const char *apic_mode_name(void) { return x2apic ? "x2apic" : "xapic"; }

uint32_t apic_read(enum apic_reg r)
{
    if (x2apic)
        return (uint32_t)rdmsr(X2APIC_MSR(r));
    return mmio[r / 4];
}

void apic_write(enum apic_reg r, uint32_t v)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(r), v);
    else
        mmio[r / 4] = v;
}

uint32_t apic_id(void)
{
    return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void) { apic_write(APIC_EOI, 0); }
void apic_set_tpr(uint8_t tpr) { apic_write(APIC_TPR, tpr); }
uint8_t apic_get_tpr(void) { return (uint8_t)apic_read(APIC_TPR); }

static bool vector_bit(enum apic_reg base, uint8_t v)
{
    return (apic_read((enum apic_reg)(base + (v / 32) * 0x10)) >> (v % 32)) & 1;
}
bool apic_isr_bit(uint8_t v) { return vector_bit(APIC_ISR0, v); }
bool apic_irr_bit(uint8_t v) { return vector_bit(APIC_IRR0, v); }

/* x2APIC: one 64-bit ICR write; xAPIC: destination first, then the low word
 * (which sends), then wait for the delivery status to clear. */
static void send_icr(uint32_t dest, uint32_t lo)
{
    if (x2apic) {
        wrmsr(X2APIC_MSR(APIC_ICR_LO), (uint64_t)dest << 32 | lo);
        return;
    }
    /* Two writes: an interrupt handler sending its own IPI in between
     * would change the destination under us. */
    uint64_t f = irq_save();
    mmio[APIC_ICR_HI / 4] = dest << 24;
    mmio[APIC_ICR_LO / 4] = lo;
    for (int i = 0; i < 1000000 && (mmio[APIC_ICR_LO / 4] & APIC_ICR_PENDING); i++)
        cpu_relax();
    irq_restore(f);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
    send_icr(dest, APIC_ICR_DM_FIXED | APIC_ICR_ASSERT | vector);
}

void apic_send_self_ipi(uint8_t vector)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(APIC_SELF_IPI), vector);
    else
        send_icr(0, APIC_ICR_SELF | APIC_ICR_ASSERT | vector);
}

void apic_send_nmi_all_but_self(void)
{
    send_icr(0, APIC_ICR_ALL_BUT_SELF | APIC_ICR_DM_NMI | APIC_ICR_ASSERT);
}

void pic_disable(void)
{
    /* ICW1-4: vector bases 0x20/0x28 (never used: all lines masked), so a
     * stray 8259 interrupt cannot look like an exception. */
    outb(0x20, 0x11); outb(0xa0, 0x11);
    outb(0x21, 0x20); outb(0xa1, 0x28);
    outb(0x21, 0x04); outb(0xa1, 0x02);
    outb(0x21, 0x01); outb(0xa1, 0x01);
    outb(0x21, 0xff); outb(0xa1, 0xff);
}

/* The local setup every CPU does on itself, in the mode apic_init chose. */
static void local_init(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    if (x2apic) {
        /* xAPIC must be enabled before x2APIC (SDM 11.12.5). */
        wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
        wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    } else {
        wrmsr(MSR_IA32_APIC_BASE, (base | APIC_BASE_ENABLE) & ~APIC_BASE_X2APIC);
        uint64_t pa = base & 0xffffff000ull;
        if (!mmio) {
            vm_map_mmio(pa, 4096);
            mmio = (volatile uint32_t *)pa;
        }
    }
    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
    apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
    apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED | (4u << 8)); /* NMI delivery, masked */
    apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
    apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
    if (!x2apic)
        apic_write(APIC_ESR, 0);
}

void apic_init(void)
{
    x2apic = (cpuid(1, 0).ecx >> 21) & 1;
    local_init();
    up = true;
    log_info("apic", "%s mode, id %u, version 0x%x", apic_mode_name(), apic_id(),
             apic_read(APIC_VERSION) & 0xff);
}

void apic_init_ap(void)
{
    local_init();
}

/* A shorthand or a physical destination: x2APIC takes the 32-bit id, xAPIC
 * the 8-bit one in ICR_HI[31:24] (ids above 254 are unreachable there). */
void apic_send_ipi_mode(enum apic_dest dest, uint32_t apic_id, uint32_t mode_vector)
{
    uint32_t lo = mode_vector | APIC_ICR_ASSERT;
    switch (dest) {
    case APIC_DEST_ONE:
        send_icr(apic_id, lo);
        return;
    case APIC_DEST_SELF:
        send_icr(0, lo | APIC_ICR_SELF);
        return;
    case APIC_DEST_ALL:
        send_icr(0, lo | APIC_ICR_ALL);
        return;
    case APIC_DEST_ALL_BUT_SELF:
        send_icr(0, lo | APIC_ICR_ALL_BUT_SELF);
        return;
    }
}

void apic_send_init(uint32_t apic_id)
{
    send_icr(apic_id, APIC_ICR_DM_INIT | APIC_ICR_ASSERT);
}

void apic_send_startup(uint32_t apic_id, uint8_t page)
{
    send_icr(apic_id, APIC_ICR_DM_STARTUP | APIC_ICR_ASSERT | page);
}

void apic_park_other_cpus(void)
{
    /* INIT puts every other CPU into wait-for-SIPI: the firmware's AP loop
     * (which may spin) stops, and SMP bring-up later starts from a known
     * state with INIT-SIPI-SIPI. */
    send_icr(0, APIC_ICR_ALL_BUT_SELF | APIC_ICR_DM_INIT | APIC_ICR_ASSERT);
}
