/* VMBus host: state, lock, init, the message entry point, and the ordered
 * path of our messages into hvsim's SINT queues.
 *
 * Back-pressure, as QEMU's vmbus-bridge does it (hw/hyperv/vmbus.c: one
 * message in flight, an rx queue of HV_MSG_QUEUE_LEN = 16 guest posts):
 * while our own answers wait for room in the guest's SINT queue (outq) or
 * offers are still going out, guest messages are parked in rxq; the 17th gets
 * HV_STATUS_INSUFFICIENT_BUFFERS (TLFS HvCallPostMessage: the port's message
 * buffers are exhausted). Both personalities use the same rule. */
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim.h"
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"
#include "lib/array_size.h"

struct vh_state vh;
static bool reg_conn1, reg_conn4;
static struct vh_chan static_ch[VMBUS_HOST_STATIC_CHANNELS];
static struct vh_gpadl static_gp[VMBUS_HOST_STATIC_CHANNELS + 8];

/* Interrupt-safe like hvsim's own lock, and taken before it. */
void vh_lock(void)
{
    hvsim_spin_lock(&vh.lock);
}

void vh_unlock(void)
{
    hvsim_spin_unlock(&vh.lock);
}

uint64_t vh_now(void)
{
    return vh.cfg.now_100ns ? vh.cfg.now_100ns() : vh.polls * VH_POLL_100NS;
}

/* ---- to the guest ---------------------------------------------------------- */
static uint16_t post(uint32_t vp, const void *msg, uint32_t len)
{
    uint16_t st = hvsim_post_to_guest(vp, vh.msg_sint, VMBUS_SYNIC_MESSAGE_TYPE, msg, len);
    if (st == HV_STATUS_SUCCESS) {
        vh.st.msgs_out++;
        tracef(TRACE_VMBUS, VH_SUB, "host: sent message %u (%u bytes) to VP%u",
               *(const uint32_t *)msg, len, vp);
    }
    return st;
}

/* QEMU's vmbus post_msg rounds every payload up to a multiple of 8 bytes
 * (VERSION_RESPONSE 16, GPADL_CREATED 24, OPENCHANNEL_RESULT 24,
 * GPADL_TORNDOWN 16, OFFERCHANNEL 200); Hyper-V (OpenVMM) sends each
 * struct at its size. The padding is zero. */
uint32_t vh_wire_len(uint32_t len)
{
    return vh.cfg.personality == VMBUS_HOST_QEMU ? (len + 7u) & ~7u : len;
}

void vh_send_to(uint32_t vp, const void *msg_in, uint32_t len_in)
{
    uint8_t msg[VMBUS_MAX_MESSAGE_SIZE] = { 0 };
    uint32_t len = vh_wire_len(len_in);
    if (len > VMBUS_MAX_MESSAGE_SIZE)
        return;
    memcpy(msg, msg_in, len_in);
    if (vh.outq_n == 0) {
        uint16_t st = post(vp, msg, len);
        if (st == HV_STATUS_SUCCESS)
            return;
        if (st != HV_STATUS_INSUFFICIENT_BUFFERS) {
            log_warn(VH_SUB, "host: message %u to VP%u refused by SynIC (status 0x%x), dropped",
                     *(const uint32_t *)(const void *)msg, vp, st);
            return;
        }
    }
    if (vh.outq_n == VH_OUTQ_LEN) {
        log_err(VH_SUB, "host: outbound queue full, message %u dropped",
                *(const uint32_t *)(const void *)msg);
        return;
    }
    struct vh_msg *m = &vh.outq[(vh.outq_head + vh.outq_n++) % VH_OUTQ_LEN];
    m->vp = vp;
    m->len = len;
    memcpy(m->data, msg, len);
    vh.st.msgs_backlogged++;
}

void vh_send(const void *msg, uint32_t len)
{
    vh_send_to(vh.contact_vp, msg, len);
}

bool vh_blocked(void)
{
    return vh.outq_n > 0 || vh.offering;
}

/* Move everything that can move: our queued answers, offers, then parked
 * guest messages (each of which may queue answers again). */
