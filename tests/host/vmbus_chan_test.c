/* Channels end to end against the fake host: GPADL header + body
 * continuations, open/close, data both ways with signals, open refused,
 * rescind -> driver remove -> RELID_RELEASED, MODIFYCHANNEL by version, and
 * the IC drivers (heartbeat, shutdown, timesync) with real IC framing. */
#include <stdlib.h>
#include <string.h>
#include "tests/host/check.h"
#include "kernel/log.h"
#include "tests/host/host_log.h"
#include "tests/host/vmbus_fakehost.h"
#include "drivers/vmbus/vmbus_internal.h"
#include "drivers/hvutil/hvutil.h"
#include "drivers/hvutil/ic_common.h"

/* ---- the IC drivers' kernel hooks (hvutil.h) ---- */
static int shutdowns;
static uint64_t wall_ns;
static int wall_sync;
void hvutil_hook_shutdown(void) { shutdowns++; }
void hvutil_hook_set_wall_clock(uint64_t ns, int sync) { wall_ns = ns; wall_sync = sync; }
static bool ref_valid;
static uint64_t ref_now;
bool hvutil_hook_ref_time_100ns(uint64_t *now) { *now = ref_now; return ref_valid; }

/* ---- a test driver ---- */
static int probes, removes, callbacks;
static struct vmbus_channel *bound;
static void test_cb(struct vmbus_channel *ch, void *ctx) { (void)ch; (void)ctx; callbacks++; }
static int test_probe(struct vmbus_channel *ch)
{
    probes++;
    bound = ch;
    return vmbus_channel_open(ch, 4 * VMBUS_PAGE_SIZE, 6 * VMBUS_PAGE_SIZE, test_cb, NULL);
}
static void test_remove(struct vmbus_channel *ch)
{
    removes++;
    vmbus_channel_close(ch);
    bound = NULL;
}
static struct vmbus_driver test_drv = {
    .name = "test", .class_id = VMBUS_CLASS_SCSI, .probe = test_probe, .remove = test_remove,
};

static void start(enum fh_personality who)
{
    fh_init(who);
    probes = removes = callbacks = shutdowns = 0;
    bound = NULL;
}

static void gpadl_header_and_bodies(void)
{
    start(FH_HYPERV);
    struct vmbus_channel *ch = fh_connect_one();
    CHECK(ch != NULL);
    const size_t pages = 100;   /* 26 in the header + 28 + 28 + 18 */
    uint8_t *buf = fh_services.alloc_pages(pages);
    uint32_t handle = 0;
    CHECK_EQ(vmbus_gpadl_create(ch, buf, pages * VMBUS_PAGE_SIZE, &handle, NULL), VMBUS_OK);
    CHECK(handle != 0);
    CHECK_EQ(fh.gpadl_headers, 1);
    CHECK_EQ(fh.gpadl_bodies, 3);
    CHECK_EQ(fh.bad_messages, 0);
    CHECK_EQ(fh.n_gpadls, 1);
    CHECK_EQ(fh.gpadls[0].pages, pages);
    for (size_t i = 0; i < pages; i++)
        CHECK_EQ(fh.gpadls[0].pfns[i], ((uintptr_t)buf >> 12) + i);
    CHECK_EQ(vmbus_gpadl_teardown(ch, handle), VMBUS_OK);
    CHECK(fh.gpadls[0].pfns == NULL);
    /* Exactly one page: header only. */
    CHECK_EQ(vmbus_gpadl_create(ch, buf, VMBUS_PAGE_SIZE, &handle, NULL), VMBUS_OK);
    CHECK_EQ(fh.gpadl_headers, 2);
    CHECK_EQ(fh.gpadl_bodies, 3);
    /* Not page aligned or not whole pages: refused before any message. */
    CHECK_EQ(vmbus_gpadl_create(ch, buf + 8, VMBUS_PAGE_SIZE, &handle, NULL), VMBUS_EINVAL);
    CHECK_EQ(vmbus_gpadl_create(ch, buf, 100, &handle, NULL), VMBUS_EINVAL);
    fh_services.free_pages(buf, pages);
    vmbus_disconnect();
}

