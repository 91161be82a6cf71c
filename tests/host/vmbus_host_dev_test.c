/* VMBus host model: echo device through real rings, IC endpoints. */
#include <stdio.h>
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim.h"
#include "tests/host/check.h"
#include "tests/host/vmbus_host_guest.h"
#include "drivers/hvsim/vmbus_host_ring.h"

static uint8_t buf[16384];

static void open_dev(struct fg_chan *ch, const char *host, enum vmbus_host_dev dev,
                     unsigned pages)
{
    CHECK_EQ(fg_boot(1, host, NULL, NULL, NULL), 0);
    CHECK(fg_negotiate() != 0);
    uint32_t relids[8], conns[8];
    CHECK_EQ(fg_offers(relids, conns, NULL, 8), 4);
    CHECK_EQ(fg_open(ch, relids[dev], conns[dev], pages, pages, 0), 0);
}

/* Guest sends n packets (signalling as the ring says), host echoes. */
static void test_echo(void)
{
    struct fg_chan ch;
    struct vmbus_ring_pkt pkt;
    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_ECHO, 8);
    struct vmbus_host_stats st0, st1;
    vmbus_host_get_stats(&st0);
    uint64_t sent = 0, echoed = 0, comps = 0, bad = 0, guest_sigs = 0;
    const uint64_t total = 200000;
    while (sent < total) {
        for (unsigned k = 0; k < 8 && sent < total; k++, sent++) {
            uint32_t len = 8 + (uint32_t)(sent % 13) * 8;
            memset(buf, (int)(sent & 0xff), len);
            memcpy(buf, &sent, 8);
            bool sig;
            uint16_t fl = sent % 3 == 0 ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0;
            CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, fl, sent, buf, len, &sig), 0);
            if (sig) {
                guest_sigs++;
                CHECK_EQ(fg_signal(ch.conn_id), 0);
            }
        }
        if (fg_event(0, ch.relid) || vmbus_ring_has_data(&ch.in)) {
            int rc;
            while ((rc = vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt)) == 1) {
                if (pkt.desc.type == VMBUS_PKT_COMP) {
                    comps++;
                    bad += pkt.desc.trans_id % 3 != 0;
                } else {
                    uint64_t id;
                    memcpy(&id, buf + pkt.payload_off, 8);
                    bad += id != echoed || pkt.desc.trans_id != echoed ||
                           pkt.payload_len != 8 + (id % 13) * 8;
                    echoed++;
                }
            }
            CHECK_EQ(rc, 0);
            if (vmbus_ring_commit(&ch.in))
                fg_signal(ch.conn_id);
        }
    }
    CHECK_EQ(echoed, total);
    CHECK_EQ(comps, (total + 2) / 3);
    CHECK_EQ(bad, 0);
    vmbus_host_get_stats(&st1);
    CHECK_EQ(st1.packets_from_guest - st0.packets_from_guest, total);
    CHECK_EQ(st1.guest_signals - st0.guest_signals, guest_sigs);
    CHECK_EQ(st1.needless_signals, 0);   /* a guest following the ring's rules */
    CHECK_EQ(st1.violations, 0);
    uint64_t hs = st1.host_signals - st0.host_signals;
    /* one batch of 8 -> one empty->non-empty transition -> one signal */
    CHECK(hs > 0 && hs <= total / 8 + 1);
    printf("# echo: %llu packets, host signals per 1000 packets %.1f, guest signals per 1000 %.1f\n",
           (unsigned long long)total, 1000.0 * (double)hs / (double)total,
           1000.0 * (double)guest_sigs / (double)total);
}

/* No signal while the guest masks, none while the ring stays non-empty. */
static void test_signal_rules(void)
{
    struct fg_chan ch;
    bool sig;
    open_dev(&ch, "qemu", VMBUS_HOST_DEV_ECHO, 2);
    vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, 1, "abcdefgh", 8, &sig);
    CHECK(sig);
    fg_signal(ch.conn_id);
    CHECK(fg_event(0, ch.relid));              /* empty -> non-empty */
    vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, 2, "abcdefgh", 8, &sig);
    fg_signal(ch.conn_id);
    CHECK(!fg_event(0, ch.relid));             /* was not empty */
    struct vmbus_ring_pkt pkt;
    while (vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt) == 1)
        ;
    vmbus_ring_commit(&ch.in);
    vmbus_ring_mask(&ch.in);
    vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, 3, "abcdefgh", 8, &sig);
    fg_signal(ch.conn_id);
    CHECK(!fg_event(0, ch.relid));             /* masked */
    CHECK(vmbus_ring_unmask(&ch.in));          /* but the data is there */
}

