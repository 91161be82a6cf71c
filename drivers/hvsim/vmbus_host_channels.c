/* Channel table, relid allocation, OFFERCHANNEL / RESCIND, OPENCHANNEL /
 * CLOSECHANNEL and the ring service loop run on the guest's HvSignalEvent.
 *
 * Relids: QEMU allocates the lowest free id from 1 (VMBUS_FIRST_CHANID,
 * find_next_zero_bit), so ids are dense and a released id is reused; the
 * Hyper-V personality does the same by default. A relid is free again only
 * after the guest's RELID_RELEASED (Linux vmbus_release_relid).
 * Channel connection ids: QEMU uses VMBUS_CHAN_CONNECTION_OFFSET (16) +
 * relid; Hyper-V's values are not documented, the model uses 0x10000 + relid.
 * The event connection is registered with hvsim while the channel is open
 * (hvsim has HVSIM_MAX_CONNECTIONS slots in all). */
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim_internal.h"
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"

struct vh_chan *vh_chan_by_relid(uint32_t relid)
{
    if (relid == 0 || relid >= VMBUS_MAX_RELIDS || vh.relid_slot[relid] == VH_NOSLOT)
        return NULL;
    return &vh.ch[vh.relid_slot[relid]];
}

uint32_t vh_relid_hwm(void)
{
    for (uint32_t r = VMBUS_MAX_RELIDS - 1; r > 0; r--)
        if (vh.relid_slot[r] != VH_NOSLOT)
            return r;
    return 0;
}

static uint32_t conn_base(void)
{
    return vh.cfg.personality == VMBUS_HOST_QEMU ? VMBUS_QEMU_CHAN_CONN_OFFSET
                                                 : VH_HYPERV_CONN_BASE;
}

/* splitmix64: seeds the random relid permutation. */
static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* random:<seed> is the affine permutation k -> (a*k + b) mod 2047 of
 * 0..2046 (a coprime to 2047 = 23 * 89), plus 1: unique relids without a
 * table. */
static void random_setup(uint64_t seed)
{
    uint32_t a = (uint32_t)(mix(seed) % 2046u) + 1u;
    while (a % 23u == 0 || a % 89u == 0)
        a = a % 2046u + 1u;
    vh.rand_a = a;
    vh.rand_b = (uint32_t)(mix(seed + 1) % 2047u);
    vh.rand_next = 0;
}

uint32_t vh_alloc_relid(void)
{
    if (vh.cfg.relids == VMBUS_HOST_RELIDS_RANDOM) {
        for (uint32_t tries = 0; tries < VMBUS_MAX_RELIDS - 1; tries++) {
            uint32_t k = vh.rand_next++ % (VMBUS_MAX_RELIDS - 1);
            uint32_t r = 1 + (uint32_t)(((uint64_t)vh.rand_a * k + vh.rand_b) % 2047u);
            if (vh.relid_slot[r] == VH_NOSLOT)
                return r;
        }
        return 0;
    }
    for (uint32_t r = 1; r < VMBUS_MAX_RELIDS; r++)
        if (vh.relid_slot[r] == VH_NOSLOT)
            return r;
    return 0;
}

struct vh_chan *vh_new_slot(enum vmbus_host_dev dev, uint32_t relid)
{
    if (relid == 0 || relid >= VMBUS_MAX_RELIDS || vh.relid_slot[relid] != VH_NOSLOT)
        return NULL;
    uint32_t i;
    for (i = 0; i < vh.n_slots; i++)
        if (vh.ch[i].state == VMBUS_HOST_CH_FREE)
            break;
    if (i == vh.n_slots) {
        if (vh.n_slots == vh.ch_cap)
            return NULL;
        vh.n_slots++;
    }
    struct vh_chan *c = &vh.ch[i];
    memset(c, 0, sizeof *c);
    c->state = VMBUS_HOST_CH_OFFERED;
    c->dev = (uint8_t)dev;
    c->relid = relid;
    c->conn_id = conn_base() + relid;
    c->serial = ++vh.serial;
    vh.relid_slot[relid] = (uint16_t)i;
    return c;
}

