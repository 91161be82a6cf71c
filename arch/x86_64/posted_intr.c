/* Posting and the notification handler. The sequence follows KVM's software
 * poster (arch/x86/kvm/vmx/common.h, __vmx_deliver_posted_interrupt) and
 * Linux's posted-MSI receiver (arch/x86/kernel/irq.c, sysvec_posted_msi_
 * notification); see docs/architecture.md "Posted interrupts". */
#include <stddef.h>
#include "arch/x86_64/posted_intr.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/percpu.h"

static struct pi_desc descs[MAX_CPUS];
static struct pi_stats stats[MAX_CPUS];

struct pi_desc *pi_desc_of(unsigned cpu) { return cpu < MAX_CPUS ? &descs[cpu] : NULL; }

uint32_t pi_ndst_encode(uint32_t apic_id, bool x2apic) { return x2apic ? apic_id : (apic_id & 0xff) << 8; }
uint32_t pi_ndst_decode(uint32_t ndst, bool x2apic) { return x2apic ? ndst : (ndst >> 8) & 0xff; }

static void count(uint64_t *field, uint64_t n) { __atomic_fetch_add(field, n, __ATOMIC_RELAXED); }

/* NV to NDST as a fixed IPI (what the IOMMU or the CPU's posting logic
 * sends); to ourselves through the self-IPI path. */
static void notify(struct pi_desc *d)
{
    uint32_t dest = pi_ndst_decode(__atomic_load_n(&d->ndst, __ATOMIC_RELAXED), apic_x2apic());
    uint8_t nv = __atomic_load_n(&d->nv, __ATOMIC_RELAXED);
    if (dest == this_cpu()->apic_id)
        apic_send_self_ipi(nv);
    else
        apic_send_ipi(dest, nv);
}

bool pi_post(unsigned cpu, uint8_t vector)
{
    if (cpu >= cpu_count || vector < 0x20)
        return false;
    struct pi_desc *d = &descs[cpu];
    count(&stats[cpu].posted, 1);
    uint64_t bit = 1ull << (vector % 64);
    if (__atomic_fetch_or(&d->pir[vector / 64], bit, __ATOMIC_SEQ_CST) & bit) {
        count(&stats[cpu].coalesced, 1);  /* pending already: its poster handles ON */
        return false;
    }
    /* ON and SN share one word: one locked RMW decides, so exactly one
     * poster (or the SN clearer) notifies per ON period. */
    uint16_t old = __atomic_fetch_or(&d->control, PI_ON, __ATOMIC_SEQ_CST);
    if (old & PI_ON)
        return false;
    if (old & PI_SN) {
        count(&stats[cpu].suppressed, 1);
        return false;
    }
    notify(d);
    return true;
}

void pi_suppress(unsigned cpu, bool on)
{
    if (cpu >= cpu_count)
        return;
    struct pi_desc *d = &descs[cpu];
    if (on) {
        __atomic_fetch_or(&d->control, PI_SN, __ATOMIC_SEQ_CST);
        return;
    }
    uint16_t old = __atomic_fetch_and(&d->control, (uint16_t)~PI_SN, __ATOMIC_SEQ_CST);
    /* ON set while SN was: postings collected and nobody notified. */
    if ((old & PI_SN) && (old & PI_ON))
        notify(d);
}

/* Read the four PIR words first, exchange only the non-zero ones (fewer
 * locked cycles on the line posters write), dispatch every vector found. */
static unsigned harvest(struct pi_desc *d, struct trap_frame *f)
{
    uint64_t words[4];
    unsigned n = 0;
    for (unsigned w = 0; w < 4; w++) {
        words[w] = __atomic_load_n(&d->pir[w], __ATOMIC_RELAXED);
        if (words[w])
            words[w] = __atomic_exchange_n(&d->pir[w], 0, __ATOMIC_SEQ_CST);
    }
    for (unsigned w = 0; w < 4; w++)
        for (uint64_t bits = words[w]; bits; bits &= bits - 1) {
            unsigned v = w * 64 + (unsigned)__builtin_ctzll(bits);
            irq_dispatch_posted(v, f);
            n++;
        }
    return n;
}

static void notification(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    unsigned cpu = this_cpu()->index;
    struct pi_desc *d = &descs[cpu];
    unsigned total = 0;
    for (unsigned round = 0; round < PI_MAX_ROUNDS; round++) {
        unsigned n = harvest(d, f);
        total += n;
        if (!n)
            break;
    }
    /* Clear ON last (more postings coalesce into this notification), then
     * look once more: a posting between the last harvest and the clear saw
     * ON set and sent nothing. */
    __atomic_fetch_and(&d->control, (uint16_t)~PI_ON, __ATOMIC_SEQ_CST);
    total += harvest(d, f);
    struct pi_stats *s = &stats[cpu];
    count(&s->notifications, 1);
    count(&s->dispatched, total);
    if (!total)
        count(&s->empty, 1);
    if (total > s->max_per_notification)
        s->max_per_notification = total;   /* only this CPU writes it */
    tracef(TRACE_PI, "pi", "CPU%u notification: %u vector(s) dispatched", cpu, total);
}

void pi_init(void)
{
    irq_register(VEC_PI_NOTIFY, notification, NULL, 0);
}

void pi_init_cpu(void)
{
    struct cpu *c = this_cpu();
    struct pi_desc *d = &descs[c->index];
    __atomic_store_n(&d->ndst, pi_ndst_encode(c->apic_id, apic_x2apic()), __ATOMIC_RELAXED);
    __atomic_store_n(&d->nv, (uint8_t)VEC_PI_NOTIFY, __ATOMIC_RELEASE);
    tracef(TRACE_PI, "pi", "CPU%u descriptor at 0x%llx: NV 0x%x, NDST 0x%x", c->index,
           (unsigned long long)(uintptr_t)d, d->nv, d->ndst);
}

void pi_get_stats(unsigned cpu, struct pi_stats *out)
{
    if (cpu >= MAX_CPUS) {
        *out = (struct pi_stats){ 0 };
        return;
    }
    struct pi_stats *s = &stats[cpu];
    out->posted = __atomic_load_n(&s->posted, __ATOMIC_RELAXED);
    out->coalesced = __atomic_load_n(&s->coalesced, __ATOMIC_RELAXED);
    out->notifications = __atomic_load_n(&s->notifications, __ATOMIC_RELAXED);
    out->empty = __atomic_load_n(&s->empty, __ATOMIC_RELAXED);
    out->dispatched = __atomic_load_n(&s->dispatched, __ATOMIC_RELAXED);
    out->suppressed = __atomic_load_n(&s->suppressed, __ATOMIC_RELAXED);
    out->max_per_notification = __atomic_load_n(&s->max_per_notification, __ATOMIC_RELAXED);
}
