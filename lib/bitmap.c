#include <string.h>
#include "lib/bitmap.h"

void bitmap_init(struct bitmap *b, uint64_t *words, size_t nbits)
{
    b->words = words;
    b->nbits = nbits;
    b->set_count = nbits;
    b->hint = 0;
    memset(words, 0xff, BITMAP_WORDS(nbits) * 8);
}

bool bitmap_test(const struct bitmap *b, size_t i)
{
    return i < b->nbits && (b->words[i / 64] >> (i % 64)) & 1;
}

static size_t change_range(struct bitmap *b, size_t first, size_t count, bool set)
{
    size_t changed = 0;
    if (first >= b->nbits)
        return 0;
    if (count > b->nbits - first)
        count = b->nbits - first;
    for (size_t i = first; i < first + count;) {
        uint64_t *w = &b->words[i / 64];
        unsigned bit = i % 64;
        size_t span = 64 - bit < first + count - i ? 64 - bit : first + count - i;
        uint64_t mask = (span == 64 ? ~0ull : ((1ull << span) - 1)) << bit;
        uint64_t before = *w;
        *w = set ? before | mask : before & ~mask;
        changed += (size_t)__builtin_popcountll((before ^ *w) & mask);
        i += span;
    }
    if (set)
        b->set_count += changed;
    else
        b->set_count -= changed;
    return changed;
}

size_t bitmap_set_range(struct bitmap *b, size_t first, size_t count)
{
    return change_range(b, first, count, true);
}

size_t bitmap_clear_range(struct bitmap *b, size_t first, size_t count)
{
    size_t n = change_range(b, first, count, false);
    if (first < b->hint)
        b->hint = first;
    return n;
}

/* Scan from `start` for a run; whole in-use words are skipped at once. */
static size_t find_run(const struct bitmap *b, size_t start, size_t end, size_t count, size_t align)
{
    size_t i = (start + align - 1) & ~(align - 1);
    while (i + count <= end) {
        if (b->words[i / 64] == ~0ull && i % 64 == 0) {
            i += 64;
            continue;
        }
        size_t j = 0;
        while (j < count && !bitmap_test(b, i + j))
            j++;
        if (j == count)
            return i;
        i = (i + j + 1 + align - 1) & ~(align - 1);
    }
    return (size_t)-1;
}

size_t bitmap_alloc_run(struct bitmap *b, size_t count, size_t align)
{
    if (count == 0 || align == 0 || (align & (align - 1)))
        return (size_t)-1;
    size_t at = find_run(b, b->hint, b->nbits, count, align);
    if (at == (size_t)-1 && b->hint)
        at = find_run(b, 0, b->nbits, count, align);
    if (at == (size_t)-1)
        return at;
    bitmap_set_range(b, at, count);
    if (count == 1 && align == 1)
        b->hint = at + 1;
    return at;
}
