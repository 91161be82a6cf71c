/* The system calls newlib's libc expects (built with
 * --disable-newlib-supplied-syscalls): output to the console, memory from
 * the kernel heap, time from the kernel clock. newlib is called from thread
 * context only, apart from snprintf in log lines (no allocation, no locks). */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include "kernel/console.h"
#include "kernel/clock.h"
#include "kernel/heap.h"
#include "kernel/shutdown.h"

#undef errno
extern int errno;

int _write(int fd, const void *buf, size_t n)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    console_write(buf, n);
    return (int)n;
}

int _read(int fd, void *buf, size_t n) { (void)fd; (void)buf; (void)n; return 0; }
int _close(int fd) { (void)fd; errno = EBADF; return -1; }
int _lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; return 0; }
int _isatty(int fd) { return fd >= 0 && fd <= 2; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _getpid(void) { return 1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _open(const char *path, int flags, int mode) { (void)path; (void)flags; (void)mode; errno = ENOENT; return -1; }
int _link(const char *a, const char *b) { (void)a; (void)b; errno = EMLINK; return -1; }
int _unlink(const char *p) { (void)p; errno = ENOENT; return -1; }
int _fork(void) { errno = EAGAIN; return -1; }
int _wait(int *status) { (void)status; errno = ECHILD; return -1; }
int _execve(const char *n, char *const a[], char *const e[]) { (void)n; (void)a; (void)e; errno = ENOMEM; return -1; }

void *_sbrk(ptrdiff_t incr)
{
    void *p = heap_sbrk(incr);
    if (!p) {
        errno = ENOMEM;
        return (void *)-1;
    }
    return p;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    uint64_t ns = wallclock_ns();
    if (!ns)
        ns = clock_ns();
    tv->tv_sec = (time_t)(ns / 1000000000u);
    tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000);
    return 0;
}

clock_t _times(struct tms *t)
{
    clock_t c = (clock_t)(clock_ns() / 1000);
    t->tms_utime = c;
    t->tms_stime = 0;
    t->tms_cutime = 0;
    t->tms_cstime = 0;
    return c;
}

void _exit(int status)
{
    machine_poweroff(status);
}

/* This newlib configuration calls the plain names (sbrk, write, ...) from
 * its reentrant wrappers; both spellings lead to the same code. */
#define ALIAS(name) __typeof__(_##name) name __attribute__((alias("_" #name)))
ALIAS(write);
ALIAS(read);
ALIAS(close);
ALIAS(lseek);
ALIAS(isatty);
ALIAS(fstat);
ALIAS(getpid);
ALIAS(kill);
ALIAS(open);
ALIAS(link);
ALIAS(unlink);
ALIAS(fork);
ALIAS(wait);
ALIAS(execve);
ALIAS(sbrk);
ALIAS(gettimeofday);
ALIAS(times);
