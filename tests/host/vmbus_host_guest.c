/* Scripted fake guest (see vmbus_host_guest.h). */
#include <stdlib.h>
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim.h"
#include "tests/host/fake_irq.h"
#include "tests/host/vmbus_host_guest.h"
#include "lib/array_size.h"

#define MAXREG 512
static struct { uint8_t *p; size_t len; } regs[MAXREG];
static unsigned nregs;
static unsigned injections;
struct fg_msg fg_log[64];
unsigned fg_nlog;
static uint8_t *simp[HVSIM_MAX_VPS], *siefp[HVSIM_MAX_VPS], *input_page;

void *fg_alloc(unsigned pages)
{
    if (nregs == MAXREG)
        abort();
    size_t len = (size_t)pages * 4096;
    uint8_t *p = aligned_alloc(4096, len);
    memset(p, 0, len);
    regs[nregs].p = p;
    regs[nregs++].len = len;
    return p;
}

uint64_t fg_gpa(const void *p) { return (uint64_t)(uintptr_t)p; }

static void *gpa_to_ptr(uint64_t gpa, size_t len)
{
    for (unsigned i = 0; i < nregs; i++) {
        uint64_t b = (uint64_t)(uintptr_t)regs[i].p;
        if (gpa >= b && gpa + len <= b + regs[i].len)
            return (void *)(uintptr_t)gpa;
    }
    return NULL;
}

static void inject(uint32_t vp, uint8_t vector) { (void)vp; (void)vector; injections++; }
static uint32_t current_vp(void) { return 0; }
unsigned fg_injections(void) { return injections; }

static void *host_alloc(size_t n)
{
    void *p = aligned_alloc(4096, n * 4096);
    memset(p, 0, n * 4096);
    return p;
}
static void host_free(void *p, size_t n) { (void)n; free(p); }

static const struct hvsim_machine machine = {
    .inject = inject, .gpa_to_ptr = gpa_to_ptr, .current_vp = current_vp,
    .irq_save = fake_irq_save, .irq_restore = fake_irq_restore, .irqs_off = fake_irqs_off,
};

const char *fg_dm;

int fg_boot(unsigned nr_vps, const char *host, const char *channels,
            const char *relids, const char *faults)
{
    for (unsigned i = 0; i < nregs; i++)
        free(regs[i].p);
    nregs = 0;
    injections = 0;
    fg_nlog = 0;
    struct hvsim_config hc;
    hvsim_default_config(&hc, nr_vps);
    if (hvsim_init(&machine, &hc))
        return -1;
    uint8_t *hcpage = fg_alloc(1);
    hvsim_wrmsr(0, HV_X64_MSR_GUEST_OS_ID, 1ull << 63);
    hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL, fg_gpa(hcpage) | 1);
    input_page = fg_alloc(1);
    for (unsigned v = 0; v < nr_vps; v++) {
        simp[v] = fg_alloc(1);
        siefp[v] = fg_alloc(1);
        hvsim_wrmsr(v, HV_X64_MSR_SIMP, fg_gpa(simp[v]) | 1);
        hvsim_wrmsr(v, HV_X64_MSR_SIEFP, fg_gpa(siefp[v]) | 1);
        hvsim_wrmsr(v, HV_X64_MSR_SINT0 + 2, 0x40);
        hvsim_wrmsr(v, HV_X64_MSR_SCONTROL, 1);
    }
    struct vmbus_host_config cfg;
    char err[200];
    vmbus_host_default_config(&cfg);
    cfg.nr_vps = nr_vps;
    cfg.alloc_pages = host_alloc;
    cfg.free_pages = host_free;
    if (vmbus_host_parse_options(&cfg, host, channels, relids, faults, err, sizeof err) ||
        vmbus_host_parse_dm(&cfg, fg_dm, err, sizeof err))
        return -1;
    return vmbus_host_init(&cfg);
}

