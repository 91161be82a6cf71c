/* hvsim.host / hvsim.channels / hvsim.relids / hvsim.faults parsing. Pure
 * string handling: no state, safe to call before anything else. */
#include <string.h>
#include "drivers/hvsim/vmbus_host.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"

void vmbus_host_default_config(struct vmbus_host_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->personality = VMBUS_HOST_HYPERV;
    cfg->relids = VMBUS_HOST_RELIDS_DENSE;
    cfg->nr_vps = 1;
    cfg->faults.seed = 1;
    cfg->dm.status = -1;
    cfg->dm.post_init_ms = VMBUS_HOST_DM_POST_INIT_MS;
}

/* Errors accumulate, "; "-separated, so one bad option does not hide the
 * next one. */
static void add_err(char *err, size_t n, const char *a, const char *b, const char *c)
{
    if (!err || n == 0)
        return;
    size_t at = strlen(err);
    at = fmt_str(err, n, at, at ? "; " : "");
    at = fmt_str(err, n, at, a);
    at = fmt_str(err, n, at, b);
    fmt_str(err, n, at, c);
}

/* A number in [s, end), in the kernel command line's syntax (decimal or
 * 0x hex, k/m/g suffix): the one parser of lib/cmdline.c. */
static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
    return cmdline_parse_u64_span(s, (size_t)(end - s), out);
}

static bool word_is(const char *s, const char *end, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - s) == n && memcmp(s, w, n) == 0;
}

