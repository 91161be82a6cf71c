/* The model's Dynamic Memory endpoint (drivers/hvsim/vmbus_host_dm.c)
 * against a scripted guest that writes each DM message by hand: the
 * negotiation QEMU hv-balloon runs, a balloon answered in two responses, an
 * unballoon of two runs, and each rule a guest can break, counted under
 * VMBUS_HOST_RULE_DM one by one, in both personalities. */
#include <string.h>
#include "tests/host/check.h"
#include "tests/host/vmbus_host_guest.h"
#include "drivers/hyperv/dm_proto.h"

static uint8_t buf[8192];
static struct fg_chan ch;

static uint64_t dm_hits(void)
{
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    return st.rule_hits[VMBUS_HOST_RULE_DM];
}

static enum vmbus_host_dm_state dm_state(struct vmbus_host_dm_info *i)
{
    vmbus_host_dm_get_info(i);
    return i->state;
}

static void put(uint16_t pkt_type, const void *msg, uint32_t len)
{
    bool sig;
    CHECK_EQ(vmbus_ring_send(&ch.out, pkt_type, 0, 0, msg, len, &sig), 0);
    if (sig)
        fg_signal(ch.conn_id);
}

static void hdr(void *m, uint16_t type, uint16_t size)
{
    struct dm_header h = { type, size, 7 };
    memcpy(m, &h, sizeof h);
}

/* The next host message, its header in *h; 0 when none. */
static uint32_t get(struct dm_header *h)
{
    struct vmbus_ring_pkt pkt;
    fg_recv(&(struct fg_msg){ 0 });   /* let the host run its polls */
    if (vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt) != 1)
        return 0;
    vmbus_ring_commit(&ch.in);
    memmove(buf, buf + pkt.payload_off, pkt.payload_len);
    memcpy(h, buf, sizeof *h);
    return pkt.payload_len;
}

/* Send msg (its header filled in here) and read the host's answer, which
 * must be of type want, as long as *resp, and echo our trans_id. */
static void ask(void *msg, uint16_t type, uint16_t size, uint16_t want, void *resp,
                uint32_t resp_len)
{
    struct dm_header h;
    hdr(msg, type, size);
    put(VMBUS_PKT_DATA_INBAND, msg, size);
    CHECK_EQ(get(&h), resp_len);
    memcpy(resp, buf, resp_len);
    CHECK_EQ(h.type, want);
    CHECK_EQ(h.trans_id, 7);
}

static void version(uint32_t v, bool accepted)
{
    struct dm_version_request r = { .version = v };
    struct dm_version_response a;
    ask(&r, DM_VERSION_REQUEST, sizeof r, DM_VERSION_RESPONSE, &a, sizeof a);
    CHECK_EQ(a.flags & DM_ACCEPTED, accepted);
}

/* Boot with a DM device, open it, negotiate 2.0 and balloon capability. */
static void open_dm(const char *host)
{
    uint32_t relids[8], conns[8];
    struct vmbus_guid classes[8];
    struct vmbus_host_dm_info i;
    const struct vmbus_guid balloon = VMBUS_CLASS_BALLOON;
    fg_dm = "on,wait=0";
    CHECK_EQ(fg_boot(1, host, NULL, NULL, NULL), 0);
    fg_dm = NULL;
    CHECK(fg_negotiate() != 0);
    CHECK_EQ(fg_offers(relids, conns, classes, 8), 5);
    CHECK(memcmp(&classes[4], &balloon, sizeof balloon) == 0);
    CHECK_EQ(fg_open(&ch, relids[4], conns[4], 4, 4, 0), 0);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_VERSION);
    version(DM_VERSION(3, 0), false);   /* QEMU: 0.3 to 2.0 only */
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_VERSION);
    version(DM_VERSION_WIN10, true);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_CAPS);

    struct dm_capabilities c = { .caps = DM_CAP_BALLOON, .max_page_number = ~0ull };
    struct dm_capabilities_response a;
    ask(&c, DM_CAPABILITIES_REPORT, sizeof c, DM_CAPABILITIES_RESPONSE, &a, sizeof a);
    CHECK(a.flags & DM_ACCEPTED);
    CHECK(a.flags & DM_CAPS_RESP_HOT_REMOVE);
    /* QEMU's status-report property is off by default; Hyper-V wants them. */
    CHECK_EQ(!!(a.flags & DM_CAPS_RESP_SUPPRESS_STATUS), strcmp(host, "qemu") == 0);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_IDLE);   /* wait=0 */
    CHECK_EQ(i.caps, DM_CAP_BALLOON);
    CHECK_EQ(dm_hits(), 0);
}

static void balloon_response(const uint64_t *ranges, uint32_t n, bool more, uint32_t claim)
{
    static uint8_t m[256];
    struct dm_balloon_response r = { .more_and_count = claim << 1 | more };
    hdr(&r, DM_BALLOON_RESPONSE, (uint16_t)(sizeof r + n * 8));
    memcpy(m, &r, sizeof r);
    memcpy(m + sizeof r, ranges, n * 8);
    put(VMBUS_PKT_DATA_INBAND, m, (uint32_t)(sizeof r + n * 8));
}