/* Inbound ring full: the host stops, and resumes when the guest makes room. */
/* Reader and writer on two CPUs: the host waits for room with the outbound
 * ring drained (an echo went in, its completion did not), the writer sends a
 * packet (empty -> non-empty) but its signal is late; the reader's room
 * signal comes first and its service drains the writer's packet. The late
 * signal answered a real event and is not needless; one more signal is. */
static bool wait_with_outbound_drained(struct fg_chan *ch)
{
    bool sig;
    for (uint32_t pad = 8; pad <= 64; pad += 8) {
        open_dev(ch, "hyperv", VMBUS_HOST_DEV_ECHO, 2);
        CHECK_EQ(vmbus_ring_send(&ch->out, VMBUS_PKT_DATA_INBAND, 0, 0, buf, pad, &sig), 0);
        CHECK_EQ(fg_signal(ch->conn_id), 0);
        for (uint64_t id = 1; id < 1000 && !ch->in.hdr->pending_send_sz; id++) {
            CHECK_EQ(vmbus_ring_send(&ch->out, VMBUS_PKT_DATA_INBAND,
                                     VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id, buf, 8, &sig), 0);
            if (sig)
                CHECK_EQ(fg_signal(ch->conn_id), 0);
        }
        if (ch->in.hdr->pending_send_sz &&
            ch->out.hdr->read_index == ch->out.hdr->write_index)
            return true;
    }
    return false;
}

static void test_signal_race(void)
{
    struct fg_chan ch;
    struct vmbus_ring_pkt pkt;
    struct vmbus_host_stats st0, st1;
    bool sig;
    memset(buf, 0x33, 64);
    CHECK(wait_with_outbound_drained(&ch));
    vmbus_host_get_stats(&st0);
    CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, 5000, buf, 8, &sig), 0);
    CHECK(sig);                                 /* the writer owes a signal... */
    while (vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt) == 1)
        ;
    CHECK(vmbus_ring_commit(&ch.in));           /* ...and so does the reader */
    CHECK_EQ(fg_signal(ch.conn_id), 0);         /* the reader's comes first */
    CHECK(ch.out.hdr->read_index == ch.out.hdr->write_index);   /* drained */
    CHECK_EQ(fg_signal(ch.conn_id), 0);         /* the writer's, late */
    vmbus_host_get_stats(&st1);
    CHECK_EQ(st1.needless_signals - st0.needless_signals, 0);
    CHECK_EQ(fg_signal(ch.conn_id), 0);         /* one nobody owed */
    vmbus_host_get_stats(&st1);
    CHECK_EQ(st1.needless_signals - st0.needless_signals, 1);
}

/* The writer on another CPU writes while the host serves: the host shows
 * the ring empty, the writer sees that and owes a signal, the host's second
 * look takes the packet. The signal then lands with nothing to do, and is
 * not needless; one more is. */
static struct fg_chan *late_ch;
static bool late_sig;
static void write_after_show(struct vh_ring *r)
{
    (void)r;
    vh_ring_after_show = NULL;     /* once */
    memset(buf, 0x44, 8);
    CHECK_EQ(vmbus_ring_send(&late_ch->out, VMBUS_PKT_DATA_INBAND, 0, 77, buf, 8, &late_sig), 0);
}

static void test_signal_race_late_write(void)
{
    struct fg_chan ch;
    struct vmbus_ring_pkt pkt;
    struct vmbus_host_stats st0, st1;
    bool sig;
    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_ECHO, 2);
    vmbus_host_get_stats(&st0);
    late_ch = &ch;
    vh_ring_after_show = write_after_show;
    CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, 76, buf, 8, &sig), 0);
    CHECK(sig);
    CHECK_EQ(fg_signal(ch.conn_id), 0);     /* serves 76, then the late 77 */
    CHECK(late_sig);                        /* the writer saw the ring empty */
    unsigned echoed = 0;
    while (vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt) == 1)
        echoed++;
    vmbus_ring_commit(&ch.in);
    CHECK_EQ(echoed, 2);
    CHECK_EQ(fg_signal(ch.conn_id), 0);     /* the writer's signal for 77 */
    vmbus_host_get_stats(&st1);
    CHECK_EQ(st1.needless_signals - st0.needless_signals, 0);
    CHECK_EQ(fg_signal(ch.conn_id), 0);
    vmbus_host_get_stats(&st1);
    CHECK_EQ(st1.needless_signals - st0.needless_signals, 1);
}

