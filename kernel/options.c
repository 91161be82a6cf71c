#include <string.h>
#include "kernel/options.h"
#include "kernel/log.h"
#include "lib/cmdline.h"
#include "lib/escape.h"
#include "lib/array_size.h"

enum opt_kind { OPT_BOOL, OPT_U64, OPT_ENUM, OPT_LIST, OPT_STRING };

struct option_def {
    const char *key;
    enum opt_kind kind;
    const char *choices;   /* OPT_ENUM / OPT_LIST: '|'-separated; OPT_U64: NULL */
    uint64_t min, max;     /* OPT_U64 */
    const char *help;
};

/* One row per option kind: only the fields that kind uses. */
#define BOOL_OPT(key, help)            { key, OPT_BOOL, NULL, 0, 0, help }
#define U64_OPT(key, min, max, help)   { key, OPT_U64, NULL, min, max, help }
#define ENUM_OPT(key, choices, help)   { key, OPT_ENUM, choices, 0, 0, help }
#define LIST_OPT(key, choices, help)   { key, OPT_LIST, choices, 0, 0, help }
#define STRING_OPT(key, help)          { key, OPT_STRING, NULL, 0, 0, help }

static const struct option_def defs[] = {
    STRING_OPT("test", "run in-kernel tests matching a glob (all = *)"),
    ENUM_OPT("bench", "pi", "run an in-kernel benchmark after the summary, then power off"),
    BOOL_OPT("exit", "power off right after the boot summary line"),
    BOOL_OPT("shell", "the console on serial when the kernel idles (default on)"),
    ENUM_OPT("loglevel", "err|warn|info|debug", "console verbosity"),
    LIST_OPT("trace", "hv|vmbus|pi|irq", "narrate protocol steps (irq: structured events for make trace)"),
    U64_OPT("timer_hz", 10, 1000, "LAPIC timer tick rate"),
    BOOL_OPT("fbcon", "mirror the log on the framebuffer"),
    BOOL_OPT("pmtimer", "use the ACPI PM timer as a clock reference (0: hide it)"),
    ENUM_OPT("panic_test", "pf|ud|gp|de", "raise an exception after boot (to see the dump)"),
    ENUM_OPT("panic", "halt|exit", "after a fatal error: halt (default) or power off with status 3"),
    U64_OPT("smp.max", 1, 64, "start at most this many CPUs (the boot CPU included)"),
    U64_OPT("smp.wait_ms", 10, 600000, "how long each AP has to report in (default 5000)"),
    U64_OPT("smp.skip_sipi", 0, 0xfffffffe, "test knob: never send the SIPI to this APIC id"),
    BOOL_OPT("vmbus.spread", "open channels round robin over all CPUs (default: the boot CPU)"),
    BOOL_OPT("boot.profile", "log where boot time went, phase by phase, after the summary"),
    ENUM_OPT("gdb", "wait", "print the image base, then spin until gdb clears sinter_gdb_wait"),
    ENUM_OPT("hv", "auto|real|model|sim|off", "hypervisor backend (sim: old name of model)"),
    /* The hvsim.* values are checked by the model's own parser, which names
     * what is wrong (e.g. hvsim.host=hyperv:4.1 caps the version). */
    STRING_OPT("hvsim.host", "host model personality: hyperv[:<maj.min>] or qemu"),
    U64_OPT("hvsim.channels", 0, 2043, "model channels besides the 4 built-in ones (2047 offers at most)"),
    STRING_OPT("hvsim.relids", "dense|sparse|random:<seed>"),
    STRING_OPT("hvsim.faults", "fault injection knobs"),
    STRING_OPT("hvsim.dm", "model's Dynamic Memory device: on|off[,status|nostatus][,wait=<ms>] (default off)"),
    STRING_OPT("hvsim.host_cpu", "the CPU the model's VMBus host runs on, concurrently with the guest (default the last; off: inside the guest's hypercalls)"),
    ENUM_OPT("hvsim.inject", "direct|posted", "model delivers interrupts as fixed IPIs (default) or through posted-interrupt descriptors"),
    U64_OPT("hvsim.shutdown_after", 1, 3600000, "model host asks for a shutdown this many ms after VMBus is up"),
    BOOL_OPT("hvsim.strict", "a guest protocol violation the model sees fails the running test (default 1 with test=)"),
};

