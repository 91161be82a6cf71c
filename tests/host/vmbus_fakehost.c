/* Fake VMBus host for the guest stack's tests (see vmbus_fakehost.h). */
#include <stdlib.h>
#include <string.h>
#include "tests/host/vmbus_fakehost.h"
#include "drivers/vmbus/vmbus_internal.h"

struct fakehost fh;

struct fh_msg {
    uint32_t conn;
    uint32_t len;
    uint64_t buf[VMBUS_MAX_MESSAGE_SIZE / 8];
};

#define TO_GUEST_CAP 8192
static struct fh_msg to_guest[TO_GUEST_CAP];
static unsigned tg_head, tg_tail;
static struct fh_msg from_guest[64];
static unsigned fg_count;
static uint64_t clock_ns;
static unsigned long pages_live;
static int pumping;

static unsigned long pages_base;   /* kept by earlier tests */

uint64_t fh_now(void) { return clock_ns; }
unsigned long fh_pages_live(void) { return pages_live - pages_base; }
void *fh_gpa_to_ptr(uint64_t gpa) { return (void *)(uintptr_t)gpa; }

static struct fh_msg held[64];

static void queue_to_guest(const void *msg, size_t len)
{
    struct vmbus_msg_header h;
    memcpy(&h, msg, sizeof h);
    if (fh.hold_type && h.msgtype == fh.hold_type) {
        if (fh.held >= 64)
            abort();
        struct fh_msg *m = &held[fh.held++];
        memset(m, 0, sizeof *m);
        memcpy(m->buf, msg, len);
        m->len = (uint32_t)len;
        return;
    }
    if (tg_tail - tg_head >= TO_GUEST_CAP)
        abort();
    struct fh_msg *m = &to_guest[tg_tail++ % TO_GUEST_CAP];
    memset(m, 0, sizeof *m);
    memcpy(m->buf, msg, len);
    m->len = (uint32_t)len;
}

void fh_release_held(void)
{
    uint32_t type = fh.hold_type;
    fh.hold_type = 0;
    for (unsigned i = 0; i < fh.held; i++)
        queue_to_guest(held[i].buf, held[i].len);
    fh.held = 0;
    fh.hold_type = type;
}

static uint32_t chan_conn_id(uint32_t relid)
{
    return fh.who == FH_QEMU ? VMBUS_QEMU_CHAN_CONN_OFFSET + relid : 0x1000 + relid;
}

static void send_offer(uint32_t relid, struct vmbus_guid class_id)
{
    union { struct vmbus_msg_offer_channel o; uint8_t padded[200]; } u;
    struct vmbus_msg_offer_channel o;
    memset(&u, 0, sizeof u);
    memset(&o, 0, sizeof o);
    o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
    o.offer.if_type = class_id;
    o.offer.if_instance.b[0] = (uint8_t)relid;
    o.offer.if_instance.b[1] = (uint8_t)(relid >> 8);
    o.child_relid = relid;
    o.is_dedicated_interrupt = 1;
    o.connection_id = chan_conn_id(relid);
    if (relid < VMBUS_MAX_RELIDS)
        fh.ch[relid].offered = true;
    /* QEMU rounds the payload up to 8 bytes. */
    u.o = o;
    queue_to_guest(&u, fh.who == FH_QEMU ? sizeof u.padded : sizeof o);
}

static struct fh_gpadl *find_gpadl(uint32_t handle)
{
    for (unsigned i = 0; i < fh.n_gpadls; i++)
        if (fh.gpadls[i].handle == handle && fh.gpadls[i].pfns)
            return &fh.gpadls[i];
    return NULL;
}

static void gpadl_maybe_created(struct fh_gpadl *g)
{
    if (g->created || g->received < g->pages)
        return;
    g->created = true;
    struct vmbus_msg_gpadl_created r = { .hdr.msgtype = VMBUS_MSG_GPADL_CREATED,
                                         .child_relid = g->relid, .gpadl = g->handle };
    queue_to_guest(&r, sizeof r);
}

/* Takes the next `n` PFNs of GPADL `g` from a HEADER or BODY message, as
 * many as it still lacks; answers GPADL_CREATED once it has them all.
 * Returns false when the message carried more than were missing. */
static bool gpadl_take_pfns(struct fh_gpadl *g, const uint8_t *pfns, uint32_t n)
{
    uint32_t missing = g->pages - g->received;
    bool fits = n <= missing;
    if (!fits)
        n = missing;
    memcpy(g->pfns + g->received, pfns, n * 8u);
    g->received += n;
    gpadl_maybe_created(g);
    return fits;
}