/* QEMU keeps 16 guest messages; a 1000-page GPADL needs 36 bodies. */
static void gpadl_large_through_qemu_queue(void)
{
    start(FH_QEMU);
    struct vmbus_channel *ch = fh_connect_one();
    CHECK(ch != NULL);
    const size_t pages = 1000;
    uint8_t *buf = fh_services.alloc_pages(pages);
    uint32_t handle;
    CHECK_EQ(vmbus_gpadl_create(ch, buf, pages * VMBUS_PAGE_SIZE, &handle, NULL), VMBUS_OK);
    CHECK_EQ(fh.gpadl_bodies, (pages - 26 + 27) / 28);
    CHECK(fh.insufficient_buffers > 0);
    CHECK(fh.max_queue_seen <= 16);
    CHECK_EQ(fh.bad_messages, 0);
    CHECK_EQ(fh.gpadls[0].received, pages);
    fh_services.free_pages(buf, pages);
    vmbus_disconnect();
}

static void open_send_receive_close(void)
{
    start(FH_QEMU);
    struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
    fh_add_dense(2);
    fh_add_offer(3, scsi);
    vmbus_driver_register(&test_drv);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(probes, 1);
    CHECK(bound != NULL && bound->relid == 3);
    CHECK(fh.ch[3].open);
    CHECK_EQ(fh.ch[3].target_vp, 3);
    CHECK_EQ(fh.ch[3].from_guest.size, 3 * VMBUS_PAGE_SIZE);
    CHECK_EQ(fh.ch[3].to_guest.size, 5 * VMBUS_PAGE_SIZE);

    /* Guest -> host: one signal for the first packet only. */
    uint8_t data[100];
    memset(data, 0x5a, sizeof data);
    CHECK_EQ(vmbus_channel_send(bound, VMBUS_PKT_DATA_INBAND, 1, 42, data, sizeof data), 0);
    CHECK_EQ(vmbus_channel_send(bound, VMBUS_PKT_DATA_INBAND, 1, 43, data, sizeof data), 0);
    CHECK_EQ(fh.ch[3].signals_from_guest, 1);
    uint8_t in[256];
    struct vmbus_ring_pkt pkt;
    CHECK_EQ(fh_recv_from_guest(3, in, sizeof in, &pkt), 1);
    CHECK_EQ(pkt.desc.trans_id, 42);
    CHECK_EQ(pkt.desc.flags, 1);
    CHECK(memcmp(in + pkt.payload_off, data, sizeof data) == 0);

    /* Host -> guest: SIEF bit, SINT "interrupt" (pump), callback. */
    CHECK_EQ(fh_send_to_guest(3, VMBUS_PKT_COMP, 42, data, 8), 0);
    fh_pump();
    CHECK_EQ(callbacks, 1);
    CHECK_EQ(vmbus_channel_recv(bound, in, sizeof in, &pkt), 1);
    CHECK_EQ(pkt.desc.type, VMBUS_PKT_COMP);
    CHECK_EQ(pkt.desc.trans_id, 42);
    vmbus_channel_recv_done(bound);
    CHECK_EQ(vmbus_channel_recv(bound, in, sizeof in, &pkt), 0);

    unsigned long live = fh_pages_live();
    vmbus_driver_unregister(&test_drv);
    CHECK_EQ(removes, 1);
    CHECK_EQ(fh.closes, 1);
    CHECK(!fh.ch[3].open);
    CHECK_EQ(fh_pages_live(), live - 10);
    vmbus_disconnect();
    CHECK_EQ(fh_pages_live(), 0);
}

