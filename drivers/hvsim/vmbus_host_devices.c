/* Devices behind the channels: the echo device and the host half of three
 * ICs (framing in drivers/hyperv/ic_proto.h; Linux drivers/hv/hv_util.c and
 * channel_mgmt.c vmbus_prep_negotiate_resp are the guest half this talks
 * to, OpenVMM vm/devices/hyperv_ic the host half it stands in for).
 *
 * IC flow: as soon as the guest opens an IC channel the host sends a
 * NEGOTIATE request listing its framework and service versions; the guest
 * answers with one of each (icflags TRANSACTION|RESPONSE). Then the host
 * sends heartbeat requests (every 2 s, seq_num; the guest answers seq+1),
 * a timesync SYNC sample right after negotiation and SAMPLEs every 5 s, and
 * shutdown requests on demand. Other Gen2 classes are offered but served by
 * nothing: their packets are consumed and dropped. */
#include <string.h>
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"

static const struct vmbus_guid classes[VMBUS_HOST_DEV_COUNT] = {
    [VMBUS_HOST_DEV_HEARTBEAT] = VMBUS_CLASS_HEARTBEAT,
    [VMBUS_HOST_DEV_SHUTDOWN] = VMBUS_CLASS_SHUTDOWN,
    [VMBUS_HOST_DEV_TIMESYNC] = VMBUS_CLASS_TIMESYNC,
    [VMBUS_HOST_DEV_ECHO] = VMBUS_CLASS_SINTER_ECHO,
    [VMBUS_HOST_DEV_KVP] = VMBUS_CLASS_KVP,
    [VMBUS_HOST_DEV_VSS] = VMBUS_CLASS_VSS,
    [VMBUS_HOST_DEV_KEYBOARD] = VMBUS_CLASS_KEYBOARD,
    [VMBUS_HOST_DEV_VIDEO] = VMBUS_CLASS_VIDEO,
    [VMBUS_HOST_DEV_SCSI] = VMBUS_CLASS_SCSI,
    [VMBUS_HOST_DEV_NETWORK] = VMBUS_CLASS_NETWORK,
    [VMBUS_HOST_DEV_DM] = VMBUS_CLASS_BALLOON,
};

static const char *const names[VMBUS_HOST_DEV_COUNT] = {
    "heartbeat", "shutdown", "timesync", "echo", "kvp", "vss", "keyboard",
    "video", "scsi", "network", "dm",
};

const struct vmbus_guid *vh_dev_class(enum vmbus_host_dev dev)
{
    return &classes[dev < VMBUS_HOST_DEV_COUNT ? dev : 0];
}

const char *vh_dev_name(enum vmbus_host_dev dev)
{
    return dev < VMBUS_HOST_DEV_COUNT ? names[dev] : "?";
}

/* Versions the host offers (those Linux knows, §7 table, oldest first). */
static const struct ic_version fw_versions[] = { { 1, 0 }, { 3, 0 } };
static const struct ic_version hb_versions[] = { { 1, 0 }, { 3, 0 } };
static const struct ic_version sd_versions[] = { { 1, 0 }, { 3, 0 }, { 3, 1 }, { 3, 2 } };
static const struct ic_version ts_versions[] = { { 1, 0 }, { 3, 0 }, { 4, 0 } };

static const struct ic_version *srv_list(uint8_t dev, unsigned *n)
{
    switch (dev) {
    case VMBUS_HOST_DEV_HEARTBEAT: *n = 2; return hb_versions;
    case VMBUS_HOST_DEV_SHUTDOWN:  *n = 4; return sd_versions;
    default:                       *n = 3; return ts_versions;
    }
}

static bool is_ic(uint8_t dev)
{
    return dev == VMBUS_HOST_DEV_HEARTBEAT || dev == VMBUS_HOST_DEV_SHUTDOWN ||
           dev == VMBUS_HOST_DEV_TIMESYNC;
}

static bool in_list(const struct ic_version *l, unsigned n, struct ic_version v)
{
    for (unsigned i = 0; i < n; i++)
        if (l[i].major == v.major && l[i].minor == v.minor)
            return true;
    return false;
}

/* The largest IC body the host sends: the full shutdown request. */
static uint8_t ic_buf[IC_HEADER_SIZE + sizeof(struct ic_shutdown_msg)];   /* vh_lock */

/* One IC request: pipe header, IC header, body; DATA_INBAND, no completion.
 * As OpenVMM hyperv_ic: pipe type DATA (1), IC transaction id 0; requests
 * are told apart by the packet's trans_id, which the reply echoes. */
