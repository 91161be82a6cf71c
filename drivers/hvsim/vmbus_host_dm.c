/* The host side of Dynamic Memory (hv-balloon), written from QEMU
 * hw/hyperv/hv-balloon.c, QEMU's only upstream VMBus device (wire format:
 * drivers/hyperv/dm_proto.h; facts: docs/dynamic-memory.md). Offered when
 * hvsim.dm=on, in both personalities (Hyper-V speaks the same protocol).
 *
 * Flow, as QEMU runs it: the guest opens the channel and sends
 * VERSION_REQUEST; versions 0.3 to 2.0 are accepted, anything else is
 * answered not-accepted and the host keeps waiting for another. Then
 * CAPABILITIES_REPORT, answered accepted with hot_remove set and
 * suppress_pressure_reports unless status reports are wanted, and the
 * post-init wait (50 s; hvsim.dm=wait=<ms>) before the first request. An
 * operator's balloon asks for at most 585,728 pages a request and repeats
 * until the guest gave the pages or answered "at my minimum" (no ranges);
 * an unballoon gives back one range per UNBALLOON_REQUEST, more_pages on all
 * but the last, and waits for one UNBALLOON_RESPONSE.
 *
 * Every rule QEMU warns about is a violation here (VMBUS_HOST_RULE_DM), and
 * a page given twice too (QEMU only ignores the duplicate). One DM device,
 * as QEMU allows one. */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "drivers/hvsim/vmbus_host_internal.h"
#include "drivers/hyperv/dm_proto.h"
#include "kernel/log.h"
#include "lib/array_size.h"

#define DM_BALLOON_CHUNK_PAGES 585728u     /* QEMU HV_BALLOON_HR_CHUNK_PAGES */
#define DM_UNBALLOON_CHUNK_PAGES 524288u   /* QEMU HV_BALLOON_HA_CHUNK_PAGES (2 GiB) */
#define DM_HELD_RUNS 512u                  /* model limit: runs of pages the guest gave */

struct dm_run { uint64_t pfn, pages; };

static struct {
    enum vmbus_host_dm_state state;
    struct vh_chan *c;
    uint32_t trans_id;            /* host transaction id: one per operation (QEMU) */
    uint64_t idle_at;
    bool send_due;                /* the current request waits for ring room */
    uint64_t diff;                /* pages still to move in this operation */
    struct dm_run held[DM_HELD_RUNS];
    unsigned n_held;
    struct vmbus_host_dm_info info;
} dm;   /* vh_lock */

static bool status_enabled(void)
{
    int8_t s = vh.cfg.dm.status;
    return s < 0 ? vh.cfg.personality == VMBUS_HOST_HYPERV : s != 0;
}

static bool send(const void *msg, uint16_t size)
{
    bool sig = false;
    int rc = vh_chan_send(dm.c, VMBUS_PKT_DATA_INBAND, 0, 0, msg, size, &sig);
    if (sig)
        vh_signal_guest(dm.c);
    return rc == 0;
}

static void hdr(struct dm_header *h, uint16_t type, uint16_t size, uint32_t tid)
{
    h->type = type;
    h->size = size;
    h->trans_id = tid;
}

/* The pages held: a run that continues the last one grows it. */
static bool hold(uint64_t pfn, uint64_t pages)
{
    struct dm_run *last = dm.n_held ? &dm.held[dm.n_held - 1] : NULL;
    if (last && last->pfn + last->pages == pfn) {
        last->pages += pages;
    } else if (dm.n_held < DM_HELD_RUNS) {
        dm.held[dm.n_held++] = (struct dm_run){ pfn, pages };
    } else {
        log_warn(VH_SUB, "host: dm: more than %u runs of ballooned pages (model limit); "
                 "pfn 0x%llx + %llu not tracked", DM_HELD_RUNS, (unsigned long long)pfn,
                 (unsigned long long)pages);
        return false;
    }
    dm.info.held_pages += pages;
    return true;
}

