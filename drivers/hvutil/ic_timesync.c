/* Time sync IC: the host sends its UTC time (100 ns units since 1601) with
 * SYNC after boot/resume and SAMPLE periodically; we hand it to the kernel's
 * wall clock hook. Message version 4.0 has a different body (with the VM
 * reference time) from older ones. The host's packet is echoed back. */
#include <string.h>
#include "drivers/hvutil/ic_common.h"
#include "drivers/hvutil/hvutil.h"
#include "kernel/log.h"
#include "lib/array_size.h"

static const struct ic_version timesync_versions[] = { { 4, 0 }, { 3, 0 }, { 1, 0 } };

static uint32_t timesync_handle(struct ic_channel_state *st, uint8_t *body, size_t len)
{
    uint64_t parenttime;
    uint8_t flags;
    if (st->msg.major >= 4) {
        struct ic_timesync_ref_msg m;
        if (len < sizeof m)
            goto bad;
        memcpy(&m, body, sizeof m);
        parenttime = m.parenttime;
        flags = m.flags;
        /* The host stamped the sample at reference time vmreferencetime;
         * add what has passed since, as Linux adj_guesttime
         * (drivers/hv/hv_util.c) and FreeBSD vmbus_timesync do. */
        uint64_t now;
        if (hvutil_hook_ref_time_100ns(&now) && now >= m.vmreferencetime &&
            now - m.vmreferencetime <= UINT64_MAX - parenttime)
            parenttime += now - m.vmreferencetime;
    } else {
        struct ic_timesync_msg m;
        if (len < sizeof m)
            goto bad;
        memcpy(&m, body, sizeof m);
        parenttime = m.parenttime;
        flags = m.flags;
    }
    /* SYNC and SAMPLE are bits: Linux adj_guesttime (drivers/hv/hv_util.c)
     * tests flags & ICTIMESYNCFLAG_SYNC, FreeBSD vmbus_timesync tests
     * VMBUS_ICMSG_TS_FLAG_SYNC / _SAMPLE the same way; SYNC wins. */
    bool sync = (flags & IC_TIMESYNC_FLAG_SYNC) != 0;
    if (!sync && !(flags & IC_TIMESYNC_FLAG_SAMPLE))
        return IC_STATUS_OK;  /* PROBE: nothing to set */
    if (parenttime < IC_TIMESYNC_UNIX_EPOCH_100NS ||
        parenttime - IC_TIMESYNC_UNIX_EPOCH_100NS > UINT64_MAX / 100) {
        REFUSE(&st->refused, "hvutil", "timesync: host time %llu out of range",
               (unsigned long long)parenttime);
        return IC_STATUS_FAIL;
    }
    uint64_t unix_ns = (parenttime - IC_TIMESYNC_UNIX_EPOCH_100NS) * 100;
    tracef(TRACE_VMBUS, "hvutil", "timesync %s: %llu ns since 1970",
           sync ? "sync" : "sample", (unsigned long long)unix_ns);
    hvutil_hook_set_wall_clock(unix_ns, sync);
    return IC_STATUS_OK;
bad:
    REFUSE(&st->refused, "hvutil", "timesync %u.%u: body of %u bytes too short",
           st->msg.major, st->msg.minor, (unsigned)len);
    return IC_STATUS_FAIL;
}

struct ic_service ic_timesync_service = {
    .drv = { .name = "timesync", .class_id = VMBUS_CLASS_TIMESYNC,
             .probe = ic_probe, .remove = ic_remove },
    .msgtype = IC_MSGTYPE_TIMESYNC,
    .fw_versions = ic_fw_versions, .n_fw = ARRAY_SIZE(ic_fw_versions),
    .msg_versions = timesync_versions, .n_msg = ARRAY_SIZE(timesync_versions),
    .handle = timesync_handle,
};
