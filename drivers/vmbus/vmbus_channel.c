/* Channel lifecycle and I/O: open (rings + GPADL + OPENCHANNEL), close,
 * send/receive through the rings, signalling, MODIFYCHANNEL, release after
 * rescind. Process context, except the receive helpers which the channel
 * callback may call from the interrupt. */
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"
#include "lib/fmt.h"

static bool ring_size_ok(size_t bytes)
{
    return bytes >= 2 * VMBUS_PAGE_SIZE && bytes % VMBUS_PAGE_SIZE == 0 &&
           bytes <= (size_t)1 << 30;
}

/* "relid <n> <dir>" for the ring's log lines, so a refused packet names
 * its channel. */
static void ring_name(char *out, size_t n, uint32_t relid, const char *dir)
{
    size_t at = fmt_str(out, n, 0, "relid ");
    at = fmt_uint(out, n, at, relid);
    at = fmt_str(out, n, at, " ");
    fmt_str(out, n, at, dir);
}

static void free_rings(struct vmbus_channel *ch)
{
    if (ch->ring_mem)
        vmbus_services()->free_pages(ch->ring_mem, ch->ring_pages);
    ch->ring_mem = NULL;
    ch->ring_pages = 0;
}

static unsigned long pages_kept;

unsigned long vmbus_pages_kept(void) { return pages_kept; }

void vmbus_keep_pages(void *mem, size_t pages, const char *why)
{
    if (mem == NULL)
        return;
    pages_kept += pages;
    log_err("vmbus", "%u pages at %p kept, never reused: %s (%lu kept in all)",
            (unsigned)pages, mem, why, pages_kept);
}

/* The host may still map the rings: forget them instead of freeing, so no
 * later free (channel_free, disconnect) hands them back to the allocator. */
static void keep_rings(struct vmbus_channel *ch, const char *why)
{
    vmbus_keep_pages(ch->ring_mem, ch->ring_pages, why);
    ch->ring_mem = NULL;
    ch->ring_pages = 0;
}

/* A callback that loaded ch->callback before it went NULL may still be
 * draining the rings on another CPU: wait until it has left before the
 * rings are torn down and freed (Linux vmbus_reset_channel_cb waits for
 * the channel's callback the same way). */
static void quiesce_callbacks(void)
{
    if (vmbus_services()->quiesce)
        vmbus_services()->quiesce();
}

