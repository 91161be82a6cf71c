/* 1,000,000 packets through a ring pair with a host-side echo loop, both
 * ends running the same ring code: every packet carries a sequence number,
 * a variable-length body and a checksum; nothing may be lost, duplicated,
 * reordered or corrupted. Also checks the signalling discipline: the
 * producer signals at most once per empty -> non-empty transition. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/check.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "drivers/vmbus/vmbus_errno.h"

#define PACKETS 1000000u
#define RING (4 * VMBUS_PAGE_SIZE)

struct msg {
    uint64_t seq;
    uint32_t len;      /* body bytes */
    uint32_t sum;
    uint8_t body[200];
};

static uint32_t checksum(const uint8_t *b, uint32_t n, uint64_t seq)
{
    uint32_t s = (uint32_t)seq * 2654435761u;
    for (uint32_t i = 0; i < n; i++)
        s = (s << 5) + s + b[i];
    return s;
}

static void make(struct msg *m, uint64_t seq)
{
    m->seq = seq;
    m->len = (uint32_t)(seq * 7919 % sizeof m->body);
    for (uint32_t i = 0; i < m->len; i++)
        m->body[i] = (uint8_t)(seq + i);
    m->sum = checksum(m->body, m->len, seq);
}

static void echo_million(void)
{
    uint8_t *out_mem = aligned_alloc(VMBUS_PAGE_SIZE, RING);
    uint8_t *in_mem = aligned_alloc(VMBUS_PAGE_SIZE, RING);
    struct vmbus_ring g_out, g_in, h_in, h_out;
    CHECK_EQ(vmbus_ring_init(&g_out, out_mem, RING, "guest-out"), 0);
    CHECK_EQ(vmbus_ring_init(&g_in, in_mem, RING, "guest-in"), 0);
    CHECK_EQ(vmbus_ring_attach(&h_in, out_mem, RING, "host-in"), 0);
    CHECK_EQ(vmbus_ring_attach(&h_out, in_mem, RING, "host-out"), 0);

    uint64_t sent = 0, echoed = 0, got = 0;
    unsigned long guest_signals = 0, host_signals = 0, empties = 0;
    uint8_t buf[512], hbuf[512];
    struct vmbus_ring_pkt pkt, hpkt;
    bool held = false;
    struct msg m;
    bool sig;
    bool bad = false;

    unsigned stalls = 0;
    while (got < PACKETS && !bad) {
        uint64_t progress = sent + echoed + got;
        /* Guest sends a burst until the ring is full. */
        unsigned burst = 1 + (unsigned)(sent % 37);
        bool was_empty = !vmbus_ring_has_data(&h_in);
        empties += was_empty;
        for (unsigned i = 0; i < burst && sent < PACKETS; i++) {
            make(&m, sent);
            int rc = vmbus_ring_send(&g_out, VMBUS_PKT_DATA_INBAND, 0, sent, &m,
                                     offsetof(struct msg, body) + m.len, &sig);
            if (rc == VMBUS_EAGAIN)
                break;
            CHECK_EQ(rc, 0);
            guest_signals += sig;
            sent++;
        }
        /* Host echoes what it can; a packet it cannot forward yet is held. */
        for (;;) {
            if (!held) {
                int rc = vmbus_ring_read(&h_in, hbuf, sizeof hbuf, &hpkt);
                if (rc != 1) {
                    CHECK_EQ(rc, 0);
                    break;
                }
                held = true;
            }
            int rc = vmbus_ring_send(&h_out, VMBUS_PKT_DATA_INBAND, 0, hpkt.desc.trans_id,
                                     hbuf + hpkt.payload_off, hpkt.payload_len, &sig);
            if (rc == VMBUS_EAGAIN)
                break;
            CHECK_EQ(rc, 0);
            held = false;
            host_signals += sig;
            echoed++;
        }
        vmbus_ring_commit(&h_in);
        /* Guest checks the echoes. */
        while (vmbus_ring_read(&g_in, buf, sizeof buf, &pkt) == 1) {
            struct msg e;
            memcpy(&e, buf + pkt.payload_off,
                   pkt.payload_len < sizeof e ? pkt.payload_len : sizeof e);
            if (e.seq != got || pkt.desc.trans_id != got || e.len > sizeof e.body ||
                checksum(e.body, e.len, e.seq) != e.sum) {
                fprintf(stderr, "  echo %llu wrong (seq %llu)\n",
                        (unsigned long long)got, (unsigned long long)e.seq);
                bad = true;
                break;
            }
            got++;
        }
        vmbus_ring_commit(&g_in);
        /* A lost or corrupted packet shows up as no progress: fail, not hang. */
        if (sent + echoed + got == progress && ++stalls > 3) {
            fprintf(stderr, "  stalled: sent %llu echoed %llu got %llu\n",
                    (unsigned long long)sent, (unsigned long long)echoed,
                    (unsigned long long)got);
            bad = true;
        }
    }
    CHECK(!bad);
    CHECK_EQ(sent, PACKETS);
    CHECK_EQ(echoed, PACKETS);
    CHECK_EQ(got, PACKETS);
    CHECK_EQ(vmbus_ring_read(&g_in, buf, sizeof buf, &pkt), 0);
    CHECK_EQ(vmbus_ring_read(&h_in, buf, sizeof buf, &pkt), 0);
    /* At most one signal per burst that found the ring empty. */
    CHECK(guest_signals <= empties);
    CHECK(guest_signals > 0);
    CHECK(host_signals > 0 && host_signals < PACKETS / 2);
    free(out_mem);
    free(in_mem);
}

