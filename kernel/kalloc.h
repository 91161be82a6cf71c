/* A small interrupt-safe allocator for kernel objects (power-of-two size
 * classes from 32 bytes to 2 KiB carved from whole pages; larger requests
 * take whole pages). newlib's malloc is not interrupt-safe; this is what
 * code running in handlers (e.g. VMBus offers) allocates with. */
#ifndef SINTER_KERNEL_KALLOC_H
#define SINTER_KERNEL_KALLOC_H
#include <stddef.h>
void *kzalloc(size_t bytes);   /* zeroed; NULL when out of memory */
void kfree(void *p);
size_t kalloc_bytes_in_use(void);
#endif
