#ifndef SINTER_KERNEL_CONSOLE_H
#define SINTER_KERNEL_CONSOLE_H
#include <stddef.h>
#include "kernel/boot_info.h"
#include "kernel/log.h"
/* Every byte goes to serial and, once it is up, the framebuffer console. */
void console_early_init(void);
void console_fb_init(const struct framebuffer_info *fb);
void console_write(const char *s, size_t n);
/* How often a log line had to start a fresh line because the last output
 * (a prompt, a line being typed) had not ended; the console redraws then. */
unsigned long console_line_breaks(void);
/* To serial only (the status page logs its text there: it is on the screen
 * already, in its own rows). */
void console_write_serial(const char *s, size_t n);
/* The status page's rows at the top of the framebuffer (drivers/console/
 * fbcon.h): reserve them (clears the screen), draw one. */
#include <stdbool.h>
bool console_page_reserve(unsigned rows);
void console_page_put(unsigned row, const char *text);
unsigned console_page_cols(void);   /* 0 without a framebuffer console */
/* From now on write without taking the lock (a CPU may have died holding it). */
void console_panic_mode(void);
extern enum log_level console_level;
#endif
