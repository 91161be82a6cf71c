/* The conformance report: runs the checks and prints one line each, then
 * the summary (format in conformance.h). Pure C: the kernel and the host
 * tests run the same code. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv_detect.h"
#include "lib/array_size.h"

static enum conf_verdict say(struct conf_out *o, enum conf_verdict v, const char *fmt, va_list ap)
{
    vsnprintf(o->text, sizeof o->text, fmt, ap);
    return v;
}

enum conf_verdict conf_fail(struct conf_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum conf_verdict v = say(o, CONF_FAIL, fmt, ap);
    va_end(ap);
    return v;
}

enum conf_verdict conf_skip(struct conf_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum conf_verdict v = say(o, CONF_SKIP, fmt, ap);
    va_end(ap);
    return v;
}

void conf_read_info(const struct conf_host *h, struct hv_info *info)
{
    hv_detect_read(h->cpuid, info);
}

static const struct conf_group *const groups[] = {
    &conf_cpuid_group, &conf_msr_group, &conf_hcall_group, &conf_time_group, &conf_vmbus_group,
};

enum conf_verdict conf_run_one(const struct conf_check *c, const struct conf_host *h,
                               struct conf_tally *t, void (*print)(const char *line))
{
    struct conf_out o = { .text = "" };
    enum conf_verdict v = c->fn(h, &o);
    char line[320];
    switch (v) {
    case CONF_PASS:
        t->pass++;
        snprintf(line, sizeof line, "pass %s: %s", c->name, c->rule);
        break;
    case CONF_FAIL:
        t->fail++;
        snprintf(line, sizeof line, "FAIL %s: %s (%s)", c->name, c->rule, o.text);
        break;
    default:
        t->skip++;
        snprintf(line, sizeof line, "skip %s: %s (%s)", c->name, c->rule, o.text);
        break;
    }
    print(line);
    return v;
}

void conf_run_all(const struct conf_host *h, struct conf_tally *t, void (*print)(const char *line))
{
    for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
        for (size_t i = 0; i < groups[g]->n; i++)
            conf_run_one(&groups[g]->checks[i], h, t, print);
    char line[80];
    snprintf(line, sizeof line, "%u pass, %u fail, %u skip", t->pass, t->fail, t->skip);
    print(line);
}

const struct conf_check *conf_find(const char *name)
{
    for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
        for (size_t i = 0; i < groups[g]->n; i++)
            if (strcmp(groups[g]->checks[i].name, name) == 0)
                return &groups[g]->checks[i];
    return NULL;
}
