/* Lost wake-ups between the guest's ring code (drivers/vmbus/vmbus_ring.c)
 * and the model's host ring (drivers/hvsim/vmbus_host_ring.c), one ring in
 * plain memory, the two ends' steps interleaved by hand. Each hand-off has
 * the same shape: a side that stops ("empty", "full") and a side that must
 * then signal it; whatever order the steps come in, one of the two notices
 * (VMBus ring rule: Linux drivers/hv/ring_buffer.c hv_signal_on_write,
 * hv_pkt_iter_close and hv_end_read; FreeBSD vmbus_br.c). The barriers that
 * make this hold across CPUs cannot be seen on one thread; the in-kernel
 * vmbus.echo_100k with vmbus.spread=1 runs the two ends on different CPUs. */
#include <stdlib.h>
#include <string.h>
#include "drivers/hvsim/vmbus_host_ring.h"
#include "drivers/vmbus/vmbus_errno.h"
#include "drivers/vmbus/vmbus_ring.h"
#include "tests/host/check.h"

#define PAGE 4096u
#define RING (2 * PAGE)    /* one header page, 4096 data bytes */

static uint8_t *mem;
static struct vmbus_ring g;   /* guest end */
static struct vh_ring h;      /* host end */
static uint8_t buf[PAGE];

/* A fresh ring the guest set up; the host attaches as producer or consumer. */
static void fresh(bool host_produces)
{
    memset(mem, 0, RING);
    CHECK_EQ(vmbus_ring_init(&g, mem, RING, "wakeup"), VMBUS_OK);
    CHECK_EQ(vh_ring_attach(&h, mem, RING, 5, host_produces), VH_RING_OK);
}

static bool guest_send(uint64_t tid)
{
    bool sig = false;
    CHECK_EQ(vmbus_ring_send(&g, VMBUS_PKT_DATA_INBAND, 0, tid, "payload!", 8, &sig), VMBUS_OK);
    return sig;
}

/* The model's vh_service, one packet: 1 taken, 0 the ring looked empty. */
static int host_take(uint64_t want_tid)
{
    struct vh_pkt p;
    int rc = vh_ring_peek(&h, buf, sizeof buf, &p);
    if (rc == 1) {
        CHECK_EQ(p.desc.trans_id, want_tid);
        vh_ring_pop(&h, &p);
    }
    return rc;
}

/* Guest -> host: the host drains, finds the ring empty and stops; it has not
 * released yet (vh_service releases after its loop). A packet the guest
 * writes now must raise a signal, or nobody will ever read it: the guest
 * tells "empty" by read_index, so the host's "empty" must already show in
 * read_index. This is the vmbus.echo_100k stall with channels spread. */
static void test_host_idle_before_release(void)
{
    fresh(false);
    CHECK(guest_send(1));                 /* empty -> non-empty */
    CHECK_EQ(host_take(1), 1);
    CHECK_EQ(host_take(0), 0);            /* the host goes idle here... */
    CHECK(guest_send(2));                 /* ...so this one must wake it */
    CHECK_EQ(host_take(2), 1);
    vh_ring_release(&h);
}

/* Same, every packet, around the whole ring several times: the host goes
 * idle after each, releasing every third time only. */
static void test_host_idle_every_packet(void)
{
    fresh(false);
    unsigned lost = 0;
    for (uint64_t tid = 1; tid <= 2000; tid++) {
        lost += !guest_send(tid);
        CHECK_EQ(host_take(tid), 1);
        CHECK_EQ(host_take(0), 0);
        if (tid % 3 == 0)
            vh_ring_release(&h);
    }
    CHECK_EQ(lost, 0);
}

/* The guest writes before the host's empty check: no signal is due (the
 * host is still reading), and the host's next look finds the packet. */
static void test_guest_writes_while_host_reads(void)
{
    fresh(false);
    CHECK(guest_send(1));
    CHECK_EQ(host_take(1), 1);
    CHECK(!guest_send(2));                /* not empty as far as anyone knows */
    CHECK_EQ(host_take(2), 1);
    CHECK_EQ(host_take(0), 0);
    vh_ring_release(&h);
    CHECK(guest_send(3));
}

