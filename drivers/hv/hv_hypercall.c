/* Hypercall wrappers (TLFS "Hypercall interface"). Every call goes through
 * the hypercall page with the TLFS register convention; only the page's
 * contents differ between real Hyper-V and the model. */
#include <string.h>
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"

uint64_t hv_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
    if (!hv.hypercall_page)
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    return hv.params.call_page(hv.hypercall_page, control & ~HV_HYPERCALL_FAST_BIT,
                               in_gpa, out_gpa);
}

uint64_t hv_hypercall_fast(uint64_t control, uint64_t p1, uint64_t p2)
{
    if (!hv.hypercall_page)
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    return hv.params.call_page(hv.hypercall_page, control | HV_HYPERCALL_FAST_BIT, p1, p2);
}

static unsigned this_cpu(void)
{
    unsigned c = hv.params.this_cpu ? hv.params.this_cpu() : 0;
    return c < HV_MAX_CPUS ? c : 0;
}

static unsigned long irq_save(void)
{
    return hv.params.irq_save ? hv.params.irq_save() : 0;
}

static void irq_restore(unsigned long f)
{
    if (hv.params.irq_restore)
        hv.params.irq_restore(f);
}

/* A memory-based call's input goes in this CPU's input page, with
 * interrupts off while it is in use: input_begin clears size bytes of it
 * and returns it (NULL before the SynIC set one up); input_call makes the
 * call (HV_STATUS_INVALID_SYNIC_STATE without a page) and restores the
 * interrupts. Inlined: no extra calls. */
static inline __attribute__((always_inline)) void *input_begin(unsigned long *f, size_t size)
{
    *f = irq_save();
    void *in = hv.cpu[this_cpu()].input_page;
    if (in)
        memset(in, 0, size);
    return in;
}

static inline __attribute__((always_inline)) uint16_t input_call(uint64_t code, void *in,
                                                                 unsigned long f)
{
    uint16_t st = HV_STATUS_INVALID_SYNIC_STATE;
    if (in)
        st = (uint16_t)hv_hypercall(code, (uint64_t)(uintptr_t)in, 0);
    irq_restore(f);
    return st;
}

static void report(const char *what, uint32_t conn_id, uint16_t st)
{
    /* Running out of buffers is flow control, not an error; an unknown
     * connection id is how VMBus learns which id the host listens on (a
     * 5.x contact on id 4 to a host that only has id 1). The caller reports
     * what it could not recover from. */
    if (st == HV_STATUS_INSUFFICIENT_BUFFERS || st == HV_STATUS_INVALID_CONNECTION_ID)
        tracef(TRACE_HV, "hv", "guest: %s on connection %u -> %s", what, conn_id,
               hv_status_name(st));
    else if (st != HV_STATUS_SUCCESS)
        log_warn("hv", "%s on connection %u failed: %s (0x%x)", what, conn_id,
                 hv_status_name(st), st);
}

/* HvPostMessage (0x5c) is memory-based only: its 256-byte input does not fit
 * the register (16 bytes) or XMM (112 bytes) fast forms. */
uint16_t hv_post_message(uint32_t conn_id, uint32_t type, const void *payload, uint32_t len)
{
    if (len > HV_MESSAGE_PAYLOAD_BYTES)
        return HV_STATUS_INVALID_PARAMETER;
    unsigned long f;
    struct hv_input_post_message *in = input_begin(&f, sizeof *in);
    if (in) {
        in->connection_id = conn_id;
        in->message_type = type;
        in->payload_size = len;
        if (len)
            memcpy(in->payload, payload, len);
    }
    uint16_t st = input_call(HVCALL_POST_MESSAGE, in, f);
    tracef(TRACE_HV, "hv", "guest: HvPostMessage conn %u type %u len %u -> %s",
           conn_id, type, len, hv_status_name(st));
    report("HvPostMessage", conn_id, st);
    return st;
}

uint16_t hv_signal_event(uint32_t conn_id, uint16_t flag)
{
    uint64_t p1 = conn_id | (uint64_t)flag << 32;
    uint16_t st = (uint16_t)hv_hypercall_fast(HVCALL_SIGNAL_EVENT, p1, 0);
    tracef(TRACE_HV, "hv", "guest: HvSignalEvent (fast) conn %u flag %u -> %s",
           conn_id, flag, hv_status_name(st));
    report("HvSignalEvent", conn_id, st);
    return st;
}

uint16_t hv_signal_event_slow(uint32_t conn_id, uint16_t flag)
{
    unsigned long f;
    struct hv_input_signal_event *in = input_begin(&f, sizeof *in);
    if (in) {
        in->connection_id = conn_id;
        in->flag_number = flag;
    }
    uint16_t st = input_call(HVCALL_SIGNAL_EVENT, in, f);
    tracef(TRACE_HV, "hv", "guest: HvSignalEvent conn %u flag %u -> %s",
           conn_id, flag, hv_status_name(st));
    report("HvSignalEvent", conn_id, st);
    return st;
}
