/* VMBus host model: each fault knob does what it says. */
#include <string.h>
#include "drivers/hyperv/tlfs.h"
#include "drivers/hvsim/hvsim.h"
#include "drivers/vmbus/vmbus_errno.h"
#include "tests/host/check.h"
#include "tests/host/host_log.h"
#include "tests/host/vmbus_host_guest.h"

static uint8_t buf[8192];

static uint32_t echo_open(struct fg_chan *ch, const char *faults)
{
    CHECK_EQ(fg_boot(1, "hyperv", "2", NULL, faults), 0);
    CHECK(fg_negotiate() != 0);
    uint32_t relids[8], conns[8];
    CHECK_EQ(fg_offers(relids, conns, NULL, 8), 6);
    CHECK_EQ(fg_open(ch, relids[3], conns[3], 2, 2, 0), 0);
    return relids[3];
}

static void ping(struct fg_chan *ch)
{
    bool sig;
    vmbus_ring_send(&ch->out, VMBUS_PKT_DATA_INBAND, 0, 7, "pingpong", 8, &sig);
    fg_signal(ch->conn_id);
}

static void test_drop_irq(void)
{
    struct fg_chan ch;
    struct vmbus_host_stats st;
    echo_open(&ch, "drop_irq=1/1");
    ping(&ch);
    CHECK(!fg_event(0, ch.relid));
    CHECK(vmbus_ring_has_data(&ch.in));       /* data there, interrupt lost */
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.irq_dropped, 1);
    echo_open(&ch, "drop_irq=1/1000000");     /* almost never */
    ping(&ch);
    CHECK(fg_event(0, ch.relid));
}

static void test_dup_and_delay_irq(void)
{
    struct fg_chan ch;
    struct vmbus_host_stats st;
    echo_open(&ch, "dup_irq=1");
    ping(&ch);
    CHECK(fg_event(0, ch.relid));
    CHECK(!fg_event(0, ch.relid));
    vmbus_host_poll();
    CHECK(fg_event(0, ch.relid));              /* the duplicate */
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.irq_duplicated, 1);
    echo_open(&ch, "delay_irq=1/1");
    ping(&ch);
    CHECK(!fg_event(0, ch.relid));
    vmbus_host_poll();
    CHECK(fg_event(0, ch.relid));
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.irq_delayed, 1);
}

static void test_spurious_bits(void)
{
    struct fg_chan ch;
    uint32_t relid = echo_open(&ch, "spurious_bits");
    vmbus_host_poll();
    CHECK(fg_event(0, 7));                     /* hwm 6 + 1 */
    CHECK(fg_event(0, 1));                     /* below the hwm, not open */
    CHECK(!fg_event(0, relid));                /* the open channel: untouched */
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.spurious_sent, 2);
}

static void test_rescind_at(void)
{
    struct fg_msg m;
    /* contact(1) requestoffers(2) gpadl_header(3) -> rescind relid 4 */
    CHECK_EQ(fg_boot(1, "hyperv", "2", NULL, "rescind_at=3"), 0);
    CHECK(fg_negotiate() != 0);
    uint32_t relids[8];
    CHECK_EQ(fg_offers(relids, NULL, NULL, 8), 6);
    void *mem = fg_alloc(4);
    CHECK_EQ(fg_gpadl(4, 0x77, mem, 4), 0);
    CHECK(fg_wait(VMBUS_MSG_RESCIND_CHANNELOFFER, &m));
    CHECK_EQ(*(uint32_t *)(m.data + 8), 4);
    struct vmbus_host_chan_info info;
    CHECK_EQ(vmbus_host_chan_info(4, &info), 0);
    CHECK_EQ(info.state, VMBUS_HOST_CH_RESCINDED);
}

static void test_bad_msg(void)
{
    struct fg_msg m;
    CHECK_EQ(fg_boot(1, "hyperv", NULL, NULL, "bad_msg"), 0);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_3, 4, &m), 0);
    CHECK_EQ(m.data[8], 1);
    CHECK_EQ(fg_nlog, 2);                      /* unknown type, 4-byte message */
    CHECK_EQ(fg_log[0].type, 0x7777);
    CHECK_EQ(fg_log[1].len, 4);
    uint32_t relids[8];
    CHECK_EQ(fg_offers(relids, NULL, NULL, 8), 4);   /* bad offers skipped by the guest */
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.bad_msgs_sent, 7);
}

static void test_bad_ring_and_pkt(void)
{
    struct fg_chan ch;
    struct vmbus_ring_pkt pkt;
    host_log_quiet = 1;
    echo_open(&ch, "bad_ring");
    ping(&ch);
    CHECK(ch.in.hdr->write_index >= ch.in.size);
    CHECK_EQ(vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt), VMBUS_EIO);
    echo_open(&ch, "bad_pkt");
    ping(&ch);
    CHECK_EQ(vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt), 1);   /* the echo */
    CHECK_EQ(vmbus_ring_read(&ch.in, buf, sizeof buf, &pkt), VMBUS_EIO);
}

static void test_mute(void)
{
    struct fg_msg m;
    CHECK_EQ(fg_boot(1, "hyperv", NULL, NULL, "mute"), 0);
    CHECK_EQ(fg_contact(VMBUS_VERSION_WIN10_5_3, 4, &m), 0);   /* accepted... */
    CHECK_EQ(m.type, 0);                                       /* ...never answered */
    for (int i = 0; i < 50; i++)
        vmbus_host_poll();
    CHECK(!fg_recv(&m));
    struct vmbus_host_stats st;
    vmbus_host_get_stats(&st);
    CHECK_EQ(st.muted, 1);
}

int main(void)
{
    RUN_TEST(test_drop_irq);
    RUN_TEST(test_dup_and_delay_irq);
    RUN_TEST(test_spurious_bits);
    RUN_TEST(test_rescind_at);
    RUN_TEST(test_bad_msg);
    RUN_TEST(test_bad_ring_and_pkt);
    RUN_TEST(test_mute);
    CHECK_MAIN_END();
}
