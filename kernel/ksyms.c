#include <string.h>
#include "kernel/ksyms.h"

/* The layout scripts/mksyms.sh writes. */
struct ksym { uint32_t offset; uint16_t name_off; uint16_t size; };
_Static_assert(sizeof(struct ksym) == 8, "mksyms.sh writes 8-byte entries");
extern const uint8_t __ksyms_start[], __ksyms_end[];
uint64_t kernel_image_base;

static const struct ksym *table(uint64_t *count, const char **names)
{
    *count = 0;
    *names = NULL;
    if (__ksyms_end - __ksyms_start < 8)
        return NULL;
    const uint64_t *hdr = (const uint64_t *)__ksyms_start;
    *count = hdr[0];
    const struct ksym *t = (const struct ksym *)(hdr + 1);
    *names = (const char *)(t + *count);
    return t;
}

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t n;
    const char *names;
    const struct ksym *t = table(&n, &names);
    if (!t || addr < kernel_image_base)
        return NULL;
    uint64_t rel = addr - kernel_image_base;
    /* Binary search for the last symbol at or below rel. */
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (t[mid].offset <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct ksym *s = &t[lo - 1];
    if (s->size && rel >= s->offset + s->size + 64)
        return NULL; /* past the end of the nearest function: not ours */
    *offset = rel - s->offset;
    return names + s->name_off;
}

uint64_t ksyms_find(const char *name)
{
    uint64_t n;
    const char *names;
    const struct ksym *t = table(&n, &names);
    for (uint64_t i = 0; t && i < n; i++)
        if (strcmp(names + t[i].name_off, name) == 0)
            return kernel_image_base + t[i].offset;
    return 0;
}
