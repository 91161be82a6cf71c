/* Conformance, time (TLFS "Timers"): the reference TSC page is the same
 * clock as TIME_REF_COUNT, and synthetic timer 0 expires once, never before
 * its COUNT, in direct mode and in message mode. */
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hyperv/tlfs.h"

/* Page minus MSR, in 100 ns units: the page may lead by rounding (a host
 * may round the offset up so the page never reads earlier than the MSR;
 * the model leads by 2) and trails by truncation; two clocks running at
 * different rates drift past this within the loop. */
#define PAGE_BEHIND_MAX 1u
#define PAGE_AHEAD_MAX 3u
#define PAGE_ROUNDS 500

static enum conf_verdict ref_tsc_page(const struct conf_host *h, unsigned arg, struct conf_out *o)
{
    (void)arg;
    struct hv_info info;
    conf_read_info(h, &info);
    if (!info.features_valid || !info.has_ref_tsc || !info.has_time_ref_count)
        return conf_skip(o, "not offered");
    uint64_t a, b, c;
    if (!h->ref_time_page(&b))
        return conf_skip(o, "page invalid (sequence 0)");
    for (int i = 0; i < PAGE_ROUNDS; i++) {
        if (h->rdmsr(HV_X64_MSR_TIME_REF_COUNT, &a) != 0 || !h->ref_time_page(&b) ||
            h->rdmsr(HV_X64_MSR_TIME_REF_COUNT, &c) != 0)
            return conf_fail(o, "read failed");
        if (b + PAGE_BEHIND_MAX < a || b > c + PAGE_AHEAD_MAX)
            return conf_fail(o, "MSR %llu, page %llu, MSR %llu", (unsigned long long)a,
                             (unsigned long long)b, (unsigned long long)c);
    }
    return CONF_PASS;
}

#define ONESHOT_NS 20000000ull   /* 2 ticks at 100 Hz */

static enum conf_verdict oneshot(const struct conf_host *h, unsigned mode, struct conf_out *o)
{
    struct hv_info info;
    conf_read_info(h, &info);
    if (!info.features_valid || !info.has_stimer || !info.has_time_ref_count)
        return conf_skip(o, "not offered");
    if (mode == CONF_STIMER_DIRECT && !info.has_stimer_direct)
        return conf_skip(o, "direct mode not offered");
    struct conf_stimer_run r = { 0 };
    if (h->stimer_oneshot((enum conf_stimer_mode)mode, ONESHOT_NS, &r) != 0)
        return conf_skip(o, "mode unusable");
    if (!r.fired)
        return conf_fail(o, "no expiry");
    if (r.callbacks != 1)
        return conf_fail(o, "%u expiries", r.callbacks);
    /* The guest takes "now" from the page, which may trail the MSR by
     * PAGE_BEHIND_MAX: its COUNT is at least armed_ref + ns/100 - that. */
    if (r.fired_ref + PAGE_BEHIND_MAX < r.armed_ref + ONESHOT_NS / 100)
        return conf_fail(o, "expired at %llu, due %llu",
                         (unsigned long long)r.fired_ref,
                         (unsigned long long)(r.armed_ref + ONESHOT_NS / 100));
    return CONF_PASS;
}

CONF_GROUP(time,
    CONF_CHECK("time.ref_tsc_page_matches_ref_count", "TLFS Reference TSC Page: same clock as TIME_REF_COUNT", ref_tsc_page, 0),
    CONF_CHECK("stimer.oneshot_direct_mode", "TLFS Synthetic Timers: direct one-shot fires once, not early", oneshot, CONF_STIMER_DIRECT),
    CONF_CHECK("stimer.oneshot_message_mode", "TLFS Synthetic Timers: message one-shot fires once, not early", oneshot, CONF_STIMER_MESSAGE));
