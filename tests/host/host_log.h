#ifndef SINTER_TESTS_HOST_LOG_H
#define SINTER_TESTS_HOST_LOG_H
/* Counters of log lines by level, and the last line, for tests that check a
 * bad input was reported. */
extern unsigned host_log_lines[4];
extern char host_log_last[512];
extern int host_log_quiet;
extern unsigned long host_trace_events;  /* trace_event() calls */

#endif
