/* The conformance report: runs the checks and prints one line each, then
 * the summary (format in conformance.h). Pure C: the kernel and the host
 * tests run the same code. */
#include <stdarg.h>
#include <stdio.h>
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv_detect.h"
#include "lib/array_size.h"

enum conf_verdict conf_say(struct conf_out *o, enum conf_verdict v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->text, sizeof o->text, fmt, ap);
    va_end(ap);
    return v;
}

void conf_read_info(const struct conf_host *h, struct hv_info *info)
{
    hv_detect_read(h->cpuid, info);
}

bool conf_offered(const struct conf_host *h, uint32_t priv_bits, struct conf_out *o)
{
    struct hv_info info;
    conf_read_info(h, &info);
    if (info.features_valid && (info.priv_lo & priv_bits) == priv_bits)
        return true;
    conf_skip(o, "not offered (0x%x)", priv_bits);
    return false;
}

const struct conf_group conf_groups[CONF_GROUPS] = {
    { conf_cpuid_checks, &conf_cpuid_count }, { conf_msr_checks, &conf_msr_count },
    { conf_hcall_checks, &conf_hcall_count }, { conf_time_checks, &conf_time_count },
    { conf_vmbus_checks, &conf_vmbus_count },
};

enum conf_verdict conf_run_one(const struct conf_check *c, const struct conf_host *h,
                               struct conf_tally *t, void (*print)(const char *line))
{
    static const char *const word[] = { "pass", "FAIL", "skip" };
    struct conf_out o = { .text = "" };
    enum conf_verdict v = c->fn(h, c->arg, &o);
    char line[256];
    bool why = v != CONF_PASS;
    snprintf(line, sizeof line, "%s %s: %s%s%s%s", word[v], c->text, CONF_RULE(c), why ? " (" : "",
             why ? o.text : "", why ? ")" : "");
    (v == CONF_PASS ? &t->pass : v == CONF_FAIL ? &t->fail : &t->skip)[0]++;
    print(line);
    return v;
}

void conf_run_all(const struct conf_host *h, struct conf_tally *t, void (*print)(const char *line))
{
    for (size_t g = 0; g < CONF_GROUPS; g++)
        for (size_t i = 0; i < *conf_groups[g].n; i++)
            conf_run_one(&conf_groups[g].checks[i], h, t, print);
    char line[80];
    snprintf(line, sizeof line, "%u pass, %u fail, %u skip", t->pass, t->fail, t->skip);
    print(line);
}
