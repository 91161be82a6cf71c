/* VMBus host model: control plane against a scripted guest. */
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim.h"
#include "tests/host/check.h"
#include "tests/host/vmbus_host_guest.h"

static uint32_t rd32(const struct fg_msg *m, unsigned off)
{
    uint32_t v;
    memcpy(&v, m->data + off, 4);
    return v;
}

static void test_version_hyperv(void)
{
    struct fg_msg r;
    CHECK_EQ(fg_boot(1, "hyperv", NULL, NULL, NULL), 0);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_3, 4, &r), 0);
    CHECK_EQ(r.type, VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(r.len, 16);
    CHECK_EQ(r.data[8], 1);
    CHECK_EQ(r.data[9], VMBUS_CONNECTION_STATE_OK);
    /* OpenVMM's VTL0 server: later messages on connection 1 */
    CHECK_EQ(rd32(&r, 12), VMBUS_MESSAGE_CONNECTION_ID);
    /* below 5.0 bytes 12..15 carry the selected version (OpenVMM) */
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10, 1, &r), 0);
    CHECK_EQ(rd32(&r, 12), VMBUS_VERSION_WIN10);
    /* a version Hyper-V never had */
    CHECK_EQ(fg_contact(VMBUS_VERSION(4, 2), 1, &r), 0);
    CHECK_EQ(r.data[8], 0);
    CHECK_EQ(fg_negotiate(), VMBUS_VERSION_WIN10_5_3);
    /* lowered maximum */
    CHECK_EQ(fg_boot(1, "hyperv:4.1", NULL, NULL, NULL), 0);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_0, 4, &r), 0);
    CHECK_EQ(r.data[8], 0);
    CHECK_EQ(fg_negotiate(), VMBUS_VERSION_WIN10_4_1);
}

static void test_version_qemu(void)
{
    struct fg_msg r;
    CHECK_EQ(fg_boot(1, "qemu", NULL, NULL, NULL), 0);
    /* 5.x goes to connection 4, where QEMU has no handler. */
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_3, 4, NULL), HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_0, 1, &r), 0);
    CHECK_EQ(r.data[8], 0);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10, 1, &r), 0);
    CHECK_EQ(r.data[8], 1);
    CHECK_EQ(r.len, 16);             /* 12 bytes, rounded up to 8 by post_msg */
    CHECK_EQ(rd32(&r, 12), 0);
    CHECK_EQ(fg_negotiate(), VMBUS_VERSION_WIN10);
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.version, VMBUS_VERSION_WIN10);
    /* QEMU vmbus_recv_message: VMBus type 0 or >= 18, or a payload under
     * 8 bytes, fails the hypercall with INVALID_HYPERCALL_INPUT */
    struct vmbus_msg_header h = { .msgtype = 22 };
    CHECK_EQ(fg_post(1, &h, sizeof h), HV_STATUS_INVALID_HYPERCALL_INPUT);
    h.msgtype = VMBUS_MSG_INVALID;
    CHECK_EQ(fg_post(1, &h, sizeof h), HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK_EQ(fg_post(1, &h, 4), HV_STATUS_INVALID_HYPERCALL_INPUT);
}

static void offers_case(const char *host, const char *n, const char *mode, unsigned expect)
{
    static uint32_t relids[2100], conns[2100];
    static struct vmbus_guid cls[2100];
    static bool seen[2048];
    CHECK_EQ(fg_boot(1, host, n, mode, NULL), 0);
    CHECK(fg_negotiate() != 0);
    unsigned got = fg_offers(relids, conns, cls, 2100);
    CHECK_EQ(got, expect);
    if (got != expect)
        return;
    memset(seen, 0, sizeof seen);
    bool unique = true, conn_ok = true, dense = true;
    for (unsigned i = 0; i < got; i++) {
        CHECK(relids[i] >= 1 && relids[i] < 2048);
        if (relids[i] >= 2048)
            return;
        unique &= !seen[relids[i]];
        seen[relids[i]] = true;
        dense &= relids[i] == i + 1;
        if (strcmp(host, "qemu") == 0)
            conn_ok &= conns[i] == 16 + relids[i];
        else   /* OpenVMM ConnectionId::new: relid | SINT 2 << 12 (VTL0) */
            conn_ok &= conns[i] == (relids[i] | VMBUS_MESSAGE_SINT << 12);
    }
    CHECK(unique);
    CHECK(conn_ok);
    if (strcmp(mode, "dense") == 0)
        CHECK(dense);
    else if (strncmp(mode, "random", 6) == 0 || expect < 2047)
        CHECK(!dense);   /* sparse over all 2047 relids is dense, by definition */
    const struct vmbus_guid hb = VMBUS_CLASS_HEARTBEAT, echo = VMBUS_CLASS_SINTER_ECHO;
    CHECK(memcmp(&cls[0], &hb, 16) == 0);
    CHECK(memcmp(&cls[3], &echo, 16) == 0);
}

