/* Hypercalls through the real path: hv_hypercall / hv_hypercall_fast call
 * the hypercall page, which traps into the model (int $0xf3). Every invalid
 * input must come back with its TLFS status ("Hypercall interface",
 * HvCallPostMessage, HvCallSignalEvent); the page itself must be W^X. (The
 * reference TSC page against TIME_REF_COUNT: test=conformance.) */
#include <stdatomic.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "drivers/hv/hv_internal.h"
#include "drivers/hvsim/hvsim.h"

#define MSG_CONN 0x7e0051u   /* test connections, far from VMBus's ids */
#define EVT_CONN 0x7e0052u
#define NO_CONN  0x7e0053u
#define EVT_FLAGS 4

static atomic_uint msg_calls, evt_calls;
static uint32_t last_type, last_len;
static uint16_t last_flag;
static uint64_t last_word;

static uint16_t msg_rx(void *ctx, uint32_t vp, uint32_t conn, uint32_t type,
                       const void *payload, uint32_t len)
{
    (void)ctx, (void)vp, (void)conn;
    last_type = type;
    last_len = len;
    memcpy(&last_word, payload, len >= 8 ? 8 : 0);
    atomic_fetch_add(&msg_calls, 1);
    return HV_STATUS_SUCCESS;
}

static uint16_t evt_rx(void *ctx, uint32_t vp, uint32_t conn, uint16_t flag)
{
    (void)ctx, (void)vp, (void)conn;
    last_flag = flag;
    atomic_fetch_add(&evt_calls, 1);
    return HV_STATUS_SUCCESS;
}

/* Hypercalls this CPU's VP made. Called with interrupts off, two reads
 * bracket only the caller's own calls: the tick, the ICs' replies and the
 * other CPUs make theirs on another VP or cannot run in between. */
static uint64_t own_hypercalls(void)
{
    struct hvsim_stats s;
    hvsim_get_vp_stats(this_cpu()->index, &s);
    return s.hypercalls;
}

/* RAX in full: the status in 15:0 and nothing else (no reps completed). */
#define EXPECT(call, want)                                                              \
    do {                                                                                \
        uint64_t rax_ = (call);                                                         \
        calls++;                                                                        \
        if (rax_ != (want))                                                             \
            ktest_fail(__FILE__, __LINE__, "%s -> %s (0x%llx), want %s", #call,         \
                       hv_status_name(rax_ & 0xffff), (unsigned long long)rax_,         \
                       hv_status_name(want));                                           \
    } while (0)

static void post_input(struct hv_input_post_message *in, uint32_t conn, uint32_t type,
                       uint32_t len)
{
    memset(in, 0, sizeof *in);
    in->connection_id = conn;
    in->message_type = type;
    in->payload_size = len;
    in->payload[0] = 0x1122334455667788ull;
}

