#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include "kernel/result.h"
#include "kernel/console.h"
#include "kernel/log.h"

static bool tests_ran;
static unsigned tests_planned, tests_failed;

void result_set_tests(unsigned planned, unsigned failed)
{
    tests_ran = true;
    tests_planned = planned;
    tests_failed = failed;
}

static void appendf(char *line, size_t *n, size_t cap, const char *fmt, ...)
{
    if (*n >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (k > 0)
        *n += (size_t)k;
}

void result_print(int status)
{
    char line[1024];
    size_t n = 0;
    appendf(line, &n, sizeof line, "sinter: result status=%d", status);
    if (tests_ran)
        appendf(line, &n, sizeof line, " tests=%u failed=%u", tests_planned, tests_failed);
    unsigned warnings = 0, errors = 0, w, e;
    const char *sub;
    for (unsigned i = 0; log_count(i, &sub, &w, &e); i++)
        warnings += w, errors += e;
    appendf(line, &n, sizeof line, " warnings=%u errors=%u", warnings, errors);
    for (unsigned i = 0; log_count(i, &sub, &w, &e); i++) {
        if (w)
            appendf(line, &n, sizeof line, " warn.%s=%u", sub, w);
        if (e)
            appendf(line, &n, sizeof line, " err.%s=%u", sub, e);
    }
    if (n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    console_write(line, n);
}
