/* Hypercall entry of the model: decode the control word, validate as the
 * TLFS describes ("Hypercall interface", HvCallPostMessage,
 * HvCallSignalEvent), then hand the call to the registered host receiver.
 * The guest is untrusted here: its input is copied once, then checked. */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "kernel/log.h"

/* ---- connections ------------------------------------------------------- */
static struct hvsim_conn *conn_find_locked(uint32_t id)
{
    HVSIM_ASSERT_LOCKED();
    for (unsigned i = 0; i < HVSIM_MAX_CONNECTIONS; i++)
        if (hvsim.conn[i].kind != HVSIM_CONN_FREE && hvsim.conn[i].id == id)
            return &hvsim.conn[i];
    return NULL;
}

static int conn_add(const struct hvsim_conn *c)
{
    int r = -1;
    if (c->id & ~HV_CONNECTION_ID_MASK)
        return -1;
    hvsim_lock();
    if (!conn_find_locked(c->id)) {
        for (unsigned i = 0; i < HVSIM_MAX_CONNECTIONS; i++) {
            if (hvsim.conn[i].kind == HVSIM_CONN_FREE) {
                hvsim.conn[i] = *c;
                r = 0;
                break;
            }
        }
    }
    hvsim_unlock();
    return r;
}

int hvsim_register_message_handler(uint32_t conn_id, hvsim_msg_handler fn, void *ctx)
{
    struct hvsim_conn c = { .kind = HVSIM_CONN_MESSAGE, .id = conn_id,
                            .msg_fn = fn, .ctx = ctx };
    return fn ? conn_add(&c) : -1;
}

int hvsim_register_event_handler(uint32_t conn_id, uint16_t flag_count,
                                 hvsim_event_handler fn, void *ctx)
{
    struct hvsim_conn c = { .kind = HVSIM_CONN_EVENT, .id = conn_id,
                            .flag_count = flag_count, .event_fn = fn, .ctx = ctx };
    return (fn && flag_count) ? conn_add(&c) : -1;
}

void hvsim_unregister_connection(uint32_t conn_id)
{
    hvsim_lock();
    struct hvsim_conn *c = conn_find_locked(conn_id);
    if (c)
        memset(c, 0, sizeof *c);
    hvsim_unlock();
}

/* ---- input access -------------------------------------------------------- */
/* Inputs must be 8-byte aligned and must not cross a page (TLFS). A GPA that
 * is not RAM gets the same status, as KVM does for HvSignalEvent. */
static uint16_t copy_input(uint64_t gpa, void *dst, size_t len)
{
    if ((gpa & 7) || (gpa & (HV_PAGE_SIZE - 1)) + len > HV_PAGE_SIZE)
        return HV_STATUS_INVALID_ALIGNMENT;
    const void *src = hvsim.machine.gpa_to_ptr(gpa, len);
    if (!src)
        return HV_STATUS_INVALID_ALIGNMENT;
    memcpy(dst, src, len);
    return HV_STATUS_SUCCESS;
}

/* A copy of connection id's port, taken under the lock (the handler runs
 * after it is dropped): INVALID_CONNECTION_ID for no such connection,
 * INVALID_PORT_ID for a port of the other kind (TLFS HvPostMessage,
 * HvSignalEvent). */
static uint16_t conn_copy(uint32_t id, enum hvsim_conn_kind kind, struct hvsim_conn *out)
{
    hvsim_lock();
    struct hvsim_conn *p = conn_find_locked(id);
    if (p)
        *out = *p;
    hvsim_unlock();
    if (!p)
        return HV_STATUS_INVALID_CONNECTION_ID;
    return out->kind == kind ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_PORT_ID;
}

