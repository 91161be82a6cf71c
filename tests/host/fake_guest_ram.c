#include <stdlib.h>
#include <string.h>
#include "tests/host/fake_guest_ram.h"

#define PAGE 4096u
static uint8_t *pages[FAKE_RAM_MAX_PAGES];
static unsigned npages;

void *fake_ram_alloc_page(void)
{
    if (npages == FAKE_RAM_MAX_PAGES)
        return NULL;
    uint8_t *p = aligned_alloc(PAGE, PAGE);
    memset(p, 0, PAGE);
    pages[npages++] = p;
    return p;
}

void fake_ram_reset(void)
{
    for (unsigned i = 0; i < npages; i++)
        free(pages[i]);
    npages = 0;
}

void *fake_ram_gpa_to_ptr(uint64_t gpa, size_t len)
{
    for (unsigned i = 0; i < npages; i++) {
        uint64_t b = (uint64_t)(uintptr_t)pages[i];
        if (gpa >= b && len <= PAGE && gpa - b <= PAGE - len)
            return (void *)(uintptr_t)gpa;
    }
    return NULL;
}
