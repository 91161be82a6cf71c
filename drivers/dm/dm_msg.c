/* The DM protocol, guest side, without the channel: every host message is
 * copied out of the ring before it gets here, checked (size against the
 * header and the type's struct, phase, counts and ranges) and refused with
 * REFUSE when wrong. The flow, as Linux drivers/hv/hv_balloon.c runs it and
 * QEMU hw/hyperv/hv-balloon.c expects it:
 *   guest VERSION_REQUEST (newest first) -> host VERSION_RESPONSE; on
 *   refusal the next older version, the last one flagged is_last_attempt;
 *   guest CAPABILITIES_REPORT -> host CAPABILITIES_RESPONSE (not accepted:
 *   the guest stops using the channel);
 *   then STATUS_REPORTs (no response) and the host's BALLOON_REQUEST
 *   (answered by BALLOON_RESPONSEs, the last with more_pages 0),
 *   UNBALLOON_REQUEST (one UNBALLOON_RESPONSE after the one with
 *   more_pages 0) and MEM_HOT_ADD_REQUEST (answered, here always with
 *   result 0: we do not report hot-add). */
#include <string.h>
#include "drivers/dm/dm.h"
#include "kernel/log.h"
#include "lib/array_size.h"

#define DM_SUB "dm"

/* Newest first, as Linux balloon_connect_vsp tries WIN10 then WIN8. */
static const uint32_t dm_versions[] = { DM_VERSION_WIN10, DM_VERSION_WIN8 };
#define DM_N_VERSIONS ARRAY_SIZE(dm_versions)

static void hdr(struct dm_header *h, uint16_t type, uint16_t size, uint32_t tid)
{
    h->type = type;
    h->size = size;
    h->trans_id = tid;
}

/* One of our requests, msg of size bytes (its header left zero), copied to
 * out with the header filled in and the next transaction id; the phase
 * moves on to next. 0 when out has no room (nothing changes then). */
static size_t request(struct dm_state *s, uint16_t type, const void *msg, size_t size,
                      enum dm_phase next, uint8_t *out, size_t cap)
{
    struct dm_header h;
    if (cap < size)
        return 0;
    memcpy(out, msg, size);
    hdr(&h, type, (uint16_t)size, ++s->trans_id);
    memcpy(out, &h, sizeof h);
    s->phase = next;
    return size;
}

static size_t version_request(struct dm_state *s, uint8_t *out, size_t cap)
{
    struct dm_version_request r;
    memset(&r, 0, sizeof r);
    r.version = dm_versions[s->version_idx];
    if (s->version_idx + 1 == DM_N_VERSIONS)
        r.flags = DM_VERSION_LAST_ATTEMPT;
    return request(s, DM_VERSION_REQUEST, &r, sizeof r, DM_PH_VERSION, out, cap);
}

size_t dm_start(struct dm_state *s, uint8_t *out, size_t cap)
{
    s->version_idx = 0;
    s->version = 0;
    return version_request(s, out, cap);
}

static size_t caps_report(struct dm_state *s, uint8_t *out, size_t cap)
{
    struct dm_capabilities c;
    memset(&c, 0, sizeof c);
    c.caps = DM_CAP_BALLOON;   /* no hot-add, no hot-remove */
    /* Linux reports min_page_cnt 0 and max_page_number -1 (no limit). */
    c.min_page_cnt = 0;
    c.max_page_number = UINT64_MAX;
    return request(s, DM_CAPABILITIES_REPORT, &c, sizeof c, DM_PH_CAPS, out, cap);
}

size_t dm_status(struct dm_state *s, uint8_t *out, size_t cap)
{
    struct dm_status st;
    if (s->phase != DM_PH_READY || s->status_suppressed || cap < sizeof st)
        return 0;
    memset(&st, 0, sizeof st);
    /* trans_id 0: a status report is not part of a transaction. */
    hdr(&st.hdr, DM_STATUS_REPORT, sizeof st, 0);
    uint64_t total = dm_hook_total_pages(), avail = dm_hook_free_pages();
    st.num_avail = avail;
    /* Committed: what the guest uses, the ballooned pages not counted (as
     * Linux compute_balloon_floor/vm_memory_committed leave them out). */
    uint64_t used = total > avail ? total - avail : 0;
    st.num_committed = used > s->ballooned ? used - s->ballooned : 0;
    memcpy(out, &st, sizeof st);
    s->status_sent++;
    return sizeof st;
}