static void test_offers(void)
{
    offers_case("hyperv", "0", "dense", 4);
    offers_case("hyperv", "1", "dense", 5);
    offers_case("hyperv", "100", "sparse", 104);
    offers_case("hyperv", "100", "random:7", 104);
    offers_case("hyperv", "2043", "dense", 2047);
    offers_case("hyperv", "2043", "sparse", 2047);
    offers_case("hyperv", "2043", "random:12345", 2047);
    offers_case("qemu", "100", "dense", 104);
    offers_case("qemu", "2043", "random:3", 2047);
    /* sparse really spreads: the last relid is near the top */
    uint32_t r[8];
    CHECK_EQ(fg_boot(1, "hyperv", "4", "sparse", NULL), 0);
    CHECK(fg_negotiate() != 0);
    CHECK_EQ(fg_offers(r, NULL, NULL, 8), 8);
    CHECK(r[7] > 1700);
}

/* A model with its four built-in channels, connected and offered. */
static void up_four(unsigned vps, const char *host, uint32_t relids[8])
{
    CHECK_EQ(fg_boot(vps, host, NULL, NULL, NULL), 0);
    CHECK(fg_negotiate() != 0);
    CHECK_EQ(fg_offers(relids, NULL, NULL, 8), 4);
}

static void test_gpadl_reassembly(void)
{
    CHECK_EQ(fg_boot(1, "hyperv", NULL, NULL, NULL), 0);
    CHECK(fg_negotiate() != 0);
    uint32_t relids[8];
    CHECK_EQ(fg_offers(relids, NULL, NULL, 8), 4);
    uint8_t *mem = fg_alloc(100);
    /* Header with 26 PFNs, then bodies of 28: no answer before the last. */
    uint8_t buf[240];
    struct vmbus_msg_gpadl_header h = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER,
        .child_relid = relids[3], .gpadl = 0x100, .range_buflen = 8 + 8 * 100, .rangecount = 1 };
    struct vmbus_gpa_range rg = { .byte_count = 100 * 4096 };
    memcpy(buf, &h, sizeof h);
    memcpy(buf + 20, &rg, 8);
    for (unsigned i = 0; i < 26; i++) {
        uint64_t pfn = (fg_gpa(mem) >> 12) + i;
        memcpy(buf + 28 + 8 * i, &pfn, 8);
    }
    CHECK_EQ(fg_post(1, buf, 28 + 26 * 8), 0);
    unsigned sent = 26;
    struct fg_msg m;
    while (sent < 100) {
        CHECK(!fg_recv(&m));
        unsigned k = 100 - sent < 28 ? 100 - sent : 28;
        struct vmbus_msg_gpadl_body b = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = 0x100 };
        memcpy(buf, &b, sizeof b);
        for (unsigned i = 0; i < k; i++) {
            uint64_t pfn = (fg_gpa(mem) >> 12) + sent + i;
            memcpy(buf + 16 + 8 * i, &pfn, 8);
        }
        CHECK_EQ(fg_post(1, buf, 16 + 8 * k), 0);
        sent += k;
    }
    CHECK(fg_recv(&m));
    CHECK_EQ(m.type, VMBUS_MSG_GPADL_CREATED);
    CHECK_EQ(rd32(&m, 8), relids[3]);
    CHECK_EQ(rd32(&m, 12), 0x100);
    CHECK_EQ(rd32(&m, 16), 0);
    /* duplicate handle, two ranges, PFN outside RAM: Hyper-V says failure */
    CHECK_EQ(fg_gpadl(relids[3], 0x100, mem, 2), VMBUS_HOST_STATUS_UNSUCCESSFUL);
    h.gpadl = 0x101;
    h.rangecount = 2;
    h.range_buflen = 8 + 8;
    memcpy(buf, &h, sizeof h);
    rg.byte_count = 4096;
    memcpy(buf + 20, &rg, 8);
    CHECK_EQ(fg_post(1, buf, 36), 0);
    CHECK(fg_wait(VMBUS_MSG_GPADL_CREATED, &m));
    CHECK_EQ(rd32(&m, 16), VMBUS_HOST_STATUS_UNSUCCESSFUL);
    static uint8_t not_ram[8192] __attribute__((aligned(4096)));
    CHECK_EQ(fg_gpadl(relids[3], 0x102, not_ram, 2), VMBUS_HOST_STATUS_UNSUCCESSFUL);
    /* teardown -> TORNDOWN */
    struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
                                          .child_relid = relids[3], .gpadl = 0x100 };
    CHECK_EQ(fg_post(1, &t, sizeof t), 0);
    CHECK(fg_wait(VMBUS_MSG_GPADL_TORNDOWN, &m));
    CHECK_EQ(rd32(&m, 8), 0x100);
    /* QEMU ignores a GPADL it cannot use: no answer at all */
    up_four(1, "qemu", relids);
    CHECK_EQ(fg_post(1, buf, 36), 0);
    CHECK(!fg_recv(&m));
}

