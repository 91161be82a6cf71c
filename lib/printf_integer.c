/* snprintf and vsnprintf for the kernel on our own engine (lib/vformat.c).
 * Defining them here keeps libc.a's versions, and with them newlib's float
 * printf engine (_svfprintf_r, _dtoa_r and the stdio they drag in, about
 * 80 KB of text), out of the image. No kernel message prints a float. The
 * link fails if the float engine comes back (Makefile, after the second
 * link). */
#include <stdarg.h>
#include <stdio.h>
#include "lib/vformat.h"

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    return vformat(buf, size, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