uint16_t fg_post(uint32_t conn, const void *msg, uint32_t len)
{
    struct hv_input_post_message *in = (void *)input_page;
    memset(in, 0, sizeof *in);
    in->connection_id = conn;
    in->message_type = 1;
    in->payload_size = len;
    memcpy(in->payload, msg, len);
    return (uint16_t)hvsim_hypercall_vp(0, HVCALL_POST_MESSAGE, fg_gpa(in), 0);
}

uint16_t fg_signal(uint32_t conn)
{
    return (uint16_t)hvsim_hypercall_vp(0, HVCALL_SIGNAL_EVENT | (1u << 16), conn, 0);
}

bool fg_recv_vp(unsigned vp, struct fg_msg *m, unsigned polls)
{
    struct hv_message *slot = &((struct hv_message_page *)simp[vp])->sint_message[2];
    for (unsigned i = 0;; i++) {
        uint32_t t = __atomic_load_n(&slot->header.message_type, __ATOMIC_ACQUIRE);
        if (t != HVMSG_NONE) {
            m->len = slot->header.payload_size;
            memcpy(m->data, slot->payload, m->len);
            m->type = m->len >= 4 ? *(uint32_t *)m->data : 0xffffffffu;
            __atomic_store_n(&slot->header.message_type, HVMSG_NONE, __ATOMIC_SEQ_CST);
            if (slot->header.message_flags & HV_MESSAGE_FLAG_PENDING)
                hvsim_wrmsr(vp, HV_X64_MSR_EOM, 0);
            return true;
        }
        if (i >= polls)
            return false;
        vmbus_host_poll();
    }
}

bool fg_recv(struct fg_msg *m) { return fg_recv_vp(0, m, 4); }

struct fg_msg fg_last;

bool fg_wait(uint32_t type, struct fg_msg *m)
{
    while (fg_recv(m)) {
        if (m->type == type) {
            fg_last = *m;
            return true;
        }
        if (fg_nlog < 64)
            fg_log[fg_nlog++] = *m;
    }
    return false;
}

bool fg_event(unsigned vp, uint32_t bit)
{
    uint64_t *w = (uint64_t *)(siefp[vp] + 2 * 256) + bit / 64;
    uint64_t mask = 1ull << (bit % 64);
    return (__atomic_fetch_and(w, ~mask, __ATOMIC_SEQ_CST) & mask) != 0;
}

uint16_t fg_contact(uint32_t version, uint32_t conn, struct fg_msg *resp)
{
    struct vmbus_msg_initiate_contact c;
    memset(&c, 0, sizeof c);
    c.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
    c.version_requested = version;
    if (version >= VMBUS_VERSION_WIN10_5_0)
        c.u.v5.msg_sint = 2;
    uint16_t st = fg_post(conn, &c, sizeof c);
    if (st == 0 && resp && !fg_wait(VMBUS_MSG_VERSION_RESPONSE, resp))
        resp->type = 0;
    return st;
}

uint32_t fg_negotiate(void)
{
    static const uint32_t vs[] = {
        VMBUS_VERSION_WIN10_5_3, VMBUS_VERSION_WIN10_5_2, VMBUS_VERSION_WIN10_5_1,
        VMBUS_VERSION_WIN10_5_0, VMBUS_VERSION_WIN10_4_1, VMBUS_VERSION_WIN10,
        VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN8 };
    for (unsigned i = 0; i < ARRAY_SIZE(vs); i++) {
        struct fg_msg r;
        uint32_t conn = vs[i] >= VMBUS_VERSION_WIN10_5_0 ? 4 : 1;
        uint16_t st = fg_contact(vs[i], conn, &r);
        if (st == HV_STATUS_INVALID_CONNECTION_ID)
            continue;   /* pre-5.0 host: try the next version */
        if (st != 0 || r.type != VMBUS_MSG_VERSION_RESPONSE)
            return 0;
        if (r.data[8])
            return vs[i];
    }
    return 0;
}