int vmbus_channel_open(struct vmbus_channel *ch, size_t send_ring_bytes,
                       size_t recv_ring_bytes, vmbus_channel_cb cb, void *ctx)
{
    const struct vmbus_services *p = vmbus_services();
    if (ch->open)
        return VMBUS_EBUSY;
    if (atomic_load(&ch->rescinded))
        return VMBUS_ENODEV;
    if (!ring_size_ok(send_ring_bytes) || !ring_size_ok(recv_ring_bytes))
        return VMBUS_EINVAL;
    size_t send_pages = send_ring_bytes / VMBUS_PAGE_SIZE;
    size_t pages = send_pages + recv_ring_bytes / VMBUS_PAGE_SIZE;
    uint8_t *mem = p->alloc_pages(pages);
    if (mem == NULL)
        return VMBUS_ENOMEM;
    ch->ring_mem = mem;
    ch->ring_pages = pages;
    ch->send_pages = (uint32_t)send_pages;
    /* One GPADL covers [guest->host ring][host->guest ring]. */
    ring_name(ch->out_name, sizeof ch->out_name, ch->relid, "outbound");
    ring_name(ch->in_name, sizeof ch->in_name, ch->relid, "inbound");
    vmbus_ring_init(&ch->outbound, mem, send_ring_bytes, ch->out_name);
    vmbus_ring_init(&ch->inbound, mem + send_ring_bytes, recv_ring_bytes, ch->in_name);

    bool lent;
    int rc = vmbus_gpadl_create(ch, mem, pages * VMBUS_PAGE_SIZE, &ch->ring_gpadl, &lent);
    if (rc) {
        /* A GPADL_CREATED that comes late must not find these pages reused. */
        if (lent && !atomic_load(&ch->rescinded))
            keep_rings(ch, "ring GPADL unanswered");
        else
            free_rings(ch);
        return rc;
    }
    /* The callback must be in place before the host can signal. */
    ch->cb_ctx = ctx;
    atomic_store_explicit(&ch->callback, cb, memory_order_release);

    struct vmbus_msg_open_channel m;
    memset(&m, 0, sizeof m);
    m.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
    m.child_relid = ch->relid;
    m.openid = ch->relid;
    m.ringbuffer_gpadl = ch->ring_gpadl;
    ch->target_vp = p->pick_target_vp ? p->pick_target_vp() : p->current_vp();
    m.target_vp = ch->target_vp;
    m.downstream_ring_page_offset = (uint32_t)send_pages;
    vmbus_slot_arm(&vmbus_conn.open_result, ch->relid, ch->relid);
    rc = vmbus_post(&m, sizeof m, "OPENCHANNEL");
    if (rc == 0)
        rc = vmbus_wait(vmbus_slot_done, &vmbus_conn.open_result, "OPENCHANNEL_RESULT");
    vmbus_conn.open_result.armed = false;
    if (rc == 0 && vmbus_conn.open_result.status != 0) {
        log_err("vmbus", "relid %u: OPENCHANNEL refused, status 0x%x", ch->relid,
                vmbus_conn.open_result.status);
        rc = atomic_load(&ch->rescinded) ? VMBUS_ENODEV : VMBUS_EPROTO;
    }
    /* A rescind that came with (or right after) a successful result: the
     * channel is gone, and the caller should learn it now, not at its first
     * send (Linux vmbus_open checks channel->rescind the same way). */
    if (rc == 0 && atomic_load_explicit(&ch->rescinded, memory_order_acquire)) {
        log_warn("vmbus", "relid %u rescinded while opening", ch->relid);
        rc = VMBUS_ENODEV;
    }
    if (rc) {
        atomic_store_explicit(&ch->callback, NULL, memory_order_release);
        quiesce_callbacks();
        if (vmbus_gpadl_teardown(ch, ch->ring_gpadl) == 0 || atomic_load(&ch->rescinded))
            free_rings(ch);
        else
            keep_rings(ch, "ring GPADL teardown unanswered after a failed open");
        ch->ring_gpadl = 0;
        return rc;
    }
    ch->open = true;
    tracef(TRACE_VMBUS, "vmbus", "relid %u open: rings %u+%u pages, target VP %u",
           ch->relid, (unsigned)send_pages, (unsigned)(pages - send_pages), ch->target_vp);
    return VMBUS_OK;
}

void vmbus_channel_close(struct vmbus_channel *ch)
{
    if (!ch->open)
        return;
    atomic_store_explicit(&ch->callback, NULL, memory_order_release);
    quiesce_callbacks();
    struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL,
                                 .child_relid = ch->relid };
    vmbus_post(&m, sizeof m, "CLOSECHANNEL");
    int rc = vmbus_gpadl_teardown(ch, ch->ring_gpadl);
    /* Pages the host may still hold are leaked on purpose, not reused. */
    if (rc == 0 || atomic_load(&ch->rescinded))
        free_rings(ch);
    else
        keep_rings(ch, "ring GPADL teardown unanswered at close");
    ch->ring_gpadl = 0;
    ch->open = false;
    tracef(TRACE_VMBUS, "vmbus", "relid %u closed", ch->relid);
}

/* Linux vmbus_set_event (drivers/hv/connection.c): for a channel whose offer
 * does not have is_dedicated_interrupt, first set bit <relid> in the
 * guest->host half of the interrupt page (vmbus_send_interrupt; FreeBSD
 * vmbus_chan_signal sets it for every channel), so a host that shares one
 * event connection between channels can tell which one signalled. Then
 * HvSignalEvent on the offer's connection id. Monitored channels
 * (monitor_allocated) are signalled the same way: that is Linux's
 * low-latency path in vmbus_setevent (channel.c), which the host accepts;
 * the monitor-page (MNF) path is only a batching optimisation. */
void vmbus_channel_signal(struct vmbus_channel *ch)
{
    if (!ch->dedicated_interrupt && vmbus_conn.pages && ch->relid < VMBUS_MAX_RELIDS) {
        uint64_t *send_half = (uint64_t *)((uint8_t *)vmbus_conn.pages + VMBUS_PAGE_SIZE / 2);
        __atomic_fetch_or(&send_half[ch->relid / 64], 1ull << (ch->relid % 64),
                          __ATOMIC_SEQ_CST);
    }
    trace_ev(TRACE_IRQ, "guest_signal", "relid=%u conn=%u", ch->relid, ch->signal_conn_id);
    uint64_t st = vmbus_services()->signal_event(ch->signal_conn_id);
    ch->signals_sent++;
    if (st != HV_STATUS_SUCCESS)
        log_warn("vmbus", "relid %u: signal on connection %u failed, HV status 0x%llx",
                 ch->relid, ch->signal_conn_id, (unsigned long long)st);
}