static void open_refused_cleans_up(void)
{
    start(FH_HYPERV);
    fh_add_dense(1);
    fh.refuse_open = true;
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    unsigned long live = fh_pages_live();
    struct vmbus_channel *ch = vmbus_relid_to_channel(1);
    CHECK_EQ(vmbus_channel_open(ch, 2 * VMBUS_PAGE_SIZE, 2 * VMBUS_PAGE_SIZE, test_cb, NULL),
             VMBUS_EPROTO);
    CHECK(!ch->open);
    CHECK(atomic_load(&ch->callback) == NULL);
    CHECK_EQ(fh_pages_live(), live);
    CHECK(fh.gpadls[0].pfns == NULL);   /* torn down */
    /* Bad ring sizes are refused without talking to the host. */
    CHECK_EQ(vmbus_channel_open(ch, VMBUS_PAGE_SIZE, 2 * VMBUS_PAGE_SIZE, test_cb, NULL),
             VMBUS_EINVAL);
    vmbus_disconnect();
}

/* GPADL_CREATED comes after the wait gave up: the host holds the PFNs, so
 * the ring pages are kept, never reused; the late answer is ignored. */
static void late_gpadl_created_keeps_rings(void)
{
    start(FH_HYPERV);
    struct vmbus_channel *ch = fh_connect_one();
    CHECK(ch != NULL);
    unsigned long live = fh_pages_live(), kept = vmbus_pages_kept();
    fh.hold_type = VMBUS_MSG_GPADL_CREATED;
    fh.hold_until_ns = UINT64_MAX;
    CHECK_EQ(vmbus_channel_open(ch, 2 * VMBUS_PAGE_SIZE, 2 * VMBUS_PAGE_SIZE, test_cb, NULL),
             VMBUS_ETIMEDOUT);
    CHECK(!ch->open);
    CHECK(strstr(host_log_last, "ring GPADL unanswered") != NULL);
    CHECK_EQ(fh_pages_live(), live + 4);
    CHECK_EQ(vmbus_pages_kept(), kept + 4);
    unsigned warns = host_log_lines[LOG_WARN];
    fh_release_held();
    fh_pump();
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);   /* "unexpected GPADL_CREATED" */
    vmbus_disconnect();
    CHECK_EQ(fh_pages_live(), 4);
}

/* A rescind right behind a successful OPENCHANNEL_RESULT: the open must
 * report the channel gone, not success. */
static void rescind_while_opening_fails_open(void)
{
    start(FH_QEMU);
    struct vmbus_channel *ch = fh_connect_one();
    CHECK(ch != NULL);
    unsigned long live = fh_pages_live();
    fh.rescind_on_open = true;
    CHECK_EQ(vmbus_channel_open(ch, 2 * VMBUS_PAGE_SIZE, 2 * VMBUS_PAGE_SIZE, test_cb, NULL),
             VMBUS_ENODEV);
    CHECK(!ch->open);
    CHECK(atomic_load(&ch->callback) == NULL);
    CHECK_EQ(fh_pages_live(), live);
    vmbus_poll();
    vmbus_disconnect();
    CHECK_EQ(fh_pages_live(), 0);
}

static void rescind_calls_remove(void)
{
    start(FH_HYPERV);
    struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
    fh_add_offer(1, scsi);
    vmbus_driver_register(&test_drv);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(probes, 1);
    unsigned long live = fh_pages_live();
    unsigned teardowns = fh.gpadl_teardowns;
    fh_rescind(1);
    fh_pump();
    CHECK_EQ(removes, 0);            /* the interrupt only flags it */
    vmbus_poll();
    CHECK_EQ(removes, 1);
    CHECK_EQ(fh.relid_released, 1);
    /* Linux vmbus_teardown_gpadl: no GPADL_TEARDOWN for a rescinded channel
     * (the host would not answer it); the pages are still given back. */
    CHECK_EQ(fh.gpadl_teardowns, teardowns);
    CHECK_EQ(fh.closes, 1);
    CHECK(vmbus_relid_to_channel(1) == NULL);
    CHECK_EQ(fh_pages_live(), live - 10);
    /* Re-offered at the same relid: probed again. */
    fh_hot_offer(1, scsi);
    fh_pump();
    vmbus_poll();
    CHECK_EQ(probes, 2);
    vmbus_driver_unregister(&test_drv);
    vmbus_disconnect();
    CHECK_EQ(fh_pages_live(), 0);
}