/* "1/N" or "N" -> N (32-bit). */
static bool parse_ratio(const char *s, const char *end, uint32_t *out)
{
    uint64_t v;
    if (end - s > 2 && s[0] == '1' && s[1] == '/')
        s += 2;
    if (!parse_u64(s, end, &v) || v > 0xffffffffu)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_host(struct vmbus_host_config *cfg, const char *host, char *err, size_t n)
{
    const char *end = host + strlen(host);
    const char *colon = memchr(host, ':', (size_t)(end - host));
    const char *name_end = colon ? colon : end;
    if (word_is(host, name_end, "hyperv"))
        cfg->personality = VMBUS_HOST_HYPERV;
    else if (word_is(host, name_end, "qemu"))
        cfg->personality = VMBUS_HOST_QEMU;
    else {
        add_err(err, n, "hvsim.host: '", host, "' is not hyperv or qemu");
        return -1;
    }
    cfg->max_version = 0;
    if (colon) {
        const char *dot = memchr(colon + 1, '.', (size_t)(end - colon - 1));
        uint64_t maj, min;
        if (!dot || !parse_u64(colon + 1, dot, &maj) || !parse_u64(dot + 1, end, &min) ||
            maj > 0xffff || min > 0xffff || (maj == 0 && min == 0)) {
            add_err(err, n, "hvsim.host: '", host,
                    "': version must be <major>.<minor>, e.g. hyperv:4.1");
            return -1;
        }
        cfg->max_version = VMBUS_VERSION(maj, min);
    }
    return 0;
}

/* Every item is parsed; a bad one is reported and skipped, the rest apply. */
static int parse_faults(struct vmbus_host_faults *f, const char *s, char *err, size_t n)
{
    int bad = 0;
    memset(f, 0, sizeof *f);
    f->seed = 1;
    while (*s) {
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        const char *kend = eq ? eq : end;
        const char *v = eq ? eq + 1 : end;
        uint64_t num = 0;
        bool ok = true;
        char item[48];
        size_t il = (size_t)(end - s) < sizeof item - 1 ? (size_t)(end - s) : sizeof item - 1;
        memcpy(item, s, il);
        item[il] = 0;

        if (s == end) {
            /* empty item (",,"): ignore */
        } else if (word_is(s, kend, "drop_irq") && eq) {
            ok = parse_ratio(v, end, &f->drop_irq);
        } else if (word_is(s, kend, "dup_irq") && eq) {
            ok = parse_ratio(v, end, &f->dup_irq);
        } else if (word_is(s, kend, "delay_irq") && eq) {
            ok = parse_ratio(v, end, &f->delay_irq);
        } else if (word_is(s, kend, "rescind_at") && eq) {
            ok = parse_u64(v, end, &num) && num > 0 && num <= 0xffffffffu;
            if (ok)
                f->rescind_at = (uint32_t)num;
        } else if (word_is(s, kend, "retarget_lag") && eq) {
            ok = parse_u64(v, end, &num) && num <= 0xffffffffu;
            if (ok)
                f->retarget_lag = (uint32_t)num;
        } else if (word_is(s, kend, "seed") && eq) {
            ok = parse_u64(v, end, &f->seed);
        } else if (!eq && word_is(s, end, "spurious_bits")) {
            f->spurious_bits = true;
        } else if (!eq && word_is(s, end, "bad_msg")) {
            f->bad_msg = true;
        } else if (word_is(s, kend, "bad_ring") || word_is(s, kend, "bad_pkt")) {
            /* =<relid>: corrupt one channel, so the others show they still work */
            if (eq) {
                ok = parse_u64(v, end, &num) && num > 0 && num < VMBUS_MAX_RELIDS;
                if (ok)
                    f->bad_relid = (uint32_t)num;
            }
            if (ok && word_is(s, kend, "bad_ring"))
                f->bad_ring = true;
            else if (ok)
                f->bad_pkt = true;
        } else if (!eq && word_is(s, end, "mute")) {
            f->mute = true;
        } else if (!eq && word_is(s, end, "bad_state")) {
            f->bad_state = true;
        } else {
            add_err(err, n, "hvsim.faults: unknown item '", item,
                    "' (drop_irq=1/N dup_irq=1/N delay_irq=1/N spurious_bits "
                    "rescind_at=<n> bad_msg bad_ring[=<relid>] bad_pkt[=<relid>] mute bad_state retarget_lag=<n> seed=<n>)");
            bad = -1;
        }
        if (!ok) {
            add_err(err, n, "hvsim.faults: bad value in '", item,
                    "' (expected 1/N or N; rescind_at=<n> with n >= 1; bad_ring/bad_pkt=<relid> 1..2047)");
            bad = -1;
        }
        s = *end ? end + 1 : end;
    }
    return bad;
}

int vmbus_host_parse_dm(struct vmbus_host_config *cfg, const char *s, char *err, size_t n)
{
    int rc = 0;
    while (s && *s) {
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        uint64_t ms;
        if (word_is(s, end, "on") || word_is(s, end, "off"))
            cfg->dm.on = s[1] == 'n';
        else if (word_is(s, end, "status") || word_is(s, end, "nostatus"))
            cfg->dm.status = s[0] == 's';
        else if (end - s > 5 && memcmp(s, "wait=", 5) == 0 && parse_u64(s + 5, end, &ms) &&
                 ms <= 0xffffffffu)
            cfg->dm.post_init_ms = (uint32_t)ms;
        else if (s != end) {
            add_err(err, n, "hvsim.dm: '", s, "': items are on, off, status, nostatus, wait=<ms>");
            rc = -1;
            break;
        }
        s = *end ? end + 1 : end;
    }
    return rc;
}

/* Each option is parsed on its own: a bad one keeps its default and is
 * reported, the good ones still apply, and every error is named. */
int vmbus_host_parse_options(struct vmbus_host_config *cfg, const char *host,
                             const char *channels, const char *relids,
                             const char *faults, char *err, size_t errlen)
{
    int rc = 0;
    if (err && errlen)
        err[0] = 0;
    if (host && *host && parse_host(cfg, host, err, errlen))
        rc = -1;
    if (channels && *channels) {
        uint64_t v;
        if (!parse_u64(channels, channels + strlen(channels), &v) ||
            v > VMBUS_HOST_MAX_EXTRA_CHANNELS) {
            add_err(err, errlen, "hvsim.channels: '", channels,
                    "' must be 0..2043 (extra channels besides the 4 built-in ones; "
                    "relids are 1..2047)");
            rc = -1;
        } else {
            cfg->extra_channels = (uint32_t)v;
        }
    }
    if (relids && *relids) {
        const char *end = relids + strlen(relids);
        uint64_t seed;
        if (strcmp(relids, "dense") == 0) {
            cfg->relids = VMBUS_HOST_RELIDS_DENSE;
        } else if (strcmp(relids, "sparse") == 0) {
            cfg->relids = VMBUS_HOST_RELIDS_SPARSE;
        } else if (strncmp(relids, "random:", 7) == 0 && parse_u64(relids + 7, end, &seed)) {
            cfg->relids = VMBUS_HOST_RELIDS_RANDOM;
            cfg->relid_seed = seed;
        } else {
            add_err(err, errlen, "hvsim.relids: '", relids,
                    "' is not dense, sparse or random:<seed>");
            rc = -1;
        }
    }
    if (faults && parse_faults(&cfg->faults, faults, err, errlen))
        rc = -1;
    return rc;
}