/* Reads every echo waiting on the guest's inbound ring, which must carry
 * the trans ids first, first + 1, ...; frees their space, signalling the
 * host if it waits for that. Returns how many were read. */
static unsigned take_echoes(struct fg_chan *ch, uint64_t first)
{
    struct vmbus_ring_pkt pkt;
    unsigned n = 0;
    while (vmbus_ring_read(&ch->in, buf, sizeof buf, &pkt) == 1) {
        CHECK_EQ(pkt.desc.trans_id, first + n);
        n++;
    }
    if (vmbus_ring_commit(&ch->in))
        fg_signal(ch->conn_id);
    return n;
}

static void test_backpressure(void)
{
    struct fg_chan ch;
    bool sig;
    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_ECHO, 2);
    unsigned sent = 0, got = 0;
    memset(buf, 0x5a, 512);
    for (int i = 0; i < 100; i++) {
        if (vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, sent, buf, 512, &sig) != 0)
            break;
        sent++;
        if (sig)
            fg_signal(ch.conn_id);
    }
    CHECK(sent > 7);                           /* guest outbound filled too */
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK(st.host_ring_full > 0);
    for (int round = 0; round < 100 && got < sent; round++)
        got += take_echoes(&ch, got);
    CHECK_EQ(got, sent);
}

/* Read every packet the host put in our inbound ring: echoes and COMPs. */
static void drain(struct fg_chan *ch, unsigned *echoes, unsigned *comps)
{
    struct vmbus_ring_pkt pkt;
    while (vmbus_ring_read(&ch->in, buf, sizeof buf, &pkt) == 1) {
        if (pkt.desc.type == VMBUS_PKT_COMP)
            (*comps)++;
        else
            (*echoes)++;
    }
    if (vmbus_ring_commit(&ch->in))
        fg_signal(ch->conn_id);
}

/* A completion the full ring made the host owe is sent by the host's next
 * poll, even when the guest sends nothing more. The guest sends packets
 * asking for completions without reading, and stops at the first one the
 * host could not fully answer; for the sizes where that packet's echo
 * fitted and its COMP did not, the COMP is still owed once the guest has
 * read everything (seen at least once), and a poll delivers it. */
static void test_completion_owed(void)
{
    unsigned owed_seen = 0;
    for (uint32_t len = 8; len <= 512; len += 8) {
        struct fg_chan ch;
        struct vmbus_host_stats st;
        bool sig;
        unsigned sent = 0, echoes = 0, comps = 0;
        open_dev(&ch, "hyperv", VMBUS_HOST_DEV_ECHO, 2);
        memset(buf, 0x3c, len);
        do {
            CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND,
                                     VMBUS_PKT_FLAG_COMPLETION_REQUESTED, sent, buf, len, &sig), 0);
            sent++;
            if (sig)
                fg_signal(ch.conn_id);
            vmbus_host_get_stats(&st);
        } while (st.host_ring_full == 0 && sent < 1000);
        for (int round = 0; round < 1000 && echoes < sent; round++)
            drain(&ch, &echoes, &comps);
        CHECK_EQ(echoes, sent);
        owed_seen += comps < sent;
        vmbus_host_poll();
        drain(&ch, &echoes, &comps);
        CHECK_EQ(comps, sent);
    }
    CHECK(owed_seen > 0);
}

static uint32_t ic_read(struct fg_chan *ch, struct ic_msg_header *h, uint8_t *body,
                        uint64_t *tid)
{
    struct vmbus_ring_pkt pkt;
    if (vmbus_ring_read(&ch->in, buf, sizeof buf, &pkt) != 1)
        return 0;
    vmbus_ring_commit(&ch->in);
    memcpy(h, buf + pkt.payload_off + 8, sizeof *h);
    memcpy(body, buf + pkt.payload_off + 28, pkt.payload_len - 28);
    *tid = pkt.desc.trans_id;
    return pkt.payload_len;
}

/* The pipe type of our replies: DATA (1), as the request had; a test sets
 * another to break the IC rule on purpose. */
static uint32_t reply_pipe_type = IC_PIPE_PACKET_TYPE_DATA;

