/* The DM driver on its channel: open, send the version request, then
 * answer each host message (dm_msg.c) from the channel callback. Status
 * reports go out from dm_poll_status() (the idle loop, interrupts off so it
 * never interleaves with the callback's sends on the same ring). One DM
 * channel at a time, as a host offers one (QEMU: "Only one balloon device
 * is supported"). */
#include <string.h>
#include "drivers/dm/dm.h"
#include "drivers/vmbus/vmbus.h"
#include "kernel/log.h"

#define DM_RING_BYTES (4 * VMBUS_PAGE_SIZE)   /* per direction; Linux uses 4 pages too */

struct dm_chan {
    struct vmbus_channel *ch;
    struct dm_state st;
    uint8_t in[DM_MSG_MAX + 64], out[DM_MSG_MAX];
};

static struct dm_chan *_Atomic bound;

const struct dm_state *dm_current(void)
{
    struct dm_chan *c = atomic_load(&bound);
    return c ? &c->st : NULL;
}

static void send(struct dm_chan *c, size_t n)
{
    if (n == 0)
        return;
    int rc = vmbus_channel_send(c->ch, VMBUS_PKT_DATA_INBAND, 0, 0, c->out, n);
    if (rc)
        log_warn("dm", "message of %u bytes not sent (%d)", (unsigned)n, rc);
}

static void dm_packet(void *ctx, const struct vmbus_ring_pkt *pkt)
{
    struct dm_chan *c = ctx;
    if (pkt->desc.type != VMBUS_PKT_DATA_INBAND) {
        REFUSE(&c->st.refused, "dm", "packet type %u (DM messages are in-band data)",
               pkt->desc.type);
        return;
    }
    send(c, dm_handle(&c->st, c->in + pkt->payload_off, pkt->payload_len, c->out,
                      sizeof c->out));
}

static void dm_callback(struct vmbus_channel *ch, void *ctx)
{
    struct dm_chan *c = ctx;
    struct vmbus_ring_pkt pkt;
    if (vmbus_channel_drain(ch, c->in, sizeof c->in, dm_packet, c, &pkt) == VMBUS_ENOBUFS)
        log_err("dm", "packet of %u bytes too large, channel stalled", pkt.total_len);
}

static int dm_probe(struct vmbus_channel *ch)
{
    if (atomic_load(&bound))
        return VMBUS_EINVAL;
    struct dm_chan *c = vmbus_services()->zalloc(sizeof *c);
    if (!c)
        return VMBUS_ENOMEM;
    c->ch = ch;
    int rc = vmbus_driver_open(ch, c, DM_RING_BYTES, dm_callback);
    if (rc)
        return rc;
    atomic_store(&bound, c);
    uint64_t f = dm_hook_irq_save();
    send(c, dm_start(&c->st, c->out, sizeof c->out));
    dm_hook_irq_restore(f);
    log_info("dm", "dynamic memory on relid %u", ch->relid);
    return 0;
}

static void dm_remove(struct vmbus_channel *ch)
{
    struct dm_chan *c = ch->driver_data;
    vmbus_channel_close(ch);
    if (!c)
        return;
    atomic_store(&bound, NULL);
    if (c->st.ballooned)
        log_info("dm", "channel gone: %llu ballooned pages back to the allocator",
                 (unsigned long long)c->st.ballooned);
    dm_release_all(&c->st);
    ch->driver_data = NULL;
    vmbus_services()->free(c);
}

static struct vmbus_driver dm_driver = {
    .name = "dynmem", .class_id = VMBUS_CLASS_BALLOON, .probe = dm_probe, .remove = dm_remove,
};

void dm_register(void) { vmbus_driver_register(&dm_driver); }
void dm_unregister(void) { vmbus_driver_unregister(&dm_driver); }

/* Linux post_status sends one report a second (its dm_thread_func loop). */
#define DM_STATUS_PERIOD_NS 1000000000ull

void dm_poll_status(void)
{
    static uint64_t last;
    struct dm_chan *c = atomic_load(&bound);
    if (!c)
        return;
    uint64_t now = vmbus_services()->now_ns();
    if (now - last < DM_STATUS_PERIOD_NS)
        return;
    last = now;
    uint64_t f = dm_hook_irq_save();
    send(c, dm_status(&c->st, c->out, sizeof c->out));
    dm_hook_irq_restore(f);
}