int vh_channels_build(void)
{
    uint32_t total = VMBUS_HOST_BUILTIN_COUNT + vh.cfg.extra_channels;
    if (vh.cfg.relids == VMBUS_HOST_RELIDS_RANDOM)
        random_setup(vh.cfg.relid_seed);
    for (uint32_t i = 0; i < total; i++) {
        enum vmbus_host_dev dev = i < VMBUS_HOST_BUILTIN_COUNT
            ? (enum vmbus_host_dev)i
            : (enum vmbus_host_dev)(VMBUS_HOST_BUILTIN_COUNT +
                                    (i - VMBUS_HOST_BUILTIN_COUNT) %
                                        (VMBUS_HOST_EXTRA_CLASSES_END - VMBUS_HOST_BUILTIN_COUNT));
        uint32_t relid;
        if (vh.cfg.relids == VMBUS_HOST_RELIDS_SPARSE)
            relid = 1 + (uint32_t)((uint64_t)i * (VMBUS_MAX_RELIDS - 1) / total);
        else
            relid = vh_alloc_relid();
        if (!vh_new_slot(dev, relid)) {
            log_err(VH_SUB, "host: no slot/relid for channel %u", i);
            return -1;
        }
    }
    /* The DM device last, so hvsim.dm moves no other channel's relid. */
    if (vh.cfg.dm.on && !vh_new_slot(VMBUS_HOST_DEV_DM, vh_alloc_relid())) {
        log_err(VH_SUB, "host: no relid left for the DM channel");
        return -1;
    }
    return 0;
}

void vh_free_slot(struct vh_chan *c)
{
    if (c->relid && c->relid < VMBUS_MAX_RELIDS)
        vh.relid_slot[c->relid] = VH_NOSLOT;
    memset(c, 0, sizeof *c);
}

/* ---- offers ------------------------------------------------------------- */
static uint32_t build_offer(const struct vh_chan *c, uint8_t *buf)
{
    struct vmbus_msg_offer_channel o;
    memset(&o, 0, sizeof o);
    o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
    o.offer.if_type = *vh_dev_class((enum vmbus_host_dev)c->dev);
    /* Instance: "sinter" + serial, unique per offer the host ever made. */
    static const uint8_t inst[16] = { 0, 0, 0, 0, 's', 'i', 'n', 't', 'e', 'r',
                                      'h', 'v', 's', 'i', 'm', 0 };
    memcpy(o.offer.if_instance.b, inst, sizeof inst);
    memcpy(o.offer.if_instance.b, &c->serial, sizeof c->serial);
    o.child_relid = c->relid;
    o.monitorid = 0;
    o.monitor_allocated = 0;        /* no monitor pages modelled (QEMU: same) */
    o.is_dedicated_interrupt = 1;   /* QEMU: VMBUS_OFFER_INTERRUPT_DEDICATED */
    o.connection_id = c->conn_id;
    memset(buf, 0, VH_OFFER_WIRE_BYTES);
    memcpy(buf, &o, sizeof o);
    return vh_wire_len((uint32_t)sizeof o);   /* QEMU: 196 -> 200 */
}

/* Post straight to hvsim (only called with outq empty). false = SINT queue
 * full, try again later. */
bool vh_send_offer(struct vh_chan *c)
{
    uint8_t buf[VH_OFFER_WIRE_BYTES];
    uint32_t len = build_offer(c, buf);
    uint16_t st = hvsim_post_to_guest(vh.contact_vp, vh.msg_sint, VMBUS_SYNIC_MESSAGE_TYPE,
                                      buf, len);
    if (st == HV_STATUS_INSUFFICIENT_BUFFERS)
        return false;
    if (st == HV_STATUS_SUCCESS) {
        vh.st.msgs_out++;
        vh.st.offers_sent++;
        tracef(TRACE_VMBUS, VH_SUB, "host: OFFERCHANNEL relid %u (%s), connection %u",
               c->relid, vh_dev_name((enum vmbus_host_dev)c->dev), c->conn_id);
    }
    c->offered_to_guest = true;
    return true;
}

uint32_t vmbus_host_offer(enum vmbus_host_dev dev)
{
    if (dev >= VMBUS_HOST_DEV_COUNT || !vh.up)
        return 0;
    vh_lock();
    struct vh_chan *c = vh_new_slot(dev, vh_alloc_relid());
    uint32_t relid = c ? c->relid : 0;
    if (c && vh.connected && !vh.offering) {
        uint8_t buf[VH_OFFER_WIRE_BYTES];
        uint32_t len = build_offer(c, buf);
        c->offered_to_guest = true;
        vh.st.offers_sent++;
        vh_send(buf, len);
    }
    vh_pump_locked();
    vh_unlock();
    return relid;
}