static int ic_send(struct vh_chan *c, uint16_t msgtype, const void *body, uint16_t blen)
{
    uint8_t *buf = ic_buf;
    struct ic_pipe_header ph = { .flags = IC_PIPE_PACKET_TYPE_DATA,
                                 .msgsize = (uint32_t)(sizeof(struct ic_msg_header) + blen) };
    struct ic_msg_header h;
    memset(&h, 0, sizeof h);
    if (blen > sizeof ic_buf - IC_HEADER_SIZE)
        return -1;
    h.icverframe = msgtype == IC_MSGTYPE_NEGOTIATE ? fw_versions[0] : c->ic_fw;
    h.icvermsg = msgtype == IC_MSGTYPE_NEGOTIATE ? fw_versions[0] : c->ic_srv;
    h.icmsgtype = msgtype;
    h.icmsgsize = blen;
    h.ictransaction_id = IC_HOST_TRANSACTION_ID;
    ++c->ic_tid;
    h.icflags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
    memcpy(buf, &ph, sizeof ph);
    memcpy(buf + sizeof ph, &h, sizeof h);
    memcpy(buf + IC_HEADER_SIZE, body, blen);
    bool sig = false;
    int rc = vh_chan_send(c, VMBUS_PKT_DATA_INBAND, 0, c->ic_tid, buf, IC_HEADER_SIZE + blen, &sig);
    if (sig)
        vh_signal_guest(c);
    return rc;
}

static void ic_negotiate(struct vh_chan *c)
{
    uint8_t body[sizeof(struct ic_negotiate) + 8 * sizeof(struct ic_version)];
    unsigned ns;
    const struct ic_version *sl = srv_list(c->dev, &ns);
    struct ic_negotiate n = { .icframe_vercnt = 2, .icmsg_vercnt = (uint16_t)ns };
    memcpy(body, &n, sizeof n);
    memcpy(body + sizeof n, fw_versions, sizeof fw_versions);
    memcpy(body + sizeof n + sizeof fw_versions, sl, ns * sizeof *sl);
    c->ic_state = VH_IC_NEGOTIATING;
    ic_send(c, IC_MSGTYPE_NEGOTIATE, body,
            (uint16_t)(sizeof n + sizeof fw_versions + ns * sizeof *sl));
    tracef(TRACE_VMBUS, VH_SUB, "host: %s IC: negotiate sent", vh_dev_name(c->dev));
}

/* parenttime: 100 ns since 1601; the model's wall clock starts at
 * 2024-01-01T00:00:00Z (1704067200 s after the Unix epoch). */
#define VH_WALL_BASE_100NS (IC_TIMESYNC_UNIX_EPOCH_100NS + 1704067200ull * 10000000ull)

static int timesync_send(struct vh_chan *c, uint8_t flags)
{
    uint64_t now = vh_now();
    c->ts_last = now;
    c->ctr.timesync_sent++;
    if (c->ic_srv.major >= 4) {
        struct ic_timesync_ref_msg t = { .parenttime = VH_WALL_BASE_100NS + now,
                                         .vmreferencetime = now, .flags = flags,
                                         .stratum = 2 };
        return ic_send(c, IC_MSGTYPE_TIMESYNC, &t, sizeof t);
    }
    struct ic_timesync_msg t = { .parenttime = VH_WALL_BASE_100NS + now, .flags = flags };
    return ic_send(c, IC_MSGTYPE_TIMESYNC, &t, sizeof t);
}

static int heartbeat_send(struct vh_chan *c)
{
    struct ic_heartbeat_msg hb;
    memset(&hb, 0, sizeof hb);
    hb.seq_num = c->ctr.hb_seq;
    c->hb_last = vh_now();
    return ic_send(c, IC_MSGTYPE_HEARTBEAT, &hb, sizeof hb);
}

void vh_dev_opened(struct vh_chan *c)
{
    c->ic_state = VH_IC_NONE;
    c->ctr.hb_seq = 1;
    if (is_ic(c->dev))
        ic_negotiate(c);
    else if (c->dev == VMBUS_HOST_DEV_DM)
        vh_dm_opened(c);
}

/* A reply is checked the way OpenVMM's IC host checks it: pipe type DATA,
 * icflags TRANSACTION|RESPONSE, IC transaction id 0, and the packet's
 * trans_id one of the requests we sent. */
