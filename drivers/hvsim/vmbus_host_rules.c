/* The rules a guest must keep, as the model checks them, each with the real
 * host whose behaviour it follows. A broken rule is counted per rule and in
 * all, and logged with its name and source at a rate limit; the host then
 * does what that real host does (ignore, refuse, answer with a failure).
 * Under hvsim.strict=1 (the default when in-kernel tests run) the kernel
 * glue fails the running test for every violation it did not expect
 * (hvsim_kernel.c, through the ktest post-check). */
#include "drivers/hvsim/vmbus_host_internal.h"
#include "kernel/log.h"
#include "lib/array_size.h"

static const struct vmbus_host_rule_info rules[VMBUS_HOST_RULE_COUNT] = {
    [VMBUS_HOST_RULE_POST] = { "post",
        "a channel message is SynIC type 1, 8..240 bytes, VMBus type 1..17",
        "QEMU hw/hyperv/vmbus.c vmbus_recv_message" },
    [VMBUS_HOST_RULE_SHORT] = { "short",
        "a channel message is at least as long as its struct",
        "QEMU hw/hyperv/vmbus.c handle_* (msglen < sizeof); OpenVMM vmbus_core protocol.rs parse" },
    [VMBUS_HOST_RULE_TYPE] = { "type",
        "a guest sends only guest-to-host message types",
        "OpenVMM vmbus_server channels.rs handle_synic_message" },
    [VMBUS_HOST_RULE_STATE] = { "state",
        "no channel message but INITIATE_CONTACT before a version is agreed",
        "QEMU hw/hyperv/vmbus.c vmbus_initialized checks; OpenVMM channels.rs" },
    [VMBUS_HOST_RULE_CONTACT] = { "contact",
        "INITIATE_CONTACT names a VP of the partition, SINT 2 (5.x) and both "
        "monitor pages or none",
        "OpenVMM vmbus_server channels.rs handle_initiate_contact / initiate_contact" },
    [VMBUS_HOST_RULE_REQUESTOFFERS] = { "requestoffers",
        "REQUESTOFFERS once per connection",
        "OpenVMM vmbus_server channels.rs handle_request_offers" },
    [VMBUS_HOST_RULE_GPADL] = { "gpadl",
        "a GPADL has a fresh handle, one page-aligned range of guest RAM, bodies "
        "only while it is built, one teardown",
        "QEMU hw/hyperv/vmbus.c handle_gpadl_header/body/teardown; OpenVMM channels.rs" },
    [VMBUS_HOST_RULE_OPEN] = { "open",
        "OPENCHANNEL of an offered, closed channel over a created GPADL of that "
        "channel, rings of at least two pages, a VP of the partition",
        "QEMU hw/hyperv/vmbus.c handle_open_channel; OpenVMM channels.rs handle_open_channel" },
    [VMBUS_HOST_RULE_CLOSE] = { "close",
        "CLOSECHANNEL only of an open channel",
        "OpenVMM vmbus_server channels.rs handle_close_channel" },
    [VMBUS_HOST_RULE_RELEASE] = { "release",
        "RELID_RELEASED only for a rescinded relid",
        "OpenVMM vmbus_server channels.rs handle_rel_id_released" },
    [VMBUS_HOST_RULE_MODIFY] = { "modify",
        "MODIFYCHANNEL from 4.1, of an open channel, to a VP of the partition",
        "OpenVMM vmbus_server channels.rs handle_modify_channel" },
    [VMBUS_HOST_RULE_UNLOAD] = { "unload",
        "UNLOAD only while connected",
        "OpenVMM vmbus_server channels.rs handle_unload" },
    [VMBUS_HOST_RULE_RING] = { "ring",
        "ring indices in range and 8-byte aligned, sane descriptors, packet types "
        "DATA_INBAND, DATA_USING_GPA_DIRECT or COMP, flags only completion-requested",
        "QEMU hw/hyperv/vmbus.c vmbus_channel_recv_*; Linux drivers/hv/ring_buffer.c" },
    [VMBUS_HOST_RULE_SIGNAL] = { "signal",
        "a guest signals only when its outbound ring went non-empty or it gave "
        "the host the room it waited for",
        "Linux drivers/hv/ring_buffer.c hv_signal_on_write (Hyper-V throttles needless signals)" },
    [VMBUS_HOST_RULE_IC] = { "ic",
        "an IC reply is in-band data with TRANSACTION|RESPONSE, the request's "
        "transaction id and versions the host offered",
        "OpenVMM vm/devices/hyperv_ic" },
    [VMBUS_HOST_RULE_DM] = { "dm",
        "a DM message is in-band, of a guest type, as long as its struct and sent in "
        "the state that expects it; a balloon response's ranges fit the message, are "
        "guest RAM, new and no more than asked for",
        "QEMU hw/hyperv/hv-balloon.c hv_balloon_handle_packet and its handlers" },
};

const struct vmbus_host_rule_info *vmbus_host_rule(enum vmbus_host_rule r)
{
    return (unsigned)r < ARRAY_SIZE(rules) ? &rules[r] : NULL;
}

void vh_violation(enum vmbus_host_rule r, const char *what, uint64_t value)
{
    if ((unsigned)r >= ARRAY_SIZE(rules))
        r = VMBUS_HOST_RULE_TYPE;
    vh.st.bad_guest_msgs++;
    vh.st.violations++;
    vh.st.rule_hits[r]++;
    uint64_t n = vh.st.rule_hits[r];
    if (n <= REFUSE_LOG_FIRST || (n & (REFUSE_LOG_EVERY - 1)) == 0)
        log_warn(VH_SUB, "host: guest broke rule '%s' (%s): %s (%llu); source: %s "
                 "[%llu times]", rules[r].name, rules[r].what, what,
                 (unsigned long long)value, rules[r].source, (unsigned long long)n);
}

uint64_t vmbus_host_violations(void)
{
    return __atomic_load_n(&vh.st.violations, __ATOMIC_RELAXED);
}
