/* SynIC as the hypervisor sees it (TLFS "Inter-partition communication"):
 * per-VP SCONTROL/SIMP/SIEFP/SINTx/EOM, message queues per (VP, SINT), and
 * event flags. The guest touches the SIMP/SIEFP pages without our lock, so
 * slot handover uses atomics on the message type and flags (see deliver). */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "kernel/log.h"
#include "lib/array_size.h"

bool hvsim_synic_msr(uint32_t msr)
{
    return (msr >= HV_X64_MSR_SCONTROL && msr <= HV_X64_MSR_EOM) ||
           (msr >= HV_X64_MSR_SINT0 && msr < HV_X64_MSR_SINT0 + HV_SYNIC_SINT_COUNT);
}

static bool synic_offered(void)
{
    return (hvsim.cfg.priv_lo & HV_MSR_SYNIC_AVAILABLE) != 0;
}

/* ---- queues ------------------------------------------------------------ */
static uint16_t pool_get(void)
{
    uint16_t i = hvsim.free_head;
    if (i != HVSIM_NIL)
        hvsim.free_head = hvsim.pool[i].next;
    return i;
}

static void pool_put(uint16_t i)
{
    hvsim.pool[i].next = hvsim.free_head;
    hvsim.free_head = i;
}

static void q_push(struct hvsim_queue *q, uint16_t i)
{
    hvsim.pool[i].next = HVSIM_NIL;
    if (q->count == 0)
        q->head = i;
    else
        hvsim.pool[q->tail].next = i;
    q->tail = i;
    q->count++;
}

static uint16_t q_pop(struct hvsim_queue *q)
{
    uint16_t i = q->head;
    q->head = hvsim.pool[i].next;
    if (--q->count == 0)
        q->head = q->tail = HVSIM_NIL;
    return i;
}

uint32_t hvsim_queue_depth(uint32_t vp, uint32_t sint)
{
    if (vp >= HVSIM_MAX_VPS || sint >= HV_SYNIC_SINT_COUNT)
        return 0;
    hvsim_lock();
    uint32_t n = hvsim.vp[vp].q[sint].count;
    hvsim_unlock();
    return n;
}

/* ---- delivery ---------------------------------------------------------- */
static struct hv_message *slot_of(uint32_t vp, uint32_t sint)
{
    struct hvsim_vp *v = &hvsim.vp[vp];
    if (!(v->scontrol & HV_SYNIC_CONTROL_ENABLE) || !(v->simp & HV_SYNIC_PAGE_ENABLE))
        return NULL;
    struct hv_message_page *page =
        hvsim.machine.gpa_to_ptr(v->simp & HV_MSR_GPFN_MASK, HV_PAGE_SIZE);
    return page ? &page->sint_message[sint] : NULL;
}

void hvsim_raise_locked(uint32_t vp, uint8_t vector, struct hvsim_inj *inj)
{
    HVSIM_ASSERT_LOCKED();
    for (unsigned i = 0; i < inj->n; i++)
        if (inj->e[i].vp == vp && inj->e[i].vector == vector)
            return;                 /* one edge per vector is enough */
    if (inj->n == ARRAY_SIZE(inj->e))
        return;                     /* cannot happen: sized for one VP's sources */
    inj->e[inj->n].vp = vp;
    inj->e[inj->n].vector = vector;
    inj->n++;
    HVSIM_COUNT(vp, injections);
}

static void raise_sint(uint32_t vp, uint32_t sint, struct hvsim_inj *inj)
{
    uint64_t reg = hvsim.vp[vp].sint[sint];
    if (reg & HV_SINT_POLLING)      /* acts unmasked, but no interrupt */
        return;
    hvsim_raise_locked(vp, (uint8_t)(reg & HV_SINT_VECTOR_MASK), inj);
}

/* Move the oldest queued message for (vp, sint) into its slot if the slot is
 * empty. If the slot is busy, set MessagePending so the guest writes EOM;
 * then look at the type again, because the guest may have emptied the slot
 * just before it could see the flag (both sides use seq_cst: the guest
 * stores NONE then loads flags, we set flags then load the type). */
