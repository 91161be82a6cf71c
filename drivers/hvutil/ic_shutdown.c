/* Shutdown IC: the host asks for a shutdown (flags 0/1) or a reboot or
 * hibernate (2/4, |1 forced). We accept shutdown, answer S_OK first and
 * then call hvutil_hook_shutdown(); reboot and hibernate are refused (E_FAIL)
 * because sinter has no hook for them. */
#include <string.h>
#include "drivers/hvutil/ic_common.h"
#include "drivers/hvutil/hvutil.h"
#include "kernel/log.h"

static const struct ic_version shutdown_versions[] = {
    { 3, 2 }, { 3, 1 }, { 3, 0 }, { 1, 0 },
};

static bool shutdown_requested;

static uint32_t shutdown_handle(struct ic_channel_state *st, uint8_t *body, size_t len)
{
    struct ic_shutdown_msg m;
    if (len < IC_SHUTDOWN_MIN_LEN) {
        REFUSE(&st->refused, "hvutil", "shutdown: body of %u bytes (need %u)",
               (unsigned)len, IC_SHUTDOWN_MIN_LEN);
        return IC_STATUS_FAIL;
    }
    memcpy(&m, body, IC_SHUTDOWN_MIN_LEN);
    /* Linux shutdown_onchannelcallback (drivers/hv/hv_util.c) acts on the
     * exact values 0/1 (shutdown), 2/3 (reboot), 4/5 (hibernate), bit 0 being
     * "forced", and answers HV_E_FAIL to anything else. */
    if (m.flags > (IC_SHUTDOWN_FLAG_HIBERNATE | IC_SHUTDOWN_FLAG_FORCED)) {
        REFUSE(&st->refused, "hvutil", "shutdown: unknown request flags 0x%x", m.flags);
        return IC_STATUS_FAIL;
    }
    if (m.flags & (IC_SHUTDOWN_FLAG_REBOOT | IC_SHUTDOWN_FLAG_HIBERNATE)) {
        log_warn("hvutil", "shutdown IC: %s request (flags 0x%x) refused",
                 (m.flags & IC_SHUTDOWN_FLAG_REBOOT) ? "reboot" : "hibernate", m.flags);
        return IC_STATUS_FAIL;
    }
    log_info("hvutil", "shutdown requested by host (reason 0x%x, flags 0x%x)",
             m.reason_code, m.flags);
    shutdown_requested = true;
    return IC_STATUS_OK;
}

static void shutdown_after_reply(struct ic_channel_state *st)
{
    (void)st;
    if (shutdown_requested) {
        shutdown_requested = false;
        hvutil_hook_shutdown();
    }
}

struct ic_service ic_shutdown_service =
    IC_SERVICE("shutdown", VMBUS_CLASS_SHUTDOWN, IC_MSGTYPE_SHUTDOWN, shutdown_versions,
               shutdown_handle, shutdown_after_reply);
