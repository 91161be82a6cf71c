#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "kernel/clock.h"
#include "kernel/percpu.h"
#include "drivers/console/uart16550.h"
#include "drivers/console/fbcon.h"

static spinlock_t lock = SPINLOCK_INIT;
/* Lines logged before the framebuffer console exists, replayed onto it so
 * the screen shows the whole boot. */
static char early[4096];
static size_t early_len;
static bool panicking;
static bool fb_up;
/* The last byte written was not a newline (the console's prompt, a line
 * being typed): a log line must start on a fresh line, and the console
 * redraws its prompt after it (console_line_breaks). */
static bool mid_line;
static unsigned long line_breaks;
enum log_level console_level = LOG_INFO;
unsigned trace_mask;

void console_early_init(void)
{
    uart_init();
}

void console_fb_init(const struct framebuffer_info *fb)
{
    fb_up = fbcon_init(fb);
    if (fb_up)
        fbcon_write(early, early_len);
}

static void write_unlocked(const char *s, size_t n)
{
    if (n)
        mid_line = s[n - 1] != '\n';
    uart_write(s, n);
    if (fb_up) {
        fbcon_write(s, n);
    } else if (early_len < sizeof early) {
        size_t k = n < sizeof early - early_len ? n : sizeof early - early_len;
        memcpy(early + early_len, s, k);
        early_len += k;
    }
}

void console_write(const char *s, size_t n)
{
    if (panicking) {
        write_unlocked(s, n);
        return;
    }
    uint64_t f = spin_lock_irqsave(&lock);
    write_unlocked(s, n);
    spin_unlock_irqrestore(&lock, f);
}

/* A whole log line: on a line of its own even if a prompt was showing. */
static void write_line(const char *s, size_t n)
{
    uint64_t f = 0;
    if (!panicking)
        f = spin_lock_irqsave(&lock);
    if (mid_line) {
        write_unlocked("\n", 1);
        line_breaks++;
    }
    write_unlocked(s, n);
    if (!panicking)
        spin_unlock_irqrestore(&lock, f);
}

unsigned long console_line_breaks(void)
{
    return __atomic_load_n(&line_breaks, __ATOMIC_RELAXED);
}

void console_write_serial(const char *s, size_t n)
{
    uint64_t f = spin_lock_irqsave(&lock);
    uart_write(s, n);
    spin_unlock_irqrestore(&lock, f);
}

bool console_page_reserve(unsigned rows)
{
    uint64_t f = spin_lock_irqsave(&lock);
    bool ok = fb_up && fbcon_reserve_top(rows);
    spin_unlock_irqrestore(&lock, f);
    return ok;
}

void console_page_put(unsigned row, const char *text)
{
    uint64_t f = spin_lock_irqsave(&lock);
    if (fb_up)
        fbcon_put_at(0, row, text);
    spin_unlock_irqrestore(&lock, f);
}

unsigned console_page_cols(void)
{
    return fb_up ? fbcon_cols() : 0;
}

void console_panic_mode(void)
{
    panicking = true;
    fbcon_set_color(0xff5050);
}

#define LOG_COUNT_SLOTS 32
static struct { const char *subsys; unsigned warnings, errors; } counts[LOG_COUNT_SLOTS];
static spinlock_t count_lock = SPINLOCK_INIT;

/* Subsystem names are string literals: compared by content (one name may
 * be spelled in several files), stored by pointer. */
static void count(enum log_level level, const char *subsys)
{
    if (level > LOG_WARN)
        return;
    uint64_t f = spin_lock_irqsave(&count_lock);
    unsigned i = 0;
    while (i < LOG_COUNT_SLOTS && counts[i].subsys && strcmp(counts[i].subsys, subsys) != 0)
        i++;
    if (i == LOG_COUNT_SLOTS)
        i = LOG_COUNT_SLOTS - 1;          /* full: the last slot takes the rest */
    else if (!counts[i].subsys)
        counts[i].subsys = subsys;
    if (level == LOG_ERR)
        counts[i].errors++;
    else
        counts[i].warnings++;
    spin_unlock_irqrestore(&count_lock, f);
}

bool log_count(unsigned index, const char **subsys, unsigned *warnings, unsigned *errors)
{
    if (index >= LOG_COUNT_SLOTS || !counts[index].subsys)
        return false;
    *subsys = counts[index].subsys;
    *warnings = counts[index].warnings;
    *errors = counts[index].errors;
    return true;
}

/* The prefix is in line[0, n): append the message, cut it to the buffer
 * with room for the newline, write it out. */
static void finish_line(char *line, size_t cap, int n, const char *fmt, va_list ap)
{
    if (n >= 0 && (size_t)n < cap)
        n += vsnprintf(line + n, cap - (size_t)n, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n > cap - 2)
        n = (int)(cap - 2);
    line[n++] = '\n';
    write_line(line, (size_t)n);
}

void log_printf(enum log_level level, const char *subsys, const char *fmt, ...)
{
    if (!panicking)
        count(level, subsys);
    if (level > console_level)
        return;
    char line[512];
    static const char *const tag[] = { "error: ", "warning: ", "", "" };
    int n = snprintf(line, sizeof line, "%s: %s", subsys, tag[level]);
    va_list ap;
    va_start(ap, fmt);
    finish_line(line, sizeof line, n, fmt, ap);
    va_end(ap);
}

void trace_event(const char *event, const char *fmt, ...)
{
    char line[200];
    int n = snprintf(line, sizeof line, "trace: %llu cpu%u %s ", (unsigned long long)clock_ns(),
                     this_cpu()->index, event);
    va_list ap;
    va_start(ap, fmt);
    finish_line(line, sizeof line, n, fmt, ap);
    va_end(ap);
}
