/* Every CPU takes VMBus interrupts on its own SynIC: the echo channel is
 * moved (MODIFYCHANNEL) to each CPU's VP in turn, and that CPU's SIEF scan
 * takes its echoes; and every CPU takes a posted notification. */
#include <stddef.h>
#include "kernel/ktest.h"
#include "kernel/tests/vmbus_echo.h"
#include "kernel/percpu.h"
#include "kernel/irq.h"
#include "kernel/clock.h"
#include "drivers/hv/hv.h"
#include "drivers/hvsim/hvsim_kernel.h"
#include "drivers/vmbus_kernel.h"
#include "arch/x86_64/posted_intr.h"
#include "arch/x86_64/cpu.h"

static void nop_handler(void *ctx, struct trap_frame *f)
{
    (void)ctx;
    (void)f;
}

KTEST_T(every_cpu, "vmbus.every_cpu_takes_interrupts", 60000)
{
    if (!vmbus_test_begin())
        return;
    for (unsigned i = 0; i < cpu_count; i++)
        KT_CHECK(hv_synic_up(i));
    struct vmbus_channel *ch = echo_find_open();
    if (!ch)
        return;
    bool posted_mode = hvsim_kernel_injects_posted();
    uint32_t home = ch->target_vp;
    uint64_t seq = 0;
    /* Below 4.1 there is no MODIFYCHANNEL: only the channel's own CPU. */
    bool can_move = VMBUS_VERSION_HAS_MODIFYCHANNEL(vmbus_version());
    unsigned unreached = 0;
    for (unsigned i = 0; i < cpu_count; i++) {
        if (hv_vp_index(i) != ch->target_vp) {
            if (!can_move) {
                unreached++;
                continue;
            }
            int rc = vmbus_channel_retarget(ch, hv_vp_index(i));
            KT_CHECK_EQ(rc, 0);
            if (rc != 0)
                break;
        }
        uint64_t before = vmbus_kernel_events_on(i);
        struct pi_stats p0, p1;
        pi_get_stats(i, &p0);
        struct echo_result r = echo_run(ch, seq, 200, 3000, NULL);
        /* hvsim.inject=posted: those interrupts came through CPU i's
         * descriptor. The last echo may have been taken inside a
         * notification that has not finished (its count comes after the
         * dispatch): wait for the count, not for time. */
        if (posted_mode)
            KT_WAIT_UNTIL((pi_get_stats(i, &p1), p1.notifications != p0.notifications),
                          KT_WAIT_MS);
        pi_get_stats(i, &p1);
        if (posted_mode && (p1.posted == p0.posted || p1.notifications == p0.notifications))
            ktest_fail(__FILE__, __LINE__, "CPU%u: no posting by the model (%llu posted, %llu notifications)",
                       i, (unsigned long long)(p1.posted - p0.posted),
                       (unsigned long long)(p1.notifications - p0.notifications));
        seq += r.sent;
        KT_CHECK(!r.stalled);
        KT_CHECK_EQ(r.sent, 200);
        if (vmbus_kernel_events_on(i) == before)
            ktest_fail(__FILE__, __LINE__, "CPU%u (VP %u) took no VMBus interrupt", i, hv_vp_index(i));
    }
    if (ch->target_vp != home)
        KT_CHECK_EQ(vmbus_channel_retarget(ch, home), 0);
    vmbus_channel_close(ch);
    KT_CHECK_EQ(atomic_load(&echo_rx.received), seq);
    echo_check_clean();

    int v = irq_alloc_vector(0);
    KT_CHECK(v >= 0);
    if (v < 0)
        return;
    irq_register((unsigned)v, nop_handler, NULL, 0);
    for (unsigned i = 0; i < cpu_count; i++) {
        struct pi_stats s0, s1;
        pi_get_stats(i, &s0);
        pi_post(i, (uint8_t)v);
        uint64_t end = clock_ns() + 5000000000ull;
        do
            pi_get_stats(i, &s1);
        while (s1.notifications == s0.notifications && clock_ns() < end);
        if (s1.notifications == s0.notifications)
            ktest_fail(__FILE__, __LINE__, "CPU%u took no posted notification", i);
    }
    irq_free_vector((unsigned)v);
    if (unreached)
        ktest_skip("VMBus below 4.1: no MODIFYCHANNEL to reach the other CPUs");
    ktest_note("%u CPUs: each took VMBus echo interrupts on its own VP and a posted notification",
               cpu_count);
}