static void test_open_result(void)
{
    struct fg_chan ch, ch2;
    uint32_t relids[8];
    up_four(2, "hyperv", relids);
    CHECK_EQ(fg_open(&ch, relids[3], relids[3] | VMBUS_MESSAGE_SINT << 12, 4, 4, 1), 0);
    struct vmbus_host_chan_info info;
    CHECK_EQ(vmbus_host_chan_info(relids[3], &info), 0);
    CHECK_EQ(info.state, VMBUS_HOST_CH_OPEN);
    CHECK_EQ(info.target_vp, 1);
    /* second open of the same channel, bad VP, bad offset */
    CHECK_EQ(fg_open(&ch2, relids[3], 0, 4, 4, 0), VMBUS_HOST_STATUS_UNSUCCESSFUL);
    CHECK_EQ(fg_open(&ch2, relids[2], 0, 4, 4, 7), VMBUS_HOST_STATUS_UNSUCCESSFUL);
    CHECK_EQ(fg_open(&ch2, relids[2], 0, 1, 4, 0), VMBUS_HOST_STATUS_UNSUCCESSFUL);
    /* close, then MODIFYCHANNEL (5.3 answers) and UNLOAD */
    struct vmbus_msg_modify_channel mc = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
                                           .child_relid = relids[3], .target_vp = 0 };
    struct fg_msg m;
    CHECK_EQ(fg_post(1, &mc, sizeof mc), 0);
    CHECK(fg_wait(VMBUS_MSG_MODIFYCHANNEL_RESPONSE, &m));
    CHECK_EQ(rd32(&m, 12), 0);
    vmbus_host_chan_info(relids[3], &info);
    CHECK_EQ(info.target_vp, 0);
    struct vmbus_msg_relid cl = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = relids[3] };
    CHECK_EQ(fg_post(1, &cl, sizeof cl), 0);
    vmbus_host_chan_info(relids[3], &info);
    CHECK_EQ(info.state, VMBUS_HOST_CH_OFFERED);
    struct vmbus_msg_header u = { .msgtype = VMBUS_MSG_UNLOAD };
    CHECK_EQ(fg_post(1, &u, sizeof u), 0);
    CHECK(fg_wait(VMBUS_MSG_UNLOAD_RESPONSE, &m));
    /* QEMU: failure status is 1; unknown relid gets no answer */
    up_four(1, "qemu", relids);
    CHECK_EQ(fg_open(&ch, relids[3], 16 + relids[3], 2, 2, 0), 0);
    CHECK_EQ(fg_open(&ch2, relids[2], 0, 1, 4, 0), VMBUS_HOST_QEMU_OPEN_FAILED);
    struct vmbus_msg_open_channel o = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL, .child_relid = 999 };
    CHECK_EQ(fg_post(1, &o, sizeof o), 0);
    CHECK(!fg_recv(&m));
    /* 4.0 knows no MODIFYCHANNEL (type 22 >= QEMU's 18) */
    CHECK_EQ(fg_post(1, &mc, sizeof mc), HV_STATUS_INVALID_HYPERCALL_INPUT);
}

