/* One guest channel message (Linux include/linux/hyperv.h channel message
 * types and layouts; the connection sequence of Linux drivers/hv/connection.c
 * and QEMU hw/hyperv/vmbus.c), already known to be a
 * SynIC type-1 message of 8..240 bytes. Every handler copies the wire struct
 * out after checking the length; short or out-of-state messages are counted
 * and ignored, as QEMU does (hw/hyperv/vmbus.c handle_*: "if (msglen <
 * sizeof(*msg) || !vmbus_initialized(vmbus)) return;"). */
#include <string.h>
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"

static void bad(const char *what, uint32_t a)
{
    vh.st.bad_guest_msgs++;
    log_warn(VH_SUB, "host: ignored guest message: %s (%u)", what, a);
}

/* Versions Hyper-V knows (Linux VERSION_*); it accepts those up to its own. */
static bool hyperv_knows(uint32_t v)
{
    static const uint32_t known[] = {
        VMBUS_VERSION_WS2008, VMBUS_VERSION_WIN7, VMBUS_VERSION_WIN8,
        VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN10_4_1,
        VMBUS_VERSION_WIN10_5_0, VMBUS_VERSION_WIN10_5_1, VMBUS_VERSION_WIN10_5_2,
        VMBUS_VERSION_WIN10_5_3,
    };
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i] == v)
            return true;
    return false;
}

void vh_reset_connection(void)
{
    for (uint32_t i = 0; i < vh.n_slots; i++) {
        struct vh_chan *c = &vh.ch[i];
        if (c->state == VMBUS_HOST_CH_OPEN)
            vh_close_channel(c);
        if (c->state == VMBUS_HOST_CH_RESCINDED)
            vh_free_slot(c);
        c->offered_to_guest = false;
    }
    vh_gpadl_reset();
    vh.outq_n = vh.outq_head = 0;
    vh.connected = vh.offering = false;
    vh.version = 0;
    vh.int_page = 0;
}

static void initiate_contact(uint32_t conn_id, const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_initiate_contact c;
    if (len < sizeof c) {
        bad("short INITIATE_CONTACT", len);
        return;
    }
    memcpy(&c, m, sizeof c);
    vh.st.contacts++;
    uint32_t v = c.version_requested;
    if (c.target_vcpu >= vh.cfg.nr_vps) {
        bad("INITIATE_CONTACT target_vcpu out of range", c.target_vcpu);
        return;
    }
    /* QEMU resets its whole bus on every INITIATE_CONTACT; the model does
     * the same for both personalities. */
    vh_reset_connection();
    bool ok;
    if (vh.cfg.personality == VMBUS_HOST_QEMU)
        ok = v != 0 && v <= vh.max_version;   /* QEMU vmbus_initialized(): 0 < v <= 4.0 */
    else
        ok = hyperv_knows(v) && v <= vh.max_version;
    uint32_t sint = VMBUS_MESSAGE_SINT;
    if (ok && v >= VMBUS_VERSION_WIN10_5_0) {
        /* >= 5.0: byte 16 names the SINT for messages (Linux sends 2). */
        sint = c.u.v5.msg_sint;
        if (sint >= 16 || sint == 0) {
            bad("INITIATE_CONTACT msg_sint", sint);
            return;
        }
    }
    vh.contact_vp = c.target_vcpu;
    vh.msg_sint = sint;
    if (vh.cfg.faults.bad_msg && !vh.bad_msgs_done_version) {
        vh.bad_msgs_done_version = true;
        vh_send_bad_msgs(true);
    }
    struct vmbus_msg_version_response r;
    memset(&r, 0, sizeof r);
    r.hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE;
    r.version_supported = ok;
    r.connection_state = 0;
    /* >= 5.0: later messages go to msg_conn_id (Linux connection.c). The
     * value real Hyper-V returns is not documented; the model returns 4,
     * where it also listens. */
    r.msg_conn_id = ok && v >= VMBUS_VERSION_WIN10_5_0 ? VMBUS_MESSAGE_CONNECTION_ID_4 : 0;
    tracef(TRACE_VMBUS, VH_SUB, "host: INITIATE_CONTACT %u.%u on connection %u from VP%u: %s",
           VMBUS_VERSION_MAJOR(v), VMBUS_VERSION_MINOR(v), conn_id, c.target_vcpu,
           ok ? "accepted" : "refused");
    if (ok) {
        vh.connected = true;
        vh.version = v;
        /* Before WIN8 host->guest notifications go through the interrupt
         * page (QEMU keeps it only for versions < WIN8). */
        vh.int_page = v < VMBUS_VERSION_WIN8 ? c.u.interrupt_page : 0;
    }
    /* QEMU sends only the first 10 bytes (through connection_state). */
    vh_send(&r, vh.cfg.personality == VMBUS_HOST_QEMU ? VMBUS_VERSION_RESPONSE_MIN_LEN
                                                      : (uint32_t)sizeof r);
}

