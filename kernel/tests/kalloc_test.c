#include <stdint.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/kalloc.h"
#include "kernel/pmm.h"

KTEST(kalloc, "kalloc.sizes_reuse_zeroed")
{
    static void *p[300];
    size_t before = kalloc_bytes_in_use();
    uint64_t free_after_first = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 300; i++) {
            size_t sz = (size_t)(i * 13 % 3000 + 1);
            p[i] = kzalloc(sz);
            KT_CHECK(p[i] != NULL);
            if (!p[i])
                return;
            const uint8_t *b = p[i];
            for (size_t j = 0; j < sz; j += 61)
                if (b[j]) { KT_CHECK(!"not zeroed"); return; }
            KT_CHECK(sz > 2048 ? (uintptr_t)p[i] % PAGE_SIZE == 0 : (uintptr_t)p[i] % 32 == 0);
            memset(p[i], 0xa5, sz);
        }
        for (int i = 0; i < 300; i++)
            kfree(p[i]);
        if (round == 0)
            free_after_first = pmm_free_pages();
    }
    KT_CHECK_EQ(kalloc_bytes_in_use(), before);
    /* Large blocks went back to the page allocator and small-class pages
     * are reused: later rounds take no new pages. */
    KT_CHECK_EQ(pmm_free_pages(), free_after_first);
}