/* ---- the calls ----------------------------------------------------------- */
static uint16_t post_message(uint32_t vp, bool fast, uint64_t in_gpa)
{
    struct hv_input_post_message in;
    struct hvsim_conn c;

    if (!(hvsim.cfg.priv_hi & HV_POST_MESSAGES))
        return HV_STATUS_ACCESS_DENIED;
    /* 256 bytes of input cannot travel in registers; QEMU answers a fast
     * PostMessage the same way. */
    if (fast)
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    uint16_t st = copy_input(in_gpa, &in, sizeof in);
    if (st)
        return st;
    if (in.reserved != 0 || (in.connection_id & ~HV_CONNECTION_ID_MASK))
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    if (in.message_type == HVMSG_NONE || (in.message_type & HV_MESSAGE_TYPE_HYPERVISOR_BIT) ||
        in.payload_size > HV_MESSAGE_PAYLOAD_BYTES)
        return HV_STATUS_INVALID_PARAMETER;

    st = conn_copy(in.connection_id, HVSIM_CONN_MESSAGE, &c);
    if (st)
        return st;
    tracef(TRACE_HV, "hvsim", "host: VP%u posted type %u, %u bytes on connection %u",
           vp, in.message_type, in.payload_size, in.connection_id);
    return c.msg_fn(c.ctx, vp, in.connection_id, in.message_type, in.payload, in.payload_size);
}

static uint16_t signal_event(uint32_t vp, bool fast, uint64_t param)
{
    struct hvsim_conn c;
    uint64_t raw = param;

    if (!(hvsim.cfg.priv_hi & HV_SIGNAL_EVENTS))
        return HV_STATUS_ACCESS_DENIED;
    uint16_t st = fast ? HV_STATUS_SUCCESS : copy_input(param, &raw, sizeof raw);
    if (st)
        return st;
    uint32_t conn_id = (uint32_t)raw;
    uint16_t flag = (uint16_t)(raw >> 32);
    /* RsvdZ: bits 31:24 of the id and bits 63:48 of the input */
    if ((conn_id & ~HV_CONNECTION_ID_MASK) || (raw >> 48))
        return HV_STATUS_INVALID_HYPERCALL_INPUT;

    st = conn_copy(conn_id, HVSIM_CONN_EVENT, &c);
    if (st)
        return st;
    if (flag >= c.flag_count)
        return HV_STATUS_INVALID_PARAMETER;
    tracef(TRACE_HV, "hvsim", "host: VP%u signalled connection %u flag %u%s",
           vp, conn_id, flag, fast ? " (fast)" : "");
    return c.event_fn(c.ctx, vp, conn_id, flag);
}

uint64_t hvsim_hypercall_vp(uint32_t vp, uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
    (void)out_gpa; /* neither call has output */
    uint16_t code = (uint16_t)(control & HV_HYPERCALL_CODE_MASK);
    bool fast = (control & HV_HYPERCALL_FAST_BIT) != 0;
    uint16_t st;

    hvsim_lock();
    HVSIM_COUNT(vp, hypercalls);
    bool enabled = (hvsim.hypercall & HV_HYPERCALL_ENABLE) != 0;
    hvsim_unlock();

    if (!enabled || vp >= hvsim.cfg.nr_vps) {
        /* Real hardware would #UD on a vmcall with hypercalls disabled; the
         * model can only refuse. */
        st = HV_STATUS_INVALID_HYPERCALL_CODE;
    } else if (code != HVCALL_POST_MESSAGE && code != HVCALL_SIGNAL_EVENT) {
        st = HV_STATUS_INVALID_HYPERCALL_CODE;
    } else if (control & (HV_HYPERCALL_RSVD0_MASK | HV_HYPERCALL_RSVD1_MASK |
                          HV_HYPERCALL_RSVD2_MASK | HV_HYPERCALL_VARHEAD_MASK |
                          HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK)) {
        /* Both calls are simple (no reps) and take no variable header. */
        st = HV_STATUS_INVALID_HYPERCALL_INPUT;
    } else if (code == HVCALL_POST_MESSAGE) {
        st = post_message(vp, fast, in_gpa);
    } else {
        st = signal_event(vp, fast, in_gpa);
    }
    tracef(TRACE_HV, "hvsim", "host: hypercall 0x%x%s from VP%u -> %s", code,
           fast ? " fast" : "", vp, hv_status_name(st));
    return st; /* reps completed (bits 43:32) stay 0: no rep calls modelled */
}

uint64_t hvsim_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
    return hvsim_hypercall_vp(hvsim.machine.current_vp(), control, in_gpa, out_gpa);
}