/* ---- rescind -------------------------------------------------------------- */
void vh_rescind_locked(struct vh_chan *c)
{
    VH_ASSERT_LOCKED();
    if (c->state == VMBUS_HOST_CH_OPEN)
        vh_close_channel(c);
    vh.st.rescinds++;
    tracef(TRACE_VMBUS, VH_SUB, "host: rescind relid %u%s", c->relid,
           c->offered_to_guest ? "" : " (never offered)");
    if (!c->offered_to_guest) {
        vh_free_slot(c);
        return;
    }
    c->state = VMBUS_HOST_CH_RESCINDED;
    struct vmbus_msg_relid r = { .hdr.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER,
                                 .child_relid = c->relid };
    vh_send(&r, sizeof r);
}

int vmbus_host_rescind(uint32_t relid)
{
    int rc = -1;
    vh_lock();
    struct vh_chan *c = vh_chan_by_relid(relid);
    if (c && c->state != VMBUS_HOST_CH_RESCINDED) {
        vh_rescind_locked(c);
        rc = 0;
    }
    vh_pump_locked();
    vh_unlock();
    return rc;
}

void vh_relid_released(uint32_t relid)
{
    struct vh_chan *c = vh_chan_by_relid(relid);
    if (!c || c->state != VMBUS_HOST_CH_RESCINDED) {
        vh_violation(VMBUS_HOST_RULE_RELEASE, "RELID_RELEASED of a relid not rescinded", relid);
        return;
    }
    tracef(TRACE_VMBUS, VH_SUB, "host: relid %u released", relid);
    vh_gpadl_drop_relid(relid);
    vh_free_slot(c);
}

/* ---- open / close ------------------------------------------------------------ */
static void open_result(uint32_t relid, uint32_t openid, uint32_t status)
{
    struct vmbus_msg_open_result r = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
                                       .child_relid = relid, .openid = openid,
                                       .status = status };
    vh_send(&r, sizeof r);
}

static const char *open_check(struct vh_chan *c, const struct vmbus_msg_open_channel *o,
                              struct vh_gpadl **gp, uint8_t **base)
{
    struct vh_gpadl *g = vh_gpadl_find(o->ringbuffer_gpadl);
    if (!g || g->state != VH_GP_CREATED)
        return "no such GPADL";
    if (g->relid != c->relid && vh.cfg.personality == VMBUS_HOST_HYPERV)
        return "GPADL belongs to another channel";
    if (g->bad)
        return "GPADL has pages outside guest RAM";
    if (!g->contiguous)
        return "ring GPADL not contiguous (model limit)";
    /* QEMU: each ring needs its header page and at least one data page. */
    uint32_t off = o->downstream_ring_page_offset;
    if (off < 2 || g->npages < off + 2)
        return "bad downstream ring page offset";
    if (o->target_vp >= vh.cfg.nr_vps)
        return "target_vp out of range";
    *base = hvsim.machine.gpa_to_ptr(g->first_pfn << 12, (size_t)g->npages * VMBUS_PAGE_SIZE);
    if (!*base)
        return "ring pages not mappable";
    *gp = g;
    return NULL;
}

static uint64_t channel_activity(const struct vh_chan *c);

void vh_open_channel(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_open_channel o;
    bool qemu = vh.cfg.personality == VMBUS_HOST_QEMU;
    uint32_t fail = qemu ? VMBUS_HOST_QEMU_OPEN_FAILED : VMBUS_HOST_STATUS_UNSUCCESSFUL;
    if (len < sizeof o || !vh.connected) {
        vh_violation(vh.connected ? VMBUS_HOST_RULE_SHORT : VMBUS_HOST_RULE_STATE,
                     "OPENCHANNEL", len);
        return;
    }
    memcpy(&o, m, sizeof o);
    struct vh_chan *c = vh_chan_by_relid(o.child_relid);
    if (!c || c->state != VMBUS_HOST_CH_OFFERED) {
        vh_violation(VMBUS_HOST_RULE_OPEN, "OPENCHANNEL: no such channel, or not closed",
                     o.child_relid);
        if (!qemu)   /* QEMU handle_open_channel just returns */
            open_result(o.child_relid, o.openid, fail);
        return;
    }
    struct vh_gpadl *g = NULL;
    uint8_t *base = NULL;
    const char *why = open_check(c, &o, &g, &base);
    uint32_t off = o.downstream_ring_page_offset;
    if (!why && (vh_ring_attach(&c->from_guest, base, (size_t)off * VMBUS_PAGE_SIZE,
                                c->relid, false) ||
                 vh_ring_attach(&c->to_guest, base + (size_t)off * VMBUS_PAGE_SIZE,
                                (size_t)(g->npages - off) * VMBUS_PAGE_SIZE, c->relid, true)))
        why = "ring indices out of range";
    if (!why && hvsim_register_event_handler(c->conn_id, 1, vh_on_event, NULL) != 0)
        why = "no event connection left in hvsim";
    if (why) {
        if (strcmp(why, "no event connection left in hvsim") == 0)
            log_err(VH_SUB, "host: OPENCHANNEL relid %u refused: %s", o.child_relid, why);
        else
            vh_violation(VMBUS_HOST_RULE_OPEN, why, o.child_relid);
        open_result(o.child_relid, o.openid, fail);
        return;
    }
    c->conn_registered = true;
    c->state = VMBUS_HOST_CH_OPEN;
    c->gpadl = g->handle;
    c->open_id = o.openid;
    c->target_vp = o.target_vp;
    c->bad_done = c->comp_pending = false;
    c->out_stuck = false;
    c->activity_at_signal = channel_activity(c);   /* a signal right after opening needs a reason */
    g->users++;
    tracef(TRACE_VMBUS, VH_SUB, "host: relid %u open: GPADL 0x%x, %u+%u pages, VP%u",
           c->relid, g->handle, off, g->npages - off, o.target_vp);
    open_result(o.child_relid, o.openid, 0);
    vh_dev_opened(c);
}

