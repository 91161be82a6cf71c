/* Conformance, VMBus (the protocol as Linux drivers/hv and OpenVMM
 * vm/devices/vmbus show it; it has no public specification): the version
 * the host accepted, the offers, IC negotiation, host->guest signalling,
 * MODIFYCHANNEL where the version has it. Read from the guest's state after
 * boot; nothing here rescinds, unloads or disconnects. One function, the
 * check in arg (the image has a size budget). */
#include "kernel/tests/conformance.h"
#include "drivers/hyperv/vmbus_proto.h"
#include "lib/array_size.h"

enum { VERSION, OFFERS, ICS, INTERRUPTS, MODIFY };

/* The versions a guest offers (Linux vmbus_versions). */
static const uint32_t known_versions[] = {
    VMBUS_VERSION_WIN10_5_3, VMBUS_VERSION_WIN10_5_2, VMBUS_VERSION_WIN10_5_1,
    VMBUS_VERSION_WIN10_5_0, VMBUS_VERSION_WIN10_4_1, VMBUS_VERSION_WIN10,
    VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN7, VMBUS_VERSION_WS2008,
};

static enum conf_verdict vmbus_check(const struct conf_host *h, unsigned what, struct conf_out *o)
{
    struct conf_vmbus v;
    if (!h->vmbus_view || !h->vmbus_view(&v))
        return conf_skip(o, "no VMBus client ran");
    if (!v.connected)
        return what == VERSION ? conf_fail(o, "not connected") : conf_skip(o, "not connected");
    unsigned maj = VMBUS_VERSION_MAJOR(v.version), min = VMBUS_VERSION_MINOR(v.version);
    char why[96] = "";
    int rc;
    switch (what) {
    case VERSION:
        for (size_t i = 0; i < ARRAY_SIZE(known_versions); i++)
            if (v.version == known_versions[i])
                return CONF_PASS;
        return conf_fail(o, "%u.%u, never offered", maj, min);
    case OFFERS:
        return v.channels ? CONF_PASS : conf_fail(o, "no offer");
    case ICS:
        if (!v.ics)
            return conf_skip(o, "no IC bound");
        return v.ics_negotiated == v.ics ? CONF_PASS
                                         : conf_fail(o, "%u of %u", v.ics_negotiated, v.ics);
    case INTERRUPTS:
        if (!v.open_channels)
            return conf_skip(o, "no open channel");
        return v.channels_interrupted ? CONF_PASS
                                      : conf_fail(o, "none of %u open channels", v.open_channels);
    default:
        if (!VMBUS_VERSION_HAS_MODIFYCHANNEL(v.version))
            return conf_skip(o, "version %u.%u has no MODIFYCHANNEL (4.1+)", maj, min);
        rc = h->vmbus_retarget(why, sizeof why);
        if (rc == 1)
            return conf_skip(o, "%s", why);
        return rc ? conf_fail(o, "%s: error %d", why, rc) : CONF_PASS;
    }
}

CONF_GROUP(vmbus,
    CONF_CHECK("vmbus.version_accepted", "VMBus INITIATE_CONTACT: an offered version accepted", vmbus_check, VERSION),
    CONF_CHECK("vmbus.offers_received", "VMBus REQUESTOFFERS: offers, ALLOFFERS_DELIVERED", vmbus_check, OFFERS),
    CONF_CHECK("vmbus.ic_negotiated", "Hyper-V ICs: each bound IC negotiated", vmbus_check, ICS),
    CONF_CHECK("vmbus.channel_interrupts", "VMBus rings: the host signals the guest", vmbus_check, INTERRUPTS),
    CONF_CHECK("vmbus.modifychannel", "VMBus MODIFYCHANNEL (4.1+): retarget answered", vmbus_check, MODIFY));
