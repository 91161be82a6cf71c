#ifndef SINTER_KERNEL_PANIC_H
#define SINTER_KERNEL_PANIC_H
/* Print the reason and a backtrace on every console, then halt all CPUs. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The end of every fatal path: halt all CPUs, or with panic=exit on the
 * command line power off with status 3 (lets tests check the dump). */
void panic_stop(void) __attribute__((noreturn));
extern int panic_exit;
#define BUG_ON(cond) do { if (cond) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
#endif