static void modifychannel_by_version(void)
{
    struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
    start(FH_HYPERV);
    fh_add_offer(1, scsi);
    vmbus_driver_register(&test_drv);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_channel_retarget(bound, 5), VMBUS_OK);
    CHECK_EQ(fh.ch[1].target_vp, 5);
    CHECK_EQ(bound->target_vp, 5);
    vmbus_driver_unregister(&test_drv);
    vmbus_disconnect();

    start(FH_QEMU);   /* 4.0: no MODIFYCHANNEL */
    fh_add_offer(1, scsi);
    vmbus_driver_register(&test_drv);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_channel_retarget(bound, 5), VMBUS_EINVAL);
    CHECK_EQ(fh.ch[1].target_vp, 3);
    vmbus_driver_unregister(&test_drv);
    vmbus_disconnect();
}

/* Linux vmbus_set_event: the send-half interrupt-page bit is set only for
 * channels whose offer lacks is_dedicated_interrupt; HvSignalEvent always. */
static void signal_sets_int_page_bit_unless_dedicated(void)
{
    struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
    start(FH_QEMU);   /* 4.0: the interrupt page went out in INITIATE_CONTACT */
    fh_add_offer(1, scsi);
    vmbus_driver_register(&test_drv);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    const uint64_t *send_half =
        (const uint64_t *)((const uint8_t *)vmbus_conn.pages + VMBUS_PAGE_SIZE / 2);
    CHECK(bound->dedicated_interrupt);
    unsigned long sig = fh.ch[1].signals_from_guest;
    vmbus_channel_signal(bound);
    CHECK_EQ(send_half[0], 0);
    CHECK_EQ(fh.ch[1].signals_from_guest, sig + 1);
    bound->dedicated_interrupt = false;
    vmbus_channel_signal(bound);
    CHECK_EQ(send_half[0], 1ull << 1);
    CHECK_EQ(fh.ch[1].signals_from_guest, sig + 2);
    /* The receive half stays the host's. */
    CHECK_EQ(((const uint64_t *)vmbus_conn.pages)[0], 0);
    vmbus_driver_unregister(&test_drv);
    vmbus_disconnect();
}

/* Linux vmbus_post_msg retries HV_STATUS_INVALID_CONNECTION_ID ("we could
 * get this if we send messages too frequently") for all but INITIATE_CONTACT. */
static void post_retries_transient_bad_connection(void)
{
    struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
    start(FH_HYPERV);
    fh_add_offer(1, scsi);
    vmbus_driver_register(&test_drv);
    fh.bad_conn_once = 3;            /* REQUESTOFFERS refused three times */
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(fh.bad_conn_once, 0);
    CHECK_EQ(probes, 1);
    fh.bad_conn_once = 2;
    CHECK_EQ(vmbus_channel_retarget(bound, 4), VMBUS_OK);
    CHECK_EQ(fh.ch[1].target_vp, 4);
    vmbus_driver_unregister(&test_drv);
    vmbus_disconnect();
}

/* ---- IC drivers ---- */
static size_t ic_build(uint8_t *p, uint16_t type, struct ic_version msgver,
                       const void *body, size_t body_len)
{
    struct ic_pipe_header pipe = { .flags = 0, .msgsize = (uint32_t)(sizeof(struct ic_msg_header) + body_len) };
    struct ic_msg_header h = { .icverframe = { 3, 0 }, .icmsgtype = type, .icvermsg = msgver,
                               .icmsgsize = (uint16_t)body_len,
                               .icflags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST };
    memcpy(p, &pipe, sizeof pipe);
    memcpy(p + sizeof pipe, &h, sizeof h);
    memcpy(p + IC_HEADER_SIZE, body, body_len);
    return IC_HEADER_SIZE + body_len;
}

