/* Kernel log: one line per call, to every console. Also implemented by the
 * host test harness (tests/host/host_log.c), so hardware-free code may log. */
#ifndef SINTER_KERNEL_LOG_H
#define SINTER_KERNEL_LOG_H
#include <stdbool.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Prints "<subsys>: <message>\n". A trailing newline in fmt is not needed. */
void log_printf(enum log_level level, const char *subsys, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Errors and warnings logged so far, by subsystem (printed or not): the
 * result line (kernel/result.h) reports them. index 0.. until false. */
bool log_count(unsigned index, const char **subsys, unsigned *warnings, unsigned *errors);

#define log_err(sub, ...)   log_printf(LOG_ERR, sub, __VA_ARGS__)
#define log_warn(sub, ...)  log_printf(LOG_WARN, sub, __VA_ARGS__)
#define log_info(sub, ...)  log_printf(LOG_INFO, sub, __VA_ARGS__)
#define log_debug(sub, ...) log_printf(LOG_DEBUG, sub, __VA_ARGS__)

/* Trace categories switched on by the command line (trace=hv,vmbus,pi,irq)
 * or the console's `trace` command. TRACE_PI: posted-interrupt descriptors;
 * TRACE_IRQ: structured events of every interrupt but the tick. */
enum trace_cat { TRACE_HV = 1u << 0, TRACE_VMBUS = 1u << 1, TRACE_PI = 1u << 2, TRACE_IRQ = 1u << 3 };
extern unsigned trace_mask;
#define trace_on(cat) ((trace_mask & (cat)) != 0)
#define tracef(cat, sub, ...) \
    do { if (trace_on(cat)) log_printf(LOG_INFO, sub, __VA_ARGS__); } while (0)

/* A structured trace event, one line "trace: <ns> cpu<N> <event> <k=v ...>"
 * that scripts/trace2json.py turns into a timeline (make trace). */
void trace_event(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define trace_ev(cat, event, ...) \
    do { if (trace_on(cat)) trace_event(event, __VA_ARGS__); } while (0)

#endif