static void request_offers(void)
{
    if (!vh.connected) {
        bad("REQUESTOFFERS before a version was agreed", 0);
        return;
    }
    if (vh.offering)
        return;
    vh.offering = true;
    vh.offer_cursor = 0;
}

static void close_channel(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_relid r;
    if (len < sizeof r || !vh.connected) {
        bad("CLOSECHANNEL", len);
        return;
    }
    memcpy(&r, m, sizeof r);
    struct vh_chan *c = vh_chan_by_relid(r.child_relid);
    if (!c || c->state != VMBUS_HOST_CH_OPEN) {
        /* A rescinded channel was closed on our side already. */
        if (!c || c->state != VMBUS_HOST_CH_RESCINDED)
            bad("CLOSECHANNEL of a channel that is not open", r.child_relid);
        return;
    }
    vh_close_channel(c);
}

static void relid_released(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_relid r;
    if (len < sizeof r) {
        bad("short RELID_RELEASED", len);
        return;
    }
    memcpy(&r, m, sizeof r);
    vh_relid_released(r.child_relid);
}

static void modify_channel(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_modify_channel mc;
    /* MODIFYCHANNEL exists from 4.1, its response from 5.3 (Linux). */
    if (len < sizeof mc || !vh.connected || !VMBUS_VERSION_HAS_MODIFYCHANNEL(vh.version)) {
        bad("MODIFYCHANNEL (short, or version < 4.1)", len);
        return;
    }
    memcpy(&mc, m, sizeof mc);
    struct vh_chan *c = vh_chan_by_relid(mc.child_relid);
    uint32_t status = 0;
    if (!c || c->state != VMBUS_HOST_CH_OPEN || mc.target_vp >= vh.cfg.nr_vps)
        status = VMBUS_HOST_STATUS_UNSUCCESSFUL;
    else
        c->target_vp = mc.target_vp;
    tracef(TRACE_VMBUS, VH_SUB, "host: MODIFYCHANNEL relid %u -> VP%u: 0x%x",
           mc.child_relid, mc.target_vp, status);
    if (VMBUS_VERSION_HAS_MODIFY_RESP(vh.version)) {
        struct vmbus_msg_modify_channel_response r = {
            .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL_RESPONSE,
            .child_relid = mc.child_relid, .status = status };
        vh_send(&r, sizeof r);
    }
}

static void unload(void)
{
    uint32_t vp = vh.contact_vp;
    /* QEMU (send_unload) drops its rx queue and resets the bus; channels and
     * GPADLs are gone, the devices stay for the next connection. */
    vh_reset_connection();
    vh.rxq_n = vh.rxq_head = 0;
    struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_UNLOAD_RESPONSE };
    vh_send_to(vp, &h, sizeof h);
    tracef(TRACE_VMBUS, VH_SUB, "host: UNLOAD done");
}

void vh_handle_message(uint32_t conn_id, const uint8_t *m, uint32_t len)
{
    uint32_t type, relid = 0;
    memcpy(&type, m, sizeof type);
    if (len >= 12)
        memcpy(&relid, m + 8, sizeof relid);
    switch (type) {
    case VMBUS_MSG_INITIATE_CONTACT: initiate_contact(conn_id, m, len); relid = 0; break;
    case VMBUS_MSG_REQUESTOFFERS:    request_offers(); relid = 0; break;
    case VMBUS_MSG_GPADL_HEADER:     vh_gpadl_header(m, len); break;
    case VMBUS_MSG_GPADL_BODY:       vh_gpadl_body(m, len); relid = 0; break;
    case VMBUS_MSG_GPADL_TEARDOWN:   vh_gpadl_teardown(m, len); break;
    case VMBUS_MSG_OPENCHANNEL:      vh_open_channel(m, len); break;
    case VMBUS_MSG_CLOSECHANNEL:     close_channel(m, len); break;
    case VMBUS_MSG_RELID_RELEASED:   relid_released(m, len); relid = 0; break;
    case VMBUS_MSG_MODIFYCHANNEL:    modify_channel(m, len); break;
    case VMBUS_MSG_UNLOAD:
        if (!vh.connected)
            bad("UNLOAD while not connected", 0);
        else
            unload();
        relid = 0;
        break;
    default:
        bad("unknown or host-to-guest message type", type);
        relid = 0;
        break;
    }
    vh_fault_count_message(relid);
}
