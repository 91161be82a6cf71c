/* IC framework: every IC packet is VM_PKT_DATA_INBAND carrying a pipe header
 * and an IC header (28 bytes), then the body. The host starts with
 * ICMSGTYPE_NEGOTIATE listing its framework and service versions; we pick
 * ours, and answer every message in place with TRANSACTION|RESPONSE set,
 * the same transaction id, and the same length (Linux hv_util.c does). */
#include <string.h>
#include "drivers/hvutil/ic_common.h"
#include "drivers/hvutil/hvutil.h"
#include "kernel/log.h"

const struct ic_version ic_fw_versions[IC_FW_VERSION_COUNT] = { { 3, 0 }, { 1, 0 } };

static bool version_in(const uint8_t *list, unsigned n, struct ic_version v)
{
    for (unsigned i = 0; i < n; i++) {
        struct ic_version h;
        memcpy(&h, list + i * sizeof h, sizeof h);
        if (h.major == v.major && h.minor == v.minor)
            return true;
    }
    return false;
}

bool ic_negotiate(uint8_t *p, size_t len, size_t cap,
                  const struct ic_version *fw, unsigned n_fw,
                  const struct ic_version *msg, unsigned n_msg,
                  struct ic_version *fw_out, struct ic_version *msg_out,
                  size_t *reply_len)
{
    struct ic_msg_header h;
    struct ic_negotiate neg;
    uint8_t *negp = p + IC_HEADER_SIZE;
    uint8_t *list = negp + sizeof neg;
    size_t reply = IC_HEADER_SIZE + sizeof neg + 2 * sizeof(struct ic_version);
    bool ok = false;

    memcpy(&h, p + sizeof(struct ic_pipe_header), sizeof h);
    if (cap < reply) {
        /* No room for an answer with versions: fail in the header only. */
        log_warn("hvutil", "IC negotiate: no room for the reply (%u of %u bytes)",
                 (unsigned)cap, (unsigned)reply);
        h.status = IC_STATUS_FAIL;
        memcpy(p + sizeof(struct ic_pipe_header), &h, sizeof h);
        *reply_len = len;
        return false;
    }
    *reply_len = len > reply ? len : reply;
    if (len >= IC_HEADER_SIZE + sizeof neg) {
        memcpy(&neg, negp, sizeof neg);
        unsigned nf = neg.icframe_vercnt, nm = neg.icmsg_vercnt;
        if (nf <= IC_MAX_VERSION_COUNT && nm <= IC_MAX_VERSION_COUNT &&
            len >= IC_HEADER_SIZE + sizeof neg + (nf + nm) * sizeof(struct ic_version)) {
            int f = -1, m = -1;
            for (unsigned i = 0; i < n_fw && f < 0; i++)
                if (version_in(list, nf, fw[i]))
                    f = (int)i;
            for (unsigned i = 0; i < n_msg && m < 0; i++)
                if (version_in(list + nf * sizeof(struct ic_version), nm, msg[i]))
                    m = (int)i;
            if (f >= 0 && m >= 0) {
                *fw_out = fw[f];
                *msg_out = msg[m];
                ok = true;
            }
        }
    }
    /* Reply: one framework and one service version (0/0 on failure). */
    memset(&neg, 0, sizeof neg);
    struct ic_version pick[2] = { { 0, 0 }, { 0, 0 } };
    if (ok) {
        neg.icframe_vercnt = 1;
        neg.icmsg_vercnt = 1;
        pick[0] = *fw_out;
        pick[1] = *msg_out;
    }
    memcpy(negp, &neg, sizeof neg);
    memcpy(list, pick, sizeof pick);
    h.icmsgsize = (uint16_t)(sizeof neg + sizeof pick);  /* 0x10, as Linux answers */
    h.status = ok ? IC_STATUS_OK : IC_STATUS_FAIL;
    memcpy(p + sizeof(struct ic_pipe_header), &h, sizeof h);
    return ok;
}

