#ifndef SINTER_KERNEL_HEAP_H
#define SINTER_KERNEL_HEAP_H
#include <stddef.h>
/* The region behind newlib's malloc: reserved at boot, grown by _sbrk.
 * malloc is not interrupt-safe: never call it from a handler. */
/* Reserves a quarter of the free RAM for it, at most max_bytes. */
void heap_init(size_t max_bytes);
void *heap_sbrk(ptrdiff_t incr);
size_t heap_used(void);
#endif
