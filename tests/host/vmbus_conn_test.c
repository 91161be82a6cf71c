/* VMBus connection bring-up against the fake host: version negotiation with
 * both personalities, offers to ALLOFFERS_DELIVERED (1, 100, 2047 channels,
 * dense and sparse), refused offers, bounded waits, rescind and relid reuse,
 * UNLOAD. */
#include <string.h>
#include "tests/host/check.h"
#include "kernel/log.h"
#include "tests/host/host_log.h"
#include "tests/host/vmbus_fakehost.h"
#include "drivers/vmbus/vmbus_internal.h"

static void summary_is(const char *want)
{
    char buf[64];
    vmbus_summary(buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "  summary '%s' != '%s'\n", buf, want);
    CHECK(strcmp(buf, want) == 0);
}

static void hyperv_one_channel(void)
{
    fh_init(FH_HYPERV);
    fh_add_dense(1);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK(vmbus_connected());
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10_5_3);
    CHECK_EQ(fh.n_contacts, 1);
    CHECK_EQ(fh.contact_conn[0], VMBUS_MESSAGE_CONNECTION_ID_4);
    CHECK_EQ(vmbus_conn.msg_conn_id, 4);
    CHECK_EQ(vmbus_channel_count(), 1);
    CHECK_EQ(vmbus_relid_hwm(), 1);
    CHECK(vmbus_relid_to_channel(1) != NULL);
    CHECK_EQ(vmbus_relid_to_channel(1)->signal_conn_id, 0x1001);
    CHECK_EQ(fh.bad_conn_posts, 0);
    summary_is("vmbus=5.3 offers=1 hwm=1");
    vmbus_disconnect();
    CHECK_EQ(fh.unloads, 1);
    CHECK(!vmbus_connected());
    CHECK_EQ(fh_pages_live(), 0);
    summary_is("vmbus=none offers=0 hwm=0");
}

static void bring_up_dense(enum fh_personality who, unsigned n)
{
    fh_init(who);
    fh_add_dense(n);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_channel_count(), n);
    CHECK_EQ(vmbus_relid_hwm(), n);
    for (unsigned r = 1; r <= n; r++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(r);
        CHECK(ch != NULL);
        if (ch) {
            CHECK_EQ(ch->relid, r);
            if (who == FH_QEMU)
                CHECK_EQ(ch->signal_conn_id, 16 + r);
        }
    }
    CHECK_EQ(fh.bad_conn_posts, 0);
    vmbus_disconnect();
    CHECK_EQ(vmbus_channel_count(), 0);
}

static void hyperv_100_channels(void) { bring_up_dense(FH_HYPERV, 100); }
static void hyperv_2047_channels(void) { bring_up_dense(FH_HYPERV, 2047); }
static void qemu_100_channels(void) { bring_up_dense(FH_QEMU, 100); }
static void qemu_2047_channels(void) { bring_up_dense(FH_QEMU, 2047); }

static void hyperv_sparse_relids(void)
{
    struct vmbus_guid g = VMBUS_CLASS_SCSI;
    fh_init(FH_HYPERV);
    fh_add_offer(5, g);
    fh_add_offer(900, g);
    fh_add_offer(2047, g);
    fh_add_offer(64, g);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_channel_count(), 4);
    CHECK_EQ(vmbus_relid_hwm(), 2047);
    CHECK(vmbus_relid_to_channel(900) != NULL);
    CHECK(vmbus_relid_to_channel(6) == NULL);
    summary_is("vmbus=5.3 offers=4 hwm=2047");
    vmbus_disconnect();
}

/* QEMU: 5.x contacts fail at the hypercall (no handler on connection 4),
 * 4.1 is refused in VERSION_RESPONSE, 4.0 is accepted. */
static void qemu_negotiates_4_0(void)
{
    fh_init(FH_QEMU);
    fh_add_dense(3);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10);
    CHECK_EQ(fh.n_contacts, 2);
    CHECK_EQ(fh.contacts[0], VMBUS_VERSION_WIN10_4_1);
    CHECK_EQ(fh.contacts[1], VMBUS_VERSION_WIN10);
    CHECK_EQ(fh.contact_conn[1], VMBUS_MESSAGE_CONNECTION_ID);
    CHECK_EQ(vmbus_conn.msg_conn_id, 1);
    CHECK_EQ(fh.bad_conn_posts, 0);
    CHECK_EQ(vmbus_relid_to_channel(1)->signal_conn_id, 17);
    summary_is("vmbus=4.0 offers=3 hwm=3");
    vmbus_disconnect();
    CHECK_EQ(fh.unloads, 1);
}

static void hyperv_uses_returned_conn_id(void)
{
    fh_init(FH_HYPERV);
    fh.msg_conn_id = 0x2a;
    fh_add_dense(2);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_conn.msg_conn_id, 0x2a);
    CHECK_EQ(fh.bad_conn_posts, 0);
    CHECK_EQ(vmbus_channel_count(), 2);
    vmbus_disconnect();
    CHECK_EQ(fh.unloads, 1);
}

