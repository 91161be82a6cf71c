/* Host-side implementation of kernel/log.h: lines go to stderr, and tests can
 * count them to check that a refused input was logged. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kernel/log.h"
#include "tests/host/host_log.h"

unsigned trace_mask;
unsigned host_log_lines[4];
char host_log_last[512];
int host_log_quiet = 1;

void log_printf(enum log_level level, const char *subsys, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(host_log_last, sizeof host_log_last, "%s: %s", subsys, msg);
    if ((unsigned)level < 4)
        host_log_lines[level]++;
    if (!host_log_quiet || level <= LOG_ERR)
        fprintf(stderr, "    [log] %s\n", host_log_last);
}

/* Structured trace events are for the kernel's timeline; host tests only
 * count them. */
unsigned long host_trace_events;

void trace_event(const char *event, const char *fmt, ...)
{
    (void)event;
    (void)fmt;
    host_trace_events++;
}
