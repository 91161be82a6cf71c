/* Synthetic timers as the hypervisor sees them (TLFS "Timers": synthetic
 * timers, STIMERx_CONFIG/COUNT, timer expiration message). Four per VP. The
 * model has no timer of its own: hvsim_poll_timers() compares each armed
 * timer with the machine's reference time, so the model's resolution is
 * the caller's polling period (the kernel's tick). Expiry is never early:
 * a timer fires at the first poll at or after its due time. */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "kernel/log.h"

bool hvsim_stimer_msr(uint32_t msr)
{
    return msr >= HV_X64_MSR_STIMER0_CONFIG &&
           msr < HV_X64_MSR_STIMER0_CONFIG + 2 * HV_STIMER_COUNT;
}

/* Privilege bit 3 (KVM's stimer_set_config/set_count check it too), and
 * timers need the SynIC and a reference clock. */
static bool offered(void)
{
    return (hvsim.cfg.priv_lo & HV_MSR_SYNTIMER_AVAILABLE) &&
           (hvsim.cfg.priv_lo & HV_MSR_SYNIC_AVAILABLE) && hvsim.machine.ref_time_100ns;
}

static uint64_t now(void) { return hvsim.machine.ref_time_100ns(); }

void hvsim_stimer_reset(uint32_t vp)
{
    for (unsigned t = 0; t < HV_STIMER_COUNT; t++) {
        memset(&hvsim.vp[vp].stimer[t], 0, sizeof hvsim.vp[vp].stimer[t]);
        hvsim.vp[vp].stimer[t].msg = HVSIM_NIL;
    }
}

/* A reprogrammed timer forgets its undelivered expiration, as KVM's
 * stimer_cleanup() drops msg_pending on every CONFIG/COUNT write. */
static void cancel(uint32_t vp, struct hvsim_stimer *st)
{
    if (st->msg != HVSIM_NIL)
        hvsim_unqueue_locked(vp, st->msg_sint, st->msg);
    st->msg = HVSIM_NIL;
    st->due = 0;
}

/* TLFS: the first period begins when the timer is enabled; a one-shot's
 * COUNT is the absolute expiration time. Enabled with COUNT 0 = not armed. */
static void arm(struct hvsim_stimer *st)
{
    if (!(st->config & HV_STIMER_ENABLE) || st->count == 0)
        st->due = 0;
    else if (st->config & HV_STIMER_PERIODIC)
        st->due = now() + st->count;
    else
        st->due = st->count;
}

static void send_message(uint32_t vp, unsigned t, struct hvsim_stimer *st, uint64_t t_now,
                         struct hvsim_inj *inj)
{
    uint32_t sint = HV_STIMER_SINT(st->config);
    if (st->msg != HVSIM_NIL) {
        /* The last expiration still waits in the queue: fold this one into
         * it rather than pile up messages. KVM drops periodic messages on a
         * busy slot "to avoid piling up periodic ticks" (stimer_send_msg);
         * openvmm (hv1_emulator synic.rs) holds the expiry until the slot
         * frees. Either way: one message per busy period. */
        struct hv_timer_message_payload *p = (void *)hvsim.pool[st->msg].msg.payload;
        p->expiration_time = st->due;
        HVSIM_COUNT(vp, timer_coalesced);
        tracef(TRACE_HV, "hvsim", "host: STIMER%u of VP%u expired, previous message "
               "still queued: coalesced", t, vp);
        return;
    }
    struct hv_message m;
    memset(&m, 0, sizeof m);
    m.header.message_type = HVMSG_TIMER_EXPIRED;
    m.header.payload_size = sizeof(struct hv_timer_message_payload);
    struct hv_timer_message_payload *p = (void *)m.payload;
    p->timer_index = t;
    p->expiration_time = st->due;
    p->delivery_time = t_now;
    if (hvsim_post_locked(vp, sint, &m, &st->msg, inj) == HV_STATUS_SUCCESS)
        st->msg_sint = (uint8_t)sint;
    else
        HVSIM_COUNT(vp, timer_coalesced);   /* no buffer: this expiration is lost */
}

/* Fire the timer if due; then disable a one-shot, or move a periodic timer
 * to its next period after now. Missed periods are skipped, as KVM does
 * for every periodic timer ("lazy" or not). */
static void evaluate(uint32_t vp, unsigned t, uint64_t t_now, struct hvsim_inj *inj)
{
    struct hvsim_stimer *st = &hvsim.vp[vp].stimer[t];
    if (!st->due || t_now < st->due)
        return;
    HVSIM_COUNT(vp, timer_expired);
    tracef(TRACE_HV, "hvsim", "host: STIMER%u of VP%u expired at %llu (due %llu), %s", t, vp,
           (unsigned long long)t_now, (unsigned long long)st->due,
           (st->config & HV_STIMER_DIRECT_MODE) ? "direct" : "message");
    if (st->config & HV_STIMER_DIRECT_MODE)
        hvsim_raise_locked(vp, HV_STIMER_VECTOR(st->config), inj);
    else
        send_message(vp, t, st, t_now, inj);
    if (st->config & HV_STIMER_PERIODIC) {
        uint64_t late = t_now - st->due;
        st->due = t_now + (st->count - late % st->count);
    } else {
        st->config &= ~HV_STIMER_ENABLE;   /* TLFS: a one-shot disables itself */
        st->due = 0;
    }
}

