/* libFuzzer target: a sequence of host DM messages through dm_handle, the
 * function the channel callback calls with each packet's copy. Input: the
 * first byte sets how far negotiation got (none, versions, ready); then
 * messages, each a little-endian u16 length and that many bytes. A fake
 * pool of pages checks what the driver does with them: never a page
 * handed out twice or freed twice, the held runs always summing to the
 * ballooned count, every reply within its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/dm/dm.h"
#include "tests/host/dm_fake_pool.h"

static void accept(struct dm_state *s, uint16_t type, uint8_t *out)
{
    struct dm_version_response r = { { type, sizeof r, s->trans_id }, DM_ACCEPTED };
    dm_handle(s, (const uint8_t *)&r, sizeof r, out, DM_MSG_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dm_state s;
    static uint8_t out[DM_MSG_MAX], msg[DM_MSG_MAX];
    if (size < 1)
        return 0;
    memset(&s, 0, sizeof s);
    dm_pool_reset();
    dm_start(&s, out, sizeof out);
    if (data[0] % 3 >= 1)
        accept(&s, DM_VERSION_RESPONSE, out);
    if (data[0] % 3 == 2)
        accept(&s, DM_CAPABILITIES_RESPONSE, out);
    size_t at = 1;
    while (at + 2 <= size) {
        size_t len = data[at] | (size_t)data[at + 1] << 8;
        at += 2;
        if (len > size - at)
            len = size - at;
        if (len > sizeof msg)
            len = sizeof msg;
        /* The message in a buffer of its own size, as the driver copies it. */
        memcpy(msg, data + at, len);
        at += len;
        size_t reply = dm_handle(&s, msg, len, out, sizeof out);
        if (reply > sizeof out)
            __builtin_trap();
        uint64_t held = 0;
        for (unsigned i = 0; i < s.n_runs; i++)
            held += s.runs[i].pages;
        if (held != s.ballooned || s.ballooned + dm_pool_free != DM_POOL_PAGES ||
            s.n_runs > DM_MAX_RANGES || dm_pool_bad_frees)
            __builtin_trap();
    }
    dm_release_all(&s);
    if (dm_pool_free != DM_POOL_PAGES || dm_pool_bad_frees)
        __builtin_trap();
    return 0;
}
