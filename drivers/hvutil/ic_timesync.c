/* Time sync IC: the host sends its UTC time (100 ns units since 1601) with
 * SYNC after boot/resume and SAMPLE periodically; we hand it to the kernel's
 * wall clock hook. Message version 4.0 has a different body (with the VM
 * reference time) from older ones. The host's packet is echoed back. */
#include <string.h>
#include "drivers/hvutil/ic_common.h"
#include "drivers/hvutil/hvutil.h"
#include "kernel/log.h"

static const struct ic_version timesync_versions[] = { { 4, 0 }, { 3, 0 }, { 1, 0 } };

static uint32_t timesync_handle(struct ic_channel_state *st, uint8_t *body, size_t len)
{
    /* Copy the body of the negotiated version, then read it. */
    union {
        struct ic_timesync_ref_msg ref;  /* 4.0 */
        struct ic_timesync_msg old;
    } m;
    bool ref = st->msg.major >= 4;
    size_t need = ref ? sizeof m.ref : sizeof m.old;
    if (len < need)
        goto bad;
    memcpy(&m, body, need);
    uint64_t parenttime = ref ? m.ref.parenttime : m.old.parenttime;
    uint8_t flags = ref ? m.ref.flags : m.old.flags;
    /* The host stamped a 4.0 sample at reference time vmreferencetime;
     * add what has passed since, as Linux adj_guesttime
     * (drivers/hv/hv_util.c) and FreeBSD vmbus_timesync do. */
    uint64_t now;
    if (ref && hvutil_hook_ref_time_100ns(&now) && now >= m.ref.vmreferencetime &&
        now - m.ref.vmreferencetime <= UINT64_MAX - parenttime)
        parenttime += now - m.ref.vmreferencetime;
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

struct ic_service ic_timesync_service =
    IC_SERVICE("timesync", VMBUS_CLASS_TIMESYNC, IC_MSGTYPE_TIMESYNC, timesync_versions,
               timesync_handle, NULL);
