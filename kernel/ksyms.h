/* The kernel's own symbol table, embedded at link time (scripts/mksyms.sh). */
#ifndef SINTER_KERNEL_KSYMS_H
#define SINTER_KERNEL_KSYMS_H
#include <stdint.h>
#include <stddef.h>
/* Name of the function containing addr and the offset into it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);
/* Address of a function by name, or 0. */
uint64_t ksyms_find(const char *name);
extern uint64_t kernel_image_base;
#endif
