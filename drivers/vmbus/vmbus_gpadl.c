/* GPADL (guest physical address descriptor list): how the guest lends pages
 * to the host. One range covering the whole buffer (the only shape QEMU
 * accepts; Linux sends the same): GPADL_HEADER with the first 26 PFNs, then
 * GPADL_BODY messages with 28 more each. The host answers GPADL_CREATED once
 * every PFN has arrived. Teardown: GPADL_TEARDOWN -> GPADL_TORNDOWN. */
#include <string.h>
#include "drivers/vmbus/vmbus_internal.h"
#include "kernel/log.h"

/* range_buflen is 16 bits: 8 bytes of range header + 8 per PFN. */
#define GPADL_MAX_PAGES ((0xffffu - sizeof(struct vmbus_gpa_range)) / sizeof(uint64_t))

static uint32_t next_gpadl_handle(void)
{
    uint32_t h = vmbus_conn.next_gpadl++;
    if (h == 0)  /* 0 is never handed out (its meaning is unconfirmed) */
        h = vmbus_conn.next_gpadl++;
    return h;
}

static uint64_t pfn_of(const uint8_t *buf, size_t page)
{
    return vmbus_services()->virt_to_phys(buf + page * VMBUS_PAGE_SIZE) / VMBUS_PAGE_SIZE;
}

int vmbus_gpadl_create(struct vmbus_channel *ch, void *buf, size_t bytes,
                       uint32_t *gpadl_out, bool *pages_lent)
{
    size_t pages = bytes / VMBUS_PAGE_SIZE;
    bool lent_dummy;
    if (pages_lent == NULL)
        pages_lent = &lent_dummy;
    *pages_lent = false;
    if (buf == NULL || bytes == 0 || bytes % VMBUS_PAGE_SIZE ||
        ((uintptr_t)buf % VMBUS_PAGE_SIZE) || pages > GPADL_MAX_PAGES)
        return VMBUS_EINVAL;
    if (atomic_load(&ch->rescinded))
        return VMBUS_ENODEV;
    const uint8_t *p = buf;
    uint32_t handle = next_gpadl_handle();
    uint64_t msg[VMBUS_MAX_MESSAGE_SIZE / sizeof(uint64_t)];

    /* Header: fixed part, one range, as many PFNs as fit. */
    memset(msg, 0, sizeof msg);
    struct vmbus_msg_gpadl_header *h = (struct vmbus_msg_gpadl_header *)msg;
    h->hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
    h->child_relid = ch->relid;
    h->gpadl = handle;
    h->range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range) + pages * sizeof(uint64_t));
    h->rangecount = 1;
    struct vmbus_gpa_range *range = (struct vmbus_gpa_range *)(h + 1);
    range->byte_count = (uint32_t)bytes;
    range->byte_offset = 0;
    uint8_t *pfn_area = (uint8_t *)(range + 1);
    size_t n = pages < VMBUS_GPADL_HEADER_PFNS ? pages : VMBUS_GPADL_HEADER_PFNS;
    for (size_t i = 0; i < n; i++) {
        uint64_t pfn = pfn_of(p, i);
        memcpy(pfn_area + i * sizeof pfn, &pfn, sizeof pfn);
    }
    vmbus_slot_arm(&vmbus_conn.gpadl_created, ch->relid, handle);
    int rc = vmbus_post(msg, sizeof *h + sizeof *range + n * sizeof(uint64_t),
                        "GPADL_HEADER");
    /* From here the host holds PFNs of these pages: unless it answers with a
     * failure status (or rescinds, which drops the channel's GPADLs), they
     * stay lent to it. */
    if (rc == 0)
        *pages_lent = true;

    /* Continuations. */
    for (size_t done = n; rc == 0 && done < pages; done += n) {
        memset(msg, 0, sizeof msg);
        struct vmbus_msg_gpadl_body *b = (struct vmbus_msg_gpadl_body *)msg;
        b->hdr.msgtype = VMBUS_MSG_GPADL_BODY;
        b->msgnumber = 0;  /* Linux leaves it 0; QEMU ignores it */
        b->gpadl = handle;
        n = pages - done < VMBUS_GPADL_BODY_PFNS ? pages - done : VMBUS_GPADL_BODY_PFNS;
        uint8_t *area = (uint8_t *)(b + 1);
        for (size_t i = 0; i < n; i++) {
            uint64_t pfn = pfn_of(p, done + i);
            memcpy(area + i * sizeof pfn, &pfn, sizeof pfn);
        }
        rc = vmbus_post(msg, sizeof *b + n * sizeof(uint64_t), "GPADL_BODY");
    }
    if (rc == 0)
        rc = vmbus_wait(vmbus_slot_done, &vmbus_conn.gpadl_created, "GPADL_CREATED");
    vmbus_conn.gpadl_created.armed = false;
    if (rc) {
        if (*pages_lent)
            log_err("vmbus", "relid %u: GPADL %u got no GPADL_CREATED; its %u pages stay "
                    "lent to the host", ch->relid, handle, (unsigned)pages);
        return rc;
    }
    if (vmbus_conn.gpadl_created.status != 0) {
        *pages_lent = false;  /* refused, or dropped with the rescinded channel */
        log_err("vmbus", "relid %u: GPADL %u of %u pages refused, status 0x%x",
                ch->relid, handle, (unsigned)pages, vmbus_conn.gpadl_created.status);
        return atomic_load(&ch->rescinded) ? VMBUS_ENODEV : VMBUS_EPROTO;
    }
    tracef(TRACE_VMBUS, "vmbus", "relid %u: GPADL %u created, %u pages", ch->relid,
           handle, (unsigned)pages);
    *gpadl_out = handle;
    return VMBUS_OK;
}

int vmbus_gpadl_teardown(struct vmbus_channel *ch, uint32_t gpadl)
{
    /* Linux vmbus_teardown_gpadl (drivers/hv/channel.c): once the host has
     * rescinded the channel it answers no GPADL_TEARDOWN (it drops the
     * channel's GPADLs itself), so none is sent and the pages count as
     * returned; a rescind arriving while we wait completes the wait
     * (vmbus_rescind_cleanup in channel_mgmt.c; on_rescind here). */
    struct vmbus_msg_gpadl_teardown m = {
        .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
        .child_relid = ch->relid,
        .gpadl = gpadl,
    };
    vmbus_slot_arm(&vmbus_conn.gpadl_torndown, gpadl, ch->relid);
    /* Armed first, so a rescind from here on completes the wait. */
    if (atomic_load_explicit(&ch->rescinded, memory_order_acquire)) {
        vmbus_conn.gpadl_torndown.armed = false;
        tracef(TRACE_VMBUS, "vmbus", "relid %u: rescinded, GPADL %u not torn down "
               "by message", ch->relid, gpadl);
        return VMBUS_OK;
    }
    int rc = vmbus_post(&m, sizeof m, "GPADL_TEARDOWN");
    if (rc == 0)
        rc = vmbus_wait(vmbus_slot_done, &vmbus_conn.gpadl_torndown, "GPADL_TORNDOWN");
    vmbus_conn.gpadl_torndown.armed = false;
    if (rc == 0 && atomic_load_explicit(&ch->rescinded, memory_order_acquire))
        return VMBUS_OK;  /* woken by the rescind, not by GPADL_TORNDOWN */
    if (rc == 0)
        tracef(TRACE_VMBUS, "vmbus", "relid %u: GPADL %u torn down", ch->relid, gpadl);
    return rc;
}