static struct cmdline parsed;
static bool accepted[CMDLINE_MAX_WORDS];

static const struct option_def *find_def(const char *key)
{
    for (unsigned i = 0; i < ARRAY_SIZE(defs); i++)
        if (strcmp(defs[i].key, key) == 0)
            return &defs[i];
    return NULL;
}

/* Is the `len` bytes at item one of the '|'-separated choices? */
static bool in_choices(const char *choices, const char *item, size_t len)
{
    const char *p = choices;
    while (*p) {
        const char *end = strchr(p, '|');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, item, len) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static bool valid(const struct option_def *d, const char *v)
{
    uint64_t u;
    bool b;
    switch (d->kind) {
    case OPT_BOOL:
        return cmdline_parse_bool(v, &b);
    case OPT_U64:
        return cmdline_parse_u64(v, &u) && u >= d->min && u <= d->max;
    case OPT_ENUM:
        return in_choices(d->choices, v, strlen(v));
    case OPT_LIST:
        for (const char *p = v;;) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            if (!in_choices(d->choices, p, n))
                return false;
            if (!end)
                return true;
            p = end + 1;
        }
    case OPT_STRING:
        return *v != 0;
    }
    return false;
}

void options_init(const char *cmdline)
{
    /* Words come from an untrusted file: printed escaped, never raw. */
    char key[4 * CMDLINE_KEY_MAX], val[4 * CMDLINE_VALUE_MAX];
    cmdline_parse(&parsed, cmdline);
    if (parsed.malformed) {
        escape_text(parsed.first_malformed, val, sizeof val);
        log_warn("cmdline", "ignored %u malformed word(s), first: \"%s\" (expected key=value, "
                 "at most %u words)", parsed.malformed, val, CMDLINE_MAX_WORDS);
    }
    for (unsigned i = 0; i < parsed.count; i++) {
        const struct cmdline_word *w = &parsed.words[i];
        const struct option_def *d = find_def(w->key);
        escape_text(w->key, key, sizeof key);
        escape_text(w->value, val, sizeof val);
        if (!d) {
            log_warn("cmdline", "unknown option \"%s\" ignored", key);
            continue;
        }
        if (!valid(d, w->value)) {
            if (d->kind == OPT_U64)
                log_warn("cmdline", "bad value \"%s\" for %s (want a number in %llu..%llu), ignored",
                         val, key, (unsigned long long)d->min, (unsigned long long)d->max);
            else if (d->choices)
                log_warn("cmdline", "bad value \"%s\" for %s (want %s), ignored", val, key,
                         d->choices);
            else
                log_warn("cmdline", "bad value \"%s\" for %s, ignored", val, key);
            continue;
        }
        accepted[i] = true;
    }
}

const char *option_str(const char *key)
{
    for (unsigned i = parsed.count; i-- > 0;)
        if (accepted[i] && strcmp(parsed.words[i].key, key) == 0)
            return parsed.words[i].value;
    return NULL;
}

uint64_t option_u64(const char *key, uint64_t fallback)
{
    uint64_t v;
    const char *s = option_str(key);
    return s && cmdline_parse_u64(s, &v) ? v : fallback;
}

bool option_bool(const char *key, bool fallback)
{
    bool v;
    const char *s = option_str(key);
    return s && cmdline_parse_bool(s, &v) ? v : fallback;
}

bool option_list_has(const char *key, const char *item)
{
    const char *v = option_str(key);
    size_t n = strlen(item);
    for (const char *p = v; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, item, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}