void hvsim_deliver_locked(uint32_t vp, uint32_t sint, struct hvsim_inj *inj)
{
    HVSIM_ASSERT_LOCKED();
    struct hvsim_queue *q = &hvsim.vp[vp].q[sint];
    if (q->count == 0 || (hvsim.vp[vp].sint[sint] & HV_SINT_MASKED))
        return;
    struct hv_message *slot = slot_of(vp, sint);
    if (!slot)
        return;
    _Atomic uint32_t *type = (_Atomic uint32_t *)&slot->header.message_type;
    _Atomic uint8_t *flags = (_Atomic uint8_t *)&slot->header.message_flags;

    if (atomic_load(type) != HVMSG_NONE) {
        atomic_fetch_or(flags, HV_MESSAGE_FLAG_PENDING);
        if (atomic_load(type) != HVMSG_NONE) {
            tracef(TRACE_HV, "hvsim", "host: SINT%u of VP%u busy, %u queued, MessagePending set",
                   sint, vp, q->count);
            return;
        }
    }
    uint16_t i = q_pop(q);
    struct hv_message *m = &hvsim.pool[i].msg;
    if (m->header.message_type == HVMSG_TIMER_EXPIRED)
        hvsim_stimer_delivering_locked(vp, m, i);
    if (q->count > 0)
        m->header.message_flags |= HV_MESSAGE_FLAG_PENDING;
    /* Everything but the type first; the type, stored last with release,
     * is what hands the slot to the guest. */
    memcpy((uint8_t *)slot + sizeof slot->header.message_type,
           (const uint8_t *)m + sizeof m->header.message_type,
           sizeof *m - sizeof m->header.message_type);
    atomic_store_explicit(type, m->header.message_type, memory_order_release);
    tracef(TRACE_HV, "hvsim", "host: delivered message type 0x%x to SINT%u of VP%u%s",
           m->header.message_type, sint, vp,
           (m->header.message_flags & HV_MESSAGE_FLAG_PENDING) ? " (more pending)" : "");
    pool_put(i);
    HVSIM_COUNT(vp, delivered);
    raise_sint(vp, sint, inj);
}

void hvsim_rescan_vp_locked(uint32_t vp, struct hvsim_inj *inj)
{
    for (uint32_t s = 0; s < HV_SYNIC_SINT_COUNT; s++)
        hvsim_deliver_locked(vp, s, inj);
}

/* Queue a copy of *m and try to deliver it. *pool_index is the pool entry
 * while the copy waits in the queue, HVSIM_NIL once it is in the slot. */
uint16_t hvsim_post_locked(uint32_t vp, uint32_t sint, const struct hv_message *m,
                           uint16_t *pool_index, struct hvsim_inj *inj)
{
    HVSIM_ASSERT_LOCKED();
    struct hvsim_queue *q = &hvsim.vp[vp].q[sint];
    /* Any post is a delivery attempt: a slot the guest emptied without EOM
     * is refilled here even when the queue is full. */
    hvsim_deliver_locked(vp, sint, inj);
    uint16_t i = q->count < HVSIM_SINT_QUEUE_DEPTH ? pool_get() : HVSIM_NIL;
    *pool_index = HVSIM_NIL;
    if (i == HVSIM_NIL) {
        tracef(TRACE_HV, "hvsim", "host: post type 0x%x to SINT%u of VP%u: no buffers",
               m->header.message_type, sint, vp);
        return HV_STATUS_INSUFFICIENT_BUFFERS;
    }
    hvsim.pool[i].msg = *m;
    q_push(q, i);
    HVSIM_COUNT(vp, posted);
    hvsim_deliver_locked(vp, sint, inj);
    bool queued = q->count > 0; /* ours is the tail: still there = queued */
    if (queued) {
        HVSIM_COUNT(vp, queued_busy);
        *pool_index = i;
    }
    tracef(TRACE_HV, "hvsim", "host: post message type 0x%x to SINT%u of VP%u%s",
           m->header.message_type, sint, vp,
           queued ? " (slot busy or SINT masked, queued)" : "");
    return HV_STATUS_SUCCESS;
}