/* Balloon: take up to n pages in runs of at most DM_CHUNK_PAGES, never
 * below the floor of free pages, at most DM_MAX_RANGES runs per request. */
static size_t balloon(struct dm_state *s, const struct dm_balloon *b, uint8_t *out, size_t cap)
{
    struct dm_balloon_response r;
    uint64_t ranges[DM_MAX_RANGES];
    unsigned nr = 0;
    uint64_t want = b->num_pages, got = 0;
    uint64_t total = dm_hook_total_pages();
    s->balloon_reqs++;
    if (want == 0 || want > total) {
        REFUSE(&s->refused, DM_SUB, "balloon of %llu pages (guest has %llu): answered with "
               "no pages", (unsigned long long)want, (unsigned long long)total);
        want = 0;
    }
    uint32_t chunk = DM_CHUNK_PAGES;
    while (got < want && nr < DM_MAX_RANGES && s->n_runs < DM_MAX_RANGES) {
        uint64_t left = want - got;
        uint32_t n = left < chunk ? (uint32_t)left : chunk;
        if (dm_hook_free_pages() < (uint64_t)n + DM_FLOOR_PAGES) {
            if (chunk == 1)
                break;
            chunk /= 2;
            continue;
        }
        uint64_t pfn = dm_hook_alloc(n);
        if (pfn == 0) {
            if (chunk == 1)
                break;
            chunk /= 2;
            continue;
        }
        s->runs[s->n_runs++] = (struct dm_run){ pfn, n };
        ranges[nr++] = DM_RANGE(pfn, n);
        got += n;
    }
    s->ballooned += got;
    size_t len = sizeof r + nr * sizeof ranges[0];
    if (cap < len)
        return 0;   /* cannot happen: callers give DM_MSG_MAX */
    memset(&r, 0, sizeof r);
    hdr(&r.hdr, DM_BALLOON_RESPONSE, (uint16_t)len, b->hdr.trans_id);
    r.more_and_count = nr << 1;   /* more_pages 0: one response per request */
    memcpy(out, &r, sizeof r);
    memcpy(out + sizeof r, ranges, nr * sizeof ranges[0]);
    if (got < want)
        log_info(DM_SUB, "balloon: %llu of %llu pages given (floor %u free pages)",
                 (unsigned long long)got, (unsigned long long)want, DM_FLOOR_PAGES);
    return len;
}

/* The run we hold that contains pfn, or -1. */
static int run_of(const struct dm_state *s, uint64_t pfn)
{
    for (unsigned i = 0; i < s->n_runs; i++)
        if (pfn >= s->runs[i].pfn && pfn < s->runs[i].pfn + s->runs[i].pages)
            return (int)i;
    return -1;
}

/* Is every page of [pfn, pfn+n) one we hold? A host merges the ranges it
 * was given (QEMU's page range tree joins neighbours), so one range it
 * gives back may span several of our runs. */
static bool all_held(const struct dm_state *s, uint64_t pfn, uint64_t n)
{
    for (uint64_t p = pfn, end = pfn + n; p < end;) {
        int i = run_of(s, p);
        if (i < 0)
            return false;
        p = s->runs[i].pfn + s->runs[i].pages;
    }
    return true;
}

