/* GPADL_HEADER + GPADL_BODY reassembly, GPADL_CREATED, GPADL_TEARDOWN /
 * GPADL_TORNDOWN (layouts: Linux include/linux/hyperv.h; the guest side is
 * Linux drivers/hv/channel.c create_gpadl_header / __vmbus_establish_gpadl).
 *
 * Like QEMU (handle_gpadl_header) the model takes one page-aligned range:
 * rangecount 1, byte_offset 0, byte_count = pages * 4096, and counts PFNs
 * until all arrived; GPADL_CREATED goes out only then. PFNs are not stored:
 * each one is checked to be guest RAM as it arrives, and the model records
 * whether they are consecutive, because it maps ring buffers as one piece
 * (a model limit: QEMU maps page by page). Failures: Hyper-V answers
 * GPADL_CREATED with a failure status; QEMU silently ignores a header it
 * cannot use (and a duplicate handle). */
#include <string.h>
#include "drivers/hvsim/hvsim_internal.h"
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"

static void bad(const char *what, uint32_t a)
{
    vh_violation(VMBUS_HOST_RULE_GPADL, what, a);
}

struct vh_gpadl *vh_gpadl_find(uint32_t handle)
{
    for (uint32_t i = 0; i < vh.gp_cap; i++)
        if (vh.gp[i].state != VH_GP_FREE && vh.gp[i].handle == handle)
            return &vh.gp[i];
    return NULL;
}

void vh_gpadl_reset(void)
{
    memset(vh.gp, 0, vh.gp_cap * sizeof vh.gp[0]);
}

static void created(uint32_t relid, uint32_t handle, uint32_t status)
{
    struct vmbus_msg_gpadl_created r = {
        .hdr.msgtype = VMBUS_MSG_GPADL_CREATED,
        .child_relid = relid, .gpadl = handle, .creation_status = status };
    vh_send(&r, sizeof r);
}

static void refuse(uint32_t relid, uint32_t handle, const char *why)
{
    bad(why, handle);
    if (vh.cfg.personality == VMBUS_HOST_HYPERV)
        created(relid, handle, VMBUS_HOST_STATUS_UNSUCCESSFUL);
}

static void take_pfns(struct vh_gpadl *g, const uint64_t *pfn_bytes, uint32_t n)
{
    for (uint32_t i = 0; i < n && g->received < g->npages; i++) {
        uint64_t pfn;
        memcpy(&pfn, (const uint8_t *)pfn_bytes + 8 * i, sizeof pfn);
        if (pfn >> 40 || !hvsim.machine.gpa_to_ptr(pfn << 12, VMBUS_PAGE_SIZE))
            g->bad = true;
        if (g->received == 0)
            g->first_pfn = pfn;
        else if (pfn != g->next_pfn)
            g->contiguous = false;
        g->next_pfn = pfn + 1;
        g->received++;
    }
    if (g->received < g->npages)
        return;
    /* All PFNs are in: answer. QEMU does not look at the pages here; a
     * bad one makes the later OPENCHANNEL fail instead. */
    if (g->bad && vh.cfg.personality == VMBUS_HOST_HYPERV) {
        bad("PFN outside guest RAM", g->handle);
        created(g->relid, g->handle, VMBUS_HOST_STATUS_UNSUCCESSFUL);
        memset(g, 0, sizeof *g);
        return;
    }
    g->state = VH_GP_CREATED;
    vh.st.gpadls_created++;
    tracef(TRACE_VMBUS, VH_SUB, "host: GPADL 0x%x created: %u pages for relid %u%s",
           g->handle, g->npages, g->relid, g->contiguous ? "" : " (not contiguous)");
    created(g->relid, g->handle, 0);
}

