/* lib/madt.c on arbitrary bytes: never reads past the table, never loops,
 * and what it returns is consistent. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "lib/madt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so ASan sees any read past the end. */
    uint8_t *t = malloc(size ? size : 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    struct madt_info m;
    if (madt_parse(t, size, &m)) {
        if (m.enabled > MADT_MAX_CPUS)
            abort();
        for (unsigned i = 0; i < m.enabled; i++)
            for (unsigned j = i + 1; j < m.enabled; j++)
                if (m.cpus[i].apic_id == m.cpus[j].apic_id)
                    abort();
    }
    free(t);
    return 0;
}