void vh_close_channel(struct vh_chan *c)
{
    if (c->conn_registered)
        hvsim_unregister_connection(c->conn_id);
    c->conn_registered = false;
    struct vh_gpadl *g = vh_gpadl_find(c->gpadl);
    c->state = VMBUS_HOST_CH_OFFERED;
    c->ic_state = VH_IC_NONE;
    c->comp_pending = false;
    if (c->dev == VMBUS_HOST_DEV_DM)
        vh_dm_closed(c);
    memset(&c->from_guest, 0, sizeof c->from_guest);
    memset(&c->to_guest, 0, sizeof c->to_guest);
    tracef(TRACE_VMBUS, VH_SUB, "host: relid %u closed", c->relid);
    if (g)
        vh_gpadl_put(g);
    c->gpadl = 0;
}

/* ---- rings ---------------------------------------------------------------------- */
int vh_chan_send(struct vh_chan *c, uint16_t type, uint16_t flags, uint64_t tid,
                 const void *p, uint32_t len, bool *signal)
{
    bool sig = false;
    int rc = vh_ring_put(&c->to_guest, type, flags, tid, p, len, &sig);
    if (rc == 0) {
        c->ctr.packets_out++;
        vh.st.packets_to_guest++;
        vh_fault_after_write(c);
        if (sig)
            *signal = true;
    } else {
        vh.st.host_ring_full++;
    }
    return rc;
}

static uint8_t pkt_buf[VH_PKT_BUF_BYTES];   /* guarded by vh_lock */

/* A refused packet stays where it is (as QEMU leaves a ring it cannot
 * parse); a later service that meets it again is the same violation, not
 * a new one. */
static bool refused_again(struct vh_chan *c)
{
    if (c->out_stuck && c->out_stuck_pos == c->from_guest.pos)
        return true;
    c->out_stuck = true;
    c->out_stuck_pos = c->from_guest.pos;
    return false;
}

/* Drain the guest's outbound ring through the device. Stops (packet left in
 * place) when the guest's inbound ring is full: vh_ring_put has then set
 * pending_send_sz, and the guest signals once it made room. */
