/* Echo traffic for the VMBus tests: numbered, checksummed packets through
 * the model's echo device (drivers/hvsim: every in-band packet comes back
 * unchanged), received by a channel callback in interrupt context that
 * checks nothing was lost, duplicated, reordered or corrupted. */
#ifndef SINTER_KERNEL_TESTS_VMBUS_ECHO_H
#define SINTER_KERNEL_TESTS_VMBUS_ECHO_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "drivers/vmbus/vmbus.h"
#include "drivers/hvsim/vmbus_host.h"

/* What the callback saw. Written in interrupt context, read by the test. */
struct echo_rx {
    atomic_ulong received;     /* in order and intact */
    atomic_ulong dups;         /* sequence number already seen */
    atomic_ulong gaps;         /* sequence numbers skipped (lost or reordered) */
    atomic_ulong bad;          /* wrong type, magic, length, trans_id or checksum */
    atomic_ulong errors;       /* vmbus_channel_recv refused the ring */
    atomic_ulong calls;        /* callback invocations */
    uint64_t next;             /* next sequence number expected */
    uint8_t buf[512];
};
extern struct echo_rx echo_rx;

/* False (test skipped) unless VMBus runs against the host model. */
bool vmbus_test_begin(void);
/* The unclaimed, unopened echo channel; NULL (test failed) if none. */
struct vmbus_channel *echo_find(void);
/* Reset echo_rx and open ch with the echo callback (64 KiB rings). */
int echo_open(struct vmbus_channel *ch);
/* echo_find then echo_open: the open echo channel, or NULL (test failed). */
struct vmbus_channel *echo_find_open(void);
/* vmbus_test_begin then echo_find_open: the open echo channel, or NULL
 * (the test skipped or failed). */
struct vmbus_channel *echo_test_begin(void);
/* The callback, for tests that run it by hand (interrupts off). */
void echo_callback(struct vmbus_channel *ch, void *ctx);

struct echo_result {
    uint64_t sent;             /* packets the ring accepted */
    int stop_rc;               /* 0, or the send error that ended the run */
    bool stalled;              /* no progress for stall_ms */
    uint64_t ns;
};
/* Send seq first..first+n-1 and wait for their echoes; after_sent(seq) runs
 * after each send (NULL: none). Ends early on a send error other than
 * EAGAIN or a stall. */
struct echo_result echo_run(struct vmbus_channel *ch, uint64_t first, uint64_t n,
                            unsigned stall_ms, void (*after_sent)(uint64_t seq));
/* Fails the test on dups, gaps, bad packets, ring errors. */
void echo_check_clean(void);

/* Host statistics, read with interrupts off (the model's lock); one
 * channel's, zeroed if the host has no such relid. */
struct vmbus_host_stats host_stats(void);
struct vmbus_host_chan_info host_chan(uint32_t relid);

#endif
