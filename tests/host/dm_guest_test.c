/* The DM guest's message handling (drivers/dm/dm_msg.c) against a fake
 * page pool: negotiation, balloon and unballoon moving pages out of and
 * back into the pool, and every bad count, range, size and phase refused
 * without touching a page. */
#include <stdbool.h>
#include <string.h>
#include "drivers/dm/dm.h"
#include "tests/host/check.h"
#include "tests/host/dm_fake_pool.h"

static struct dm_state s;
static uint8_t out[DM_MSG_MAX], msg[DM_MSG_MAX];

static struct dm_header out_hdr(void)
{
    struct dm_header h;
    memcpy(&h, out, sizeof h);
    return h;
}

static size_t send_flags(uint16_t type, uint64_t flags)
{
    struct dm_version_response r = { { type, sizeof r, s.trans_id }, flags };
    memcpy(msg, &r, sizeof r);
    return dm_handle(&s, msg, sizeof r, out, sizeof out);
}

/* Open, version 2.0 accepted, caps accepted: READY with a first status. */
static void ready(void)
{
    dm_pool_reset();
    memset(&s, 0, sizeof s);
    size_t n = dm_start(&s, out, sizeof out);
    CHECK_EQ(n, sizeof(struct dm_version_request));
    struct dm_version_request vr;
    memcpy(&vr, out, sizeof vr);
    CHECK_EQ(vr.hdr.type, DM_VERSION_REQUEST);
    CHECK_EQ(vr.version, DM_VERSION_WIN10);
    CHECK_EQ(vr.flags, 0);
    n = send_flags(DM_VERSION_RESPONSE, DM_ACCEPTED);
    CHECK_EQ(n, sizeof(struct dm_capabilities));
    struct dm_capabilities c;
    memcpy(&c, out, sizeof c);
    CHECK_EQ(c.hdr.type, DM_CAPABILITIES_REPORT);
    CHECK_EQ(c.caps, DM_CAP_BALLOON);
    n = send_flags(DM_CAPABILITIES_RESPONSE, DM_ACCEPTED);
    CHECK_EQ(n, sizeof(struct dm_status));
    CHECK_EQ(out_hdr().type, DM_STATUS_REPORT);
    CHECK_EQ(s.phase, DM_PH_READY);
}

static void test_version_fallback(void)
{
    dm_pool_reset();
    memset(&s, 0, sizeof s);
    dm_start(&s, out, sizeof out);
    CHECK_EQ(send_flags(DM_VERSION_RESPONSE, 0), sizeof(struct dm_version_request));
    struct dm_version_request vr;
    memcpy(&vr, out, sizeof vr);
    CHECK_EQ(vr.version, DM_VERSION_WIN8);
    CHECK_EQ(vr.flags, DM_VERSION_LAST_ATTEMPT);
    CHECK_EQ(send_flags(DM_VERSION_RESPONSE, 0), 0);
    CHECK_EQ(s.phase, DM_PH_FAILED);
    CHECK_EQ(refusals_seen(&s.refused), 0);
}

static size_t balloon(uint32_t pages)
{
    struct dm_balloon b = { { DM_BALLOON_REQUEST, sizeof b, 77 }, pages, 0 };
    memcpy(msg, &b, sizeof b);
    return dm_handle(&s, msg, sizeof b, out, sizeof out);
}

static size_t unballoon(const uint64_t *ranges, uint32_t count, uint32_t claimed, uint32_t flags)
{
    struct dm_unballoon_request u = { { DM_UNBALLOON_REQUEST, 0, 78 }, flags, claimed };
    size_t len = sizeof u + count * 8u;
    u.hdr.size = (uint16_t)len;
    memcpy(msg, &u, sizeof u);
    memcpy(msg + sizeof u, ranges, count * 8u);
    return dm_handle(&s, msg, len, out, sizeof out);
}