void vh_service(struct vh_chan *c)
{
    struct vh_pkt pkt;
    for (;;) {
        int rc = vh_ring_peek(&c->from_guest, pkt_buf, sizeof pkt_buf, &pkt);
        if (rc == VH_RING_TOO_BIG) {
            /* A model limit, not a guest error: skipped, not counted as one. */
            log_warn(VH_SUB, "host: relid %u: %u-byte packet too big for the model, skipped",
                     c->relid, pkt.total_len);
            vh_ring_pop(&c->from_guest, &pkt);
            continue;
        }
        if (rc == VH_RING_CORRUPT) {
            if (refused_again(c))
                break;
            vh_violation(VMBUS_HOST_RULE_RING, "outbound ring index or descriptor", c->relid);
            break;
        }
        if (rc <= 0)
            break;  /* empty */
        /* The packet types a host takes from a guest (QEMU vmbus.c accepts
         * DATA_INBAND, DATA_USING_GPA_DIRECT and COMP) and no flag but
         * completion-requested: anything else is a corrupt ring, left in
         * place as QEMU leaves a ring it cannot parse. */
        if ((pkt.desc.type != VMBUS_PKT_DATA_INBAND && pkt.desc.type != VMBUS_PKT_COMP &&
             pkt.desc.type != VMBUS_PKT_DATA_USING_GPA_DIRECT) ||
            (pkt.desc.flags & ~VMBUS_PKT_FLAG_COMPLETION_REQUESTED)) {
            if (!refused_again(c))
                vh_violation(VMBUS_HOST_RULE_RING, "packet type or flags a host does not take",
                             ((uint64_t)pkt.desc.type << 16) | pkt.desc.flags);
            break;
        }
        c->ctr.packets_in++;
        vh.st.packets_from_guest++;
        int handled = vh_dev_packet(c, &pkt, pkt_buf);
        if (c->state != VMBUS_HOST_CH_OPEN)
            return;  /* rescinded by a fault while serving: the rings are gone */
        if (!handled) {
            c->ctr.packets_in--;
            vh.st.packets_from_guest--;
            break;
        }
        vh_ring_pop(&c->from_guest, &pkt);
    }
    /* The guest waited for room in its outbound ring: wake it. */
    if (vh_ring_release(&c->from_guest))
        vh_signal_guest(c);
}

/* A signal with nothing unread and no room we wait for is one a host
 * throttles guests for (Linux hv_signal_on_write) - but only when nothing
 * happened on the channel since the guest's previous signal. With the
 * guest's reader and writer on different CPUs, and the host on a third
 * (hvsim.host_cpu), a correct guest's signal can find its work already
 * done: the reader's room signal started a service that took the writer's
 * packet; our second look after showing the ring empty took the packet
 * whose writer saw it empty; we served late and took several packets at
 * once. What no race explains is a signal with nothing to do after a
 * previous one with no work by either side in between (no packet taken or
 * given, no wait for room begun): a guest that signals twice for one event,
 * or with nothing written. */
static uint64_t channel_activity(const struct vh_chan *c)
{
    return c->ctr.packets_in + c->ctr.packets_out + c->to_guest.waits;
}

static bool signal_justified(struct vh_chan *c)
{
    uint64_t now = channel_activity(c);
    bool quiet = now == c->activity_at_signal;
    c->activity_at_signal = now;
    return vh_ring_unread(&c->from_guest) || c->to_guest.waiting || !quiet;
}

uint16_t vh_on_event(void *ctx, uint32_t vp, uint32_t conn_id, uint16_t flag)
{
    (void)ctx;
    (void)vp;
    (void)flag;
    vh_lock();
    vh.st.guest_signals++;
    uint32_t base = conn_base();
    struct vh_chan *c = conn_id > base ? vh_chan_by_relid(conn_id - base) : NULL;
    if (c)
        c->ctr.guest_signals++;
    if (c && c->state == VMBUS_HOST_CH_OPEN && !vh.cfg.faults.mute) {
        if (!signal_justified(c)) {
            vh.st.needless_signals++;
            vh_violation(VMBUS_HOST_RULE_SIGNAL, "signal with nothing to do", c->relid);
        }
        if (vh.int_page) {
            /* Pre-WIN8 guests also set the relid bit in the second half of
             * the interrupt page (Linux vmbus_set_event); consume it. */
            uint64_t *half = hvsim.machine.gpa_to_ptr(vh.int_page + VMBUS_PAGE_SIZE / 2,
                                                      VMBUS_PAGE_SIZE / 2);
            if (half)
                __atomic_fetch_and(&half[c->relid / 64], ~(1ull << (c->relid % 64)),
                                   __ATOMIC_SEQ_CST);
        }
        if (vh.cfg.kick)    /* served on the host's CPU (vmbus_host_run_deferred) */
            vh.kicked[c->relid / 64] |= 1ull << (c->relid % 64);
        else
            vh_service(c);
    }
    vh_answer_unlock();
    return HV_STATUS_SUCCESS;
}

/* The channels guests signalled since the last run, lowest relid first. */
void vh_service_kicked_locked(void)
{
    VH_ASSERT_LOCKED();
    for (unsigned w = 0; w < VMBUS_MAX_RELIDS / 64; w++) {
        while (vh.kicked[w]) {
            unsigned bit = (unsigned)__builtin_ctzll(vh.kicked[w]);
            vh.kicked[w] &= vh.kicked[w] - 1;
            struct vh_chan *c = vh_chan_by_relid(w * 64 + bit);
            if (c && c->state == VMBUS_HOST_CH_OPEN && !vh.cfg.faults.mute)
                vh_service(c);
        }
    }
}