static size_t negotiate_msg(uint8_t *p, const struct ic_version *fw, unsigned nf,
                            const struct ic_version *sv, unsigned ns)
{
    uint8_t body[8 + 4 * 16] = { 0 };
    struct ic_negotiate n = { .icframe_vercnt = (uint16_t)nf, .icmsg_vercnt = (uint16_t)ns };
    memcpy(body, &n, sizeof n);
    memcpy(body + 8, fw, nf * 4);
    memcpy(body + 8 + nf * 4, sv, ns * 4);
    return ic_build(p, IC_MSGTYPE_NEGOTIATE, (struct ic_version){ 0, 0 }, body, 8 + (nf + ns) * 4);
}

/* Send a request to relid, run the "interrupt", read the reply. */
static void ic_roundtrip(uint32_t relid, const uint8_t *req, size_t len, uint64_t tid,
                         uint8_t *reply, struct ic_msg_header *rh)
{
    struct vmbus_ring_pkt pkt;
    uint8_t in[4096];
    CHECK_EQ(fh_send_to_guest(relid, VMBUS_PKT_DATA_INBAND, tid, req, len), 0);
    fh_pump();
    CHECK_EQ(fh_recv_from_guest(relid, in, sizeof in, &pkt), 1);
    CHECK_EQ(pkt.desc.trans_id, tid);
    CHECK_EQ(pkt.desc.type, VMBUS_PKT_DATA_INBAND);
    CHECK(pkt.payload_len >= IC_HEADER_SIZE);
    memcpy(reply, in + pkt.payload_off, pkt.payload_len);
    memcpy(rh, reply + sizeof(struct ic_pipe_header), sizeof *rh);
    CHECK_EQ(rh->icflags, IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
}

static void ic_setup(void)
{
    struct vmbus_guid hb = VMBUS_CLASS_HEARTBEAT, sd = VMBUS_CLASS_SHUTDOWN,
                      ts = VMBUS_CLASS_TIMESYNC;
    start(FH_HYPERV);
    fh_add_offer(1, hb);
    fh_add_offer(2, sd);
    fh_add_offer(3, ts);
    hvutil_register_all();
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK(fh.ch[1].open && fh.ch[2].open && fh.ch[3].open);
}

static void ic_negotiate_and_heartbeat(void)
{
    ic_setup();
    uint8_t req[512], rep[4096];
    struct ic_msg_header rh;
    /* Host offers framework 1.0 and 3.0, heartbeat 3.0 and 1.0. */
    const struct ic_version fw[] = { { 1, 0 }, { 3, 0 } }, sv[] = { { 1, 0 }, { 3, 0 } };
    size_t n = negotiate_msg(req, fw, 2, sv, 2);
    ic_roundtrip(1, req, n, 7, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    CHECK_EQ(rh.icmsgsize, 0x10);
    struct ic_negotiate neg;
    struct ic_version pick[2];
    memcpy(&neg, rep + IC_HEADER_SIZE, sizeof neg);
    memcpy(pick, rep + IC_HEADER_SIZE + 8, sizeof pick);
    CHECK_EQ(neg.icframe_vercnt, 1);
    CHECK_EQ(neg.icmsg_vercnt, 1);
    CHECK_EQ(pick[0].major, 3);   /* our preference wins */
    CHECK_EQ(pick[1].major, 3);

    struct ic_heartbeat_msg hb = { .seq_num = 1000 };
    n = ic_build(req, IC_MSGTYPE_HEARTBEAT, (struct ic_version){ 3, 0 }, &hb, sizeof hb);
    ic_roundtrip(1, req, n, 8, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    memcpy(&hb, rep + IC_HEADER_SIZE, sizeof hb);
    CHECK_EQ(hb.seq_num, 1001);

    /* No common version: counts 0/0 and E_FAIL. */
    const struct ic_version bad[] = { { 9, 9 } };
    n = negotiate_msg(req, bad, 1, sv, 1);
    ic_roundtrip(1, req, n, 9, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    /* Truncated IC packet: refused with a log line, no reply. */
    struct vmbus_ring_pkt pkt;
    unsigned warns = host_log_lines[LOG_WARN];
    CHECK_EQ(fh_send_to_guest(1, VMBUS_PKT_DATA_INBAND, 10, req, 12), 0);
    fh_pump();
    CHECK_EQ(fh_recv_from_guest(1, rep, sizeof rep, &pkt), 0);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);
    /* Not in-band data: refused, logged. */
    CHECK_EQ(fh_send_to_guest(1, VMBUS_PKT_COMP, 11, req, IC_HEADER_SIZE), 0);
    fh_pump();
    CHECK_EQ(fh_recv_from_guest(1, rep, sizeof rep, &pkt), 0);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 2);
    /* A heartbeat body too short for the sequence number: E_FAIL, logged. */
    n = ic_build(req, IC_MSGTYPE_HEARTBEAT, (struct ic_version){ 3, 0 }, &hb, 4);
    ic_roundtrip(1, req, n, 12, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 3);
    CHECK(strstr(host_log_last, "heartbeat: body of 4 bytes") != NULL);
    hvutil_unregister_all();
    vmbus_disconnect();
    CHECK_EQ(fh_pages_live(), 0);
}

static void ic_shutdown_calls_hook(void)
{
    ic_setup();
    uint8_t req[512], rep[4096];
    struct ic_msg_header rh;
    const struct ic_version fw[] = { { 3, 0 } }, sv[] = { { 3, 2 } };
    ic_roundtrip(2, req, negotiate_msg(req, fw, 1, sv, 1), 1, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    struct ic_shutdown_msg *sd = calloc(1, sizeof *sd);
    sd->flags = IC_SHUTDOWN_FLAG_REBOOT;
    ic_roundtrip(2, req, ic_build(req, IC_MSGTYPE_SHUTDOWN, sv[0], sd, 16), 2, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    CHECK_EQ(shutdowns, 0);
    sd->flags = 8;                   /* not 0..5: Linux answers HV_E_FAIL */
    ic_roundtrip(2, req, ic_build(req, IC_MSGTYPE_SHUTDOWN, sv[0], sd, 16), 4, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    CHECK_EQ(shutdowns, 0);
    sd->flags = IC_SHUTDOWN_FLAG_FORCED;
    ic_roundtrip(2, req, ic_build(req, IC_MSGTYPE_SHUTDOWN, sv[0], sd, 16), 3, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    CHECK_EQ(shutdowns, 1);
    /* The full 2,060-byte body a real host sends (OpenVMM ShutdownMessage),
     * answered in place at its full length. */
    uint8_t *big = calloc(1, IC_HEADER_SIZE + sizeof *sd), *big_rep = calloc(1, 4096);
    sd->flags = 0;
    memset(sd->display_message, 'x', sizeof sd->display_message);
    size_t n = ic_build(big, IC_MSGTYPE_SHUTDOWN, sv[0], sd, sizeof *sd);
    CHECK_EQ(n, IC_HEADER_SIZE + 2060);
    ic_roundtrip(2, big, n, 5, big_rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    CHECK_EQ(shutdowns, 2);
    /* Shorter than the three u32s (the ring pads to 8 bytes, so 4): E_FAIL, logged. */
    unsigned warns = host_log_lines[LOG_WARN];
    ic_roundtrip(2, req, ic_build(req, IC_MSGTYPE_SHUTDOWN, sv[0], sd, 4), 6, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);
    CHECK_EQ(shutdowns, 2);
    free(big);
    free(big_rep);
    free(sd);
    hvutil_unregister_all();
    vmbus_disconnect();
}

static void ic_timesync_sets_clock(void)
{
    ic_setup();
    uint8_t req[512], rep[4096];
    struct ic_msg_header rh;
    const struct ic_version fw[] = { { 3, 0 } }, sv[] = { { 4, 0 }, { 3, 0 } };
    ic_roundtrip(3, req, negotiate_msg(req, fw, 1, sv, 2), 1, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    /* 2024-01-01T00:00:00Z = 1704067200 s after the Unix epoch. */
    struct ic_timesync_ref_msg t = {
        .parenttime = IC_TIMESYNC_UNIX_EPOCH_100NS + 17040672000000000ull,
        .flags = IC_TIMESYNC_FLAG_SYNC };
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, sizeof t), 2, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    CHECK_EQ(wall_ns, 1704067200000000000ull);
    CHECK_EQ(wall_sync, 1);
    /* Flags are bits (Linux adj_guesttime): SAMPLE alone is a soft sample,
     * SYNC|SAMPLE still a hard set. */
    t.flags = IC_TIMESYNC_FLAG_SAMPLE;
    t.parenttime += 10000000ull;     /* + 1 s */
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, sizeof t), 4, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_OK);
    CHECK_EQ(wall_ns, 1704067201000000000ull);
    CHECK_EQ(wall_sync, 0);
    t.flags = IC_TIMESYNC_FLAG_SYNC | IC_TIMESYNC_FLAG_SAMPLE;
    t.parenttime += 10000000ull;
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, sizeof t), 5, rep, &rh);
    CHECK_EQ(wall_ns, 1704067202000000000ull);
    CHECK_EQ(wall_sync, 1);
    /* 4.0 samples carry the reference time they were taken at: the time
     * in transit (0.5 s here) is added; a stamp from the future is not. */
    ref_valid = true;
    ref_now = 123456789;
    t.vmreferencetime = ref_now - 5000000;
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, sizeof t), 6, rep, &rh);
    CHECK_EQ(wall_ns, 1704067202500000000ull);
    t.vmreferencetime = ref_now + 5000000;
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, sizeof t), 7, rep, &rh);
    CHECK_EQ(wall_ns, 1704067202000000000ull);
    ref_valid = false;
    t.vmreferencetime = 0;
    t.flags = IC_TIMESYNC_FLAG_SYNC;
    /* Before 1970: refused, logged, clock untouched. */
    unsigned warns = host_log_lines[LOG_WARN];
    t.parenttime = 5;
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, sizeof t), 3, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    CHECK_EQ(wall_ns, 1704067202000000000ull);
    /* A 4.0 body cut short: refused, logged. */
    ic_roundtrip(3, req, ic_build(req, IC_MSGTYPE_TIMESYNC, sv[0], &t, 8), 8, rep, &rh);
    CHECK_EQ(rh.status, IC_STATUS_FAIL);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 2);
    hvutil_unregister_all();
    vmbus_disconnect();
}

int main(void)
{
    RUN_TEST(gpadl_header_and_bodies);
    RUN_TEST(gpadl_large_through_qemu_queue);
    RUN_TEST(open_send_receive_close);
    RUN_TEST(open_refused_cleans_up);
    RUN_TEST(late_gpadl_created_keeps_rings);
    RUN_TEST(rescind_while_opening_fails_open);
    RUN_TEST(rescind_calls_remove);
    RUN_TEST(modifychannel_by_version);
    RUN_TEST(signal_sets_int_page_bit_unless_dedicated);
    RUN_TEST(post_retries_transient_bad_connection);
    RUN_TEST(ic_negotiate_and_heartbeat);
    RUN_TEST(ic_shutdown_calls_hook);
    RUN_TEST(ic_timesync_sets_clock);
    CHECK_MAIN_END();
}