/* Ranges in the last balloon response, summed and checked against the pool. */
static uint64_t response_pages(void)
{
    struct dm_balloon_response r;
    memcpy(&r, out, sizeof r);
    CHECK_EQ(r.hdr.type, DM_BALLOON_RESPONSE);
    CHECK_EQ(r.hdr.trans_id, 77);
    CHECK_EQ(r.more_and_count & 1, 0);
    uint32_t n = r.more_and_count >> 1;
    CHECK_EQ(r.hdr.size, sizeof r + n * 8u);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t g;
        memcpy(&g, out + sizeof r + i * 8, 8);
        for (uint32_t k = 0; k < DM_RANGE_COUNT(g); k++)
            CHECK(dm_pool_used[DM_RANGE_START(g) + k - DM_POOL_BASE]);
        sum += DM_RANGE_COUNT(g);
    }
    return sum;
}

static void test_balloon_unballoon(void)
{
    ready();
    CHECK(balloon(1000) > 0);
    CHECK_EQ(response_pages(), 1000);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES - 1000);
    CHECK_EQ(s.ballooned, 1000);
    /* Give back the middle of the first run, then everything else. */
    uint64_t first = s.runs[0].pfn;
    uint64_t mid = DM_RANGE(first + 10, 20);
    CHECK_EQ(unballoon(&mid, 1, 1, 0), sizeof(struct dm_unballoon_response));
    CHECK_EQ(out_hdr().type, DM_UNBALLOON_RESPONSE);
    CHECK_EQ(out_hdr().trans_id, 78);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES - 980);
    while (s.n_runs) {
        uint64_t r = DM_RANGE(s.runs[0].pfn, s.runs[0].pages);
        bool last = s.n_runs == 1;
        size_t got = unballoon(&r, 1, 1, last ? 0 : DM_MORE_PAGES);
        CHECK_EQ(got, last ? sizeof(struct dm_unballoon_response) : 0);
    }
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES);
    CHECK_EQ(s.ballooned, 0);
    CHECK_EQ(refusals_seen(&s.refused), 0);
}

/* A host merges what it was given (QEMU's page range tree), so one range
 * it gives back may span two runs the guest took separately. */
static void test_range_across_runs(void)
{
    ready();
    CHECK(balloon(1000) > 0);
    CHECK_EQ(s.n_runs, 2);
    uint64_t first = s.runs[0].pfn;
    CHECK_EQ(s.runs[1].pfn, first + s.runs[0].pages);   /* the pool gives neighbours */
    uint64_t before = refusals_seen(&s.refused);
    uint64_t past_end = DM_RANGE(first + 990, 20);        /* ends outside what is held */
    CHECK_EQ(unballoon(&past_end, 1, 1, 0), sizeof(struct dm_unballoon_response));
    CHECK_EQ(refusals_seen(&s.refused), before + 1);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES - 1000);                        /* not one page of it back */
    uint64_t across = DM_RANGE(first + 500, 20);
    CHECK_EQ(unballoon(&across, 1, 1, 0), sizeof(struct dm_unballoon_response));
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES - 980);
    uint64_t rest[2] = { DM_RANGE(first, 500), DM_RANGE(first + 520, 480) };
    CHECK_EQ(unballoon(rest, 2, 2, 0), sizeof(struct dm_unballoon_response));
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES);
    CHECK_EQ(s.ballooned, 0);
    CHECK_EQ(s.n_runs, 0);
    CHECK_EQ(refusals_seen(&s.refused), before + 1);
}

/* The floor: a request for the whole pool leaves DM_FLOOR_PAGES free. */
static void test_floor(void)
{
    ready();
    CHECK(balloon(DM_POOL_PAGES - 1) > 0);
    CHECK_EQ(response_pages(), DM_POOL_PAGES - DM_FLOOR_PAGES);
    CHECK_EQ(dm_pool_free, DM_FLOOR_PAGES);
    dm_release_all(&s);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES);
}