void vh_pump_locked(void)
{
    VH_ASSERT_LOCKED();
    for (;;) {
        while (vh.outq_n) {
            struct vh_msg *m = &vh.outq[vh.outq_head];
            uint16_t st = post(m->vp, m->data, m->len);
            if (st == HV_STATUS_INSUFFICIENT_BUFFERS)
                return;
            vh.outq_head = (vh.outq_head + 1) % VH_OUTQ_LEN;
            vh.outq_n--;
        }
        if (vh.offering) {
            for (; vh.offer_cursor < vh.n_slots; vh.offer_cursor++) {
                struct vh_chan *c = &vh.ch[vh.offer_cursor];
                if ((c->state == VMBUS_HOST_CH_OFFERED || c->state == VMBUS_HOST_CH_OPEN) &&
                    !c->offered_to_guest && !vh_send_offer(c))
                    return;  /* SINT queue full: resume at the next poll */
            }
            if (vh.cfg.faults.bad_msg && !vh.bad_msgs_done_offers) {
                vh.bad_msgs_done_offers = true;
                vh_send_bad_msgs(false);
            }
            struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_ALLOFFERS_DELIVERED };
            vh.offering = false;
            vh_send(&h, sizeof h);
            tracef(TRACE_VMBUS, VH_SUB, "host: all offers delivered");
            continue;
        }
        if (vh.rxq_n) {
            struct vh_msg m = vh.rxq[vh.rxq_head];
            vh.rxq_head = (vh.rxq_head + 1) % VH_RXQ_LEN;
            vh.rxq_n--;
            vh_handle_message(m.vp, m.data, m.len);
            continue;
        }
        return;
    }
}

void vh_answer_unlock(void)
{
    if (vh.cfg.kick) {      /* queued: the host's CPU answers (vmbus_host_run_deferred) */
        vh_unlock();
        vh.cfg.kick();
        return;
    }
    vh_pump_locked();
    vh_unlock();
}

/* ---- from the guest ---------------------------------------------------------- */
static uint16_t on_message(void *ctx, uint32_t vp, uint32_t conn_id, uint32_t type,
                           const void *payload, uint32_t len)
{
    (void)ctx;
    (void)vp;
    uint16_t st = HV_STATUS_SUCCESS;
    bool qemu = vh.cfg.personality == VMBUS_HOST_QEMU;
    vh_lock();
    vh.st.msgs_in++;
    uint32_t msgtype = len >= 4 ? *(const uint32_t *)payload : 0;
    /* QEMU (vmbus_recv_message) takes only SynIC type 1 with at least the
     * 8-byte header and a VMBus type 1..17 (VMBUS_MSG_COUNT = 18); anything
     * else fails the hypercall with HV_STATUS_INVALID_HYPERCALL_INPUT.
     * Hyper-V accepts the post and ignores what it cannot parse. */
    if (type != VMBUS_SYNIC_MESSAGE_TYPE || len < sizeof(struct vmbus_msg_header) ||
        len > VMBUS_MAX_MESSAGE_SIZE ||
        (qemu && (msgtype == VMBUS_MSG_INVALID || msgtype >= VMBUS_QEMU_MSG_COUNT))) {
        vh_violation(VMBUS_HOST_RULE_POST, "post refused (SynIC type, size or VMBus type)",
                     ((uint64_t)type << 32) | msgtype);
        if (qemu)
            st = HV_STATUS_INVALID_HYPERCALL_INPUT;
    } else if (vh.cfg.faults.mute) {
        vh.st.muted++;
        tracef(TRACE_VMBUS, VH_SUB, "host: mute: message %u ignored", msgtype);
    } else if (vh.rxq_n || vh_blocked() || vh.cfg.kick) {
        if (vh.rxq_n == VH_RXQ_LEN) {
            vh.st.msgs_refused_busy++;
            st = HV_STATUS_INSUFFICIENT_BUFFERS;
        } else {
            struct vh_msg *m = &vh.rxq[(vh.rxq_head + vh.rxq_n++) % VH_RXQ_LEN];
            m->vp = conn_id;
            m->len = len;
            memcpy(m->data, payload, len);
        }
    } else {
        vh_handle_message(conn_id, payload, len);
    }
    vh_answer_unlock();
    return st;
}