static void unballoon_response(void)
{
    struct dm_unballoon_response r;
    hdr(&r, DM_UNBALLOON_RESPONSE, sizeof r);
    put(VMBUS_PKT_DATA_INBAND, &r, sizeof r);
}

static void dm_flow(const char *host)
{
    struct vmbus_host_dm_info i;
    struct dm_header h;
    open_dm(host);
    uint64_t a = fg_gpa(fg_alloc(4)) / 4096, b = fg_gpa(fg_alloc(6)) / 4096;

    CHECK_EQ(vmbus_host_dm_balloon(10), 0);
    CHECK_EQ(vmbus_host_dm_balloon(10), -1);   /* one operation at a time */
    CHECK_EQ(get(&h), sizeof(struct dm_balloon));
    CHECK_EQ(h.type, DM_BALLOON_REQUEST);
    struct dm_balloon req;
    memcpy(&req, buf, sizeof req);
    CHECK_EQ(req.num_pages, 10);
    uint64_t r1 = DM_RANGE(a, 4), r2 = DM_RANGE(b, 6);
    balloon_response(&r1, 1, true, 1);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_BALLOON);   /* more_pages: more follow */
    CHECK_EQ(i.held_pages, 4);
    /* Each broken rule is named and refused; the operation goes on. */
    balloon_response(&r2, 1, true, 3);             /* count past the message */
    CHECK_EQ(dm_hits(), 1);
    uint64_t outside = DM_RANGE(0x7fff000000ull / 4096, 1);
    balloon_response(&outside, 1, true, 1);        /* not guest RAM */
    CHECK_EQ(dm_hits(), 2);
    balloon_response(&r1, 1, true, 1);             /* given already */
    CHECK_EQ(dm_hits(), 3);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_BALLOON);
    CHECK_EQ(i.held_pages, 4);
    balloon_response(&r2, 1, false, 1);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_IDLE);
    CHECK_EQ(i.held_pages, 10);
    CHECK_EQ(i.transactions, 1);

    /* Unballoon gives back one range a message, the last without
     * more_pages; only then may the guest answer. */
    CHECK_EQ(vmbus_host_dm_unballoon(100), 0);      /* at most what it holds */
    uint64_t back = 0;
    for (int k = 0; k < 2; k++) {
        struct dm_unballoon_request u;
        uint64_t r;
        CHECK_EQ(get(&h), sizeof u + 8);
        CHECK_EQ(h.type, DM_UNBALLOON_REQUEST);
        memcpy(&u, buf, sizeof u);
        memcpy(&r, buf + sizeof u, 8);
        CHECK_EQ(u.range_count, 1);
        CHECK_EQ(u.flags & DM_MORE_PAGES, k == 0);
        CHECK(DM_RANGE_START(r) == (k ? a : b));
        back += DM_RANGE_COUNT(r);
    }
    CHECK_EQ(back, 10);
    unballoon_response();
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_IDLE);
    CHECK_EQ(i.held_pages, 0);
    CHECK_EQ(i.unballoon_responses, 1);
    CHECK_EQ(dm_hits(), 3);
}

/* Messages no host takes: each one a DM rule violation, nothing answered. */
static void dm_bad_messages(const char *host)
{
    struct vmbus_host_dm_info i;
    struct dm_header h;
    uint8_t m[64] = { 0 };
    open_dm(host);
    hdr(m, DM_BALLOON_RESPONSE, 16);
    put(VMBUS_PKT_DATA_INBAND, m, 16);            /* no balloon request pending */
    CHECK_EQ(dm_hits(), 1);
    unballoon_response();                         /* nor an unballoon */
    CHECK_EQ(dm_hits(), 2);
    hdr(m, DM_VERSION_REQUEST, 16);
    put(VMBUS_PKT_DATA_INBAND, m, 16);            /* version again, after negotiation */
    CHECK_EQ(dm_hits(), 3);
    hdr(m, DM_STATUS_REPORT, 40);
    put(VMBUS_PKT_DATA_INBAND, m, 40);            /* status report of 40 bytes (48) */
    CHECK_EQ(dm_hits(), 4);
    hdr(m, DM_MEM_HOT_REMOVE_RESPONSE, 16);
    put(VMBUS_PKT_DATA_INBAND, m, 16);            /* a type this host never asked for */
    CHECK_EQ(dm_hits(), 5);
    hdr(m, DM_STATUS_REPORT, 48);
    put(VMBUS_PKT_DATA_USING_GPA_DIRECT, m, 48);  /* not in-band */
    CHECK_EQ(dm_hits(), 6);
    put(VMBUS_PKT_DATA_INBAND, m, 48);            /* a good status report */
    CHECK_EQ(dm_hits(), 6);
    CHECK_EQ(dm_state(&i), VMBUS_HOST_DM_IDLE);
    CHECK_EQ(i.status_reports, 1);
    CHECK_EQ(get(&h), 0);                         /* none of it answered */
}

static void test_flow(void)
{
    dm_flow("hyperv");
    dm_flow("qemu");
}

static void test_bad_messages(void)
{
    dm_bad_messages("hyperv");
    dm_bad_messages("qemu");
}

int main(void)
{
    RUN_TEST(test_flow);
    RUN_TEST(test_bad_messages);
    CHECK_MAIN_END();
}
