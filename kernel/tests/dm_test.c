/* Dynamic Memory end to end against the model's DM endpoint (hvsim.dm=on;
 * the scenarios set wait=0 so the host's post-init wait does not hold the
 * test): the host takes pages, the guest gives them from the page
 * allocator, the host gives some back, asks for more than the guest has
 * and gives back a range it never took (both refused by the guest, and
 * answered), then gives back all it holds. Only this test drives the DM channel, so every count
 * compared is one it caused. */
#include "kernel/ktest.h"
#include "kernel/pmm.h"
#include "kernel/tests/vmbus_echo.h"
#include "drivers/dm/dm.h"
#include "drivers/hvsim/vmbus_host.h"

static struct vmbus_host_dm_info hi;

static bool host_idle(void)
{
    vmbus_host_dm_get_info(&hi);
    return hi.state == VMBUS_HOST_DM_IDLE;
}

/* What the guest holds is what the host holds, and every page of it is
 * taken in the page allocator (no one else can free a page it does not own). */
static void check_held(const struct dm_state *g, uint64_t pages)
{
    uint64_t sum = 0, taken = 0;
    KT_CHECK(host_idle());
    KT_CHECK_EQ(hi.held_pages, pages);
    KT_CHECK_EQ(g->ballooned, pages);
    for (unsigned i = 0; i < g->n_runs; i++)
        for (uint32_t p = 0; p < g->runs[i].pages; p++, sum++)
            taken += pmm_is_allocated((g->runs[i].pfn + p) * PAGE_SIZE);
    KT_CHECK_EQ(sum, pages);
    KT_CHECK_EQ(taken, pages);
}

KTEST_T(dm_cycle, "dm.balloon_unballoon", 30000)
{
    if (!vmbus_test_begin())
        return;
    if (!vmbus_host_relid_of(VMBUS_HOST_DEV_DM)) {
        ktest_skip("needs the model's DM device (hvsim.dm=on,wait=0)");
        return;
    }
    const struct dm_state *g;
    KT_CHECK(KT_WAIT_UNTIL((g = dm_current()) && g->phase == DM_PH_READY && host_idle(), KT_WAIT_MS));
    if (!g || hi.state != VMBUS_HOST_DM_IDLE)
        return;
    KT_CHECK_EQ(hi.version, g->version);
    KT_CHECK_EQ(hi.caps, DM_CAP_BALLOON);
    KT_CHECK_EQ(g->status_suppressed, !hi.status_enabled);
    uint64_t refused = refusals_seen(&g->refused), t0 = hi.transactions;

    KT_CHECK_EQ(vmbus_host_dm_balloon(1000), 0);
    KT_CHECK(KT_WAIT_UNTIL(host_idle(), KT_WAIT_MS));
    check_held(g, 1000);
    KT_CHECK_EQ(vmbus_host_dm_unballoon(600), 0);
    KT_CHECK(KT_WAIT_UNTIL(host_idle(), KT_WAIT_MS));
    check_held(g, 400);
    KT_CHECK_EQ(hi.unballoon_responses, 1);

    /* More than the guest has: refused, answered with no ranges. */
    KT_CHECK_EQ(vmbus_host_dm_balloon(dm_hook_total_pages() + 1), 0);
    KT_CHECK(KT_WAIT_UNTIL(host_idle(), KT_WAIT_MS));
    check_held(g, 400);
    KT_CHECK_EQ(refusals_seen(&g->refused), refused + 1);

    /* A range the guest never gave (here: this test's own code page) is
     * refused, answered, and not one page of it freed. */
    uint64_t own = (uint64_t)(uintptr_t)check_held / PAGE_SIZE;
    bool taken = pmm_is_allocated(own * PAGE_SIZE);   /* a wrong free clears it, or panics */
    KT_CHECK_EQ(vmbus_host_dm_unballoon_range(own, 2), 0);
    KT_CHECK(KT_WAIT_UNTIL(host_idle(), KT_WAIT_MS));
    KT_CHECK_EQ(refusals_seen(&g->refused), refused + 2);
    KT_CHECK_EQ(pmm_is_allocated(own * PAGE_SIZE), taken);
    check_held(g, 400);

    /* The host gives back at most what it holds. */
    KT_CHECK_EQ(vmbus_host_dm_unballoon(~0ull), 0);
    KT_CHECK(KT_WAIT_UNTIL(host_idle(), KT_WAIT_MS));
    check_held(g, 0);
    KT_CHECK_EQ(hi.transactions, t0 + 5);
    KT_CHECK_EQ(vmbus_host_dm_unballoon(1), -1);   /* nothing held */

    /* With status reports asked for, the guest's figures arrive. */
    if (hi.status_enabled) {
        KT_CHECK(KT_WAIT_UNTIL(host_idle() && hi.status_reports > 0, KT_WAIT_MS));
        KT_CHECK(hi.last_avail > 0 && hi.last_avail <= dm_hook_total_pages());
    }
}