static void old_host_lands_on_win8(void)
{
    fh_init(FH_HYPERV);
    fh.max_version = VMBUS_VERSION_WIN8;
    fh_add_dense(1);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN8);
    CHECK_EQ(vmbus_conn.msg_conn_id, 1);
    CHECK_EQ(fh.n_contacts, 8);
    vmbus_disconnect();
    CHECK_EQ(fh.unloads, 0);  /* UNLOAD needs 3.0 */
}

static void no_common_version_fails(void)
{
    fh_init(FH_HYPERV);
    fh.max_version = VMBUS_VERSION_WIN7;
    CHECK_EQ(vmbus_connect(), VMBUS_EPROTO);
    CHECK(!vmbus_connected());
    CHECK(strstr(host_log_last, "no version") != NULL);
}

static void refused_offers(void)
{
    struct vmbus_guid g = VMBUS_CLASS_NETWORK;
    fh_init(FH_HYPERV);
    fh_add_offer(7, g);
    fh_add_offer(2048, g);
    fh_add_offer(7, g);     /* duplicate */
    fh_add_offer(0, g);
    fh_add_offer(0xffffffffu, g);
    fh_add_offer(8, g);
    unsigned errs = host_log_lines[LOG_ERR];
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_channel_count(), 2);
    CHECK_EQ(vmbus_relid_hwm(), 8);
    CHECK_EQ(vmbus_conn.offers_refused, 4);
    CHECK_EQ(host_log_lines[LOG_ERR] - errs, 4);
    summary_is("vmbus=5.3 offers=2 hwm=8");
    vmbus_disconnect();
}

static void version_timeout_names_step(void)
{
    fh_init(FH_HYPERV);
    fh.silent_version = true;
    uint64_t t0 = fh_now();
    CHECK_EQ(vmbus_connect(), VMBUS_ETIMEDOUT);
    CHECK(fh_now() - t0 >= 200000000ull);
    CHECK(fh_now() - t0 < 400000000ull);
    CHECK(strstr(host_log_last, "INITIATE_CONTACT 5.3") != NULL);
    CHECK(!vmbus_connected());
}

static void alloffers_timeout_names_step(void)
{
    fh_init(FH_QEMU);
    fh_add_dense(5);
    fh.silent_offers = true;
    CHECK_EQ(vmbus_connect(), VMBUS_ETIMEDOUT);
    CHECK(strstr(host_log_last, "ALLOFFERS_DELIVERED") != NULL);
    CHECK_EQ(vmbus_channel_count(), 0);  /* partial offers freed */
}

static void rescind_then_reuse_relid(void)
{
    struct vmbus_guid kbd = VMBUS_CLASS_KEYBOARD;
    fh_init(FH_HYPERV);
    fh_add_dense(3);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    fh_rescind(3);
    fh_pump();
    vmbus_poll();
    CHECK(vmbus_relid_to_channel(3) == NULL);
    CHECK_EQ(fh.relid_released, 1);
    CHECK_EQ(vmbus_relid_hwm(), 3);      /* never lowered */
    CHECK_EQ(vmbus_channel_count(), 2);
    fh_hot_offer(3, kbd);                /* Hyper-V reuses the relid */
    fh_pump();
    vmbus_poll();
    struct vmbus_channel *ch = vmbus_relid_to_channel(3);
    CHECK(ch != NULL);
    if (ch)
        CHECK(vmbus_guid_equal(&ch->class_id, &kbd));
    CHECK_EQ(vmbus_channel_count(), 3);
    /* Rescind of an unknown relid is ignored. */
    fh_rescind(1000);
    fh_pump();
    vmbus_poll();
    CHECK_EQ(vmbus_channel_count(), 3);
    vmbus_disconnect();
    CHECK_EQ(fh_pages_live(), 0);
}

/* VERSION_RESPONSE with version_supported = 1 but a failure connection_state
 * (OpenVMM, mu_msvm): not connected at that version; the next older one. */
static void failed_connection_state_tries_older(void)
{
    fh_init(FH_HYPERV);
    fh.bad_state_from_major = 5;
    fh_add_dense(1);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10_4_1);
    CHECK_EQ(fh.n_contacts, 5);   /* 5.3 5.2 5.1 5.0 refused, then 4.1 */
    CHECK_EQ(vmbus_conn.msg_conn_id, VMBUS_MESSAGE_CONNECTION_ID);
    vmbus_disconnect();
}

/* Hosts have taken ~50 s to answer UNLOAD: longer than the ordinary wait,
 * shorter than UNLOAD's. The pages are freed once it answers. */
static void slow_unload_is_waited_for(void)
{
    fh_init(FH_HYPERV);
    fh_add_dense(1);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    fh.hold_type = VMBUS_MSG_UNLOAD_RESPONSE;
    fh.hold_until_ns = fh_now() + 50000000000ull;
    unsigned long kept = vmbus_pages_kept();
    vmbus_disconnect();
    CHECK(fh_now() >= fh.hold_until_ns);
    CHECK_EQ(fh.unloads, 1);
    CHECK_EQ(vmbus_pages_kept(), kept);
    CHECK_EQ(fh_pages_live(), 0);
}