static void host_open(const struct vmbus_msg_open_channel *m)
{
    struct fh_gpadl *g = find_gpadl(m->ringbuffer_gpadl);
    struct vmbus_msg_open_result r = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
                                       .child_relid = m->child_relid,
                                       .openid = m->openid, .status = 1 };
    uint32_t relid = m->child_relid;
    if (g && g->created && relid < VMBUS_MAX_RELIDS && !fh.refuse_open &&
        m->downstream_ring_page_offset > 1 &&
        g->pages > m->downstream_ring_page_offset + 1) {
        /* Identity "physical" mapping; the guest's pages are contiguous. */
        uint8_t *base = fh_gpa_to_ptr(g->pfns[0] * VMBUS_PAGE_SIZE);
        size_t down = (size_t)m->downstream_ring_page_offset * VMBUS_PAGE_SIZE;
        struct fh_channel *c = &fh.ch[relid];
        if (vmbus_ring_attach(&c->from_guest, base, down, "host-rx") == 0 &&
            vmbus_ring_attach(&c->to_guest, base + down,
                              (size_t)g->pages * VMBUS_PAGE_SIZE - down, "host-tx") == 0) {
            c->open = true;
            c->gpadl = g->handle;
            c->target_vp = m->target_vp;
            r.status = 0;
        }
    }
    queue_to_guest(&r, sizeof r);
    if (r.status == 0 && fh.rescind_on_open)
        fh_rescind(relid);
}

static void host_reset_bus(void)
{
    for (unsigned i = 0; i < VMBUS_MAX_RELIDS; i++) {
        fh.ch[i].offered = fh.ch[i].open = fh.ch[i].rescinded = false;
    }
    for (unsigned i = 0; i < fh.n_gpadls; i++) {
        free(fh.gpadls[i].pfns);
        fh.gpadls[i].pfns = NULL;
    }
    fh.n_gpadls = 0;
}

static void host_contact(const struct vmbus_msg_initiate_contact *m, uint32_t conn)
{
    if (fh.n_contacts < 16) {
        fh.contacts[fh.n_contacts] = m->version_requested;
        fh.contact_conn[fh.n_contacts] = conn;
        fh.n_contacts++;
    }
    if (fh.who == FH_QEMU)
        host_reset_bus();  /* QEMU resets the bus on every contact */
    if (fh.silent_version)
        return;
    struct vmbus_msg_version_response r = { .hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE };
    bool ok = m->version_requested <= fh.max_version &&
              m->version_requested >= VMBUS_VERSION_WIN8;
    r.version_supported = ok;
    if (ok && fh.bad_state_from_major &&
        VMBUS_VERSION_MAJOR(m->version_requested) >= fh.bad_state_from_major)
        r.connection_state = VMBUS_CONNECTION_STATE_FAILED_UNKNOWN;
    else if (ok) {
        fh.negotiated = m->version_requested;
        if (fh.who == FH_HYPERV && VMBUS_VERSION_USES_CONN_ID_4(m->version_requested))
            r.msg_conn_id = fh.msg_conn_id;
    }
    queue_to_guest(&r, sizeof r);   /* 16 from every host (QEMU rounds 12 up to 8) */
}

