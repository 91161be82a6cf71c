/* printf-style formatting into a buffer: vsnprintf's contract (always
 * NUL-terminated when size > 0, returns the length it would have had) for
 * the conversions d i u x X o c s p % with flags - 0 + space #, width and
 * precision (digits or *), and lengths hh h l ll j z t. No floating point:
 * any other directive is copied as written and takes no argument. */
#ifndef SINTER_LIB_VFORMAT_H
#define SINTER_LIB_VFORMAT_H
#include <stdarg.h>
#include <stddef.h>

int vformat(char *buf, size_t size, const char *fmt, va_list ap);

#endif