static void test_bad_counts_and_ranges(void)
{
    ready();
    /* 0 pages, more pages than the guest has: refused, answered empty. */
    CHECK(balloon(0) > 0);
    CHECK_EQ(response_pages(), 0);
    CHECK(balloon(0xffffffffu) > 0);
    CHECK_EQ(response_pages(), 0);
    CHECK_EQ(refusals_seen(&s.refused), 2);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES);
    CHECK(balloon(16) > 0);
    uint64_t pfn = s.runs[0].pfn;
    uint64_t before = refusals_seen(&s.refused);
    /* Ranges not ballooned: outside, overlapping the end, zero pages,
     * PFN 0 with the maximum count. */
    uint64_t bad[4] = { DM_RANGE(pfn + 100, 1), DM_RANGE(pfn + 8, 9), DM_RANGE(pfn, 0),
                        DM_RANGE(0, DM_RANGE_MAX_COUNT) };
    CHECK_EQ(unballoon(bad, 4, 4, 0), sizeof(struct dm_unballoon_response));
    CHECK_EQ(refusals_seen(&s.refused), before + 4);
    /* A range count larger than the message holds. */
    uint64_t ok = DM_RANGE(pfn, 1);
    CHECK_EQ(unballoon(&ok, 1, 1000000, 0), sizeof(struct dm_unballoon_response));
    CHECK_EQ(refusals_seen(&s.refused), before + 5);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES - 16);    /* nothing given back by any of them */
    CHECK_EQ(s.ballooned, 16);
    dm_release_all(&s);
}

static void test_bad_frames(void)
{
    ready();
    uint64_t r0 = refusals_seen(&s.refused);
    struct dm_header h = { DM_BALLOON_REQUEST, 4, 1 };   /* size below the header */
    memcpy(msg, &h, sizeof h);
    CHECK_EQ(dm_handle(&s, msg, sizeof h, out, sizeof out), 0);
    h.size = 200;                                          /* beyond the packet */
    memcpy(msg, &h, sizeof h);
    CHECK_EQ(dm_handle(&s, msg, 16, out, sizeof out), 0);
    h.size = 8;                                            /* shorter than dm_balloon */
    memcpy(msg, &h, sizeof h);
    CHECK_EQ(dm_handle(&s, msg, 16, out, sizeof out), 0);
    h = (struct dm_header){ DM_STATUS_REPORT, 8, 0 };      /* a guest's type */
    memcpy(msg, &h, sizeof h);
    CHECK_EQ(dm_handle(&s, msg, 8, out, sizeof out), 0);
    CHECK_EQ(dm_handle(&s, msg, 3, out, sizeof out), 0);   /* under a header */
    CHECK_EQ(send_flags(DM_VERSION_RESPONSE, DM_ACCEPTED), 0);   /* out of turn */
    CHECK_EQ(refusals_seen(&s.refused), r0 + 6);
    /* Hot-add: refused, answered with result 0. */
    struct dm_hot_add ha = { { DM_MEM_HOT_ADD_REQUEST, sizeof ha, 9 }, DM_RANGE(0x100000, 512) };
    memcpy(msg, &ha, sizeof ha);
    CHECK_EQ(dm_handle(&s, msg, sizeof ha, out, sizeof out), sizeof(struct dm_hot_add_response));
    struct dm_hot_add_response har;
    memcpy(&har, out, sizeof har);
    CHECK_EQ(har.hdr.type, DM_MEM_HOT_ADD_RESPONSE);
    CHECK_EQ(har.hdr.trans_id, 9);
    CHECK_EQ(har.result, 0);
    CHECK_EQ(har.page_count, 0);
    CHECK_EQ(refusals_seen(&s.refused), r0 + 7);
    /* Before negotiation, a balloon request moves nothing. */
    memset(&s, 0, sizeof s);
    CHECK_EQ(balloon(10), 0);
    CHECK_EQ(dm_pool_free, DM_POOL_PAGES);
    CHECK_EQ(refusals_seen(&s.refused), 1);
}

int main(void)
{
    RUN_TEST(test_version_fallback);
    RUN_TEST(test_balloon_unballoon);
    RUN_TEST(test_range_across_runs);
    RUN_TEST(test_floor);
    RUN_TEST(test_bad_counts_and_ranges);
    RUN_TEST(test_bad_frames);
    CHECK_EQ(dm_pool_bad_frees, 0);   /* never a page it did not hold */
    CHECK_MAIN_END();
}