/* Reply the way Linux does: in place, flags TRANSACTION|RESPONSE. */
static void ic_reply(struct fg_chan *ch, struct ic_msg_header *h, const uint8_t *body,
                     uint32_t blen, uint64_t tid)
{
    static uint8_t out[4096];
    struct ic_pipe_header ph = { reply_pipe_type, (uint32_t)(sizeof *h + blen) };
    h->icflags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
    memcpy(out, &ph, 8);
    memcpy(out + 8, h, sizeof *h);
    memcpy(out + 28, body, blen);
    bool sig;
    vmbus_ring_send(&ch->out, VMBUS_PKT_DATA_INBAND, 0, tid, out, 28 + blen, &sig);
    if (sig)
        fg_signal(ch->conn_id);
}

static void negotiate(struct fg_chan *ch, struct ic_version fw, struct ic_version srv,
                      unsigned *nfw, unsigned *nsrv)
{
    struct ic_msg_header h;
    uint8_t body[4096];
    uint64_t tid;
    CHECK(ic_read(ch, &h, body, &tid) > 0);
    CHECK_EQ(h.icmsgtype, IC_MSGTYPE_NEGOTIATE);
    CHECK_EQ(h.icflags, IC_FLAG_TRANSACTION | IC_FLAG_REQUEST);
    CHECK_EQ(h.ictransaction_id, IC_HOST_TRANSACTION_ID);   /* OpenVMM: 0 */
    struct ic_negotiate n;
    memcpy(&n, body, 8);
    *nfw = n.icframe_vercnt;
    *nsrv = n.icmsg_vercnt;
    n.icframe_vercnt = n.icmsg_vercnt = 1;
    memcpy(body, &n, 8);
    memcpy(body + 8, &fw, 4);
    memcpy(body + 12, &srv, 4);
    h.icmsgsize = 16;
    h.status = IC_STATUS_OK;
    ic_reply(ch, &h, body, 16, tid);
}

static void test_ic(void)
{
    struct fg_chan ch;
    struct ic_msg_header h;
    uint8_t body[4096];
    uint64_t tid;
    unsigned nfw, nsrv;
    struct vmbus_host_chan_info info;

    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_HEARTBEAT, 2);
    CHECK(fg_event(0, ch.relid));
    negotiate(&ch, (struct ic_version){ 3, 0 }, (struct ic_version){ 3, 0 }, &nfw, &nsrv);
    CHECK_EQ(nfw, 2);
    CHECK_EQ(nsrv, 2);
    vmbus_host_chan_info(ch.relid, &info);
    CHECK(info.ic_ready);
    CHECK_EQ(info.ic_service.major, 3);
    CHECK_EQ(vmbus_host_heartbeat_now(), 0);
    CHECK(ic_read(&ch, &h, body, &tid) > 0);
    CHECK_EQ(h.icmsgtype, IC_MSGTYPE_HEARTBEAT);
    uint64_t seq;
    memcpy(&seq, body, 8);
    seq++;
    memcpy(body, &seq, 8);
    ic_reply(&ch, &h, body, 40, tid);
    vmbus_host_chan_info(ch.relid, &info);
    CHECK_EQ(info.ctr.hb_ok, 1);
    CHECK_EQ(info.ctr.hb_bad, 0);
    /* periodic: 2 s of polls without a clock (10 ms each) */
    for (int i = 0; i < 210; i++)
        vmbus_host_poll();
    CHECK(ic_read(&ch, &h, body, &tid) > 0);
    CHECK_EQ(h.icmsgtype, IC_MSGTYPE_HEARTBEAT);
    ic_reply(&ch, &h, body, 40, tid);         /* forgot the +1 */
    vmbus_host_chan_info(ch.relid, &info);
    CHECK_EQ(info.ctr.hb_bad, 1);

    /* shutdown */
    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_SHUTDOWN, 2);
    CHECK_EQ(vmbus_host_shutdown_request(0), -1);   /* not negotiated yet */
    negotiate(&ch, (struct ic_version){ 3, 0 }, (struct ic_version){ 3, 2 }, &nfw, &nsrv);
    CHECK_EQ(nsrv, 4);
    CHECK_EQ(vmbus_host_shutdown_request(IC_SHUTDOWN_FLAG_REBOOT), 0);
    /* the whole body a real host sends (OpenVMM ShutdownMessage) */
    CHECK_EQ(ic_read(&ch, &h, body, &tid), IC_HEADER_SIZE + sizeof(struct ic_shutdown_msg));
    CHECK_EQ(h.icmsgtype, IC_MSGTYPE_SHUTDOWN);
    uint32_t flags;
    memcpy(&flags, body + 8, 4);
    CHECK_EQ(flags, IC_SHUTDOWN_FLAG_REBOOT);
    h.status = IC_STATUS_OK;
    ic_reply(&ch, &h, body, h.icmsgsize, tid);
    vmbus_host_chan_info(ch.relid, &info);
    CHECK_EQ(info.ctr.shutdown_replies, 1);

    /* timesync 4.0: a SYNC sample right after negotiation */
    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_TIMESYNC, 2);
    negotiate(&ch, (struct ic_version){ 3, 0 }, (struct ic_version){ 4, 0 }, &nfw, &nsrv);
    CHECK(ic_read(&ch, &h, body, &tid) > 0);
    CHECK_EQ(h.icmsgtype, IC_MSGTYPE_TIMESYNC);
    struct ic_timesync_ref_msg t;
    memcpy(&t, body, sizeof t);
    CHECK_EQ(t.flags, IC_TIMESYNC_FLAG_SYNC);
    CHECK(t.parenttime > IC_TIMESYNC_UNIX_EPOCH_100NS);
    ic_reply(&ch, &h, body, sizeof t, tid);
    vmbus_host_chan_info(ch.relid, &info);
    CHECK_EQ(info.ctr.timesync_echoed, 1);

    /* a guest choosing a version we never offered is not "ready" */
    open_dev(&ch, "hyperv", VMBUS_HOST_DEV_HEARTBEAT, 2);
    negotiate(&ch, (struct ic_version){ 3, 0 }, (struct ic_version){ 9, 9 }, &nfw, &nsrv);
    vmbus_host_chan_info(ch.relid, &info);
    CHECK(!info.ic_ready);
}