KTEST(invalid, "hv.hypercall_status_codes")
{
    if (hv_backend() != HV_BACKEND_MODEL) {
        ktest_skip("needs the Hyper-V host model (hv=model)");
        return;
    }
    uint8_t *page = (uint8_t *)(uintptr_t)pmm_alloc(1);
    KT_CHECK(page != NULL);
    if (!page)
        return;
    struct hv_input_post_message *in = (void *)page;
    const uint64_t gpa = (uint64_t)(uintptr_t)page;
    const uint64_t post = HVCALL_POST_MESSAGE, sig = HVCALL_SIGNAL_EVENT;
    const uint64_t evt = EVT_CONN | (uint64_t)1 << 32;  /* fast SignalEvent input, flag 1 */
    unsigned calls = 0;

    atomic_store(&msg_calls, 0);
    atomic_store(&evt_calls, 0);
    KT_CHECK_EQ(hvsim_register_message_handler(MSG_CONN, msg_rx, NULL), 0);
    KT_CHECK_EQ(hvsim_register_event_handler(EVT_CONN, EVT_FLAGS, evt_rx, NULL), 0);
    /* Interrupts off for the counted window: every call below is synchronous
     * (the receivers run inside the trap), so nothing here waits on one. */
    uint64_t irqf = irq_save();
    uint64_t hc0 = own_hypercalls();

    /* Call codes the model does not implement. */
    EXPECT(hv_hypercall_fast(0, 0, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
    EXPECT(hv_hypercall_fast(0x0001, 0, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
    EXPECT(hv_hypercall(0xffff, gpa, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
    /* HvPostMessage has no fast form (its input is 256 bytes). */
    EXPECT(hv_hypercall_fast(post, MSG_CONN, 0), HV_STATUS_INVALID_HYPERCALL_CODE);

    /* Control word: both calls are simple, with no variable header. */
    post_input(in, MSG_CONN, 1, 8);
    EXPECT(hv_hypercall(post | 1ull << 32, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT); /* rep count */
    EXPECT(hv_hypercall(post | 1ull << 48, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT); /* rep start */
    EXPECT(hv_hypercall(post | 1ull << 17, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT); /* var header */
    EXPECT(hv_hypercall(post | 1ull << 27, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT); /* RsvdZ */
    EXPECT(hv_hypercall(post | 1ull << 63, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT); /* RsvdZ */
    EXPECT(hv_hypercall_fast(sig | 3ull << 32, evt, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);

    /* Input GPA: 8-byte aligned, within one page, RAM. */
    EXPECT(hv_hypercall(post, gpa + 4, 0), HV_STATUS_INVALID_ALIGNMENT);
    EXPECT(hv_hypercall(post, gpa + HV_PAGE_SIZE - 128, 0), HV_STATUS_INVALID_ALIGNMENT);
    EXPECT(hv_hypercall(post, 1ull << 46, 0), HV_STATUS_INVALID_ALIGNMENT);
    EXPECT(hv_hypercall(sig, gpa + 1, 0), HV_STATUS_INVALID_ALIGNMENT);

    /* HvPostMessage input fields. */
    post_input(in, MSG_CONN, 1, HV_MESSAGE_PAYLOAD_BYTES + 1);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_PARAMETER);
    post_input(in, MSG_CONN, HVMSG_NONE, 8);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_PARAMETER);
    post_input(in, MSG_CONN, HV_MESSAGE_TYPE_HYPERVISOR_BIT | 1, 8);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_PARAMETER);
    post_input(in, MSG_CONN, 1, 8);
    in->reserved = 1;
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    post_input(in, MSG_CONN | 1u << 24, 1, 8);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    post_input(in, NO_CONN, 1, 8);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_CONNECTION_ID);
    post_input(in, EVT_CONN, 1, 8);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_INVALID_PORT_ID);

    /* HvSignalEvent, fast and memory forms. */
    EXPECT(hv_hypercall_fast(sig, NO_CONN | 1ull << 32, 0), HV_STATUS_INVALID_CONNECTION_ID);
    EXPECT(hv_hypercall_fast(sig, MSG_CONN, 0), HV_STATUS_INVALID_PORT_ID);
    EXPECT(hv_hypercall_fast(sig, EVT_CONN | (uint64_t)EVT_FLAGS << 32, 0),
           HV_STATUS_INVALID_PARAMETER);
    EXPECT(hv_hypercall_fast(sig, evt | 1ull << 48, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    EXPECT(hv_hypercall_fast(sig, EVT_CONN | 1u << 24, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    struct hv_input_signal_event *se = (void *)page;
    memset(se, 0, sizeof *se);
    se->connection_id = EVT_CONN;
    se->flag_number = 1;
    se->rsvdz = 1;
    EXPECT(hv_hypercall(sig, gpa, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
    KT_CHECK_EQ(atomic_load(&msg_calls), 0);  /* no invalid call reached a receiver */
    KT_CHECK_EQ(atomic_load(&evt_calls), 0);

    /* The valid forms get through, so the refusals above mean something. */
    post_input(in, MSG_CONN, 7, 8);
    EXPECT(hv_hypercall(post, gpa, 0), HV_STATUS_SUCCESS);
    KT_CHECK_EQ(atomic_load(&msg_calls), 1);
    KT_CHECK_EQ(last_type, 7);
    KT_CHECK_EQ(last_len, 8);
    KT_CHECK_EQ(last_word, 0x1122334455667788ull);
    EXPECT(hv_hypercall_fast(sig, EVT_CONN | 3ull << 32, 0), HV_STATUS_SUCCESS);
    memset(se, 0, sizeof *se);
    se->connection_id = EVT_CONN;
    se->flag_number = 1;
    EXPECT(hv_hypercall(sig, gpa, 0), HV_STATUS_SUCCESS);
    KT_CHECK_EQ(atomic_load(&evt_calls), 2);
    KT_CHECK_EQ(last_flag, 1);

    /* Every call above went through the page into the model. */
    KT_CHECK_EQ(own_hypercalls() - hc0, calls);
    /* The guest wrapper refuses an oversized payload before any call. */
    uint64_t hc1 = own_hypercalls();
    KT_CHECK_EQ(hv_post_message(MSG_CONN, 1, page, HV_MESSAGE_PAYLOAD_BYTES + 1),
                HV_STATUS_INVALID_PARAMETER);
    KT_CHECK_EQ(own_hypercalls(), hc1);
    irq_restore(irqf);
    KT_CHECK_EQ(hv_signal_event(NO_CONN, 0), HV_STATUS_INVALID_CONNECTION_ID);
    KT_CHECK_EQ(hv_signal_event_slow(NO_CONN, 0), HV_STATUS_INVALID_CONNECTION_ID);

    hvsim_unregister_connection(MSG_CONN);
    hvsim_unregister_connection(EVT_CONN);
    pmm_free(gpa, 1);
}

static struct trap_catch c;

/* After setup the hypercall page is code: executable, and a write faults. */
KTEST(wx, "hv.hypercall_page_wx")
{
    if (hv_backend() == HV_BACKEND_NONE) {
        ktest_skip("no Hyper-V backend");
        return;
    }
    uint64_t msr = 0;
    KT_CHECK_EQ(hv_rdmsr(HV_X64_MSR_HYPERCALL, &msr), 0);
    KT_CHECK(msr & HV_HYPERCALL_ENABLE);
    volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)(msr & HV_MSR_GPFN_MASK);
    KT_CHECK(page != NULL);
    if (!page)
        return;
    uint8_t first = page[0];
    KT_CHECK_EQ(ktest_write_faults(page, &c), 1);
    KT_CHECK_EQ(c.seen.error & 3, 3);                 /* present, write */
    KT_CHECK_EQ(ktest_write_faults(page + HV_PAGE_SIZE - 1, &c), 1);
    KT_CHECK_EQ(page[0], first);
    if (hv_backend() == HV_BACKEND_MODEL) {
        KT_CHECK_EQ(page[0], 0xcd);                   /* int $0xf3 */
        KT_CHECK_EQ(page[1], HVSIM_TRAP_VECTOR);
    }
    /* Executes: the probe call runs from the page. */
    KT_CHECK_EQ(hv_hypercall_fast(0, 0, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
}