static bool overlaps_held(uint64_t pfn, uint64_t pages)
{
    for (unsigned i = 0; i < dm.n_held; i++)
        if (pfn < dm.held[i].pfn + dm.held[i].pages && dm.held[i].pfn < pfn + pages)
            return true;
    return false;
}

static bool unballoon_request(uint64_t pfn, uint64_t pages, bool more)
{
    struct { struct dm_unballoon_request u; uint64_t range; } m;
    memset(&m, 0, sizeof m);
    hdr(&m.u.hdr, DM_UNBALLOON_REQUEST, sizeof m, dm.trans_id);
    m.u.range_count = 1;
    m.u.flags = more ? DM_MORE_PAGES : 0;
    m.range = DM_RANGE(pfn, pages);
    return send(&m, sizeof m);
}

/* The request the state stands for, sent now or, with the ring full, from
 * the next poll (QEMU's *_RB_WAIT states wait for ring room the same way). */
static void post(void)
{
    dm.send_due = true;
    if (dm.state == VMBUS_HOST_DM_BALLOON) {
        struct dm_balloon b;
        memset(&b, 0, sizeof b);
        hdr(&b.hdr, DM_BALLOON_REQUEST, sizeof b, dm.trans_id);
        b.num_pages =
            (uint32_t)(dm.diff < DM_BALLOON_CHUNK_PAGES ? dm.diff : DM_BALLOON_CHUNK_PAGES);
        dm.send_due = !send(&b, sizeof b);
        return;
    }
    /* Unballoon: the last held run's tail, one range a message, as long
     * as the ring takes them. */
    while (dm.diff > 0) {
        struct dm_run *r = &dm.held[dm.n_held - 1];
        uint64_t n = dm.diff < r->pages ? dm.diff : r->pages;
        if (n > DM_UNBALLOON_CHUNK_PAGES)
            n = DM_UNBALLOON_CHUNK_PAGES;
        if (!unballoon_request(r->pfn + r->pages - n, n, dm.diff > n))
            return;
        r->pages -= n;
        if (r->pages == 0)
            dm.n_held--;
        dm.info.held_pages -= n;
        dm.diff -= n;
    }
    dm.send_due = false;
}

static void end_transaction(void)
{
    dm.trans_id++;
    dm.info.transactions++;
    if (dm.state == VMBUS_HOST_DM_BALLOON && dm.diff > 0) {
        post();   /* the rest of the operation: another request */
        return;
    }
    dm.diff = 0;
    dm.state = VMBUS_HOST_DM_IDLE;
}

static void version_request(const uint8_t *msg)
{
    struct dm_version_request r;
    struct dm_version_response a;
    memcpy(&r, msg, sizeof r);
    memset(&a, 0, sizeof a);
    hdr(&a.hdr, DM_VERSION_RESPONSE, sizeof a, r.hdr.trans_id);
    /* QEMU: DYNMEM_PROTOCOL_VERSION_1 (0.3) to _3 (2.0) */
    bool ok = r.version >= DM_VERSION_WIN7 && r.version <= DM_VERSION_WIN10;
    a.flags = ok ? DM_ACCEPTED : 0;
    send(&a, sizeof a);
    if (ok) {
        dm.info.version = r.version;
        dm.state = VMBUS_HOST_DM_CAPS;
    }
}

static void caps_report(const uint8_t *msg)
{
    struct dm_capabilities c;
    struct dm_capabilities_response a;
    memcpy(&c, msg, sizeof c);
    dm.info.caps = c.caps;
    memset(&a, 0, sizeof a);
    hdr(&a.hdr, DM_CAPABILITIES_RESPONSE, sizeof a, c.hdr.trans_id);
    a.flags = DM_ACCEPTED | DM_CAPS_RESP_HOT_REMOVE |
              (status_enabled() ? 0 : DM_CAPS_RESP_SUPPRESS_STATUS);
    send(&a, sizeof a);
    dm.state = VMBUS_HOST_DM_POST_INIT;
    dm.idle_at = vh_now() + (uint64_t)vh.cfg.dm.post_init_ms * 10000u;
    vh_dm_tick();   /* a wait of 0 ends at once */
}

