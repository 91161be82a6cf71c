/* Conformance, VMBus (the protocol as Linux drivers/hv and OpenVMM
 * vm/devices/vmbus show it; no public specification): the version the host
 * accepted, the offers, IC negotiation, host->guest signalling, and
 * MODIFYCHANNEL where the version has it. Read from the guest's own state
 * after boot (nothing here rescinds, unloads or disconnects). */
#include "kernel/tests/conformance.h"
#include "drivers/hyperv/vmbus_proto.h"
#include "lib/array_size.h"

/* The versions a guest offers (Linux vmbus_versions), newest first. */
static const uint32_t known_versions[] = {
    VMBUS_VERSION_WIN10_5_3, VMBUS_VERSION_WIN10_5_2, VMBUS_VERSION_WIN10_5_1,
    VMBUS_VERSION_WIN10_5_0, VMBUS_VERSION_WIN10_4_1, VMBUS_VERSION_WIN10,
    VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN7, VMBUS_VERSION_WS2008,
};

static bool view(const struct conf_host *h, struct conf_out *o, struct conf_vmbus *v)
{
    if (!h->vmbus_view || !h->vmbus_view(v)) {
        conf_skip(o, "no VMBus client ran");
        return false;
    }
    return true;
}

static enum conf_verdict version_accepted(const struct conf_host *h, struct conf_out *o)
{
    struct conf_vmbus v;
    if (!view(h, o, &v))
        return CONF_SKIP;
    if (!v.connected)
        return conf_fail(o, "no version accepted (not connected)");
    for (size_t i = 0; i < ARRAY_SIZE(known_versions); i++)
        if (v.version == known_versions[i])
            return CONF_PASS;
    return conf_fail(o, "connected at %u.%u, a version the guest never offered",
                     VMBUS_VERSION_MAJOR(v.version), VMBUS_VERSION_MINOR(v.version));
}

static enum conf_verdict offers_received(const struct conf_host *h, struct conf_out *o)
{
    struct conf_vmbus v;
    if (!view(h, o, &v))
        return CONF_SKIP;
    if (!v.connected)
        return conf_skip(o, "not connected");
    if (v.channels == 0)
        return conf_fail(o, "no offer before ALLOFFERS_DELIVERED");
    return CONF_PASS;
}

static enum conf_verdict ics_negotiated(const struct conf_host *h, struct conf_out *o)
{
    struct conf_vmbus v;
    if (!view(h, o, &v))
        return CONF_SKIP;
    if (v.ics == 0)
        return conf_skip(o, "no IC offered and bound");
    if (v.ics_negotiated != v.ics)
        return conf_fail(o, "%u of %u bound ICs negotiated", v.ics_negotiated, v.ics);
    return CONF_PASS;
}

static enum conf_verdict channel_interrupts(const struct conf_host *h, struct conf_out *o)
{
    struct conf_vmbus v;
    if (!view(h, o, &v))
        return CONF_SKIP;
    if (v.open_channels == 0)
        return conf_skip(o, "no open channel");
    if (v.channels_interrupted == 0)
        return conf_fail(o, "none of %u open channels took an interrupt", v.open_channels);
    return CONF_PASS;
}

static enum conf_verdict modifychannel(const struct conf_host *h, struct conf_out *o)
{
    struct conf_vmbus v;
    if (!view(h, o, &v))
        return CONF_SKIP;
    if (!v.connected)
        return conf_skip(o, "not connected");
    if (!VMBUS_VERSION_HAS_MODIFYCHANNEL(v.version))
        return conf_skip(o, "version %u.%u has no MODIFYCHANNEL (4.1+)",
                         VMBUS_VERSION_MAJOR(v.version), VMBUS_VERSION_MINOR(v.version));
    char what[96] = "";
    int rc = h->vmbus_retarget(what, sizeof what);
    if (rc == 1)
        return conf_skip(o, "%s", what);
    if (rc != 0)
        return conf_fail(o, "%s: error %d", what, rc);
    return CONF_PASS;
}

static const struct conf_check checks[] = {
    { "vmbus.version_accepted",
      "VMBus INITIATE_CONTACT: the host accepts one version the guest offered (VERSION_RESPONSE)",
      version_accepted },
    { "vmbus.offers_received",
      "VMBus REQUESTOFFERS: OFFERCHANNEL for each device, then ALLOFFERS_DELIVERED",
      offers_received },
    { "vmbus.ic_negotiated",
      "Hyper-V ICs: the host sends NEGOTIATE on each IC channel and takes the guest's versions",
      ics_negotiated },
    { "vmbus.channel_interrupts",
      "VMBus rings: the host signals the guest (SIEF bit of the relid, SINT2) when it writes a ring",
      channel_interrupts },
    { "vmbus.modifychannel",
      "VMBus MODIFYCHANNEL (4.1+): the host retargets a channel's interrupts (MODIFYCHANNEL_RESPONSE 0 from 5.3)",
      modifychannel },
};

const struct conf_group conf_vmbus_group = { checks, ARRAY_SIZE(checks) };