static void ic_response(struct vh_chan *c, const struct vh_pkt *pkt, const uint8_t *p,
                        uint32_t len)
{
    struct ic_pipe_header ph;
    struct ic_msg_header h;
    if (len < IC_HEADER_SIZE) {
        vh_violation(VMBUS_HOST_RULE_IC, "IC reply shorter than its headers", len);
        return;
    }
    memcpy(&ph, p, sizeof ph);
    memcpy(&h, p + sizeof(struct ic_pipe_header), sizeof h);
    const uint8_t *body = p + IC_HEADER_SIZE;
    uint32_t blen = len - IC_HEADER_SIZE;
    if (ph.flags != IC_PIPE_PACKET_TYPE_DATA) {
        vh_violation(VMBUS_HOST_RULE_IC, "IC reply pipe type is not DATA (1)", ph.flags);
        return;
    }
    if (h.icflags != (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE)) {
        vh_violation(VMBUS_HOST_RULE_IC, "IC reply flags are not TRANSACTION|RESPONSE",
                     h.icflags);
        return;
    }
    if (h.ictransaction_id != IC_HOST_TRANSACTION_ID) {
        vh_violation(VMBUS_HOST_RULE_IC, "IC reply transaction id is not the request's",
                     h.ictransaction_id);
        return;
    }
    if (pkt->desc.trans_id == 0 || pkt->desc.trans_id > c->ic_tid) {
        vh_violation(VMBUS_HOST_RULE_IC, "IC reply to a packet the host never sent",
                     pkt->desc.trans_id);
        return;
    }
    switch (h.icmsgtype) {
    case IC_MSGTYPE_NEGOTIATE: {
        struct ic_negotiate n;
        struct ic_version v[2];
        unsigned ns;
        const struct ic_version *sl = srv_list(c->dev, &ns);
        if (blen < sizeof n + sizeof v || h.status != IC_STATUS_OK) {
            log_warn(VH_SUB, "host: %s IC: negotiation failed (status 0x%x)",
                     vh_dev_name(c->dev), h.status);
            return;
        }
        memcpy(&n, body, sizeof n);
        memcpy(v, body + sizeof n, sizeof v);
        if (n.icframe_vercnt != 1 || n.icmsg_vercnt != 1 ||
            !in_list(fw_versions, 2, v[0]) || !in_list(sl, ns, v[1])) {
            vh_violation(VMBUS_HOST_RULE_IC, "IC negotiation: versions the host did not offer",
                         c->relid);
            return;
        }
        c->ic_fw = v[0];
        c->ic_srv = v[1];
        c->ic_state = VH_IC_READY;
        tracef(TRACE_VMBUS, VH_SUB, "host: %s IC ready: framework %u.%u, service %u.%u",
               vh_dev_name(c->dev), v[0].major, v[0].minor, v[1].major, v[1].minor);
        c->hb_last = c->ts_last = vh_now();
        if (c->dev == VMBUS_HOST_DEV_TIMESYNC)
            timesync_send(c, IC_TIMESYNC_FLAG_SYNC);  /* hard set after (re)start */
        return;
    }
    case IC_MSGTYPE_HEARTBEAT: {
        struct ic_heartbeat_msg hb;
        if (blen < sizeof hb.seq_num) {
            c->ctr.hb_bad++;
            return;
        }
        memcpy(&hb.seq_num, body, sizeof hb.seq_num);
        if (hb.seq_num == c->ctr.hb_seq + 1) {
            c->ctr.hb_ok++;
            c->ctr.hb_seq = hb.seq_num;
        } else {
            c->ctr.hb_bad++;
            log_warn(VH_SUB, "host: heartbeat reply %llu, expected %llu",
                     (unsigned long long)hb.seq_num, (unsigned long long)(c->ctr.hb_seq + 1));
        }
        return;
    }
    case IC_MSGTYPE_SHUTDOWN:
        c->ctr.shutdown_replies++;
        c->ctr.shutdown_status = h.status;
        return;
    case IC_MSGTYPE_TIMESYNC:
        c->ctr.timesync_echoed++;
        return;
    default:
        vh_violation(VMBUS_HOST_RULE_IC, "IC reply of a type the host did not send", h.icmsgtype);
        return;
    }
}

/* Echo: the payload back with the same trans_id, then COMP if asked. */
static int echo_packet(struct vh_chan *c, const struct vh_pkt *pkt, const uint8_t *buf)
{
    bool sig = false;
    if (pkt->desc.type == VMBUS_PKT_COMP)
        return 1;   /* completion of something we sent: nothing to do */
    if (pkt->desc.type != VMBUS_PKT_DATA_INBAND) {
        vh_violation(VMBUS_HOST_RULE_RING, "echo: packet type the device does not take",
                     pkt->desc.type);
        return 1;
    }
    int rc = vh_chan_send(c, VMBUS_PKT_DATA_INBAND, 0, pkt->desc.trans_id,
                          buf + pkt->payload_off, pkt->payload_len, &sig);
    if (rc == VH_RING_FULL)
        return 0;
    if (rc == 0 && (pkt->desc.flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)) {
        if (vh_chan_send(c, VMBUS_PKT_COMP, 0, pkt->desc.trans_id, NULL, 0, &sig) != 0) {
            c->comp_pending = true;   /* sent first thing next time */
            c->comp_tid = pkt->desc.trans_id;
        }
    }
    if (sig)
        vh_signal_guest(c);
    return 1;
}