static void host_handle(const struct fh_msg *q)
{
    const uint8_t *p = (const uint8_t *)q->buf;
    struct vmbus_msg_header h;
    memcpy(&h, p, sizeof h);
    switch (h.msgtype) {
    case VMBUS_MSG_INITIATE_CONTACT:
        host_contact((const void *)p, q->conn);
        break;
    case VMBUS_MSG_REQUESTOFFERS:
        for (unsigned i = 0; i < fh.n_offers; i++)
            send_offer(fh.offers[i].relid, fh.offers[i].class_id);
        if (!fh.silent_offers) {
            struct vmbus_msg_header a = { .msgtype = VMBUS_MSG_ALLOFFERS_DELIVERED };
            queue_to_guest(&a, sizeof a);
        }
        break;
    case VMBUS_MSG_GPADL_HEADER: {
        const struct vmbus_msg_gpadl_header *g = (const void *)p;
        const struct vmbus_gpa_range *r = (const void *)(g + 1);
        fh.gpadl_headers++;
        if (g->rangecount != 1 || r->byte_offset != 0 || fh.n_gpadls >= 64 ||
            g->range_buflen < 16 || (g->range_buflen - 8) % 8) {
            fh.bad_messages++;
            break;
        }
        struct fh_gpadl *n = &fh.gpadls[fh.n_gpadls++];
        memset(n, 0, sizeof *n);
        n->handle = g->gpadl;
        n->relid = g->child_relid;
        n->pages = (g->range_buflen - 8u) / 8u;
        if (r->byte_count != n->pages * VMBUS_PAGE_SIZE)
            fh.bad_messages++;
        n->pfns = calloc(n->pages, sizeof(uint64_t));
        /* Unlike a BODY, a header with room for more PFNs than the GPADL
         * has pages is not counted as a bad message. */
        (void)gpadl_take_pfns(n, p + 28, (q->len - 28u) / 8u);
        break;
    }
    case VMBUS_MSG_GPADL_BODY: {
        const struct vmbus_msg_gpadl_body *b = (const void *)p;
        struct fh_gpadl *g = find_gpadl(b->gpadl);
        fh.gpadl_bodies++;
        if (g == NULL || g->created) {
            fh.bad_messages++;
            break;
        }
        if (!gpadl_take_pfns(g, p + 16, (q->len - 16u) / 8u))
            fh.bad_messages++;
        break;
    }
    case VMBUS_MSG_GPADL_TEARDOWN: {
        const struct vmbus_msg_gpadl_teardown *t = (const void *)p;
        struct fh_gpadl *g = find_gpadl(t->gpadl);
        fh.gpadl_teardowns++;
        if (g) {
            free(g->pfns);
            g->pfns = NULL;
        } else {
            fh.bad_messages++;
        }
        struct vmbus_msg_gpadl_torndown r = { .hdr.msgtype = VMBUS_MSG_GPADL_TORNDOWN,
                                              .gpadl = t->gpadl };
        queue_to_guest(&r, sizeof r);
        break;
    }
    case VMBUS_MSG_OPENCHANNEL:
        host_open((const void *)p);
        break;
    case VMBUS_MSG_CLOSECHANNEL: {
        const struct vmbus_msg_relid *c = (const void *)p;
        fh.closes++;
        if (c->child_relid < VMBUS_MAX_RELIDS)
            fh.ch[c->child_relid].open = false;
        break;
    }
    case VMBUS_MSG_RELID_RELEASED: {
        const struct vmbus_msg_relid *c = (const void *)p;
        fh.relid_released++;
        /* As the model: the host drops a released relid's GPADLs. */
        for (unsigned i = 0; i < fh.n_gpadls; i++)
            if (fh.gpadls[i].relid == c->child_relid && fh.gpadls[i].pfns) {
                free(fh.gpadls[i].pfns);
                fh.gpadls[i].pfns = NULL;
            }
        if (c->child_relid < VMBUS_MAX_RELIDS) {
            fh.ch[c->child_relid].offered = false;
            fh.ch[c->child_relid].rescinded = false;
        }
        break;
    }
    case VMBUS_MSG_MODIFYCHANNEL: {
        const struct vmbus_msg_modify_channel *mc = (const void *)p;
        if (mc->child_relid < VMBUS_MAX_RELIDS)
            fh.ch[mc->child_relid].target_vp = mc->target_vp;
        if (fh.negotiated >= VMBUS_VERSION_WIN10_5_3) {
            struct vmbus_msg_modify_channel_response r = {
                .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL_RESPONSE,
                .child_relid = mc->child_relid };
            queue_to_guest(&r, sizeof r);
        }
        break;
    }
    case VMBUS_MSG_UNLOAD: {
        fh.unloads++;
        host_reset_bus();
        struct vmbus_msg_header r = { .msgtype = VMBUS_MSG_UNLOAD_RESPONSE };
        queue_to_guest(&r, sizeof r);
        break;
    }
    default:
        fh.bad_messages++;
    }
}

static void drain_from_guest(void)
{
    for (unsigned i = 0; i < fg_count; i++)
        host_handle(&from_guest[i]);
    fg_count = 0;
}

