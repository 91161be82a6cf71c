/* Host->guest channel interrupts and fault injection.
 *
 * A channel interrupt on VMBus >= WIN8 sets SIEF bit [relid] in SINT2 of the
 * channel's target VP (Linux vmbus_chan_sched; QEMU vmbus_channel_notify_guest).
 * Before WIN8 the host sets bit [relid] in the first half of the guest's
 * interrupt page and signals SIEF bit 0 (QEMU vmbus_channel_notify_guest;
 * Linux vmbus_isr scans that half when the version is older than WIN8). */
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim_internal.h"
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"

uint64_t vh_rand(void)
{
    /* xorshift64* */
    uint64_t x = vh.prng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    vh.prng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

bool vh_chance(uint32_t n)
{
    return n != 0 && (n == 1 || vh_rand() % n == 0);
}

static void raw_signal(uint32_t vp, uint32_t relid)
{
    uint16_t st;
    trace_ev(TRACE_IRQ, "host_set_bit", "relid=%u vp=%u", relid, vp);
    if (vh.int_page) {
        uint64_t *recv = hvsim.machine.gpa_to_ptr(vh.int_page, VMBUS_PAGE_SIZE / 2);
        if (recv)
            __atomic_fetch_or(&recv[relid / 64], 1ull << (relid % 64), __ATOMIC_SEQ_CST);
        st = hvsim_signal_guest_event(vp, VMBUS_MESSAGE_SINT, 0);
    } else {
        st = hvsim_signal_guest_event(vp, VMBUS_MESSAGE_SINT, relid);
    }
    if (st != HV_STATUS_SUCCESS)
        tracef(TRACE_VMBUS, VH_SUB, "host: signal relid %u on VP%u: status 0x%x", relid, vp, st);
}

static void mark_delayed(uint32_t relid)
{
    vh.delayed[relid / 64] |= 1ull << (relid % 64);
}

void vh_signal_guest(struct vh_chan *c)
{
    const struct vmbus_host_faults *f = &vh.cfg.faults;
    if (vh_chance(f->drop_irq)) {
        vh.st.irq_dropped++;
        tracef(TRACE_VMBUS, VH_SUB, "host: fault: interrupt for relid %u dropped", c->relid);
        return;
    }
    if (vh_chance(f->delay_irq)) {
        vh.st.irq_delayed++;
        mark_delayed(c->relid);
        return;
    }
    vh.st.host_signals++;
    c->ctr.host_signals++;
    uint32_t vp = c->target_vp;
    if (c->lag_left) {   /* retarget_lag: still the old VP (vmbus_host_chanmsg.c) */
        c->lag_left--;
        vp = c->old_vp;
        c->ctr.old_vp_signals++;
        vh.st.old_vp_signals++;
    }
    raw_signal(vp, c->relid);
    if (vh_chance(f->dup_irq)) {
        vh.st.irq_duplicated++;
        mark_delayed(c->relid);   /* again at the next poll */
    }
}

void vh_fault_tick(void)
{
    for (uint32_t w = 0; w < VMBUS_MAX_RELIDS / 64; w++) {
        uint64_t bits = vh.delayed[w];
        vh.delayed[w] = 0;
        while (bits) {
            uint32_t relid = w * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            struct vh_chan *c = vh_chan_by_relid(relid);
            vh.st.host_signals++;
            if (c)
                c->ctr.host_signals++;
            raw_signal(c ? c->target_vp : vh.contact_vp, relid);
        }
    }
    if (!vh.cfg.faults.spurious_bits || !vh.connected || vh.int_page)
        return;
    /* One bit above the high-water mark and one below it that belongs to
     * no open channel: the guest must ignore both. */
    uint32_t hwm = vh_relid_hwm();
    if (hwm + 1 < VMBUS_MAX_RELIDS) {
        raw_signal(vh.contact_vp, hwm + 1);
        vh.st.spurious_sent++;
    }
    for (uint32_t r = 1; r < hwm; r++) {
        struct vh_chan *c = vh_chan_by_relid(r);
        if (!c || c->state != VMBUS_HOST_CH_OPEN) {
            raw_signal(vh.contact_vp, r);
            vh.st.spurious_sent++;
            break;
        }
    }
}

/* Malformed host->guest messages (once each place). */
void vh_send_bad_msgs(bool before_version)
{
    uint8_t buf[VMBUS_MAX_MESSAGE_SIZE];
    memset(buf, 0, sizeof buf);
    if (before_version) {
        uint32_t t = 0x7777;                 /* unknown type */
        memcpy(buf, &t, 4);
        vh_send(buf, 8);
        t = VMBUS_MSG_OFFERCHANNEL;          /* shorter than any header */
        memcpy(buf, &t, 4);
        vh_send(buf, 4);
        vh.st.bad_msgs_sent += 2;
        return;
    }
    struct vmbus_msg_offer_channel o;
    memset(&o, 0, sizeof o);
    o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
    o.offer.if_type = *vh_dev_class(VMBUS_HOST_DEV_ECHO);
    o.child_relid = 5;
    vh_send(&o, 100);                        /* truncated offer */
    o.child_relid = 0;                       /* relid 0 is never used */
    vh_send(&o, sizeof o);
    o.child_relid = 4096;                    /* beyond 2047 */
    vh_send(&o, sizeof o);
    struct vmbus_msg_gpadl_created g = { .hdr.msgtype = VMBUS_MSG_GPADL_CREATED,
                                         .child_relid = 1, .gpadl = 0xdeadbeef };
    vh_send(&g, sizeof g);                   /* GPADL nobody asked for */
    uint32_t free_relid = vh_alloc_relid();
    struct vmbus_msg_open_result r = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
                                       .child_relid = free_relid ? free_relid : 2047 };
    vh_send(&r, sizeof r);                   /* result for no channel */
    vh.st.bad_msgs_sent += 5;
}