static void status_report(const uint8_t *msg)
{
    struct dm_status s;
    memcpy(&s, msg, sizeof s);
    dm.info.status_reports++;
    if (!status_enabled())
        return;   /* QEMU keeps the figures only with status-report=on */
    dm.info.last_avail = s.num_avail;
    dm.info.last_committed = s.num_committed;
}

static void balloon_response(const uint8_t *msg, uint32_t len)
{
    struct dm_balloon_response r;
    memcpy(&r, msg, sizeof r);
    uint32_t count = r.more_and_count >> 1;
    dm.info.balloon_responses++;
    if ((uint64_t)count * sizeof(uint64_t) > len - sizeof r) {
        vh_violation(VMBUS_HOST_RULE_DM,
                     "balloon response: its range count runs past the message", count);
        return;
    }
    uint64_t removed = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t range;
        memcpy(&range, msg + sizeof r + i * sizeof range, sizeof range);
        uint64_t pfn = DM_RANGE_START(range), n = DM_RANGE_COUNT(range);
        if (n == 0)
            continue;
        if (!hvsim.machine.gpa_to_ptr(pfn * VMBUS_PAGE_SIZE, n * VMBUS_PAGE_SIZE)) {
            vh_violation(VMBUS_HOST_RULE_DM,
                         "balloon response: a range that is not guest RAM", pfn);
            continue;
        }
        if (overlaps_held(pfn, n)) {
            vh_violation(VMBUS_HOST_RULE_DM,
                         "balloon response: a page the guest gave already", pfn);
            continue;
        }
        if (hold(pfn, n))
            removed += n;
    }
    if (removed > dm.diff) {
        vh_violation(VMBUS_HOST_RULE_DM,
                     "balloon response: more pages than the host asked for", removed);
        removed = dm.diff;
    }
    dm.diff -= removed;
    if (count == 0)
        dm.diff = 0;   /* the guest is at its minimum: the operation ends */
    else if (r.more_and_count & DM_MORE_PAGES)
        return;        /* more responses to this request follow */
    end_transaction();
}

/* Each guest message: the size its type needs and the state that expects
 * it (QEMU hv_balloon_handle_packet and its handlers). */
static const struct {
    uint16_t size;
    uint8_t state;
} guest_msgs[DM_MSG_TYPE_COUNT] = {
    [DM_VERSION_REQUEST] = { sizeof(struct dm_version_request), VMBUS_HOST_DM_VERSION },
    [DM_CAPABILITIES_REPORT] = { sizeof(struct dm_capabilities), VMBUS_HOST_DM_CAPS },
    [DM_STATUS_REPORT] = { sizeof(struct dm_status), 0 },   /* any state */
    [DM_BALLOON_RESPONSE] = { sizeof(struct dm_balloon_response), VMBUS_HOST_DM_BALLOON },
    [DM_UNBALLOON_RESPONSE] = { sizeof(struct dm_unballoon_response), VMBUS_HOST_DM_UNBALLOON },
};

