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
#include "lib/array_size.h"

/* Versions Hyper-V knows (Linux VERSION_*); it accepts those up to its own. */
static bool hyperv_knows(uint32_t v)
{
    static const uint32_t known[] = {
        VMBUS_VERSION_WS2008, VMBUS_VERSION_WIN7, VMBUS_VERSION_WIN8,
        VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN10_4_1,
        VMBUS_VERSION_WIN10_5_0, VMBUS_VERSION_WIN10_5_1, VMBUS_VERSION_WIN10_5_2,
        VMBUS_VERSION_WIN10_5_3,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(known); i++)
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
    vh.connected = vh.offering = vh.offers_requested = false;
    vh.version = 0;
    vh.int_page = 0;
}

static void version_response(uint32_t vp, uint32_t sint, bool supported, uint8_t state,
                             uint32_t conn_or_version)
{
    struct vmbus_msg_version_response r;
    memset(&r, 0, sizeof r);
    r.hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE;
    r.version_supported = supported;
    r.connection_state = state;
    r.msg_conn_id = conn_or_version;
    /* 16 bytes from both: the struct (OpenVMM), or QEMU's 12 bytes rounded
     * up by post_msg; the Gen2 firmware refuses anything shorter. */
    if (sint == vh.msg_sint) {
        vh_send_to(vp, &r, sizeof r);
    } else if (hvsim_post_to_guest(vp, sint, VMBUS_SYNIC_MESSAGE_TYPE, &r, sizeof r) ==
               HV_STATUS_SUCCESS) {
        vh.st.msgs_out++;
    }
}

static void initiate_contact(uint32_t conn_id, const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_initiate_contact c;
    bool qemu = vh.cfg.personality == VMBUS_HOST_QEMU;
    if (len < sizeof c) {
        vh_violation(VMBUS_HOST_RULE_SHORT, "INITIATE_CONTACT", len);
        return;
    }
    memcpy(&c, m, sizeof c);
    vh.st.contacts++;
    uint32_t v = c.version_requested;
    /* Messages went to VP0 before WIN8_1; OpenVMM handle_initiate_contact
     * honours target_vcpu only from there. QEMU always takes it. */
    uint32_t vp = qemu || v >= VMBUS_VERSION_WIN8_1 ? c.target_vcpu : 0;
    if (vp >= vh.cfg.nr_vps) {
        vh_violation(VMBUS_HOST_RULE_CONTACT, "target_vcpu out of range", c.target_vcpu);
        return;
    }
    /* QEMU resets its whole bus on every INITIATE_CONTACT; OpenVMM
     * disconnects first too (request_disconnect). */
    vh_reset_connection();
    bool ok;
    if (qemu)
        ok = v != 0 && v <= vh.max_version;   /* QEMU vmbus_initialized(): 0 < v <= 4.0 */
    else
        ok = hyperv_knows(v) && v <= vh.max_version;
    if (ok && v >= VMBUS_VERSION_WIN10_5_0) {
        /* >= 5.0: byte 16 names the SINT for messages. OpenVMM serves only
         * SINT 2 (VMBUS_SINT): another one gets "unsupported" on that SINT. */
        uint32_t sint = c.u.v5.msg_sint;
        if (sint != VMBUS_MESSAGE_SINT) {
            vh_violation(VMBUS_HOST_RULE_CONTACT, "msg_sint is not 2", sint);
            if (sint != 0 && sint < HV_SYNIC_SINT_COUNT)
                version_response(vp, sint, false, VMBUS_CONNECTION_STATE_OK, 0);
            return;
        }
    }
    vh.contact_vp = vp;
    vh.msg_sint = VMBUS_MESSAGE_SINT;
    if (vh.cfg.faults.bad_msg && !vh.bad_msgs_done_version) {
        vh.bad_msgs_done_version = true;
        vh_send_bad_msgs(true);
    }
    tracef(TRACE_VMBUS, VH_SUB, "host: INITIATE_CONTACT %u.%u on connection %u from VP%u: %s",
           VMBUS_VERSION_MAJOR(v), VMBUS_VERSION_MINOR(v), conn_id, c.target_vcpu,
           ok ? "accepted" : "refused");
    if (!ok) {
        version_response(vp, vh.msg_sint, false, VMBUS_CONNECTION_STATE_OK, 0);
        return;
    }
    uint8_t state = VMBUS_CONNECTION_STATE_OK;
    if (!qemu && (c.monitor_page1 == 0) != (c.monitor_page2 == 0)) {
        /* OpenVMM: both monitor pages or neither, else the version is
         * "supported" with connection_state FAILED_UNKNOWN_FAILURE. */
        vh_violation(VMBUS_HOST_RULE_CONTACT, "exactly one monitor page", v);
        state = VMBUS_CONNECTION_STATE_FAILED_UNKNOWN;
    } else if (!qemu && vh.cfg.faults.bad_state && !vh.bad_state_done) {
        vh.bad_state_done = true;   /* the fault: one contact fails for resources */
        state = VMBUS_CONNECTION_STATE_LOW_RESOURCES;
    }
    /* Bytes 12..15: from 5.0 the connection id for later messages; the
     * VTL0 server of OpenVMM answers 1 (VMBUS_MESSAGE_CONNECTION_ID), where
     * the model listens too. Below 5.0 OpenVMM puts the selected version
     * there; QEMU's struct ends before them (zero padding). */
    uint32_t tail = 0;
    if (!qemu)
        tail = v >= VMBUS_VERSION_WIN10_5_0 ? VMBUS_MESSAGE_CONNECTION_ID : v;
    if (state == VMBUS_CONNECTION_STATE_OK) {
        vh.connected = true;
        vh.version = v;
        /* Before WIN8 host->guest notifications go through the interrupt
         * page (QEMU keeps it only for versions < WIN8). */
        vh.int_page = v < VMBUS_VERSION_WIN8 ? c.u.interrupt_page : 0;
    }
    version_response(vp, vh.msg_sint, true, state, tail);
}