static uint64_t fh_post_message(uint32_t conn, uint32_t type, const void *payload, size_t len)
{
    fh.posts++;
    if (type != VMBUS_SYNIC_MESSAGE_TYPE || len < 8 || len > VMBUS_MAX_MESSAGE_SIZE)
        return HV_STATUS_INVALID_PARAMETER;
    struct vmbus_msg_header h;
    memcpy(&h, payload, sizeof h);
    /* Which connection ids have a handler. */
    bool ok;
    if (fh.who == FH_QEMU)
        ok = conn == VMBUS_MESSAGE_CONNECTION_ID;
    else if (h.msgtype == VMBUS_MSG_INITIATE_CONTACT)
        ok = conn == VMBUS_MESSAGE_CONNECTION_ID_4 || conn == VMBUS_MESSAGE_CONNECTION_ID;
    else
        ok = conn == (VMBUS_VERSION_USES_CONN_ID_4(fh.negotiated) ? fh.msg_conn_id
                                                                  : VMBUS_MESSAGE_CONNECTION_ID);
    /* Transient refusal, as Linux vmbus_post_msg says Hyper-V gives when
     * messages come too frequently. */
    if (ok && fh.bad_conn_once && h.msgtype != VMBUS_MSG_INITIATE_CONTACT) {
        fh.bad_conn_once--;
        return HV_STATUS_INVALID_CONNECTION_ID;
    }
    if (!ok) {
        if (h.msgtype != VMBUS_MSG_INITIATE_CONTACT)
            fh.bad_conn_posts++;
        return HV_STATUS_INVALID_CONNECTION_ID;
    }
    if (fg_count >= fh.queue_limit || fg_count >= 64) {
        fh.insufficient_buffers++;
        return HV_STATUS_INSUFFICIENT_BUFFERS;
    }
    struct fh_msg *m = &from_guest[fg_count++];
    memset(m, 0, sizeof *m);
    memcpy(m->buf, payload, len);
    m->len = (uint32_t)len;
    m->conn = conn;
    if (fg_count > fh.max_queue_seen)
        fh.max_queue_seen = fg_count;
    /* Hyper-V's host drains at once; QEMU's main loop gets to it later. */
    if (fh.who == FH_HYPERV)
        drain_from_guest();
    return HV_STATUS_SUCCESS;
}

static uint64_t fh_signal_event(uint32_t conn)
{
    uint32_t relid = fh.who == FH_QEMU ? conn - VMBUS_QEMU_CHAN_CONN_OFFSET : conn - 0x1000;
    if (relid >= VMBUS_MAX_RELIDS || !fh.ch[relid].open)
        return HV_STATUS_INVALID_CONNECTION_ID;
    fh.ch[relid].signals_from_guest++;
    return HV_STATUS_SUCCESS;
}

void fh_pump(void)
{
    if (pumping)  /* a guest callback waiting inside a pump */
        return;
    pumping = 1;
    clock_ns += 1000000;
    if (fh.held && clock_ns >= fh.hold_until_ns)
        fh_release_held();
    drain_from_guest();
    while (tg_head != tg_tail) {
        struct fh_msg *m = &to_guest[tg_head++ % TO_GUEST_CAP];
        vmbus_on_message(m->buf, VMBUS_SYNIC_MESSAGE_TYPE, m->len);
        drain_from_guest();
    }
    if (fh.deliver_events)
        vmbus_on_events(fh.sief);
    pumping = 0;
}

/* Every page allocation stays listed until freed, so pages the guest keeps
 * on purpose (lent to the host for good) are still reachable at exit and
 * LeakSanitizer reports only real leaks. */
#define FH_MAX_PAGE_ALLOCS 8192
static void *page_allocs[FH_MAX_PAGE_ALLOCS];
static unsigned n_page_allocs;

static void *fh_alloc_pages(size_t n)
{
    if (n_page_allocs >= FH_MAX_PAGE_ALLOCS)
        abort();
    void *p = aligned_alloc(VMBUS_PAGE_SIZE, n * VMBUS_PAGE_SIZE);
    if (p) {
        memset(p, 0, n * VMBUS_PAGE_SIZE);
        pages_live += n;
        page_allocs[n_page_allocs++] = p;
    }
    return p;
}

static void fh_free_pages(void *p, size_t n)
{
    if (p == NULL)
        return;
    for (unsigned i = n_page_allocs; i-- > 0;)
        if (page_allocs[i] == p) {
            page_allocs[i] = page_allocs[--n_page_allocs];
            pages_live -= n;
            free(p);
            return;
        }
    abort();  /* not ours, or freed twice */
}

static void *fh_zalloc(size_t n)
{
    void *p = calloc(1, n);
    if (p)
        fh.objects_live++;
    return p;
}

/* The guest frees its channel objects one by one; offer_on_free makes the
 * host re-offer that relid in the middle, as an interrupt could. */