/* ---- init / poll ------------------------------------------------------------- */
static void teardown_previous(void)
{
    for (uint32_t i = 0; i < vh.n_slots && vh.ch; i++)
        if (vh.ch[i].conn_registered)
            hvsim_unregister_connection(vh.ch[i].conn_id);
    if (reg_conn1)
        hvsim_unregister_connection(VMBUS_MESSAGE_CONNECTION_ID);
    if (reg_conn4)
        hvsim_unregister_connection(VMBUS_MESSAGE_CONNECTION_ID_4);
    reg_conn1 = reg_conn4 = false;
    if (vh.region && vh.cfg.free_pages)
        vh.cfg.free_pages(vh.region, vh.region_pages);
}

static int alloc_tables(uint32_t total)
{
    uint32_t ch_cap = total + VH_SPARE_SLOTS;
    if (ch_cap > VMBUS_MAX_RELIDS)
        ch_cap = VMBUS_MAX_RELIDS;
    uint32_t gp_cap = ch_cap + 32;
    if (ch_cap <= VMBUS_HOST_STATIC_CHANNELS || !vh.cfg.alloc_pages) {
        if (total > VMBUS_HOST_STATIC_CHANNELS) {
            log_err(VH_SUB, "host: %u channels need the alloc_pages hook (static pool: %u)",
                    total, VMBUS_HOST_STATIC_CHANNELS);
            return -1;
        }
        memset(static_ch, 0, sizeof static_ch);
        memset(static_gp, 0, sizeof static_gp);
        vh.ch = static_ch;
        vh.gp = static_gp;
        vh.ch_cap = VMBUS_HOST_STATIC_CHANNELS;
        vh.gp_cap = ARRAY_SIZE(static_gp);
        return 0;
    }
    size_t bytes = ch_cap * sizeof(struct vh_chan) + gp_cap * sizeof(struct vh_gpadl);
    size_t pages = (bytes + VMBUS_PAGE_SIZE - 1) / VMBUS_PAGE_SIZE;
    uint8_t *p = vh.cfg.alloc_pages(pages);
    if (!p) {
        log_err(VH_SUB, "host: no memory for %u channel slots (%zu pages)", ch_cap, pages);
        return -1;
    }
    memset(p, 0, pages * VMBUS_PAGE_SIZE);
    vh.region = p;
    vh.region_pages = pages;
    vh.ch = (struct vh_chan *)p;
    vh.gp = (struct vh_gpadl *)(p + ch_cap * sizeof(struct vh_chan));
    vh.ch_cap = ch_cap;
    vh.gp_cap = gp_cap;
    return 0;
}