/* The same with the host echo loop on its own thread, so the two ends race
 * for real and the barriers in the ring code are exercised. */
#define THREAD_PACKETS 200000u
static struct vmbus_ring t_hin, t_hout;
static atomic_bool t_stop;
static atomic_ulong t_echoed;

static void *host_thread(void *arg)
{
    (void)arg;
    uint8_t buf[512];
    struct vmbus_ring_pkt pkt;
    bool sig;
    while (!atomic_load(&t_stop)) {
        int rc = vmbus_ring_read(&t_hin, buf, sizeof buf, &pkt);
        if (rc != 1) {
            if (rc != 0)
                return (void *)1;
            continue;
        }
        while ((rc = vmbus_ring_send(&t_hout, VMBUS_PKT_DATA_INBAND, 0, pkt.desc.trans_id,
                                     buf + pkt.payload_off, pkt.payload_len, &sig)) == VMBUS_EAGAIN)
            if (atomic_load(&t_stop))
                return NULL;
        if (rc != 0)
            return (void *)1;
        vmbus_ring_commit(&t_hin);
        atomic_fetch_add(&t_echoed, 1);
    }
    return NULL;
}

static void echo_two_threads(void)
{
    uint8_t *out_mem = aligned_alloc(VMBUS_PAGE_SIZE, RING);
    uint8_t *in_mem = aligned_alloc(VMBUS_PAGE_SIZE, RING);
    struct vmbus_ring g_out, g_in;
    CHECK_EQ(vmbus_ring_init(&g_out, out_mem, RING, "guest-out"), 0);
    CHECK_EQ(vmbus_ring_init(&g_in, in_mem, RING, "guest-in"), 0);
    CHECK_EQ(vmbus_ring_attach(&t_hin, out_mem, RING, "host-in"), 0);
    CHECK_EQ(vmbus_ring_attach(&t_hout, in_mem, RING, "host-out"), 0);
    atomic_store(&t_stop, false);
    atomic_store(&t_echoed, 0);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, host_thread, NULL), 0);

    uint64_t sent = 0, got = 0, spins = 0;
    uint8_t buf[512];
    struct vmbus_ring_pkt pkt;
    struct msg m;
    bool sig, bad = false;
    while (got < THREAD_PACKETS && !bad && spins < 2000000000ull) {
        if (sent < THREAD_PACKETS) {
            make(&m, sent);
            int rc = vmbus_ring_send(&g_out, VMBUS_PKT_DATA_INBAND, 0, sent, &m,
                                     offsetof(struct msg, body) + m.len, &sig);
            if (rc == 0)
                sent++;
            else if (rc != VMBUS_EAGAIN)
                bad = true;
        }
        int rc = vmbus_ring_read(&g_in, buf, sizeof buf, &pkt);
        if (rc == 1) {
            struct msg e;
            memcpy(&e, buf + pkt.payload_off,
                   pkt.payload_len < sizeof e ? pkt.payload_len : sizeof e);
            if (e.seq != got || e.len > sizeof e.body || checksum(e.body, e.len, e.seq) != e.sum)
                bad = true;
            got++;
            vmbus_ring_commit(&g_in);
        } else if (rc != 0) {
            bad = true;
        }
        spins++;
    }
    atomic_store(&t_stop, true);
    void *ret;
    pthread_join(th, &ret);
    CHECK(ret == NULL);
    CHECK(!bad);
    CHECK_EQ(got, THREAD_PACKETS);
    CHECK_EQ(atomic_load(&t_echoed), THREAD_PACKETS);
    free(out_mem);
    free(in_mem);
}

int main(void)
{
    RUN_TEST(echo_million);
    RUN_TEST(echo_two_threads);
    CHECK_MAIN_END();
}