static void test_rescind_reuse(void)
{
    uint32_t relids[8];
    struct fg_msg m;
    CHECK_EQ(fg_boot(1, "hyperv", "2", "dense", NULL), 0);
    CHECK(fg_negotiate() != 0);
    CHECK_EQ(fg_offers(relids, NULL, NULL, 8), 6);
    uint8_t *mem = fg_alloc(2);
    CHECK_EQ(fg_gpadl(3, 0x300, mem, 2), 0);
    CHECK_EQ(vmbus_host_rescind(3), 0);
    CHECK(fg_wait(VMBUS_MSG_RESCIND_CHANNELOFFER, &m));
    CHECK_EQ(rd32(&m, 8), 3);
    CHECK_EQ(vmbus_host_rescind(3), -1);         /* already rescinded */
    /* not released yet: a hot offer may not reuse 3 */
    CHECK_EQ(vmbus_host_offer(VMBUS_HOST_DEV_ECHO), 7);
    CHECK(fg_wait(VMBUS_MSG_OFFERCHANNEL, &m));
    CHECK_EQ(rd32(&m, 184), 7);
    struct vmbus_msg_relid rr = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED, .child_relid = 3 };
    CHECK_EQ(fg_post(1, &rr, sizeof rr), 0);
    CHECK_EQ(vmbus_host_offer(VMBUS_HOST_DEV_SCSI), 3);   /* dense reuse */
    CHECK(fg_wait(VMBUS_MSG_OFFERCHANNEL, &m));
    CHECK_EQ(rd32(&m, 184), 3);
    /* The released relid's GPADL was dropped without GPADL_TEARDOWN (Linux
     * sends none after a rescind): its handle is free again. */
    CHECK_EQ(fg_gpadl(2, 0x300, mem, 2), 0);
    /* releasing a live relid is refused */
    struct vmbus_host_stats st0, st1;
    vmbus_host_get_stats(&st0);
    rr.child_relid = 2;
    fg_post(1, &rr, sizeof rr);
    vmbus_host_get_stats(&st1);
    CHECK_EQ(st1.bad_guest_msgs, st0.bad_guest_msgs + 1);
    CHECK_EQ(st1.live_channels, 7);
}

/* QEMU keeps 16 guest messages while it waits for the guest: the 17th gets
 * INSUFFICIENT_BUFFERS. Here the guest never drains its slot. */
static void test_qemu_queue_depth(void)
{
    CHECK_EQ(fg_boot(1, "qemu", "100", NULL, NULL), 0);
    CHECK_EQ(fg_negotiate(), VMBUS_VERSION_WIN10);
    struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
    CHECK_EQ(fg_post(1, &h, sizeof h), 0);       /* offers fill the SINT queue */
    struct vmbus_msg_relid cl = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = 1 };
    for (unsigned i = 0; i < 16; i++)
        CHECK_EQ(fg_post(1, &cl, sizeof cl), 0);
    CHECK_EQ(fg_post(1, &cl, sizeof cl), HV_STATUS_INSUFFICIENT_BUFFERS);
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.msgs_refused_busy, 1);
    /* draining lets everything through, offers complete */
    uint32_t relids[128];
    struct fg_msg m;
    unsigned offers = 0;
    while (fg_recv_vp(0, &m, 8) && m.type != VMBUS_MSG_ALLOFFERS_DELIVERED)
        offers += m.type == VMBUS_MSG_OFFERCHANNEL;
    CHECK_EQ(offers, 104);
    CHECK_EQ(m.type, VMBUS_MSG_ALLOFFERS_DELIVERED);
    (void)relids;
}