size_t ic_handle_payload(struct ic_channel_state *st, uint8_t *p, size_t len, size_t cap)
{
    struct ic_service *svc = st->svc;
    struct ic_msg_header h;
    if (len < IC_HEADER_SIZE || len > cap) {
        REFUSE(&st->refused, "hvutil", "%s: IC packet of %u bytes", svc->drv.name,
               (unsigned)len);
        return 0;
    }
    memcpy(&h, p + sizeof(struct ic_pipe_header), sizeof h);
    size_t reply = len;
    if (h.icmsgtype == IC_MSGTYPE_NEGOTIATE) {
        struct ic_version fw, msg;
        if (ic_negotiate(p, len, cap, svc->fw_versions, svc->n_fw, svc->msg_versions,
                         svc->n_msg, &fw, &msg, &reply)) {
            st->fw = fw;
            st->msg = msg;
            st->negotiated = true;
            tracef(TRACE_VMBUS, "hvutil", "%s: framework %u.%u, service %u.%u",
                   svc->drv.name, fw.major, fw.minor, msg.major, msg.minor);
        } else {
            log_warn("hvutil", "%s: no common IC version with the host", svc->drv.name);
        }
        memcpy(&h, p + sizeof(struct ic_pipe_header), sizeof h);
    } else if (h.icmsgtype == svc->msgtype) {
        h.status = svc->handle(st, p + IC_HEADER_SIZE, len - IC_HEADER_SIZE);
        st->handled++;
    } else {
        REFUSE(&st->refused, "hvutil", "%s: unexpected IC message type %u", svc->drv.name,
               h.icmsgtype);
        h.status = IC_STATUS_FAIL;
    }
    h.icflags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
    memcpy(p + sizeof(struct ic_pipe_header), &h, sizeof h);
    return reply;
}

static void ic_handle_packet(void *ctx, const struct vmbus_ring_pkt *pkt)
{
    struct ic_channel_state *st = ctx;
    if (pkt->desc.type != VMBUS_PKT_DATA_INBAND) {
        REFUSE(&st->refused, "hvutil", "%s: packet type %u (IC packets are in-band data)",
               st->svc->drv.name, pkt->desc.type);
        return;
    }
    uint8_t *payload = st->buf + pkt->payload_off;
    size_t cap = sizeof st->buf - pkt->payload_off;
    size_t reply = ic_handle_payload(st, payload, pkt->payload_len, cap);
    if (reply == 0)
        return;
    int rc = vmbus_channel_send(st->ch, VMBUS_PKT_DATA_INBAND, 0, pkt->desc.trans_id,
                                payload, reply);
    if (rc)
        log_warn("hvutil", "%s: reply not sent (%d)", st->svc->drv.name, rc);
    else if (st->svc->after_reply)
        st->svc->after_reply(st);
}

/* Interrupt context. */
static void ic_channel_callback(struct vmbus_channel *ch, void *ctx)
{
    struct ic_channel_state *st = ctx;
    struct vmbus_ring_pkt pkt;
    if (vmbus_channel_drain(ch, st->buf, sizeof st->buf, ic_handle_packet, st, &pkt) ==
        VMBUS_ENOBUFS)
        log_err("hvutil", "%s: packet of %u bytes too large, channel stalled",
                st->svc->drv.name, pkt.total_len);
}

int ic_probe(struct vmbus_channel *ch)
{
    struct ic_service *svc = (struct ic_service *)ch->driver;
    struct ic_channel_state *st = vmbus_services()->zalloc(sizeof *st);
    if (st == NULL)
        return VMBUS_ENOMEM;
    st->svc = svc;
    st->ch = ch;
    int rc = vmbus_driver_open(ch, st, IC_RING_BYTES, ic_channel_callback);
    if (rc)
        return rc;
    log_info("hvutil", "%s on relid %u", svc->drv.name, ch->relid);
    return 0;
}

void ic_remove(struct vmbus_channel *ch)
{
    vmbus_channel_close(ch);
    if (ch->driver_data)
        vmbus_services()->free(ch->driver_data);
    ch->driver_data = NULL;
}

void hvutil_register_all(void)
{
    vmbus_driver_register(&ic_heartbeat_service.drv);
    vmbus_driver_register(&ic_shutdown_service.drv);
    vmbus_driver_register(&ic_timesync_service.drv);
}

void hvutil_unregister_all(void)
{
    vmbus_driver_unregister(&ic_heartbeat_service.drv);
    vmbus_driver_unregister(&ic_shutdown_service.drv);
    vmbus_driver_unregister(&ic_timesync_service.drv);
}