static void fh_free(void *p)
{
    if (p == NULL)
        return;
    fh.objects_live--;
    uint32_t relid = 0;
    if (fh.offer_on_free) {
        const struct vmbus_channel *ch = p;
        relid = ch->relid;
        fh.offer_on_free = false;
    }
    free(p);
    if (relid && relid < VMBUS_MAX_RELIDS) {
        union { struct vmbus_msg_offer_channel o; uint8_t padded[200]; } u;
        memset(&u, 0, sizeof u);
        u.o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
        u.o.child_relid = relid;
        u.o.is_dedicated_interrupt = 1;
        u.o.connection_id = chan_conn_id(relid);
        vmbus_on_message(&u, VMBUS_SYNIC_MESSAGE_TYPE, sizeof u.o);
    }
}
static uint64_t fh_virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
static uint64_t fh_now_ns(void) { return clock_ns; }
static uint32_t fh_current_vp(void) { return 3; }

const struct vmbus_services fh_services = {
    .post_message = fh_post_message,
    .signal_event = fh_signal_event,
    .alloc_pages = fh_alloc_pages,
    .free_pages = fh_free_pages,
    .zalloc = fh_zalloc,
    .free = fh_free,
    .virt_to_phys = fh_virt_to_phys,
    .now_ns = fh_now_ns,
    .pump = fh_pump,
    .current_vp = fh_current_vp,
};

void fh_init(enum fh_personality who)
{
    vmbus_set_services(&fh_services);
    vmbus_disconnect();  /* leftovers of the previous test */
    host_reset_bus();
    /* Pages of earlier tests still allocated: those kept for good, not the
     * connection pages a failed connect leaves for the next one to reuse. */
    pages_base = pages_live - (vmbus_conn.pages ? 3 : 0);
    memset(&fh, 0, sizeof fh);
    fh.who = who;
    fh.max_version = who == FH_QEMU ? VMBUS_VERSION_WIN10 : VMBUS_VERSION_WIN10_5_3;
    fh.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID_4;
    fh.queue_limit = 16;
    fh.deliver_events = true;
    tg_head = tg_tail = 0;
    fg_count = 0;
    vmbus_set_timeout_ns(200000000ull);  /* 200 fake ms */
    vmbus_set_unload_timeout_ns(100000000000ull);  /* the real 100 s, in fake time */
}

void fh_add_offer(uint32_t relid, struct vmbus_guid class_id)
{
    if (fh.n_offers < FH_MAX_OFFERS) {
        fh.offers[fh.n_offers].relid = relid;
        fh.offers[fh.n_offers].class_id = class_id;
        fh.n_offers++;
    }
}

void fh_add_dense(unsigned n)
{
    struct vmbus_guid dummy = VMBUS_CLASS_BALLOON;
    for (unsigned i = 1; i <= n; i++)
        fh_add_offer(i, dummy);
}

struct vmbus_channel *fh_connect_one(void)
{
    fh_add_dense(1);
    if (vmbus_connect() != VMBUS_OK)
        return NULL;
    return vmbus_relid_to_channel(1);
}

void fh_rescind(uint32_t relid)
{
    struct vmbus_msg_relid r = { .hdr.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER,
                                 .child_relid = relid };
    if (relid < VMBUS_MAX_RELIDS) {
        fh.ch[relid].rescinded = true;
        fh.ch[relid].open = false;
    }
    queue_to_guest(&r, sizeof r);
}

void fh_hot_offer(uint32_t relid, struct vmbus_guid class_id)
{
    send_offer(relid, class_id);
}

int fh_send_to_guest(uint32_t relid, uint16_t type, uint64_t trans_id,
                     const void *data, size_t len)
{
    struct fh_channel *c = &fh.ch[relid];
    if (!c->open)
        return VMBUS_ENODEV;
    bool signal;
    int rc = vmbus_ring_send(&c->to_guest, type, 0, trans_id, data, len, &signal);
    if (rc == 0 && signal) {
        __atomic_fetch_or(&fh.sief[relid / 64], 1ull << (relid % 64), __ATOMIC_RELEASE);
        c->signals_to_guest++;
    }
    return rc;
}

int fh_recv_from_guest(uint32_t relid, void *buf, size_t buflen, struct vmbus_ring_pkt *pkt)
{
    struct fh_channel *c = &fh.ch[relid];
    int rc = vmbus_ring_read(&c->from_guest, buf, buflen, pkt);
    if (rc == 0 || rc == 1)
        vmbus_ring_commit(&c->from_guest);
    return rc;
}