int vh_dm_packet(const struct vh_pkt *pkt, const uint8_t *buf)
{
    /* buf is the host's own copy of the packet (vh_service), not the ring. */
    const uint8_t *msg = buf + pkt->payload_off;
    uint32_t len = pkt->payload_len;
    struct dm_header h;
    if (pkt->desc.type == VMBUS_PKT_COMP)
        return 1;
    if (pkt->desc.type != VMBUS_PKT_DATA_INBAND) {
        vh_violation(VMBUS_HOST_RULE_DM, "a DM message is in-band data", pkt->desc.type);
        return 1;
    }
    if (len < sizeof h) {
        vh_violation(VMBUS_HOST_RULE_DM, "a DM message shorter than its header", len);
        return 1;
    }
    memcpy(&h, msg, sizeof h);
    if (h.type >= ARRAY_SIZE(guest_msgs) || guest_msgs[h.type].size == 0) {
        vh_violation(VMBUS_HOST_RULE_DM, "a DM message type a guest does not send", h.type);
        return 1;
    }
    if (len < guest_msgs[h.type].size) {
        vh_violation(VMBUS_HOST_RULE_DM,
                     "a DM message shorter than its type's struct", ((uint64_t)h.type << 32) | len);
        return 1;
    }
    /* An unballoon response while requests are still going out is out of
     * turn too (QEMU: only in S_UNBALLOON_REPLY_WAIT). */
    if (guest_msgs[h.type].state &&
        (guest_msgs[h.type].state != dm.state ||
         (dm.state == VMBUS_HOST_DM_UNBALLOON && (dm.send_due || dm.diff > 0)))) {
        vh_violation(VMBUS_HOST_RULE_DM,
                     "a DM message in a state that does not expect it",
                     ((uint64_t)h.type << 32) | dm.state);
        return 1;
    }
    switch (h.type) {
    case DM_VERSION_REQUEST:
        version_request(msg);
        break;
    case DM_CAPABILITIES_REPORT:
        caps_report(msg);
        break;
    case DM_STATUS_REPORT:
        status_report(msg);
        break;
    case DM_BALLOON_RESPONSE:
        balloon_response(msg, len);
        break;
    default:   /* DM_UNBALLOON_RESPONSE */
        dm.info.unballoon_responses++;
        end_transaction();
        break;
    }
    return 1;
}

void vh_dm_opened(struct vh_chan *c)
{
    memset(&dm, 0, sizeof dm);
    dm.c = c;
    dm.state = VMBUS_HOST_DM_VERSION;   /* the guest speaks first */
}

/* QEMU forgets the pages with the device's reset; the guest takes its
 * ballooned pages back when the channel goes (Linux, and drivers/dm). */
void vh_dm_closed(struct vh_chan *c)
{
    if (dm.c == c)
        memset(&dm, 0, sizeof dm);
}

void vh_dm_tick(void)
{
    if (dm.state == VMBUS_HOST_DM_POST_INIT && vh_now() >= dm.idle_at)
        dm.state = VMBUS_HOST_DM_IDLE;
    else if (dm.send_due)
        post();
}

void vmbus_host_dm_get_info(struct vmbus_host_dm_info *out)
{
    vh_lock();
    *out = dm.info;
    out->state = dm.state;
    out->relid = dm.c ? dm.c->relid : 0;
    out->status_enabled = status_enabled();
    out->pending_pages = dm.diff;
    vh_unlock();
}

static int start(enum vmbus_host_dm_state op, uint64_t pages)
{
    int rc = -1;
    vh_lock();
    if (dm.state == VMBUS_HOST_DM_IDLE && pages > 0 &&
        (op == VMBUS_HOST_DM_UNBALLOON || (dm.info.caps & DM_CAP_BALLOON))) {
        /* QEMU gives back at most what it holds. */
        dm.diff = op == VMBUS_HOST_DM_BALLOON || pages < dm.info.held_pages ? pages
                                                                             : dm.info.held_pages;
        if (dm.diff > 0) {
            dm.state = op;
            post();
            rc = 0;
        }
    }
    vh_pump_locked();
    vh_unlock();
    return rc;
}

int vmbus_host_dm_balloon(uint64_t pages) { return start(VMBUS_HOST_DM_BALLOON, pages); }
int vmbus_host_dm_unballoon(uint64_t pages) { return start(VMBUS_HOST_DM_UNBALLOON, pages); }

int vmbus_host_dm_unballoon_range(uint64_t pfn, uint32_t pages)
{
    int rc = -1;
    vh_lock();
    if (dm.state == VMBUS_HOST_DM_IDLE && unballoon_request(pfn, pages, false)) {
        dm.state = VMBUS_HOST_DM_UNBALLOON;   /* the guest's response ends it */
        rc = 0;
    }
    vh_pump_locked();
    vh_unlock();
    return rc;
}