/* Model fix 6: a packet type or flag a host does not take from a guest is a
 * corrupt ring (not served); a signal with nothing to do is counted. */
static void ring_rules(const char *host)
{
    struct fg_chan ch;
    struct vmbus_ring_pkt pkt;
    struct vmbus_host_stats st;
    bool sig;
    open_dev(&ch, host, VMBUS_HOST_DEV_ECHO, 4);
    memset(buf, 0, 16);
    CHECK_EQ(fg_signal(ch.conn_id), 0);                 /* nothing written */
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.needless_signals, 1);
    CHECK_EQ(st.rule_hits[VMBUS_HOST_RULE_SIGNAL], 1);
    CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, 1, buf, 16, &sig), 0);
    CHECK(sig);
    CHECK_EQ(fg_signal(ch.conn_id), 0);                 /* needed: echoed */
    CHECK_EQ(vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt), 1);
    vmbus_ring_commit(&ch.in);
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.needless_signals, 1);
    CHECK_EQ(st.rule_hits[VMBUS_HOST_RULE_RING], 0);
    CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_SYNCH, 0, 2, buf, 16, &sig), 0);
    CHECK_EQ(fg_signal(ch.conn_id), 0);
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.rule_hits[VMBUS_HOST_RULE_RING], 1);
    CHECK_EQ(vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt), 0);   /* not echoed */
    /* flags other than completion-requested, on a fresh channel */
    open_dev(&ch, host, VMBUS_HOST_DEV_ECHO, 4);
    CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0x8, 3, buf, 16, &sig), 0);
    CHECK_EQ(fg_signal(ch.conn_id), 0);
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.rule_hits[VMBUS_HOST_RULE_RING], 1);
    CHECK_EQ(vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt), 0);
}

static void test_ring_rules(void)
{
    ring_rules("hyperv");
    ring_rules("qemu");
}

static uint64_t ic_rule_hits(void)
{
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    return st.rule_hits[VMBUS_HOST_RULE_IC];
}

/* Model fix 5: the host checks each IC reply as OpenVMM's IC host does:
 * pipe type DATA, TRANSACTION|RESPONSE, IC transaction id 0, a packet
 * trans_id it sent. A reply that breaks one is not taken. */