static uint64_t rule_hits(enum vmbus_host_rule r)
{
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    return st.rule_hits[r];
}

/* Model fix 1: every QEMU message is rounded up to 8 bytes (post_msg);
 * Hyper-V (OpenVMM) sends each struct at its size. */
static void lengths_case(const char *host, uint32_t created, uint32_t result, uint32_t torndown)
{
    struct fg_msg m;
    struct fg_chan ch;
    uint32_t relids[8];
    up_four(1, host, relids);
    CHECK_EQ(fg_gpadl(relids[2], 0x77, fg_alloc(2), 2), 0);
    CHECK_EQ(fg_last.type, VMBUS_MSG_GPADL_CREATED);
    CHECK_EQ(fg_last.len, created);
    CHECK_EQ(fg_open(&ch, relids[3], 0, 2, 2, 0), 0);
    CHECK_EQ(fg_last.type, VMBUS_MSG_OPENCHANNEL_RESULT);
    CHECK_EQ(fg_last.len, result);
    struct vmbus_msg_relid cl = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = relids[3] };
    CHECK_EQ(fg_post(1, &cl, sizeof cl), 0);
    struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
                                          .child_relid = relids[3], .gpadl = ch.gpadl };
    CHECK_EQ(fg_post(1, &t, sizeof t), 0);
    CHECK(fg_wait(VMBUS_MSG_GPADL_TORNDOWN, &m));
    CHECK_EQ(m.len, torndown);
}

static void test_message_lengths(void)
{
    lengths_case("qemu", 24, 24, 16);
    lengths_case("hyperv", 20, 20, 12);
}

/* Model fix 2: QEMU answers GPADL_TORNDOWN at once, even while the ring is
 * in use; Hyper-V when the channel has closed. */
static void teardown_while_open(const char *host, bool at_once)
{
    struct fg_msg m;
    struct fg_chan ch;
    uint32_t relids[8];
    up_four(1, host, relids);
    CHECK_EQ(fg_open(&ch, relids[3], 0, 2, 2, 0), 0);
    struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
                                          .child_relid = relids[3], .gpadl = ch.gpadl };
    CHECK_EQ(fg_post(1, &t, sizeof t), 0);
    CHECK_EQ(fg_wait(VMBUS_MSG_GPADL_TORNDOWN, &m), at_once);
    struct vmbus_msg_relid cl = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = relids[3] };
    CHECK_EQ(fg_post(1, &cl, sizeof cl), 0);
    CHECK_EQ(fg_wait(VMBUS_MSG_GPADL_TORNDOWN, &m), !at_once);   /* exactly one in all */
}

static void test_torndown_timing(void)
{
    teardown_while_open("qemu", true);
    teardown_while_open("hyperv", false);
}

/* Model fix 3: Hyper-V answers REQUESTOFFERS once (OpenVMM
 * OffersAlreadySent); QEMU walks the offers again (none left to send). */
static void test_second_requestoffers(void)
{
    uint32_t relids[8];
    struct fg_msg m;
    up_four(1, "hyperv", relids);
    uint64_t before = rule_hits(VMBUS_HOST_RULE_REQUESTOFFERS);
    struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
    CHECK_EQ(fg_post(1, &h, sizeof h), 0);
    CHECK(!fg_recv(&m));
    CHECK_EQ(rule_hits(VMBUS_HOST_RULE_REQUESTOFFERS), before + 1);
    up_four(1, "qemu", relids);
    CHECK_EQ(fg_post(1, &h, sizeof h), 0);
    CHECK(fg_wait(VMBUS_MSG_ALLOFFERS_DELIVERED, &m));
    CHECK_EQ(rule_hits(VMBUS_HOST_RULE_REQUESTOFFERS), 0);
}