int vmbus_host_init(const struct vmbus_host_config *cfg)
{
    if (!cfg)
        return -1;
    vh_lock();
    teardown_previous();
    memset((uint8_t *)&vh + sizeof vh.lock, 0, sizeof vh - sizeof vh.lock);
    vh.cfg = *cfg;
    if (vh.cfg.nr_vps == 0)
        vh.cfg.nr_vps = 1;
    vh.msg_sint = VMBUS_MESSAGE_SINT;
    bool qemu = cfg->personality == VMBUS_HOST_QEMU;
    uint32_t top = qemu ? VMBUS_VERSION_WIN10 : VMBUS_VERSION_WIN10_5_3;
    vh.max_version = cfg->max_version && cfg->max_version < top ? cfg->max_version : top;
    if (cfg->max_version > top)
        log_warn(VH_SUB, "host: %s offers at most %u.%u", qemu ? "qemu" : "hyperv",
                 VMBUS_VERSION_MAJOR(top), VMBUS_VERSION_MINOR(top));
    vh.prng = (cfg->faults.seed * 0x9E3779B97F4A7C15ull) | 1;
    for (uint32_t r = 0; r < VMBUS_MAX_RELIDS; r++)
        vh.relid_slot[r] = VH_NOSLOT;

    int rc = -1;
    uint32_t total = VMBUS_HOST_BUILTIN_COUNT + cfg->extra_channels + cfg->dm.on;
    if (cfg->extra_channels > VMBUS_HOST_MAX_EXTRA_CHANNELS) {
        log_err(VH_SUB, "host: %u extra channels, at most %u", cfg->extra_channels,
                VMBUS_HOST_MAX_EXTRA_CHANNELS);
    } else if (alloc_tables(total) == 0 && vh_channels_build() == 0) {
        /* QEMU registers its handler on connection 1 only, so a 5.x
         * INITIATE_CONTACT (connection 4) fails in the hypercall with
         * INVALID_CONNECTION_ID. Hyper-V listens on both. */
        rc = hvsim_register_message_handler(VMBUS_MESSAGE_CONNECTION_ID, on_message, NULL);
        reg_conn1 = rc == 0;
        if (rc == 0 && !qemu) {
            rc = hvsim_register_message_handler(VMBUS_MESSAGE_CONNECTION_ID_4, on_message, NULL);
            reg_conn4 = rc == 0;
        }
        if (rc)
            log_err(VH_SUB, "host: could not register the VMBus message connection");
    }
    vh.up = rc == 0;
    vh_unlock();
    if (rc == 0)
        log_info(VH_SUB, "VMBus host up: %s personality, versions up to %u.%u, %u channels "
                 "(relids %s), faults%s%s%s%s%s%s%s%s", qemu ? "qemu" : "hyperv",
                 VMBUS_VERSION_MAJOR(vh.max_version), VMBUS_VERSION_MINOR(vh.max_version),
                 total, cfg->relids == VMBUS_HOST_RELIDS_DENSE ? "dense" :
                 cfg->relids == VMBUS_HOST_RELIDS_SPARSE ? "sparse" : "random",
                 cfg->faults.drop_irq ? " drop_irq" : "", cfg->faults.dup_irq ? " dup_irq" : "",
                 cfg->faults.delay_irq ? " delay_irq" : "",
                 cfg->faults.spurious_bits ? " spurious_bits" : "",
                 cfg->faults.rescind_at ? " rescind_at" : "",
                 cfg->faults.bad_msg ? " bad_msg" : "",
                 (cfg->faults.bad_ring || cfg->faults.bad_pkt) ? " bad_ring/pkt" : "",
                 cfg->faults.mute ? " mute" : "");
    return rc;
}

void vmbus_host_run_deferred(void)
{
    if (!vh.up)
        return;
    vh_lock();
    vh_pump_locked();
    vh_service_kicked_locked();
    vh_pump_locked();
    vh_unlock();
}

void vmbus_host_poll(void)
{
    if (!vh.up)
        return;
    vh_lock();
    vh.polls++;
    vh_pump_locked();
    vh_service_kicked_locked();
    if (!vh.cfg.faults.mute) {
        vh_fault_tick();
        vh_dev_tick();
        vh_pump_locked();
    }
    vh_unlock();
}

/* ---- queries ----------------------------------------------------------------- */
void vmbus_host_get_stats(struct vmbus_host_stats *out)
{
    vh_lock();
    *out = vh.st;
    out->version = vh.connected ? vh.version : 0;
    out->relid_hwm = vh_relid_hwm();
    out->live_channels = 0;
    for (uint32_t i = 0; i < vh.n_slots; i++)
        if (vh.ch[i].state != VMBUS_HOST_CH_FREE)
            out->live_channels++;
    vh_unlock();
}

int vmbus_host_chan_info(uint32_t relid, struct vmbus_host_chan_info *o)
{
    int rc = -1;
    vh_lock();
    struct vh_chan *c = vh_chan_by_relid(relid);
    if (c) {
        memset(o, 0, sizeof *o);
        o->state = (enum vmbus_host_chan_state)c->state;
        o->dev = (enum vmbus_host_dev)c->dev;
        o->offered_to_guest = c->offered_to_guest;
        o->conn_id = c->conn_id;
        o->target_vp = c->target_vp;
        o->gpadl = c->gpadl;
        o->ctr = c->ctr;
        o->ic_ready = c->ic_state == VH_IC_READY;
        o->ic_framework = c->ic_fw;
        o->ic_service = c->ic_srv;
        rc = 0;
    }
    vh_unlock();
    return rc;
}

uint32_t vmbus_host_relid_of(enum vmbus_host_dev dev)
{
    uint32_t r = 0;
    vh_lock();
    for (uint32_t i = 0; i < vh.n_slots && !r; i++)
        if (vh.ch[i].state != VMBUS_HOST_CH_FREE && vh.ch[i].dev == dev)
            r = vh.ch[i].relid;
    vh_unlock();
    return r;
}