/* Give [pfn, pfn+n) of run i back, keeping what is left of it. */
static bool give_back(struct dm_state *s, unsigned i, uint64_t pfn, uint32_t n)
{
    struct dm_run r = s->runs[i];
    uint64_t end = pfn + n, rend = r.pfn + r.pages;
    bool head = pfn > r.pfn, tail = end < rend;
    if (head && tail && s->n_runs >= DM_MAX_RANGES)
        return false;
    if (head && tail) {
        s->runs[i].pages = (uint32_t)(pfn - r.pfn);
        s->runs[s->n_runs++] = (struct dm_run){ end, (uint32_t)(rend - end) };
    } else if (head) {
        s->runs[i].pages = (uint32_t)(pfn - r.pfn);
    } else if (tail) {
        s->runs[i] = (struct dm_run){ end, (uint32_t)(rend - end) };
    } else {
        s->runs[i] = s->runs[--s->n_runs];
    }
    dm_hook_free(pfn, n);
    s->ballooned -= n;
    return true;
}

static size_t unballoon(struct dm_state *s, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    struct dm_unballoon_request u;
    memcpy(&u, msg, sizeof u);
    s->unballoon_reqs++;
    size_t room = (len - sizeof u) / sizeof(uint64_t);
    if (u.range_count > room) {
        REFUSE(&s->refused, DM_SUB, "unballoon: %u ranges in a message with room for %u",
               u.range_count, (unsigned)room);
    } else {
        for (uint32_t k = 0; k < u.range_count; k++) {
            uint64_t r;
            memcpy(&r, msg + sizeof u + k * sizeof r, sizeof r);
            uint64_t pfn = DM_RANGE_START(r);
            uint32_t n = DM_RANGE_COUNT(r);
            if (n == 0 || !all_held(s, pfn, n)) {
                REFUSE(&s->refused, DM_SUB, "unballoon: range pfn 0x%llx + %u pages is not "
                       "ballooned", (unsigned long long)pfn, n);
                continue;
            }
            /* Run by run; only a range inside one run can split it, so a
             * full run table stops the range before any page went back. */
            for (uint64_t p = pfn, end = pfn + n; p < end;) {
                unsigned i = (unsigned)run_of(s, p);
                uint64_t rend = s->runs[i].pfn + s->runs[i].pages;
                uint32_t m = (uint32_t)((rend < end ? rend : end) - p);
                if (!give_back(s, i, p, m)) {
                    REFUSE(&s->refused, DM_SUB, "unballoon: range pfn 0x%llx + %u splits a "
                           "run and the run table is full", (unsigned long long)pfn, n);
                    break;
                }
                p += m;
            }
        }
    }
    if (u.flags & DM_MORE_PAGES)
        return 0;   /* the response follows the last message (Linux) */
    struct dm_unballoon_response r;
    if (cap < sizeof r)
        return 0;
    hdr(&r.hdr, DM_UNBALLOON_RESPONSE, sizeof r, u.hdr.trans_id);
    memcpy(out, &r, sizeof r);
    return sizeof r;
}

static size_t hot_add(struct dm_state *s, const struct dm_header *h, uint8_t *out, size_t cap)
{
    struct dm_hot_add_response r;
    REFUSE(&s->refused, DM_SUB, "hot-add request: this guest reported no hot-add "
           "capability; answered result 0, no pages");
    if (cap < sizeof r)
        return 0;
    memset(&r, 0, sizeof r);
    hdr(&r.hdr, DM_MEM_HOT_ADD_RESPONSE, sizeof r, h->trans_id);
    r.page_count = 0;
    r.result = 0;
    memcpy(out, &r, sizeof r);
    return sizeof r;
}

static const uint16_t min_size[DM_MSG_TYPE_COUNT] = {
    [DM_VERSION_RESPONSE] = sizeof(struct dm_version_response),
    [DM_CAPABILITIES_RESPONSE] = sizeof(struct dm_capabilities_response),
    [DM_BALLOON_REQUEST] = sizeof(struct dm_balloon),
    [DM_UNBALLOON_REQUEST] = sizeof(struct dm_unballoon_request),
    [DM_MEM_HOT_ADD_REQUEST] = sizeof(struct dm_hot_add),
    [DM_INFO_MESSAGE] = sizeof(struct dm_info_msg),
};