static uint16_t contact_with(uint32_t version, uint32_t conn, uint32_t vcpu, uint8_t sint,
                             uint64_t mon1, uint64_t mon2)
{
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof c);
    c.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
    c.version_requested = version;
    c.target_vcpu = vcpu;
    if (version >= VMBUS_VERSION_WIN10_5_0)
        c.u.v5.msg_sint = sint;
    c.monitor_page1 = mon1;
    c.monitor_page2 = mon2;
    return fg_post(conn, &c, sizeof c);
}

/* Model fix 3: INITIATE_CONTACT as OpenVMM handles it: one monitor page
 * fails the connection (supported, connection_state FAILED_UNKNOWN); a SINT
 * other than 2 is refused; target_vcpu counts only from WIN8_1. */
static void test_contact_checks(void)
{
    struct fg_msg m;
    uint8_t *mon = fg_alloc(2);
    CHECK_EQ(fg_boot(2, "hyperv", NULL, NULL, NULL), 0);
    CHECK_EQ(contact_with(VMBUS_VERSION_WIN10_5_3, 4, 0, 2, fg_gpa(mon), 0), 0);
    CHECK(fg_wait(VMBUS_MSG_VERSION_RESPONSE, &m));
    CHECK_EQ(m.data[8], 1);
    CHECK_EQ(m.data[9], VMBUS_CONNECTION_STATE_FAILED_UNKNOWN);
    CHECK_EQ(rule_hits(VMBUS_HOST_RULE_CONTACT), 1);
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.version, 0);                                   /* not connected */
    CHECK_EQ(contact_with(VMBUS_VERSION_WIN10_5_3, 4, 0, 2, fg_gpa(mon), fg_gpa(mon) + 4096), 0);
    CHECK(fg_wait(VMBUS_MSG_VERSION_RESPONSE, &m));
    CHECK_EQ(m.data[9], VMBUS_CONNECTION_STATE_OK);
    /* SINT 3: nothing on SINT 2, a rule broken */
    CHECK_EQ(contact_with(VMBUS_VERSION_WIN10_5_3, 4, 0, 3, 0, 0), 0);
    CHECK(!fg_recv(&m));
    CHECK_EQ(rule_hits(VMBUS_HOST_RULE_CONTACT), 2);
    /* WIN8: messages go to VP0 whatever target_vcpu says; WIN8_1: to it */
    CHECK_EQ(contact_with(VMBUS_VERSION_WIN8, 1, 1, 0, 0, 0), 0);
    CHECK(fg_recv_vp(0, &m, 4));
    CHECK_EQ(m.type, VMBUS_MSG_VERSION_RESPONSE);
    CHECK_EQ(contact_with(VMBUS_VERSION_WIN8_1, 1, 1, 0, 0, 0), 0);
    CHECK(!fg_recv_vp(0, &m, 4));
    CHECK(fg_recv_vp(1, &m, 4));
    CHECK_EQ(m.type, VMBUS_MSG_VERSION_RESPONSE);
    /* QEMU checks none of it (vmbus.c handle_initiate_contact) */
    CHECK_EQ(fg_boot(2, "qemu", NULL, NULL, NULL), 0);
    CHECK_EQ(contact_with(VMBUS_VERSION_WIN8, 1, 1, 0, fg_gpa(mon), 0), 0);
    CHECK(fg_recv_vp(1, &m, 4));
    CHECK_EQ(m.data[8], 1);
    CHECK_EQ(m.data[9], VMBUS_CONNECTION_STATE_OK);
}

/* Model fix 4: failure statuses are OpenVMM's STATUS_UNSUCCESSFUL; the
 * bad_state fault fails one contact with connection_state LOW_RESOURCES. */
static void test_failure_values(void)
{
    struct fg_msg m;
    CHECK_EQ(VMBUS_HOST_STATUS_UNSUCCESSFUL, 0x8000FFFFu);
    CHECK_EQ(fg_boot(1, "hyperv", NULL, NULL, "bad_state"), 0);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_3, 4, &m), 0);
    CHECK_EQ(m.data[8], 1);
    CHECK_EQ(m.data[9], VMBUS_CONNECTION_STATE_LOW_RESOURCES);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_3, 4, &m), 0);
    CHECK_EQ(m.data[9], VMBUS_CONNECTION_STATE_OK);
    CHECK_EQ(rule_hits(VMBUS_HOST_RULE_CONTACT), 0);   /* the host's failure, not the guest's */
}

