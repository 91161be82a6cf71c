/* A channel's callback runs on one CPU at a time, and runs again when an
 * event came while it ran. Normally only the channel's target VP takes its
 * events, but not always: after MODIFYCHANNEL the host may still signal the
 * old VP for a while (Linux channel.c, vmbus_channel_set_cpu: "the host may
 * still deliver interrupts to the old CPU"; the model's
 * hvsim.faults=retarget_lag), and a scan already under way on the old VP
 * finishes there. Without this, two CPUs would read one ring at once. Linux
 * gets the same guarantee from its per-channel tasklet, FreeBSD from the
 * channel's task queue.
 *
 * The uncontended path costs two compare-and-swaps: take RUNNING from idle,
 * give it back. A CPU that finds the callback running elsewhere sets AGAIN
 * and leaves; the runner sees AGAIN when it gives RUNNING back, clears it
 * and runs the callback once more, so no event is lost. */
#ifndef SINTER_DRIVERS_VMBUS_VMBUS_CALLBACK_H
#define SINTER_DRIVERS_VMBUS_VMBUS_CALLBACK_H
#include <stdbool.h>
#include "drivers/vmbus/vmbus.h"

enum { VMBUS_CB_RUNNING = 1u, VMBUS_CB_AGAIN = 2u };

/* Out of line: the callback was running on another CPU. */
void vmbus_callback_contended(struct vmbus_channel *ch, vmbus_channel_cb cb, bool counted);
/* Events handed to a CPU that was already running the channel's callback. */
unsigned long vmbus_callback_handoffs(void);

/* With RUNNING held: run cb until no CPU asked for another run. An
 * interrupt (counted: not the rescue tick's call) adds one to the channel's
 * statistic, which needs no locked add: RUNNING serialises it. */
static inline __attribute__((always_inline)) void vmbus_callback_run_held(struct vmbus_channel *ch,
                                                                          vmbus_channel_cb cb,
                                                                          bool counted)
{
    if (counted)
        atomic_store_explicit(&ch->interrupts,
                              atomic_load_explicit(&ch->interrupts, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    for (;;) {
        cb(ch, ch->cb_ctx);
        unsigned running = VMBUS_CB_RUNNING;
        if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                                 &ch->cb_state, &running, 0, memory_order_release,
                                 memory_order_relaxed), 1))
            return;
        /* AGAIN was set: take it back off and run once more. */
        atomic_exchange_explicit(&ch->cb_state, VMBUS_CB_RUNNING, memory_order_acq_rel);
    }
}

static inline __attribute__((always_inline)) void vmbus_callback_run(struct vmbus_channel *ch,
                                                                     vmbus_channel_cb cb,
                                                                     bool counted)
{
    unsigned idle = 0;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(
                             &ch->cb_state, &idle, VMBUS_CB_RUNNING, memory_order_acquire,
                             memory_order_relaxed), 1))
        vmbus_callback_run_held(ch, cb, counted);
    else
        vmbus_callback_contended(ch, cb, counted);
}

#endif