/* A completion the full ring made us owe: sent before anything else, from
 * the next packet or the next poll, whichever comes first (a guest waiting
 * for it may send nothing more). False while the ring is still full. */
static bool flush_comp(struct vh_chan *c)
{
    bool sig = false;
    if (!c->comp_pending)
        return true;
    if (vh_chan_send(c, VMBUS_PKT_COMP, 0, c->comp_tid, NULL, 0, &sig) != 0)
        return false;
    c->comp_pending = false;
    if (sig)
        vh_signal_guest(c);
    return true;
}

int vh_dev_packet(struct vh_chan *c, const struct vh_pkt *pkt, const uint8_t *buf)
{
    if (!flush_comp(c))
        return 0;
    if (c->dev == VMBUS_HOST_DEV_ECHO)
        return echo_packet(c, pkt, buf);
    if (c->dev == VMBUS_HOST_DEV_DM)
        return vh_dm_packet(pkt, buf);   /* the one DM channel, dm.c */
    if (is_ic(c->dev)) {
        if (pkt->desc.type == VMBUS_PKT_DATA_INBAND)
            ic_response(c, pkt, buf + pkt->payload_off, pkt->payload_len);
        else
            vh_violation(VMBUS_HOST_RULE_IC, "IC reply is not in-band data", pkt->desc.type);
        return 1;
    }
    return 1;   /* unserved class: consumed */
}

static struct vh_chan *ready_ic(enum vmbus_host_dev dev)
{
    for (uint32_t i = 0; i < vh.n_slots; i++)
        if (vh.ch[i].dev == dev && vh.ch[i].state == VMBUS_HOST_CH_OPEN &&
            vh.ch[i].ic_state == VH_IC_READY)
            return &vh.ch[i];
    return NULL;
}

void vh_dev_tick(void)
{
    uint64_t now = vh_now();
    vh_dm_tick();
    for (uint32_t i = 0; i < vh.n_slots; i++) {
        struct vh_chan *c = &vh.ch[i];
        if (c->state == VMBUS_HOST_CH_OPEN)
            flush_comp(c);
        if (c->state != VMBUS_HOST_CH_OPEN || c->ic_state != VH_IC_READY)
            continue;
        if (c->dev == VMBUS_HOST_DEV_HEARTBEAT && now - c->hb_last >= VH_HEARTBEAT_100NS)
            heartbeat_send(c);
        else if (c->dev == VMBUS_HOST_DEV_TIMESYNC && now - c->ts_last >= VH_TIMESYNC_100NS)
            timesync_send(c, IC_TIMESYNC_FLAG_SAMPLE);
    }
}

/* The full 2,060-byte body a real host sends (OpenVMM ShutdownMessage):
 * reason, timeout, flags and the display message. */
static int shutdown_send(struct vh_chan *c, uint32_t flags)
{
    static struct ic_shutdown_msg sd;   /* vh_lock */
    static const char text[] = "sinter hvsim: shutdown requested";
    memset(&sd, 0, sizeof sd);
    sd.flags = flags;
    memcpy(sd.display_message, text, sizeof text);
    return ic_send(c, IC_MSGTYPE_SHUTDOWN, &sd, sizeof sd);
}

enum ic_op { IC_OP_HEARTBEAT, IC_OP_SHUTDOWN, IC_OP_TIMESYNC };

static int with_ic(enum vmbus_host_dev dev, enum ic_op op, uint32_t arg)
{
    int rc = -1;
    vh_lock();
    struct vh_chan *c = ready_ic(dev);
    if (c && !vh.cfg.faults.mute) {
        if (op == IC_OP_HEARTBEAT)
            rc = heartbeat_send(c);
        else if (op == IC_OP_SHUTDOWN)
            rc = shutdown_send(c, arg);
        else
            rc = timesync_send(c, (uint8_t)arg);
    }
    vh_pump_locked();
    vh_unlock();
    return rc == 0 ? 0 : -1;
}

int vmbus_host_heartbeat_now(void) { return with_ic(VMBUS_HOST_DEV_HEARTBEAT, IC_OP_HEARTBEAT, 0); }
int vmbus_host_shutdown_request(uint32_t flags)
{
    return with_ic(VMBUS_HOST_DEV_SHUTDOWN, IC_OP_SHUTDOWN, flags);
}
int vmbus_host_timesync_now(uint8_t flags) { return with_ic(VMBUS_HOST_DEV_TIMESYNC, IC_OP_TIMESYNC, flags); }