/* Guest outbound full: the guest asks for pending_send_sz; the host's
 * release that makes room must say "signal". */
static void test_guest_blocked_writer_woken(void)
{
    fresh(false);
    bool sig;
    uint64_t tid = 0;
    int rc;
    while ((rc = vmbus_ring_send(&g, VMBUS_PKT_DATA_INBAND, 0, ++tid, buf, 200, &sig)) == 0)
        ;
    CHECK_EQ(rc, VMBUS_EAGAIN);
    CHECK(__atomic_load_n(&g.hdr->pending_send_sz, __ATOMIC_ACQUIRE) != 0);
    CHECK_EQ(host_take(1), 1);
    CHECK(vh_ring_release(&h));
}

/* Host -> guest: the guest's reader masks, drains and commits; the host
 * writes meanwhile (no signal: masked); unmask must then report the data. */
static void test_guest_reader_unmask_sees_data(void)
{
    fresh(true);
    bool sig;
    struct vmbus_ring_pkt p;
    CHECK_EQ(vh_ring_put(&h, VMBUS_PKT_DATA_INBAND, 0, 1, "x", 1, &sig), VH_RING_OK);
    CHECK(sig);
    vmbus_ring_mask(&g);
    CHECK_EQ(vmbus_ring_read(&g, buf, sizeof buf, &p), 1);
    CHECK_EQ(vmbus_ring_read(&g, buf, sizeof buf, &p), 0);
    CHECK_EQ(vh_ring_put(&h, VMBUS_PKT_DATA_INBAND, 0, 2, "y", 1, &sig), VH_RING_OK);
    CHECK(!sig);                          /* masked */
    vmbus_ring_commit(&g);
    CHECK(vmbus_ring_unmask(&g));         /* the reader looks again */
    CHECK_EQ(vmbus_ring_read(&g, buf, sizeof buf, &p), 1);
    vmbus_ring_commit(&g);
    CHECK(!vmbus_ring_unmask(&g));
    CHECK_EQ(vh_ring_put(&h, VMBUS_PKT_DATA_INBAND, 0, 3, "z", 1, &sig), VH_RING_OK);
    CHECK(sig);                           /* unmasked and empty */
}

/* Guest inbound full: the host (the echo device) stops with pending_send_sz
 * set; the guest commit that makes room must say "signal". */
static void test_host_blocked_writer_woken(void)
{
    fresh(true);
    bool sig;
    struct vmbus_ring_pkt p;
    uint64_t tid = 0;
    int rc;
    while ((rc = vh_ring_put(&h, VMBUS_PKT_DATA_INBAND, 0, ++tid, buf, 200, &sig)) == VH_RING_OK)
        ;
    CHECK_EQ(rc, VH_RING_FULL);
    CHECK_EQ(vmbus_ring_read(&g, buf, sizeof buf, &p), 1);
    CHECK(vmbus_ring_commit(&g));
    CHECK_EQ(vh_ring_put(&h, VMBUS_PKT_DATA_INBAND, 0, tid, buf, 200, &sig), VH_RING_OK);
    CHECK_EQ(__atomic_load_n(&g.hdr->pending_send_sz, __ATOMIC_ACQUIRE), 0);
}

int main(void)
{
    mem = aligned_alloc(PAGE, RING);
    CHECK(mem != NULL);
    if (!mem)
        return 1;
    RUN_TEST(test_host_idle_before_release);
    RUN_TEST(test_host_idle_every_packet);
    RUN_TEST(test_guest_writes_while_host_reads);
    RUN_TEST(test_guest_blocked_writer_woken);
    RUN_TEST(test_guest_reader_unmask_sees_data);
    RUN_TEST(test_host_blocked_writer_woken);
    free(mem);
    CHECK_MAIN_END();
}