/* hvsim.strict: each rule, broken on purpose by the scripted guest, is
 * counted under its own name (and only there); each has a source. */
static void expect_rule(enum vmbus_host_rule r, const void *msg, uint32_t len)
{
    struct vmbus_host_stats a, b;
    vmbus_host_get_stats(&a);
    fg_post(1, msg, len);
    vmbus_host_get_stats(&b);
    CHECK_EQ(b.rule_hits[r] - a.rule_hits[r], 1);
    CHECK_EQ(b.violations - a.violations, 1);
    if (b.rule_hits[r] - a.rule_hits[r] != 1)
        fprintf(stderr, "  rule '%s' did not fire\n", vmbus_host_rule(r)->name);
}

static void test_every_rule_fires(void)
{
    for (unsigned r = 0; r < VMBUS_HOST_RULE_COUNT; r++) {
        const struct vmbus_host_rule_info *ri = vmbus_host_rule((enum vmbus_host_rule)r);
        CHECK(ri && ri->name && ri->what && ri->source && strlen(ri->source) > 10);
    }
    struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
    CHECK_EQ(fg_boot(1, "hyperv", NULL, NULL, NULL), 0);
    expect_rule(VMBUS_HOST_RULE_STATE, &h, sizeof h);            /* before contact */
    h.msgtype = VMBUS_MSG_UNLOAD;
    expect_rule(VMBUS_HOST_RULE_UNLOAD, &h, sizeof h);
    CHECK(fg_negotiate() != 0);
    uint32_t relids[8];
    CHECK_EQ(fg_offers(relids, NULL, NULL, 8), 4);
    h.msgtype = VMBUS_MSG_VERSION_RESPONSE;                       /* host-to-guest */
    expect_rule(VMBUS_HOST_RULE_TYPE, &h, sizeof h);
    struct vmbus_msg_open_channel o = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL,
                                        .child_relid = relids[0], .ringbuffer_gpadl = 0x999 };
    expect_rule(VMBUS_HOST_RULE_SHORT, &o, 12);
    expect_rule(VMBUS_HOST_RULE_OPEN, &o, sizeof o);              /* no such GPADL */
    struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
                                          .child_relid = relids[0], .gpadl = 0x999 };
    expect_rule(VMBUS_HOST_RULE_GPADL, &t, sizeof t);
    struct vmbus_msg_relid rel = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL, .child_relid = relids[0] };
    expect_rule(VMBUS_HOST_RULE_CLOSE, &rel, sizeof rel);          /* not open */
    rel.hdr.msgtype = VMBUS_MSG_RELID_RELEASED;
    expect_rule(VMBUS_HOST_RULE_RELEASE, &rel, sizeof rel);        /* not rescinded */
    CHECK_EQ(fg_boot(1, "hyperv:4.0", NULL, NULL, NULL), 0);
    CHECK(fg_negotiate() != 0);
    struct vmbus_msg_modify_channel mc = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
                                           .child_relid = 1 };
    expect_rule(VMBUS_HOST_RULE_MODIFY, &mc, sizeof mc);           /* 4.0 has none */
    /* post, contact, requestoffers, ring, signal, ic: test_version_qemu,
     * test_contact_checks, test_second_requestoffers and
     * vmbus_host_dev_test.c break them on purpose. */
}

int main(void)
{
    RUN_TEST(test_version_hyperv);
    RUN_TEST(test_version_qemu);
    RUN_TEST(test_offers);
    RUN_TEST(test_gpadl_reassembly);
    RUN_TEST(test_open_result);
    RUN_TEST(test_rescind_reuse);
    RUN_TEST(test_qemu_queue_depth);
    RUN_TEST(test_message_lengths);
    RUN_TEST(test_torndown_timing);
    RUN_TEST(test_second_requestoffers);
    RUN_TEST(test_contact_checks);
    RUN_TEST(test_failure_values);
    RUN_TEST(test_every_rule_fires);
    CHECK_MAIN_END();
}
