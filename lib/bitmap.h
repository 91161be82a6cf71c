/* A bitmap of page frames with first-fit contiguous allocation. Bit set =
 * frame in use. Hardware-free; the page allocator and host tests share it. */
#ifndef SINTER_LIB_BITMAP_H
#define SINTER_LIB_BITMAP_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct bitmap {
    uint64_t *words;
    size_t nbits;
    size_t set_count;   /* bits set */
    size_t hint;        /* where the next search starts */
};

#define BITMAP_WORDS(n) (((n) + 63) / 64)

/* All bits start set (in use). */
void bitmap_init(struct bitmap *b, uint64_t *words, size_t nbits);
bool bitmap_test(const struct bitmap *b, size_t i);
/* Set/clear a range; returns how many bits actually changed. */
size_t bitmap_set_range(struct bitmap *b, size_t first, size_t count);
size_t bitmap_clear_range(struct bitmap *b, size_t first, size_t count);
/* Find `count` clear bits in a row whose first index is a multiple of
 * `align` (a power of two), set them and return the first index; or
 * (size_t)-1 if there is no such run. */
size_t bitmap_alloc_run(struct bitmap *b, size_t count, size_t align);

#endif