void vh_gpadl_header(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_gpadl_header h;
    struct vmbus_gpa_range r;
    if (len < sizeof h + sizeof r || !vh.connected) {
        vh_violation(vh.connected ? VMBUS_HOST_RULE_SHORT : VMBUS_HOST_RULE_STATE, "GPADL_HEADER", len);
        return;
    }
    memcpy(&h, m, sizeof h);
    memcpy(&r, m + sizeof h, sizeof r);
    uint32_t pages = h.range_buflen >= sizeof r ? (h.range_buflen - (uint32_t)sizeof r) / 8 : 0;
    struct vh_chan *c = vh_chan_by_relid(h.child_relid);

    if (vh_gpadl_find(h.gpadl)) {
        bad("handle already in use", h.gpadl);
        if (vh.cfg.personality == VMBUS_HOST_HYPERV)
            created(h.child_relid, h.gpadl, VMBUS_HOST_STATUS_UNSUCCESSFUL);
        return;
    }
    if (h.rangecount != 1 || r.byte_offset != 0 || pages == 0 ||
        (uint64_t)r.byte_count != (uint64_t)pages * VMBUS_PAGE_SIZE) {
        refuse(h.child_relid, h.gpadl, "not one page-aligned range");
        return;
    }
    if (pages > VH_MAX_GPADL_PAGES) {
        refuse(h.child_relid, h.gpadl, "too many pages");
        return;
    }
    if (vh.cfg.personality == VMBUS_HOST_HYPERV &&
        (!c || c->state == VMBUS_HOST_CH_RESCINDED)) {
        refuse(h.child_relid, h.gpadl, "no such channel");
        return;
    }
    struct vh_gpadl *g = NULL;
    for (uint32_t i = 0; i < vh.gp_cap && !g; i++)
        if (vh.gp[i].state == VH_GP_FREE)
            g = &vh.gp[i];
    if (!g) {
        refuse(h.child_relid, h.gpadl, "GPADL table full");
        return;
    }
    memset(g, 0, sizeof *g);
    g->state = VH_GP_RECEIVING;
    g->handle = h.gpadl;
    g->relid = h.child_relid;
    g->npages = pages;
    g->contiguous = true;
    uint32_t here = (len - (uint32_t)(sizeof h + sizeof r)) / 8;
    take_pfns(g, (const uint64_t *)(m + sizeof h + sizeof r), here);
}

void vh_gpadl_body(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_gpadl_body b;
    if (len < sizeof b + 8 || !vh.connected) {
        vh_violation(vh.connected ? VMBUS_HOST_RULE_SHORT : VMBUS_HOST_RULE_STATE, "GPADL_BODY", len);
        return;
    }
    memcpy(&b, m, sizeof b);
    struct vh_gpadl *g = vh_gpadl_find(b.gpadl);
    if (!g || g->state != VH_GP_RECEIVING) {
        bad("GPADL_BODY for no GPADL being built", b.gpadl);
        return;
    }
    /* msgnumber is not checked: Linux leaves it 0 and QEMU ignores it. */
    take_pfns(g, (const uint64_t *)(m + sizeof b), (len - (uint32_t)sizeof b) / 8);
}

static void torndown(struct vh_gpadl *g)
{
    struct vmbus_msg_gpadl_torndown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TORNDOWN,
                                          .gpadl = g->handle };
    bool answered = g->answered;
    tracef(TRACE_VMBUS, VH_SUB, "host: GPADL 0x%x torn down", g->handle);
    memset(g, 0, sizeof *g);
    if (!answered)
        vh_send(&t, sizeof t);
}

/* The guest gives a rescinded relid back (RELID_RELEASED) without tearing
 * its GPADLs down: Linux vmbus_teardown_gpadl (drivers/hv/channel.c) sends
 * no GPADL_TEARDOWN once the channel is rescinded, so the host drops them
 * itself, with no GPADL_TORNDOWN. */
void vh_gpadl_drop_relid(uint32_t relid)
{
    for (uint32_t i = 0; i < vh.gp_cap; i++) {
        struct vh_gpadl *g = &vh.gp[i];
        if (g->state != VH_GP_FREE && g->relid == relid && g->users == 0) {
            tracef(TRACE_VMBUS, VH_SUB, "host: GPADL 0x%x of released relid %u dropped",
                   g->handle, relid);
            memset(g, 0, sizeof *g);
        }
    }
}

void vh_gpadl_put(struct vh_gpadl *g)
{
    if (g->users)
        g->users--;
    if (g->users == 0 && g->state == VH_GP_TEARING)
        torndown(g);
}

void vh_gpadl_teardown(const uint8_t *m, uint32_t len)
{
    struct vmbus_msg_gpadl_teardown t;
    if (len < sizeof t || !vh.connected) {
        vh_violation(vh.connected ? VMBUS_HOST_RULE_SHORT : VMBUS_HOST_RULE_STATE, "GPADL_TEARDOWN", len);
        return;
    }
    memcpy(&t, m, sizeof t);
    struct vh_gpadl *g = vh_gpadl_find(t.gpadl);
    if (!g || g->state == VH_GP_TEARING) {
        bad("GPADL_TEARDOWN of an unknown GPADL", t.gpadl);
        return;
    }
    /* QEMU handle_gpadl_teardown answers GPADL_TORNDOWN at once, even for
     * a GPADL an open ring still uses (only its free waits for the close).
     * The Hyper-V personality answers when the last user is gone. */
    g->state = VH_GP_TEARING;
    if (g->users == 0) {
        torndown(g);
    } else if (vh.cfg.personality == VMBUS_HOST_QEMU) {
        struct vmbus_msg_gpadl_torndown r = { .hdr.msgtype = VMBUS_MSG_GPADL_TORNDOWN,
                                              .gpadl = g->handle };
        g->answered = true;
        vh_send(&r, sizeof r);
    }
}