int vmbus_channel_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags,
                       uint64_t trans_id, const void *data, size_t len)
{
    /* After a rescind the host reads no more: fail fast instead of filling
     * the ring and reporting EAGAIN for ever. */
    if (!ch->open || atomic_load_explicit(&ch->rescinded, memory_order_acquire))
        return VMBUS_ENODEV;
    bool signal;
    int rc = vmbus_ring_send(&ch->outbound, type, flags, trans_id, data, len, &signal);
    if (rc == 0 && signal)
        vmbus_channel_signal(ch);
    return rc;
}

int vmbus_channel_recv(struct vmbus_channel *ch, void *buf, size_t buflen,
                       struct vmbus_ring_pkt *pkt)
{
    if (!ch->open)
        return VMBUS_ENODEV;
    return vmbus_ring_read(&ch->inbound, buf, buflen, pkt);
}

void vmbus_channel_recv_done(struct vmbus_channel *ch)
{
    if (ch->open && vmbus_ring_commit(&ch->inbound))
        vmbus_channel_signal(ch);
}

int vmbus_channel_drain(struct vmbus_channel *ch, void *buf, size_t cap,
                        void (*fn)(void *ctx, const struct vmbus_ring_pkt *pkt), void *ctx,
                        struct vmbus_ring_pkt *pkt)
{
    int rc;
    do {
        vmbus_ring_mask(&ch->inbound);
        while ((rc = vmbus_channel_recv(ch, buf, cap, pkt)) == 1)
            fn(ctx, pkt);
        vmbus_channel_recv_done(ch);
    } while (vmbus_ring_unmask(&ch->inbound) && rc == 0);
    return rc;
}

int vmbus_channel_retarget(struct vmbus_channel *ch, uint32_t target_vp)
{
    uint32_t v = vmbus_version();
    if (!VMBUS_VERSION_HAS_MODIFYCHANNEL(v)) {
        log_warn("vmbus", "relid %u: MODIFYCHANNEL needs version 4.1, have %u.%u",
                 ch->relid, VMBUS_VERSION_MAJOR(v), VMBUS_VERSION_MINOR(v));
        return VMBUS_EINVAL;
    }
    if (!ch->open)
        return VMBUS_ENODEV;
    struct vmbus_msg_modify_channel m = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
                                          .child_relid = ch->relid,
                                          .target_vp = target_vp };
    bool acked = VMBUS_VERSION_HAS_MODIFY_RESP(v);
    if (acked)
        vmbus_slot_arm(&vmbus_conn.modify_response, ch->relid, 0);
    int rc = vmbus_post(&m, sizeof m, "MODIFYCHANNEL");
    if (rc == 0 && acked) {
        rc = vmbus_wait(vmbus_slot_done, &vmbus_conn.modify_response,
                        "MODIFYCHANNEL_RESPONSE");
        if (rc == 0 && vmbus_conn.modify_response.status != 0) {
            log_err("vmbus", "relid %u: MODIFYCHANNEL refused, status 0x%x",
                    ch->relid, vmbus_conn.modify_response.status);
            rc = VMBUS_EPROTO;
        }
    }
    vmbus_conn.modify_response.armed = false;
    if (rc == 0)
        ch->target_vp = target_vp;
    return rc;
}

void vmbus_channel_free(struct vmbus_channel *ch)
{
    atomic_store_explicit(&ch->callback, NULL, memory_order_release);
    free_rings(ch);
    vmbus_services()->free(ch);
}

void vmbus_channel_release(struct vmbus_channel *ch)
{
    uint32_t relid = ch->relid;
    /* Out of the table first so no new interrupt finds it, then wait until
     * every CPU has left the interrupt paths that may still hold it. */
    vmbus_chantable_remove(relid);
    if (vmbus_services()->quiesce)
        vmbus_services()->quiesce();
    vmbus_channel_free(ch);
    struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
                                 .child_relid = relid };
    vmbus_post(&m, sizeof m, "RELID_RELEASED");
}
