#include <stddef.h>
/* Local APIC: self-IPIs arrive, TPR holds back lower-priority vectors, the
 * spurious vector is never EOI'd. */
#include <stdatomic.h>
#include "kernel/ktest.h"
#include "kernel/irq.h"
#include "kernel/clock.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"

static atomic_int hits;
static volatile uint8_t seen_tpr_isr;

static void count_handler(void *ctx, struct trap_frame *f)
{
    (void)f;
    atomic_fetch_add((atomic_int *)ctx, 1);
}

/* Waits (bounded) until *v reaches want. */
static bool wait_for(atomic_int *v, int want)
{
    return KT_WAIT_UNTIL(atomic_load(v) >= want, KT_WAIT_MS);
}

/* However a test ends: its vector freed, the TPR open. */
static void free_vector(void *v)
{
    apic_set_tpr(0);
    irq_free_vector((unsigned)(uintptr_t)v);
}

static int alloc_vector(unsigned cls)
{
    int v = irq_alloc_vector(cls);
    if (v >= 0)
        ktest_defer(free_vector, (void *)(uintptr_t)v);
    return v;
}

KTEST(self_ipi, "apic.self_ipi")
{
    int v = alloc_vector(0);
    KT_CHECK(v >= IRQ_DYNAMIC_FIRST);
    if (v < 0)
        return;
    atomic_store(&hits, 0);
    irq_register((unsigned)v, count_handler, &hits, 0);
    for (int i = 0; i < 100; i++)
        apic_send_self_ipi((uint8_t)v);
    KT_CHECK(wait_for(&hits, 100));
    KT_CHECK_EQ(atomic_load(&hits), 100);
    KT_CHECK_EQ(irq_count((unsigned)v), 100);
}

static atomic_int probe_hits;

KTEST(tpr, "apic.tpr_masks_lower_classes")
{
    int v = alloc_vector(0x5);          /* priority class 5 */
    int probe = alloc_vector(0xd);      /* above the TPR: always deliverable */
    KT_CHECK(v >= 0x50 && probe >= 0xd0);
    if (v < 0x50 || probe < 0xd0)
        return;
    atomic_store(&hits, 0);
    atomic_store(&probe_hits, 0);
    irq_register((unsigned)v, count_handler, &hits, 0);
    irq_register((unsigned)probe, count_handler, &probe_hits, 0);
    apic_set_tpr((uint8_t)(((unsigned)v >> 4) << 4)); /* hold back class of v and below */
    apic_send_self_ipi((uint8_t)v);
    /* A higher-class IPI sent after it arrives: the APIC has had its chance
     * to deliver v by then (no fixed wait needed to prove it held v back). */
    apic_send_self_ipi((uint8_t)probe);
    KT_CHECK(wait_for(&probe_hits, 1));
    KT_CHECK_EQ(atomic_load(&hits), 0);
    KT_CHECK(apic_irr_bit((uint8_t)v));  /* requested, not delivered */
    apic_set_tpr((uint8_t)((((unsigned)v >> 4) - 1) << 4)); /* one class lower: deliverable */
    KT_CHECK(wait_for(&hits, 1));
    KT_CHECK_EQ(atomic_load(&hits), 1);
}

static atomic_int spurious_seen;
static volatile bool isr_still_set;
static int outer_vector;

static void outer_handler(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
    /* While this vector is in service, enter the spurious vector. If its
     * handler sent an EOI it would retire *our* ISR bit. */
    uint64_t before = irq_count(VEC_SPURIOUS);
    __asm__ volatile("int $0xff");
    atomic_store(&spurious_seen, (int)(irq_count(VEC_SPURIOUS) - before));
    isr_still_set = apic_isr_bit((uint8_t)outer_vector);
}

KTEST(spurious, "apic.spurious_vector_no_eoi")
{
    KT_CHECK_EQ(apic_read(APIC_SVR) & 0x1ff, APIC_SVR_ENABLE | VEC_SPURIOUS);
    outer_vector = alloc_vector(0);
    if (outer_vector < 0)
        return;
    atomic_store(&hits, 0);
    atomic_store(&spurious_seen, 0);
    irq_register((unsigned)outer_vector, outer_handler, NULL, 0);
    apic_send_self_ipi((uint8_t)outer_vector);
    KT_CHECK(KT_WAIT_UNTIL(atomic_load(&spurious_seen) != 0, KT_WAIT_MS));
    KT_CHECK_EQ(atomic_load(&spurious_seen), 1);
    KT_CHECK(isr_still_set);
    KT_CHECK(!apic_isr_bit((uint8_t)outer_vector)); /* our own EOI did retire it */
}

KTEST(alloc, "apic.vector_allocator")
{
    int a = irq_alloc_vector(0), b = irq_alloc_vector(0);
    KT_CHECK(a >= IRQ_DYNAMIC_FIRST && b >= IRQ_DYNAMIC_FIRST && a != b);
    irq_free_vector((unsigned)a);
    int c = irq_alloc_vector(0);
    KT_CHECK_EQ(c, a);  /* freed vectors are reused */
    irq_free_vector((unsigned)b);
    irq_free_vector((unsigned)c);
    (void)seen_tpr_isr;
}
