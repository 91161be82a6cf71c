/* Names of the VMBus device classes in vmbus_proto.h, for logs and the
 * status page. A table of the wire's names, not behaviour. */
#include <string.h>
#include "drivers/hyperv/vmbus_proto.h"
#include "lib/array_size.h"

static const struct {
    struct vmbus_guid guid;
    const char *name;
} classes[] = {
    { VMBUS_CLASS_HEARTBEAT, "heartbeat" },
    { VMBUS_CLASS_SHUTDOWN, "shutdown" },
    { VMBUS_CLASS_TIMESYNC, "timesync" },
    { VMBUS_CLASS_KVP, "kvp" },
    { VMBUS_CLASS_VSS, "vss" },
    { VMBUS_CLASS_KEYBOARD, "keyboard" },
    { VMBUS_CLASS_MOUSE, "mouse" },
    { VMBUS_CLASS_VIDEO, "video" },
    { VMBUS_CLASS_SCSI, "scsi" },
    { VMBUS_CLASS_NETWORK, "network" },
    { VMBUS_CLASS_BALLOON, "dynamic-memory" },
    { VMBUS_CLASS_SINTER_ECHO, "sinter-echo" },
};

const char *vmbus_class_name(const struct vmbus_guid *g)
{
    for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
        if (memcmp(classes[i].guid.b, g->b, sizeof g->b) == 0)
            return classes[i].name;
    return "unknown";
}