unsigned fg_offers(uint32_t *relids, uint32_t *conns, struct vmbus_guid *classes, unsigned n)
{
    struct vmbus_msg_header h = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
    unsigned got = 0;
    struct fg_msg m;
    if (fg_post(1, &h, sizeof h))
        return 0;
    while (fg_recv_vp(0, &m, 8)) {
        if (m.type == VMBUS_MSG_ALLOFFERS_DELIVERED)
            return got;
        if (m.type != VMBUS_MSG_OFFERCHANNEL || m.len < sizeof(struct vmbus_msg_offer_channel))
            continue;
        struct vmbus_msg_offer_channel o;
        memcpy(&o, m.data, sizeof o);
        if (o.child_relid == 0 || o.child_relid >= 2048)
            continue;
        if (got < n) {
            relids[got] = o.child_relid;
            if (conns) conns[got] = o.connection_id;
            if (classes) classes[got] = o.offer.if_type;
        }
        got++;
    }
    return 0xffffffffu;  /* no ALLOFFERS_DELIVERED */
}

uint32_t fg_gpadl(uint32_t relid, uint32_t handle, void *mem, unsigned pages)
{
    uint8_t buf[240];
    struct vmbus_msg_gpadl_header h = { .hdr.msgtype = VMBUS_MSG_GPADL_HEADER,
        .child_relid = relid, .gpadl = handle,
        .range_buflen = (uint16_t)(8 + 8 * pages), .rangecount = 1 };
    struct vmbus_gpa_range r = { .byte_count = pages * 4096, .byte_offset = 0 };
    unsigned first = pages < 26 ? pages : 26, sent = 0;
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, &r, sizeof r);
    for (unsigned i = 0; i < first; i++) {
        uint64_t pfn = (fg_gpa(mem) >> 12) + i;
        memcpy(buf + 28 + 8 * i, &pfn, 8);
    }
    fg_post(1, buf, 28 + 8 * first);
    sent = first;
    while (sent < pages) {
        unsigned k = pages - sent < 28 ? pages - sent : 28;
        struct vmbus_msg_gpadl_body b = { .hdr.msgtype = VMBUS_MSG_GPADL_BODY, .gpadl = handle };
        memcpy(buf, &b, sizeof b);
        for (unsigned i = 0; i < k; i++) {
            uint64_t pfn = (fg_gpa(mem) >> 12) + sent + i;
            memcpy(buf + 16 + 8 * i, &pfn, 8);
        }
        fg_post(1, buf, 16 + 8 * k);
        sent += k;
    }
    struct fg_msg m;
    if (!fg_wait(VMBUS_MSG_GPADL_CREATED, &m))
        return 0xffffffffu;
    struct vmbus_msg_gpadl_created c;
    memcpy(&c, m.data, sizeof c);
    return c.gpadl == handle ? c.creation_status : 0xfffffffeu;
}

uint32_t fg_open(struct fg_chan *ch, uint32_t relid, uint32_t conn,
                 unsigned send_pages, unsigned recv_pages, uint32_t target_vp)
{
    static uint32_t next_handle = 0xE1E10;
    memset(ch, 0, sizeof *ch);
    ch->relid = relid;
    ch->conn_id = conn;
    ch->send_pages = send_pages;
    ch->recv_pages = recv_pages;
    ch->mem = fg_alloc(send_pages + recv_pages);
    vmbus_ring_init(&ch->out, ch->mem, send_pages * 4096, "guest-out");
    vmbus_ring_init(&ch->in, ch->mem + send_pages * 4096, recv_pages * 4096, "guest-in");
    ch->gpadl = next_handle++;
    uint32_t st = fg_gpadl(relid, ch->gpadl, ch->mem, send_pages + recv_pages);
    if (st)
        return st;
    struct vmbus_msg_open_channel o;
    memset(&o, 0, sizeof o);
    o.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
    o.child_relid = relid;
    o.openid = relid;
    o.ringbuffer_gpadl = ch->gpadl;
    o.target_vp = target_vp;
    o.downstream_ring_page_offset = send_pages;
    fg_post(1, &o, sizeof o);
    struct fg_msg m;
    if (!fg_wait(VMBUS_MSG_OPENCHANNEL_RESULT, &m))
        return 0xffffffffu;
    struct vmbus_msg_open_result r;
    memcpy(&r, m.data, sizeof r);
    return r.status;
}
