/* hvsim.host / hvsim.channels / hvsim.relids / hvsim.faults parsing. Pure
 * string handling: no state, safe to call before anything else. */
#include <string.h>
#include "drivers/hvsim/vmbus_host.h"

void vmbus_host_default_config(struct vmbus_host_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->personality = VMBUS_HOST_HYPERV;
    cfg->relids = VMBUS_HOST_RELIDS_DENSE;
    cfg->nr_vps = 1;
    cfg->faults.seed = 1;
}

static void set_err(char *err, size_t n, const char *a, const char *b, const char *c)
{
    if (!err || n == 0)
        return;
    size_t o = 0;
    const char *parts[3] = { a, b, c };
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; p && *p && o + 1 < n; p++)
            err[o++] = *p;
    err[o] = 0;
}

/* Decimal u64 from [s, end); false on empty, junk or overflow. */
static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    if (s == end)
        return false;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
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
        set_err(err, n, "hvsim.host: '", host, "' is not hyperv or qemu");
        return -1;
    }
    cfg->max_version = 0;
    if (colon) {
        const char *dot = memchr(colon + 1, '.', (size_t)(end - colon - 1));
        uint64_t maj, min;
        if (!dot || !parse_u64(colon + 1, dot, &maj) || !parse_u64(dot + 1, end, &min) ||
            maj > 0xffff || min > 0xffff || (maj == 0 && min == 0)) {
            set_err(err, n, "hvsim.host: '", host,
                    "': version must be <major>.<minor>, e.g. hyperv:4.1");
            return -1;
        }
        cfg->max_version = VMBUS_VERSION(maj, min);
    }
    return 0;
}

static int parse_faults(struct vmbus_host_faults *f, const char *s, char *err, size_t n)
{
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
            f->rescind_at = (uint32_t)num;
        } else if (word_is(s, kend, "seed") && eq) {
            ok = parse_u64(v, end, &f->seed);
        } else if (!eq && word_is(s, end, "spurious_bits")) {
            f->spurious_bits = true;
        } else if (!eq && word_is(s, end, "bad_msg")) {
            f->bad_msg = true;
        } else if (word_is(s, kend, "bad_ring") || word_is(s, kend, "bad_pkt")) {
            if (word_is(s, kend, "bad_ring"))
                f->bad_ring = true;
            else
                f->bad_pkt = true;
            /* =<relid>: corrupt one channel, so the others show they still work */
            if (eq) {
                ok = parse_u64(v, end, &num) && num > 0 && num < VMBUS_MAX_RELIDS;
                f->bad_relid = (uint32_t)num;
            }
        } else if (!eq && word_is(s, end, "mute")) {
            f->mute = true;
        } else {
            set_err(err, n, "hvsim.faults: unknown item '", item,
                    "' (drop_irq=1/N dup_irq=1/N delay_irq=1/N spurious_bits "
                    "rescind_at=<n> bad_msg bad_ring[=<relid>] bad_pkt[=<relid>] mute seed=<n>)");
            return -1;
        }
        if (!ok) {
            set_err(err, n, "hvsim.faults: bad value in '", item,
                    "' (expected 1/N or N; rescind_at=<n> with n >= 1; bad_ring/bad_pkt=<relid> 1..2047)");
            return -1;
        }
        s = *end ? end + 1 : end;
    }
    return 0;
}

int vmbus_host_parse_options(struct vmbus_host_config *cfg, const char *host,
                             const char *channels, const char *relids,
                             const char *faults, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (host && *host && parse_host(cfg, host, err, errlen))
        return -1;
    if (channels && *channels) {
        uint64_t v;
        if (!parse_u64(channels, channels + strlen(channels), &v) ||
            v > VMBUS_HOST_MAX_EXTRA_CHANNELS) {
            set_err(err, errlen, "hvsim.channels: '", channels,
                    "' must be 0..2043 (extra channels besides the 4 built-in ones; "
                    "relids are 1..2047)");
            return -1;
        }
        cfg->extra_channels = (uint32_t)v;
    }
    if (relids && *relids) {
        const char *end = relids + strlen(relids);
        if (strcmp(relids, "dense") == 0) {
            cfg->relids = VMBUS_HOST_RELIDS_DENSE;
        } else if (strcmp(relids, "sparse") == 0) {
            cfg->relids = VMBUS_HOST_RELIDS_SPARSE;
        } else if (strncmp(relids, "random:", 7) == 0 &&
                   parse_u64(relids + 7, end, &cfg->relid_seed)) {
            cfg->relids = VMBUS_HOST_RELIDS_RANDOM;
        } else {
            set_err(err, errlen, "hvsim.relids: '", relids,
                    "' is not dense, sparse or random:<seed>");
            return -1;
        }
    }
    if (faults && parse_faults(&cfg->faults, faults, err, errlen))
        return -1;
    return 0;
}
