/* libFuzzer target: IC (util) packets as the host sends them -- framework
 * negotiation and the heartbeat/shutdown/timesync bodies -- through the
 * same in-place handler the channel callback uses. The first input byte
 * picks the service and whether negotiation already chose version 4.0 or 3.0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/hvutil/ic_common.h"
#include "drivers/hvutil/hvutil.h"

void hvutil_hook_shutdown(void) {}
void hvutil_hook_set_wall_clock(uint64_t ns, int sync) { (void)ns; (void)sync; }
bool hvutil_hook_ref_time_100ns(uint64_t *now) { *now = 0; return false; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ic_channel_state st;
    struct ic_service *svcs[] = { &ic_heartbeat_service, &ic_shutdown_service,
                                  &ic_timesync_service };
    if (size < 1)
        return 0;
    memset(&st, 0, sizeof st);
    st.svc = svcs[data[0] % 3];
    st.msg.major = (data[0] & 4) ? 4 : 3;
    size_t len = size - 1;
    if (len > sizeof st.buf)
        len = sizeof st.buf;
    /* The packet sits at the end of a buffer of its own size, like the
     * payload of a ring packet; cap says how much room a reply may use. */
    size_t cap = len + (data[0] >> 4) * 8;
    if (cap > sizeof st.buf)
        cap = sizeof st.buf;
    memcpy(st.buf, data + 1, len);
    size_t reply = ic_handle_payload(&st, st.buf, len, cap);
    if (reply > cap)
        __builtin_trap();
    return 0;
}