static void request_offers(void)
{
    if (!vh.connected) {
        vh_violation(VMBUS_HOST_RULE_STATE, "REQUESTOFFERS before a version was agreed", 0);
        return;
    }
    /* OpenVMM handle_request_offers: OffersAlreadySent, nothing is sent.
     * QEMU restarts the offer walk (already-offered channels are skipped). */
    if (vh.offers_requested && vh.cfg.personality == VMBUS_HOST_HYPERV) {
        vh_violation(VMBUS_HOST_RULE_REQUESTOFFERS, "second REQUESTOFFERS", vh.version);
        return;
    }
    vh.offers_requested = true;
    if (vh.offering)
        return;
    vh.offering = true;
    vh.offer_cursor = 0;
}

static void close_channel(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_relid r;
    if (len < sizeof r || !vh.connected) {
        vh_violation(len < sizeof r ? VMBUS_HOST_RULE_SHORT : VMBUS_HOST_RULE_STATE, "CLOSECHANNEL", len);
        return;
    }
    memcpy(&r, m, sizeof r);
    struct vh_chan *c = vh_chan_by_relid(r.child_relid);
    if (!c || c->state != VMBUS_HOST_CH_OPEN) {
        /* A rescinded channel was closed on our side already. */
        if (!c || c->state != VMBUS_HOST_CH_RESCINDED)
            vh_violation(VMBUS_HOST_RULE_CLOSE, "CLOSECHANNEL of a channel that is not open", r.child_relid);
        return;
    }
    vh_close_channel(c);
}

static void relid_released(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_relid r;
    if (len < sizeof r) {
        vh_violation(VMBUS_HOST_RULE_SHORT, "RELID_RELEASED", len);
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
        vh_violation(len < sizeof mc ? VMBUS_HOST_RULE_SHORT : VMBUS_HOST_RULE_MODIFY, "MODIFYCHANNEL (short, or version < 4.1)", len);
        return;
    }
    memcpy(&mc, m, sizeof mc);
    struct vh_chan *c = vh_chan_by_relid(mc.child_relid);
    uint32_t status = 0;
    if (!c || c->state != VMBUS_HOST_CH_OPEN || mc.target_vp >= vh.cfg.nr_vps)
        status = VMBUS_HOST_STATUS_UNSUCCESSFUL;
    else if (c->target_vp != mc.target_vp) {
        /* The host may go on interrupting the old CPU for a while after
         * MODIFYCHANNEL (Linux drivers/hv/channel.c vmbus_send_modifychannel
         * and vmbus_drv.c target_cpu_store: a guest must take a channel's
         * interrupt on any CPU; MODIFYCHANNEL_RESPONSE came in 5.3 for that
         * reason). retarget_lag=<n> sends the next n there. */
        c->old_vp = c->target_vp;
        c->lag_left = vh.cfg.faults.retarget_lag;
        c->target_vp = mc.target_vp;
    }
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
    /* Said before the response: a guest that powers off on it (the host
     * on its own CPU keeps running) must not cut the line off. */
    tracef(TRACE_VMBUS, VH_SUB, "host: UNLOAD done");
    struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_UNLOAD_RESPONSE };
    vh_send_to(vp, &h, sizeof h);
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
            vh_violation(VMBUS_HOST_RULE_UNLOAD, "UNLOAD while not connected", 0);
        else
            unload();
        relid = 0;
        break;
    default:
        vh_violation(VMBUS_HOST_RULE_TYPE, "unknown or host-to-guest message type", type);
        relid = 0;
        break;
    }
    vh_fault_count_message(relid);
}
