#include <string.h>
#include "kernel/ksyms.h"

/* The layout scripts/mksyms.sh writes. */
struct __attribute__((packed)) ksym { uint32_t offset; uint16_t name_off; };
_Static_assert(sizeof(struct ksym) == 6, "mksyms.sh writes 6-byte entries");
extern const uint8_t __ksyms_start[], __ksyms_end[], __text_end[];
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
    /* A function ends where the next one starts; the last where .text does. */
    uint64_t end = lo < n ? t[lo].offset : (uint64_t)(__text_end - (const uint8_t *)kernel_image_base);
    if (rel >= end)
        return NULL; /* past the end of the kernel's code: not ours */
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