static void ic_reply_checks(const char *host)
{
    struct fg_chan ch;
    struct ic_msg_header h;
    uint8_t body[4096];
    uint64_t tid, seq;
    unsigned nfw, nsrv;
    struct vmbus_host_chan_info info;
    open_dev(&ch, host, VMBUS_HOST_DEV_HEARTBEAT, 2);
    negotiate(&ch, (struct ic_version){ 3, 0 }, (struct ic_version){ 3, 0 }, &nfw, &nsrv);
    CHECK_EQ(ic_rule_hits(), 0);
    for (int bad = 0; bad < 4; bad++) {
        CHECK_EQ(vmbus_host_heartbeat_now(), 0);
        CHECK(ic_read(&ch, &h, body, &tid) > 0);
        memcpy(&seq, body, 8);
        seq++;
        memcpy(body, &seq, 8);
        if (bad == 0)
            reply_pipe_type = 0;
        else if (bad == 1)
            h.ictransaction_id = 5;
        else if (bad == 2)
            tid += 1000;
        ic_reply(&ch, &h, body, 40, tid);
        if (bad == 3) {
            /* the same reply made as a request */
            struct ic_msg_header r = h;
            r.icflags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
            static uint8_t out[128];
            struct ic_pipe_header ph = { IC_PIPE_PACKET_TYPE_DATA, sizeof r + 40 };
            memcpy(out, &ph, 8);
            memcpy(out + 8, &r, sizeof r);
            memcpy(out + 28, body, 40);
            bool sig;
            vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, tid, out, 68, &sig);
            if (sig)
                fg_signal(ch.conn_id);
        }
        reply_pipe_type = IC_PIPE_PACKET_TYPE_DATA;
        CHECK_EQ(ic_rule_hits(), (uint64_t)bad + 1);
    }
    vmbus_host_chan_info(ch.relid, &info);
    CHECK_EQ(info.ctr.hb_ok, 1);   /* only the good reply of round 3 */
}

static void test_ic_reply_checks(void)
{
    ic_reply_checks("hyperv");
    ic_reply_checks("qemu");
}

/* retarget_lag=<n>: after MODIFYCHANNEL to VP1 the next n interrupts of
 * the echo channel still land on VP0's SIEF bit, the rest on VP1's; each
 * packet is read once whichever VP was signalled. */
static void test_retarget_lag(void)
{
    struct fg_chan ch;
    const unsigned lag = 3, rounds = 8;
    CHECK_EQ(fg_boot(2, "hyperv", NULL, NULL, "retarget_lag=3"), 0);
    CHECK(fg_negotiate() != 0);
    uint32_t relids[8], conns[8];
    CHECK_EQ(fg_offers(relids, conns, NULL, 8), 4);
    CHECK_EQ(fg_open(&ch, relids[VMBUS_HOST_DEV_ECHO], conns[VMBUS_HOST_DEV_ECHO], 8, 8, 0), 0);
    struct vmbus_msg_modify_channel mc = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
                                           .child_relid = ch.relid, .target_vp = 1 };
    struct fg_msg m;
    CHECK_EQ(fg_post(1, &mc, sizeof mc), 0);
    CHECK(fg_wait(VMBUS_MSG_MODIFYCHANNEL_RESPONSE, &m));
    unsigned on_old = 0, on_new = 0, got = 0;
    for (uint64_t i = 0; i < rounds; i++) {
        bool sig;
        CHECK_EQ(vmbus_ring_send(&ch.out, VMBUS_PKT_DATA_INBAND, 0, i, &i, sizeof i, &sig), 0);
        CHECK(sig);
        CHECK_EQ(fg_signal(ch.conn_id), 0);
        bool old = fg_event(0, ch.relid), cur = fg_event(1, ch.relid);
        CHECK(old != cur);               /* one interrupt, on one VP */
        CHECK_EQ(old, i < lag);          /* the first `lag` on the old VP */
        on_old += old;
        on_new += cur;
        unsigned echoed = take_echoes(&ch, i);
        CHECK_EQ(echoed, 1);             /* round i's echo, in round i */
        got += echoed;
    }
    CHECK_EQ(got, rounds);
    CHECK_EQ(on_old, lag);
    CHECK_EQ(on_new, rounds - lag);
    struct vmbus_host_chan_info info;
    vmbus_host_chan_info(ch.relid, &info);
    CHECK_EQ(info.ctr.old_vp_signals, lag);
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.old_vp_signals, lag);
    CHECK_EQ(st.violations, 0);
}

int main(void)
{
    RUN_TEST(test_echo);
    RUN_TEST(test_retarget_lag);
    RUN_TEST(test_signal_rules);
    RUN_TEST(test_signal_race);
    RUN_TEST(test_signal_race_late_write);
    RUN_TEST(test_backpressure);
    RUN_TEST(test_completion_owed);
    RUN_TEST(test_ic);
    RUN_TEST(test_ic_reply_checks);
    RUN_TEST(test_ring_rules);
    CHECK_MAIN_END();
}