/* After a packet went into the guest's inbound ring. */
void vh_fault_after_write(struct vh_chan *c)
{
    const struct vmbus_host_faults *f = &vh.cfg.faults;
    if (c->bad_done || (!f->bad_ring && !f->bad_pkt) ||
        (f->bad_relid && c->relid != f->bad_relid))
        return;
    c->bad_done = true;
    vh.st.bad_ring_sent++;
    if (f->bad_pkt) {
        /* A descriptor whose len8 claims the whole ring. */
        struct vmbus_packet_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2,
                                       .len8 = (uint16_t)(c->to_guest.size / 8 > 0xffff
                                                              ? 0xffff : c->to_guest.size / 8) };
        bool sig;
        vh_ring_put_raw(&c->to_guest, &d, sizeof d, &sig);
    }
    if (f->bad_ring)   /* out of range, and not 8-byte aligned */
        __atomic_store_n(&c->to_guest.hdr->write_index, c->to_guest.size + 12,
                         __ATOMIC_RELEASE);
    tracef(TRACE_VMBUS, VH_SUB, "host: fault: corrupted the inbound ring of relid %u", c->relid);
}

void vh_fault_count_message(uint32_t relid_named)
{
    uint32_t n = vh.cfg.faults.rescind_at;
    if (!n || ++vh.guest_msgs != n)
        return;
    struct vh_chan *c = vh_chan_by_relid(relid_named);
    if (!c || c->state == VMBUS_HOST_CH_RESCINDED)
        c = vh_chan_by_relid(vh_relid_hwm());
    if (c && c->state != VMBUS_HOST_CH_RESCINDED) {
        tracef(TRACE_VMBUS, VH_SUB, "host: fault: rescind relid %u after guest message %u",
               c->relid, n);
        vh_rescind_locked(c);
    }
}

/* The console's `fault` command: new knobs for the running host, parsed as
 * hvsim.faults= ("none" turns every knob off). Knobs that act at a moment
 * already past (bad_msg before the first offers) simply never fire. */
int vmbus_host_set_faults(const char *faults, char *err, size_t errlen)
{
    struct vmbus_host_config tmp;
    vmbus_host_default_config(&tmp);
    if (strcmp(faults, "none") != 0 &&
        vmbus_host_parse_options(&tmp, NULL, NULL, NULL, faults, err, errlen) != 0)
        return -1;
    vh_lock();
    vh.cfg.faults = tmp.faults;
    vh.prng = (tmp.faults.seed * 0x9E3779B97F4A7C15ull) | 1;
    vh_unlock();
    return 0;
}