void hvsim_poll_timers(void)
{
    if (!offered())
        return;
    for (uint32_t vp = 0; vp < hvsim.cfg.nr_vps; vp++) {
        struct hvsim_inj inj = { 0 };
        hvsim_lock();
        uint64_t t_now = now();
        for (unsigned t = 0; t < HV_STIMER_COUNT; t++)
            evaluate(vp, t, t_now, &inj);
        hvsim_unlock();
        hvsim_inj_flush(&inj);
    }
}

void hvsim_stimer_delivering_locked(uint32_t vp, struct hv_message *m, uint16_t pool_index)
{
    HVSIM_ASSERT_LOCKED();
    struct hv_timer_message_payload *p = (void *)m->payload;
    if (p->timer_index >= HV_STIMER_COUNT)
        return;
    struct hvsim_stimer *st = &hvsim.vp[vp].stimer[p->timer_index];
    if (st->msg == pool_index) {
        st->msg = HVSIM_NIL;
        p->delivery_time = now();   /* it reaches the slot only now */
    }
}

int hvsim_stimer_rdmsr(uint32_t vp, uint32_t msr, uint64_t *val)
{
    if (!offered())
        return HVSIM_GP;
    struct hvsim_stimer *st = &hvsim.vp[vp].stimer[(msr - HV_X64_MSR_STIMER0_CONFIG) / 2];
    *val = (msr - HV_X64_MSR_STIMER0_CONFIG) % 2 ? st->count : st->config;
    return 0;
}

/* The TLFS calls bits 15:13 and 63:20 RsvdZ without naming a fault; the
 * model raises #GP for them (KVM stores them). DirectMode without the CPUID
 * bit is #GP as in KVM (enforce_cpuid). A direct vector below 16 is #GP, as
 * for SINTx. */
static int wr_config(uint32_t vp, unsigned t, struct hvsim_stimer *st, uint64_t val)
{
    if (val & HV_STIMER_RSVDZ_MASK)
        return HVSIM_GP;
    if (val & HV_STIMER_DIRECT_MODE) {
        if (!(hvsim.cfg.features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE))
            return HVSIM_GP;
        if ((val & HV_STIMER_ENABLE) && HV_STIMER_VECTOR(val) < HV_SYNIC_FIRST_VALID_VECTOR)
            return HVSIM_GP;
    } else if (HV_STIMER_SINT(val) == 0) {
        /* TLFS: SINTx 0 is not permitted for an enabled message-mode
         * timer; the timer is marked disabled at once. */
        val &= ~HV_STIMER_ENABLE;
    }
    cancel(vp, st);
    st->config = val;
    arm(st);
    tracef(TRACE_HV, "hvsim", "host: STIMER%u_CONFIG of VP%u <- 0x%llx%s", t, vp,
           (unsigned long long)val, st->due ? " (armed)" : "");
    return 0;
}

/* TLFS: COUNT 0 stops and disables the timer whatever AutoEnable says;
 * with AutoEnable a non-zero COUNT sets Enable. */
static void wr_count(uint32_t vp, unsigned t, struct hvsim_stimer *st, uint64_t val)
{
    cancel(vp, st);
    st->count = val;
    if (val == 0)
        st->config &= ~HV_STIMER_ENABLE;
    else if ((st->config & HV_STIMER_AUTO_ENABLE) &&
             ((st->config & HV_STIMER_DIRECT_MODE) || HV_STIMER_SINT(st->config) != 0))
        st->config |= HV_STIMER_ENABLE;
    arm(st);
    tracef(TRACE_HV, "hvsim", "host: STIMER%u_COUNT of VP%u <- %llu%s", t, vp,
           (unsigned long long)val, st->due ? " (armed)" : "");
}

int hvsim_stimer_wrmsr(uint32_t vp, uint32_t msr, uint64_t val, struct hvsim_inj *inj)
{
    if (!offered())
        return HVSIM_GP;
    unsigned t = (msr - HV_X64_MSR_STIMER0_CONFIG) / 2;
    struct hvsim_stimer *st = &hvsim.vp[vp].stimer[t];
    if ((msr - HV_X64_MSR_STIMER0_CONFIG) % 2 == 0) {
        if (wr_config(vp, t, st, val) != 0)
            return HVSIM_GP;
    } else {
        wr_count(vp, t, st, val);
    }
    /* TLFS: a one-shot enabled with a count in the past expires at once. */
    evaluate(vp, t, now(), inj);
    return 0;
}