size_t dm_handle(struct dm_state *s, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    struct dm_header h;
    if (len < sizeof h) {
        REFUSE(&s->refused, DM_SUB, "message of %u bytes (header is %u)", (unsigned)len,
               (unsigned)sizeof h);
        return 0;
    }
    memcpy(&h, msg, sizeof h);
    if (h.size < sizeof h || h.size > len) {
        REFUSE(&s->refused, DM_SUB, "type %u: header size %u, packet of %u bytes", h.type,
               h.size, (unsigned)len);
        return 0;
    }
    len = h.size;
    if (h.type >= DM_MSG_TYPE_COUNT || min_size[h.type] == 0) {
        REFUSE(&s->refused, DM_SUB, "message type %u is not one a host sends", h.type);
        return 0;
    }
    if (len < min_size[h.type]) {
        REFUSE(&s->refused, DM_SUB, "type %u: %u bytes, needs %u", h.type, (unsigned)len,
               min_size[h.type]);
        return 0;
    }
    bool ready = s->phase == DM_PH_READY;
    switch (h.type) {
    case DM_VERSION_RESPONSE: {
        struct dm_version_response r;
        memcpy(&r, msg, sizeof r);
        if (s->phase != DM_PH_VERSION || h.trans_id != s->trans_id) {
            REFUSE(&s->refused, DM_SUB, "version response out of turn (trans id %u)", h.trans_id);
            return 0;
        }
        if (r.flags & DM_ACCEPTED) {
            s->version = dm_versions[s->version_idx];
            log_info(DM_SUB, "protocol %u.%u accepted", s->version >> 16, s->version & 0xffff);
            return caps_report(s, out, cap);
        }
        if (++s->version_idx >= DM_N_VERSIONS) {
            log_warn(DM_SUB, "the host accepted none of our protocol versions");
            s->phase = DM_PH_FAILED;
            return 0;
        }
        return version_request(s, out, cap);
    }
    case DM_CAPABILITIES_RESPONSE: {
        struct dm_capabilities_response r;
        memcpy(&r, msg, sizeof r);
        if (s->phase != DM_PH_CAPS || h.trans_id != s->trans_id) {
            REFUSE(&s->refused, DM_SUB, "capabilities response out of turn (trans id %u)",
                   h.trans_id);
            return 0;
        }
        if (!(r.flags & DM_ACCEPTED)) {
            log_warn(DM_SUB, "the host did not accept our capabilities: DM off");
            s->phase = DM_PH_FAILED;
            return 0;
        }
        s->status_suppressed = (r.flags & DM_CAPS_RESP_SUPPRESS_STATUS) != 0;
        s->phase = DM_PH_READY;
        return dm_status(s, out, cap);   /* the first report at once */
    }
    case DM_BALLOON_REQUEST: {
        struct dm_balloon b;
        memcpy(&b, msg, sizeof b);
        if (!ready) {
            REFUSE(&s->refused, DM_SUB, "balloon request before negotiation finished");
            return 0;
        }
        return balloon(s, &b, out, cap);
    }
    case DM_UNBALLOON_REQUEST:
        if (!ready) {
            REFUSE(&s->refused, DM_SUB, "unballoon request before negotiation finished");
            return 0;
        }
        return unballoon(s, msg, len, out, cap);
    case DM_MEM_HOT_ADD_REQUEST:
        if (!ready) {
            REFUSE(&s->refused, DM_SUB, "hot-add request before negotiation finished");
            return 0;
        }
        return hot_add(s, &h, out, cap);
    case DM_INFO_MESSAGE: {
        struct dm_info_msg m;
        memcpy(&m, msg, sizeof m);
        if (m.info_size > len - sizeof m)
            REFUSE(&s->refused, DM_SUB, "info message: %u bytes of info in %u", m.info_size,
                   (unsigned)(len - sizeof m));
        return 0;   /* informational (1.0: max page count); nothing to do */
    }
    default:
        return 0;
    }
}

void dm_release_all(struct dm_state *s)
{
    for (unsigned i = 0; i < s->n_runs; i++)
        dm_hook_free(s->runs[i].pfn, s->runs[i].pages);
    s->n_runs = 0;
    s->ballooned = 0;
}