/* Take a still-queued message back out (a timer reprogrammed meanwhile). */
void hvsim_unqueue_locked(uint32_t vp, uint32_t sint, uint16_t pool_index)
{
    HVSIM_ASSERT_LOCKED();
    struct hvsim_queue *q = &hvsim.vp[vp].q[sint];
    uint16_t prev = HVSIM_NIL;
    for (uint16_t i = q->head; q->count && i != HVSIM_NIL; prev = i, i = hvsim.pool[i].next) {
        if (i != pool_index)
            continue;
        if (prev == HVSIM_NIL)
            q->head = hvsim.pool[i].next;
        else
            hvsim.pool[prev].next = hvsim.pool[i].next;
        if (q->tail == i)
            q->tail = prev;
        if (--q->count == 0)
            q->head = q->tail = HVSIM_NIL;
        pool_put(i);
        return;
    }
}

uint16_t hvsim_post_to_guest(uint32_t vp, uint32_t sint, uint32_t type,
                             const void *payload, uint32_t len)
{
    struct hvsim_inj inj = { 0 };
    struct hv_message m;
    uint16_t idx;
    if (vp >= hvsim.cfg.nr_vps)
        return HV_STATUS_INVALID_VP_INDEX;
    if (sint >= HV_SYNIC_SINT_COUNT || type == HVMSG_NONE ||
        len > HV_MESSAGE_PAYLOAD_BYTES || (len && !payload))
        return HV_STATUS_INVALID_PARAMETER;

    memset(&m, 0, sizeof m);
    m.header.message_type = type;
    m.header.payload_size = (uint8_t)len;
    if (len)
        memcpy(m.payload, payload, len);
    hvsim_lock();
    uint16_t st = hvsim_post_locked(vp, sint, &m, &idx, &inj);
    hvsim_unlock();
    hvsim_inj_flush(&inj);
    return st;
}

uint16_t hvsim_signal_guest_event(uint32_t vp, uint32_t sint, uint32_t bit)
{
    struct hvsim_inj inj = { 0 };
    if (vp >= hvsim.cfg.nr_vps)
        return HV_STATUS_INVALID_VP_INDEX;
    if (sint >= HV_SYNIC_SINT_COUNT || bit >= HV_EVENT_FLAGS_COUNT)
        return HV_STATUS_INVALID_PARAMETER;

    hvsim_lock();
    struct hvsim_vp *v = &hvsim.vp[vp];
    struct hv_synic_event_flags_page *page = NULL;
    if ((v->scontrol & HV_SYNIC_CONTROL_ENABLE) && (v->siefp & HV_SYNIC_PAGE_ENABLE))
        page = hvsim.machine.gpa_to_ptr(v->siefp & HV_MSR_GPFN_MASK, HV_PAGE_SIZE);
    if (!page || (v->sint[sint] & HV_SINT_MASKED)) {
        hvsim_unlock();
        tracef(TRACE_HV, "hvsim", "host: event bit %u on SINT%u of VP%u: SynIC not ready",
               bit, sint, vp);
        return HV_STATUS_INVALID_SYNIC_STATE;
    }
    _Atomic uint64_t *word =
        (_Atomic uint64_t *)&page->sintevent_flags[sint].flags[bit / 64];
    uint64_t mask = 1ull << (bit % 64);
    uint64_t old = atomic_fetch_or(word, mask);
    /* Only a 0 -> 1 transition raises the SINT (TLFS). */
    if (!(old & mask))
        raise_sint(vp, sint, &inj);
    tracef(TRACE_HV, "hvsim", "host: event bit %u on SINT%u of VP%u%s", bit, sint, vp,
           (old & mask) ? " (already set)" : "");
    hvsim_unlock();
    hvsim_inj_flush(&inj);
    return HV_STATUS_SUCCESS;
}

