/* Guest RAM for host tests of the Hyper-V layer: page-aligned pages whose
 * addresses double as guest physical addresses (the kernel is identity
 * mapped too), and the model's gpa_to_ptr over exactly those pages. */
#ifndef SINTER_TESTS_FAKE_GUEST_RAM_H
#define SINTER_TESTS_FAKE_GUEST_RAM_H
#include <stddef.h>
#include <stdint.h>

#define FAKE_RAM_MAX_PAGES 64
void *fake_ram_alloc_page(void);             /* zeroed; NULL when all are taken */
void fake_ram_reset(void);                   /* frees every page */
void *fake_ram_gpa_to_ptr(uint64_t gpa, size_t len); /* NULL unless inside one page */
#endif
