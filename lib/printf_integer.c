/* snprintf and vsnprintf for the kernel on newlib's integer-only engine
 * (vsniprintf, the same formatter built without floating point). Defining
 * them here keeps libc.a's versions, and with them the float printf engine
 * (_svfprintf_r, _dtoa_r and the stdio they drag in, about 80 KB of text), out
 * of the image. No kernel message prints a float; %f, %g and %e print
 * nothing useful here. The link fails if the float engine comes back
 * (Makefile, after the second link). */
#include <stdarg.h>
#include <stdio.h>

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    return vsniprintf(buf, size, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsniprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