/* ---- MSRs ---------------------------------------------------------------- */
int hvsim_synic_rdmsr(uint32_t vp, uint32_t msr, uint64_t *val)
{
    struct hvsim_vp *v = &hvsim.vp[vp];
    if (!synic_offered())
        return HVSIM_GP;
    switch (msr) {
    case HV_X64_MSR_SCONTROL: *val = v->scontrol; return 0;
    case HV_X64_MSR_SVERSION: *val = HV_SYNIC_VERSION_1; return 0;
    case HV_X64_MSR_SIEFP:    *val = v->siefp; return 0;
    case HV_X64_MSR_SIMP:     *val = v->simp; return 0;
    case HV_X64_MSR_EOM:      *val = 0; return 0;
    default:
        if (msr >= HV_X64_MSR_SINT0 && msr < HV_X64_MSR_SINT0 + HV_SYNIC_SINT_COUNT) {
            *val = v->sint[msr - HV_X64_MSR_SINT0];
            return 0;
        }
        return HVSIM_GP;
    }
}

static int wr_page_msr(uint64_t *reg, uint64_t val, const char *name, uint32_t vp)
{
    if ((val & HV_SYNIC_PAGE_ENABLE) &&
        !hvsim.machine.gpa_to_ptr(val & HV_MSR_GPFN_MASK, HV_PAGE_SIZE)) {
        log_warn("hvsim", "%s of VP%u: 0x%llx is not guest RAM (#GP)", name, vp,
                 (unsigned long long)(val & HV_MSR_GPFN_MASK));
        return HVSIM_GP;
    }
    *reg = val; /* bits 11:1 are RsvdP: kept as written */
    return 0;
}

int hvsim_synic_wrmsr(uint32_t vp, uint32_t msr, uint64_t val, struct hvsim_inj *inj)
{
    struct hvsim_vp *v = &hvsim.vp[vp];
    int r = 0;
    if (!synic_offered())
        return HVSIM_GP;
    switch (msr) {
    case HV_X64_MSR_SCONTROL:
        v->scontrol = val; /* only Enable means anything; the rest is RsvdP */
        break;
    case HV_X64_MSR_SVERSION:
        return HVSIM_GP;   /* read-only */
    case HV_X64_MSR_SIEFP:
        return wr_page_msr(&v->siefp, val, "SIEFP", vp);
    case HV_X64_MSR_SIMP:
        r = wr_page_msr(&v->simp, val, "SIMP", vp);
        break;
    case HV_X64_MSR_EOM:
        HVSIM_COUNT(vp, eom);
        tracef(TRACE_HV, "hvsim", "host: EOM from VP%u, rescanning queues", vp);
        break;
    default: {
        uint32_t s = msr - HV_X64_MSR_SINT0;
        uint8_t vec = (uint8_t)(val & HV_SINT_VECTOR_MASK);
        /* Vectors 0..15 cannot be raised; an unmasked SINT naming one is a
         * #GP (TLFS; KVM checks the same). */
        if (!(val & HV_SINT_MASKED) && vec < HV_SYNIC_FIRST_VALID_VECTOR)
            return HVSIM_GP;
        if ((val & HV_SINT_POLLING) &&
            !(hvsim.cfg.features_edx & HV_X64_SINT_POLLING_AVAILABLE))
            return HVSIM_GP;
        v->sint[s] = val;
        tracef(TRACE_HV, "hvsim", "host: SINT%u of VP%u: vector 0x%x%s%s", s, vp, vec,
               (val & HV_SINT_MASKED) ? " masked" : "",
               (val & HV_SINT_AUTO_EOI) ? " auto-EOI" : "");
        break;
    }
    }
    /* Queued messages are retried on EOM (here), on a new post to the SINT
     * (hvsim_post_locked) and on an APIC EOI (TLFS "SynIC message flags":
     * not seen by the model), and on nothing else: a write of SCONTROL,
     * SIMP, SIEFP or SINTx does not deliver, so a guest that forgets EOM
     * stalls here as it would on Hyper-V. */
    if (r == 0 && msr == HV_X64_MSR_EOM)
        hvsim_rescan_vp_locked(vp, inj);
    return r;
}
