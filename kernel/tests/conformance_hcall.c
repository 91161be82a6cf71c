/* Conformance, hypercall status codes for malformed input (TLFS
 * "Hypercall Interface": the hypercall input value, alignment, HV_STATUS;
 * the HvCallSignalEvent and HvCallPostMessage pages). Every probe names
 * CONF_NO_CONNECTION, a connection no host has, so a host that accepts a
 * malformed call still signals or posts nothing. Linux
 * arch/x86/kvm/hyperv.c (kvm_hv_hypercall, kvm_hvcall_signal_event) makes
 * the same refusals, except that it answers an unknown connection with
 * HV_STATUS_INVALID_PORT_ID. */
#include <string.h>
#include "kernel/tests/conformance.h"
#include "drivers/hyperv/tlfs.h"
#include "lib/array_size.h"

enum form { FAST, SIGNAL_MEM, POST_MEM };

/* One call: control, the fast input (FAST) or the input's offset in the
 * page (memory forms), and the status the TLFS gives it. */
static const struct probe {
    uint64_t control, param;
    uint8_t form, want;
} probes[] = {
#define NOWHERE ((uint64_t)CONF_NO_CONNECTION)
#define SIG HVCALL_SIGNAL_EVENT
    /* 0: unknown codes (0x0000 is reserved, 0xffff past every call) */
    { 0x0000, 0, FAST, HV_STATUS_INVALID_HYPERCALL_CODE },
    { 0xffff, 0, FAST, HV_STATUS_INVALID_HYPERCALL_CODE },
    /* 2: a rep count / rep start on a simple call */
    { SIG | 1ull << 32, NOWHERE, FAST, HV_STATUS_INVALID_HYPERCALL_INPUT },
    { SIG | 1ull << 48, NOWHERE, FAST, HV_STATUS_INVALID_HYPERCALL_INPUT },
    /* 4: one bit of each RsvdZ field of the control: 31:27, 47:44, 63:60 */
    { SIG | 1ull << 27, NOWHERE, FAST, HV_STATUS_INVALID_HYPERCALL_INPUT },
    { SIG | 1ull << 44, NOWHERE, FAST, HV_STATUS_INVALID_HYPERCALL_INPUT },
    { SIG | 1ull << 63, NOWHERE, FAST, HV_STATUS_INVALID_HYPERCALL_INPUT },
    /* 7: an input GPA not 8-byte aligned */
    { SIG, 4, SIGNAL_MEM, HV_STATUS_INVALID_ALIGNMENT },
    /* 8: unknown connections */
    { SIG, NOWHERE, FAST, HV_STATUS_INVALID_CONNECTION_ID },
    { HVCALL_POST_MESSAGE, 0, POST_MEM, HV_STATUS_INVALID_CONNECTION_ID },
#undef SIG
};
/* arg: first probe | count << 8 */
#define PROBES(first, n) ((first) | (n) << 8)

static uint16_t call(const struct conf_host *h, const struct probe *p)
{
    if (p->form == FAST)
        return (uint16_t)h->hypercall_fast(p->control, p->param, 0);
    uint8_t *in = (uint8_t *)h->input + p->param;
    memset(h->input, 0, sizeof(struct hv_input_post_message) + 8);
    if (p->form == SIGNAL_MEM) {
        struct hv_input_signal_event se = { .connection_id = CONF_NO_CONNECTION };
        memcpy(in, &se, sizeof se);
    } else {
        struct hv_input_post_message *pm = (void *)in;
        pm->connection_id = CONF_NO_CONNECTION;
        pm->message_type = HVMSG_VMBUS;
        pm->payload_size = 8;
    }
    return (uint16_t)h->hypercall(p->control, h->input_gpa + p->param, 0);
}

static enum conf_verdict probe(const struct conf_host *h, unsigned arg, struct conf_out *o)
{
    if (!conf_offered(h, HV_MSR_HYPERCALL_AVAILABLE, o))
        return CONF_SKIP;
    for (unsigned i = arg & 0xff; i < (arg & 0xff) + (arg >> 8); i++) {
        const struct probe *p = &probes[i];
        if (p->form != FAST && !h->input)
            return conf_skip(o, "no input page");
        uint16_t st = call(h, p);
        if (st != p->want)
            return conf_fail(o, "0x%llx 0x%llx: %s",
                             (unsigned long long)p->control, (unsigned long long)p->param,
                             hv_status_name(st));
    }
    return CONF_PASS;
}

CONF_GROUP(hcall,
    CONF_CHECK("hcall.unknown_code", "TLFS Hypercalls: unknown code: INVALID_HYPERCALL_CODE", probe, PROBES(0, 2)),
    CONF_CHECK("hcall.rep_on_simple_call", "TLFS Hypercalls: rep on simple call: INVALID_HYPERCALL_INPUT", probe, PROBES(2, 2)),
    CONF_CHECK("hcall.reserved_control_bits", "TLFS Hypercalls: RsvdZ control bits: INVALID_HYPERCALL_INPUT", probe, PROBES(4, 3)),
    CONF_CHECK("hcall.input_alignment", "TLFS Hypercalls: misaligned input: INVALID_ALIGNMENT", probe, PROBES(7, 1)),
    CONF_CHECK("hcall.signal_event_unknown_connection", "TLFS HvCallSignalEvent: unknown connection: INVALID_CONNECTION_ID", probe, PROBES(8, 1)),
    CONF_CHECK("hcall.post_message_unknown_connection", "TLFS HvCallPostMessage: unknown connection: INVALID_CONNECTION_ID", probe, PROBES(9, 1)));
_Static_assert(ARRAY_SIZE(probes) == 10, "the PROBES() ranges above");
