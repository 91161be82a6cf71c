/* Conformance, hypercall status codes for malformed input (TLFS
 * "Hypercall Interface": the hypercall input value, alignment, HV_STATUS;
 * HvCallSignalEvent and HvCallPostMessage pages). Every probe names
 * CONF_NO_CONNECTION, a connection no host has, so a host that accepts a
 * malformed call still signals or posts nothing. Linux
 * arch/x86/kvm/hyperv.c (kvm_hv_hypercall, kvm_hvcall_signal_event) makes
 * the same refusals. */
#include <stdio.h>
#include <string.h>
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hyperv/tlfs.h"
#include "lib/array_size.h"

#define STATUS(rax) ((uint16_t)((rax) & HV_HYPERCALL_RESULT_MASK))
/* Fast HvSignalEvent input: connection id in 31:0, flag number in 47:32. */
#define SIGNAL_NOWHERE ((uint64_t)CONF_NO_CONNECTION)

static bool can_call(const struct conf_host *h, struct conf_out *o)
{
    struct hv_info info;
    conf_read_info(h, &info);
    if (!info.features_valid || !info.has_hypercall) {
        conf_skip(o, "hypercall page not offered");
        return false;
    }
    return true;
}

/* One call and the status the TLFS gives it; on a mismatch o says which. */
static bool expect(struct conf_out *o, const char *what, uint64_t rax, uint16_t want)
{
    if (STATUS(rax) == want)
        return true;
    conf_fail(o, "%s -> %s (0x%x), want %s", what, hv_status_name(STATUS(rax)), STATUS(rax),
              hv_status_name(want));
    return false;
}

static enum conf_verdict unknown_code(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    /* 0x0000 is reserved; 0xffff is past every defined call code. */
    if (!expect(o, "fast call code 0x0000", h->hypercall_fast(0x0000, 0, 0),
                HV_STATUS_INVALID_HYPERCALL_CODE) ||
        !expect(o, "fast call code 0xffff", h->hypercall_fast(0xffff, 0, 0),
                HV_STATUS_INVALID_HYPERCALL_CODE))
        return CONF_FAIL;
    return CONF_PASS;
}

static enum conf_verdict rep_on_simple(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    uint64_t sig = HVCALL_SIGNAL_EVENT;
    if (!expect(o, "HvSignalEvent rep count 1",
                h->hypercall_fast(sig | 1ull << HV_HYPERCALL_REP_COMP_SHIFT, SIGNAL_NOWHERE, 0),
                HV_STATUS_INVALID_HYPERCALL_INPUT) ||
        !expect(o, "HvSignalEvent rep start 1",
                h->hypercall_fast(sig | 1ull << 48, SIGNAL_NOWHERE, 0),
                HV_STATUS_INVALID_HYPERCALL_INPUT))
        return CONF_FAIL;
    return CONF_PASS;
}

static enum conf_verdict reserved_control_bits(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    /* One bit of each RsvdZ field of the input value: 31:27, 47:44, 63:60. */
    static const unsigned bits[] = { 27, 44, 63 };
    for (size_t i = 0; i < ARRAY_SIZE(bits); i++) {
        char what[48];
        snprintf(what, sizeof what, "HvSignalEvent with control bit %u", bits[i]);
        if (!expect(o, what, h->hypercall_fast(HVCALL_SIGNAL_EVENT | 1ull << bits[i],
                                               SIGNAL_NOWHERE, 0),
                    HV_STATUS_INVALID_HYPERCALL_INPUT))
            return CONF_FAIL;
    }
    return CONF_PASS;
}

static enum conf_verdict input_alignment(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    if (!h->input)
        return conf_skip(o, "no input page");
    /* If the host reads the input anyway it finds the unknown connection. */
    struct hv_input_signal_event se = { .connection_id = CONF_NO_CONNECTION };
    memset(h->input, 0, 64);
    memcpy((uint8_t *)h->input + 4, &se, sizeof se);
    if (!expect(o, "HvSignalEvent input at GPA+4", h->hypercall(HVCALL_SIGNAL_EVENT,
                                                                h->input_gpa + 4, 0),
                HV_STATUS_INVALID_ALIGNMENT))
        return CONF_FAIL;
    return CONF_PASS;
}

static enum conf_verdict signal_reserved_input(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    /* Bits 63:48 of the fast input are RsvdZ (the input's third field),
     * as are bits 31:24 of the connection id. */
    if (!expect(o, "fast HvSignalEvent input bit 48",
                h->hypercall_fast(HVCALL_SIGNAL_EVENT, SIGNAL_NOWHERE | 1ull << 48, 0),
                HV_STATUS_INVALID_HYPERCALL_INPUT) ||
        !expect(o, "fast HvSignalEvent connection id bit 24",
                h->hypercall_fast(HVCALL_SIGNAL_EVENT, SIGNAL_NOWHERE | 1ull << 24, 0),
                HV_STATUS_INVALID_HYPERCALL_INPUT))
        return CONF_FAIL;
    return CONF_PASS;
}

static enum conf_verdict signal_unknown_connection(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    if (!expect(o, "fast HvSignalEvent to an unknown connection",
                h->hypercall_fast(HVCALL_SIGNAL_EVENT, SIGNAL_NOWHERE, 0),
                HV_STATUS_INVALID_CONNECTION_ID))
        return CONF_FAIL;
    return CONF_PASS;
}

static enum conf_verdict post_unknown_connection(const struct conf_host *h, struct conf_out *o)
{
    if (!can_call(h, o))
        return CONF_SKIP;
    if (!h->input)
        return conf_skip(o, "no input page");
    struct hv_input_post_message *in = h->input;
    memset(in, 0, sizeof *in);
    in->connection_id = CONF_NO_CONNECTION;
    in->message_type = HVMSG_VMBUS;
    in->payload_size = 8;
    if (!expect(o, "HvPostMessage to an unknown connection",
                h->hypercall(HVCALL_POST_MESSAGE, h->input_gpa, 0),
                HV_STATUS_INVALID_CONNECTION_ID))
        return CONF_FAIL;
    return CONF_PASS;
}

static const struct conf_check checks[] = {
    { "hcall.unknown_code",
      "TLFS Hypercall Interface: an unknown call code returns HV_STATUS_INVALID_HYPERCALL_CODE",
      unknown_code },
    { "hcall.rep_on_simple_call",
      "TLFS Hypercall Interface: a simple call with a rep count or rep start returns HV_STATUS_INVALID_HYPERCALL_INPUT",
      rep_on_simple },
    { "hcall.reserved_control_bits",
      "TLFS Hypercall Interface: RsvdZ bits of the input value set return HV_STATUS_INVALID_HYPERCALL_INPUT",
      reserved_control_bits },
    { "hcall.input_alignment",
      "TLFS Hypercall Interface: an input GPA not 8-byte aligned returns HV_STATUS_INVALID_ALIGNMENT",
      input_alignment },
    { "hcall.signal_event_reserved_input",
      "TLFS HvCallSignalEvent: RsvdZ input bits set return HV_STATUS_INVALID_HYPERCALL_INPUT",
      signal_reserved_input },
    { "hcall.signal_event_unknown_connection",
      "TLFS HvCallSignalEvent: an unknown connection id returns HV_STATUS_INVALID_CONNECTION_ID",
      signal_unknown_connection },
    { "hcall.post_message_unknown_connection",
      "TLFS HvCallPostMessage: an unknown connection id returns HV_STATUS_INVALID_CONNECTION_ID",
      post_unknown_connection },
};

const struct conf_group conf_hcall_group = { checks, ARRAY_SIZE(checks) };
