/* SIEF (event flags) scanning: only words up to the high-water mark are
 * looked at, each non-zero word is taken with one exchange, every set bit
 * goes through the relid table to its channel's callback, and bits for
 * relids with no channel are counted, never followed. */
#include <string.h>
#include "tests/host/check.h"
#include "kernel/log.h"
#include "tests/host/host_log.h"
#include "tests/host/vmbus_fakehost.h"
#include "drivers/vmbus/vmbus_internal.h"

static unsigned hits[VMBUS_MAX_RELIDS];

static void count_cb(struct vmbus_channel *ch, void *ctx)
{
    CHECK(ctx == (void *)ch);
    hits[ch->relid]++;
}

static void setup(const uint32_t *relids, unsigned n)
{
    struct vmbus_guid g = VMBUS_CLASS_VIDEO;
    fh_init(FH_HYPERV);
    fh.deliver_events = false;
    for (unsigned i = 0; i < n; i++)
        fh_add_offer(relids[i], g);
    CHECK_EQ(vmbus_connect(), VMBUS_OK);
    for (unsigned i = 0; i < n; i++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relids[i]);
        ch->cb_ctx = ch;
        atomic_store(&ch->callback, count_cb);
    }
    memset(hits, 0, sizeof hits);
}

static void set_bit(uint64_t *w, unsigned relid) { w[relid / 64] |= 1ull << (relid % 64); }
static int bit_set(const uint64_t *w, unsigned relid) { return (w[relid / 64] >> (relid % 64)) & 1; }

static void scan_up_to_hwm(void)
{
    const uint32_t relids[] = { 1, 3, 10 };
    setup(relids, 3);
    CHECK_EQ(vmbus_relid_hwm(), 10);
    uint64_t sief[32] = { 0 };
    set_bit(sief, 3);
    set_bit(sief, 10);
    set_bit(sief, 64);      /* word 1: above the mark, must stay */
    set_bit(sief, 2047);
    unsigned long unknown = vmbus_unknown_relid_events();
    vmbus_on_events(sief);
    CHECK_EQ(hits[3], 1);
    CHECK_EQ(hits[10], 1);
    CHECK_EQ(hits[1], 0);
    CHECK(bit_set(sief, 64));
    CHECK(bit_set(sief, 2047));
    CHECK(!bit_set(sief, 3) && !bit_set(sief, 10));
    CHECK_EQ(vmbus_unknown_relid_events(), unknown);
    vmbus_disconnect();
}

static void unknown_relid_counted_not_followed(void)
{
    const uint32_t relids[] = { 2, 70 };
    setup(relids, 2);
    uint64_t sief[32] = { 0 };
    set_bit(sief, 5);       /* no channel */
    set_bit(sief, 0);       /* relid 0 is never a channel */
    set_bit(sief, 71);      /* word 1, within the mark, no channel */
    set_bit(sief, 70);
    unsigned long unknown = vmbus_unknown_relid_events();
    unsigned warns = host_log_lines[LOG_WARN];
    CHECK_EQ(vmbus_sief_scan_hwm(sief), 4);
    CHECK_EQ(vmbus_unknown_relid_events() - unknown, 3);
    CHECK(host_log_lines[LOG_WARN] > warns);
    CHECK_EQ(hits[70], 1);
    CHECK_EQ(sief[0] | sief[1], 0);
    /* A channel that is offered but not open (no callback) counts too. */
    atomic_store(&vmbus_relid_to_channel(2)->callback, NULL);
    set_bit(sief, 2);
    vmbus_on_events(sief);
    CHECK_EQ(vmbus_unknown_relid_events() - unknown, 4);
    CHECK_EQ(hits[2], 0);
    vmbus_disconnect();
}

static void log_is_rate_limited(void)
{
    const uint32_t relids[] = { 1 };
    setup(relids, 1);
    uint64_t sief[32] = { 0 };
    unsigned warns = host_log_lines[LOG_WARN];
    for (int i = 0; i < 5000; i++) {
        set_bit(sief, 9);
        vmbus_on_events(sief);
    }
    CHECK(host_log_lines[LOG_WARN] - warns < 20);
    vmbus_disconnect();
}

