/* Untrusted text made safe to log: printable ASCII as it is, everything
 * else (control and escape bytes, bytes >= 0x7f) as \xNN, and the quote
 * and backslash escaped, so a command line cannot move the terminal's
 * cursor or forge a log line. */
#ifndef SINTER_LIB_ESCAPE_H
#define SINTER_LIB_ESCAPE_H
#include <stddef.h>

/* Writes the escaped form of in[0..] (up to its NUL) into out (always NUL
 * terminated when cap > 0); if it does not fit, it ends with "..." instead
 * of a cut escape. Returns the number of bytes of in that needed escaping. */
size_t escape_text(const char *in, char *out, size_t cap);

#endif
