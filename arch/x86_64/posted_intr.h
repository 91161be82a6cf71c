/* Posted-interrupt descriptors, one per CPU, in the hardware layout (Intel
 * VT-d spec 9.11 / SDM vol. 3 "Posted-interrupt processing"; Linux
 * arch/x86/include/asm/posted_intr.h): a poster sets the vector's bit in the
 * PIR, then ON; only the poster that turns ON from clear (with SN clear)
 * sends the notification vector NV to NDST. The notification handler
 * harvests the PIR and dispatches each vector to its registered handler.
 * Any CPU, any context (interrupts on or off, inside handlers) may post. */
#ifndef SINTER_ARCH_POSTED_INTR_H
#define SINTER_ARCH_POSTED_INTR_H
#include <stdint.h>
#include <stdbool.h>

struct pi_desc {
    uint64_t pir[4];          /* bits 255:0: one request bit per vector */
    uint16_t control;         /* bit 256 ON, bit 257 SN, 271:258 reserved */
    uint8_t nv;               /* bits 279:272: notification vector */
    uint8_t reserved0;
    uint32_t ndst;            /* bits 319:288: x2APIC id, or xAPIC id in 15:8 */
    uint32_t reserved1[6];    /* bits 511:320 */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct pi_desc) == 64, "posted-interrupt descriptor is 64 bytes");
_Static_assert(_Alignof(struct pi_desc) == 64, "and 64-byte aligned");
_Static_assert(__builtin_offsetof(struct pi_desc, pir) == 0, "PIR at bit 0");
_Static_assert(__builtin_offsetof(struct pi_desc, control) == 32, "ON is bit 256");
_Static_assert(__builtin_offsetof(struct pi_desc, nv) == 34, "NV is bits 279:272");
_Static_assert(__builtin_offsetof(struct pi_desc, ndst) == 36, "NDST is bits 319:288");

#define PI_ON (1u << 0)
#define PI_SN (1u << 1)
/* Harvest rounds before ON is cleared (Linux: MAX_POSTED_MSI_COALESCING_LOOP). */
#define PI_MAX_ROUNDS 3

struct pi_stats {
    uint64_t posted;          /* pi_post calls aimed at this CPU */
    uint64_t coalesced;       /* ... whose PIR bit was already set */
    uint64_t notifications;   /* notification vectors taken */
    uint64_t empty;           /* notifications that found nothing to do */
    uint64_t dispatched;      /* vectors dispatched from the PIR */
    uint64_t suppressed;      /* postings that found SN set (no notification) */
    uint64_t max_per_notification;
};

/* Register the notification handler; boot CPU, before the APs start. */
void pi_init(void);
/* This CPU's descriptor: NV and NDST (in the LAPIC mode in use). */
void pi_init_cpu(void);
struct pi_desc *pi_desc_of(unsigned cpu);
/* Post `vector` (0x20..0xff) to `cpu`. true if this posting sent a notification. */
bool pi_post(unsigned cpu, uint8_t vector);
/* SN on `cpu`: set, postings only collect in the PIR; cleared, whatever
 * collected is notified (by whoever clears SN while ON is set). */
void pi_suppress(unsigned cpu, bool on);
void pi_get_stats(unsigned cpu, struct pi_stats *out);
/* The NDST encoding for an APIC id in the current LAPIC mode, and back. */
uint32_t pi_ndst_encode(uint32_t apic_id, bool x2apic);
uint32_t pi_ndst_decode(uint32_t ndst, bool x2apic);

#endif