static void variants_agree_within_hwm(void)
{
    const uint32_t relids[] = { 1, 63, 64, 65, 200 };
    setup(relids, 5);
    uint64_t a[32] = { 0 };
    for (unsigned i = 0; i < 5; i++)
        set_bit(a, relids[i]);
    set_bit(a, 1500);       /* above the mark */
    uint64_t b[32], c[32];
    memcpy(b, a, sizeof a);
    memcpy(c, a, sizeof a);
    CHECK_EQ(vmbus_sief_scan_hwm(a), 5);
    CHECK_EQ(vmbus_sief_scan_bitwise(b), 5);
    unsigned long unknown = vmbus_unknown_relid_events();
    CHECK_EQ(vmbus_sief_scan_full(c), 6);      /* full scan reaches 1500 */
    CHECK_EQ(vmbus_unknown_relid_events() - unknown, 1);
    CHECK(bit_set(a, 1500) && bit_set(b, 1500) && !bit_set(c, 1500));
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ(hits[relids[i]], 3);
    vmbus_disconnect();
}

/* The mark is raised by offers and never lowered by rescinds. */
static void hwm_survives_rescind(void)
{
    const uint32_t relids[] = { 1, 130 };
    setup(relids, 2);
    fh_rescind(130);
    fh_pump();
    vmbus_poll();
    CHECK(vmbus_relid_to_channel(130) == NULL);
    CHECK_EQ(vmbus_relid_hwm(), 130);
    uint64_t sief[32] = { 0 };
    set_bit(sief, 130);
    unsigned long unknown = vmbus_unknown_relid_events();
    vmbus_on_events(sief);
    CHECK_EQ(vmbus_unknown_relid_events() - unknown, 1);
    CHECK_EQ(hits[130], 0);
    vmbus_disconnect();
}

/* The words to scan follow the mark across word boundaries, up to the
 * last word (relid 2047); with trace=irq on, vmbus_on_events takes its
 * traced copy of the scan, which must dispatch exactly the same. */
static void word_edges_and_traced_copy(void)
{
    const uint32_t relids[] = { 63, 64, 2047 };
    setup(relids, 3);
    CHECK_EQ(atomic_load(&vmbus_chantable_words), 32);
    for (unsigned traced = 0; traced < 2; traced++) {
        trace_mask = traced ? TRACE_IRQ : 0;
        uint64_t sief[32] = { 0 };
        set_bit(sief, 63);
        set_bit(sief, 64);
        set_bit(sief, 2047);
        set_bit(sief, 1000);     /* no channel: counted, not followed */
        unsigned long unknown = vmbus_unknown_relid_events();
        unsigned long events = host_trace_events;
        vmbus_on_events(sief);
        /* traced: scan, callback and callback_done per channel, scan_done */
        CHECK_EQ(host_trace_events - events, traced ? 2u + 2 * 3 : 0u);
        CHECK_EQ(hits[63], traced + 1);
        CHECK_EQ(hits[64], traced + 1);
        CHECK_EQ(hits[2047], traced + 1);
        CHECK_EQ(vmbus_unknown_relid_events(), unknown + 1);
        for (unsigned w = 0; w < 32; w++)
            CHECK_EQ(sief[w], 0);
    }
    trace_mask = 0;
    vmbus_disconnect();
    CHECK_EQ(atomic_load(&vmbus_chantable_words), 0);   /* reset with the table */
}

int main(void)
{
    RUN_TEST(scan_up_to_hwm);
    RUN_TEST(unknown_relid_counted_not_followed);
    RUN_TEST(log_is_rate_limited);
    RUN_TEST(variants_agree_within_hwm);
    RUN_TEST(hwm_survives_rescind);
    RUN_TEST(word_edges_and_traced_copy);
    CHECK_MAIN_END();
}