/* No UNLOAD_RESPONSE at all: the host may still write the monitor pages and
 * hold the rings whose teardown it never answered; none is reused. */
static void unanswered_unload_keeps_pages(void)
{
    fh_init(FH_HYPERV);
    struct vmbus_channel *ch = fh_connect_one();
    CHECK(ch != NULL);
    CHECK_EQ(vmbus_channel_open(ch, 2 * VMBUS_PAGE_SIZE, 2 * VMBUS_PAGE_SIZE, NULL, NULL), 0);
    fh.hold_type = VMBUS_MSG_GPADL_TORNDOWN;   /* and, below, UNLOAD_RESPONSE */
    fh.hold_until_ns = UINT64_MAX;
    vmbus_channel_close(ch);
    CHECK_EQ(fh_pages_live(), 3 + 4);          /* connection pages + the rings */
    fh.hold_type = VMBUS_MSG_UNLOAD_RESPONSE;
    fh.held = 0;
    unsigned long kept = vmbus_pages_kept();
    vmbus_disconnect();
    CHECK_EQ(vmbus_pages_kept(), kept + 3);
    CHECK_EQ(fh_pages_live(), 3 + 4);
}

/* An offer that lands while a failed connect empties the channel table
 * (an interrupt between the sweep and the end) must not be leaked. */
static void offer_during_failed_connect_not_leaked(void)
{
    fh_init(FH_HYPERV);
    fh_add_dense(2);
    fh.silent_offers = true;
    fh.offer_on_free = true;
    CHECK_EQ(vmbus_connect(), VMBUS_ETIMEDOUT);
    CHECK(!fh.offer_on_free);                  /* the re-offer was made */
    CHECK_EQ(vmbus_channel_count(), 0);
    CHECK_EQ(fh.objects_live, 0);
}

/* The SynIC layer passes the message type on: a non-VMBus type is refused. */
static void non_vmbus_message_type_refused(void)
{
    fh_init(FH_HYPERV);
    fh_add_dense(1);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    struct vmbus_msg_offer_channel o;
    memset(&o, 0, sizeof o);
    o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
    o.child_relid = 9;
    unsigned long refused = vmbus_refused_messages();
    vmbus_on_message(&o, 0x80000000u, sizeof o);
    CHECK(vmbus_relid_to_channel(9) == NULL);
    CHECK_EQ(vmbus_refused_messages(), refused + 1);
    vmbus_on_message(&o, VMBUS_SYNIC_MESSAGE_TYPE, sizeof o);
    CHECK(vmbus_relid_to_channel(9) != NULL);
    vmbus_disconnect();
}

/* A VERSION_RESPONSE shorter than the 16 bytes every host sends is refused,
 * as the Gen2 firmware refuses it. */
static void short_version_response_refused(void)
{
    fh_init(FH_HYPERV);
    fh.silent_version = true;
    struct vmbus_msg_version_response r = { .hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE,
                                            .version_supported = 1 };
    atomic_store(&vmbus_conn.state, VMBUS_CONTACTING);
    unsigned long refused = vmbus_refused_messages();
    vmbus_on_message(&r, VMBUS_SYNIC_MESSAGE_TYPE, 12);
    CHECK_EQ(vmbus_refused_messages(), refused + 1);
    CHECK_EQ(atomic_load(&vmbus_conn.version_answer), 0);
    vmbus_on_message(&r, VMBUS_SYNIC_MESSAGE_TYPE, sizeof r);
    CHECK_EQ(atomic_load(&vmbus_conn.version_answer), 1);
    atomic_store(&vmbus_conn.state, VMBUS_DISCONNECTED);
}

static void reconnect_after_disconnect(void)
{
    fh_init(FH_QEMU);
    fh_add_dense(4);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    vmbus_disconnect();
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    CHECK_EQ(vmbus_channel_count(), 4);
    vmbus_disconnect();
}

int main(void)
{
    RUN_TEST(hyperv_one_channel);
    RUN_TEST(hyperv_100_channels);
    RUN_TEST(hyperv_2047_channels);
    RUN_TEST(qemu_100_channels);
    RUN_TEST(qemu_2047_channels);
    RUN_TEST(hyperv_sparse_relids);
    RUN_TEST(qemu_negotiates_4_0);
    RUN_TEST(hyperv_uses_returned_conn_id);
    RUN_TEST(old_host_lands_on_win8);
    RUN_TEST(no_common_version_fails);
    RUN_TEST(refused_offers);
    RUN_TEST(version_timeout_names_step);
    RUN_TEST(alloffers_timeout_names_step);
    RUN_TEST(rescind_then_reuse_relid);
    RUN_TEST(reconnect_after_disconnect);
    RUN_TEST(failed_connection_state_tries_older);
    RUN_TEST(slow_unload_is_waited_for);
    RUN_TEST(unanswered_unload_keeps_pages);
    RUN_TEST(offer_during_failed_connect_not_leaked);
    RUN_TEST(non_vmbus_message_type_refused);
    RUN_TEST(short_version_response_refused);
    CHECK_MAIN_END();
}
