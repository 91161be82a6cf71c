/* Heartbeat IC: the host sends a sequence number about every 2 s; a guest
 * that answers with sequence + 1 is "OK" in Hyper-V Manager. */
#include <stdatomic.h>
#include <string.h>
#include "drivers/hvutil/ic_common.h"
#include "drivers/hvutil/hvutil.h"
#include "kernel/log.h"

static const struct ic_version heartbeat_versions[] = { { 3, 0 }, { 1, 0 } };
static atomic_ulong answered;   /* heartbeats answered, for the status page */

unsigned long hvutil_heartbeats_answered(void)
{
    return atomic_load(&answered);
}

static uint32_t heartbeat_handle(struct ic_channel_state *st, uint8_t *body, size_t len)
{
    struct ic_heartbeat_msg m;
    if (len < sizeof m.seq_num) {
        REFUSE(&st->refused, "hvutil", "heartbeat: body of %u bytes (need %u)",
               (unsigned)len, (unsigned)sizeof m.seq_num);
        return IC_STATUS_FAIL;
    }
    memcpy(&m.seq_num, body, sizeof m.seq_num);
    m.seq_num += 1;
    memcpy(body, &m.seq_num, sizeof m.seq_num);
    atomic_fetch_add(&answered, 1);
    return IC_STATUS_OK;
}

struct ic_service ic_heartbeat_service =
    IC_SERVICE("heartbeat", VMBUS_CLASS_HEARTBEAT, IC_MSGTYPE_HEARTBEAT, heartbeat_versions,
               heartbeat_handle, NULL);
