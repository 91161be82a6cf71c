/* The image relocates itself: GNU-EFI's crt0 (_start) calls _relocate
 * (ImageBase, _DYNAMIC, image, systab) before efi_main, and this definition
 * takes the place of libgnuefi's. Ours also reads DT_RELR, the packed
 * relative relocations `ld -z pack-relative-relocs` writes (8 bytes for a run
 * of up to 63 pointers where DT_RELA spends 24 on each), which is most of
 * what keeps the image under its size target (docs/bench.md).
 *
 * It runs before any pointer in the image is right, so it touches nothing
 * but its arguments and the tables they lead to: no globals, no calls.
 * Facts: the ELF gABI (DT_* numbers, the RELR encoding) and the x86-64 psABI
 * (R_X86_64_RELATIVE: *where = base + addend). */
#include <stdint.h>

enum {
    DT_NULL = 0,
    DT_RELA = 7,
    DT_RELASZ = 8,
    DT_RELAENT = 9,
    DT_RELRSZ = 35,
    DT_RELR = 36,
    DT_RELRENT = 37,
};
enum { R_X86_64_NONE = 0, R_X86_64_RELATIVE = 8 };

struct elf64_dyn { int64_t tag; uint64_t val; };
struct elf64_rela { uint64_t offset, info; int64_t addend; };
_Static_assert(sizeof(struct elf64_dyn) == 16, "Elf64_Dyn");
_Static_assert(sizeof(struct elf64_rela) == 24, "Elf64_Rela");

/* EFI_SUCCESS, or EFI_LOAD_ERROR (1 with the top bit set) for a relocation
 * this image should never carry (the build checks that, see Makefile). */
#define RELOC_OK 0
#define RELOC_ERROR 0x8000000000000001ull

uint64_t _relocate(uint64_t base, const struct elf64_dyn *dyn, void *image, void *systab);

uint64_t _relocate(uint64_t base, const struct elf64_dyn *dyn, void *image, void *systab)
{
    (void)image;
    (void)systab;
    uint64_t rela = 0, relasz = 0, relaent = sizeof(struct elf64_rela);
    uint64_t relr = 0, relrsz = 0;
    for (; dyn->tag != DT_NULL; dyn++) {
        switch (dyn->tag) {
        case DT_RELA: rela = dyn->val; break;
        case DT_RELASZ: relasz = dyn->val; break;
        case DT_RELAENT: relaent = dyn->val; break;
        case DT_RELR: relr = dyn->val; break;
        case DT_RELRSZ: relrsz = dyn->val; break;
        case DT_RELRENT: if (dyn->val != 8) return RELOC_ERROR; break;
        default: break;
        }
    }
    if (relaent < sizeof(struct elf64_rela))
        return RELOC_ERROR;
    for (uint64_t off = 0; rela && off + relaent <= relasz; off += relaent) {
        const struct elf64_rela *r = (const struct elf64_rela *)(base + rela + off);
        uint32_t type = (uint32_t)r->info;
        if (type == R_X86_64_NONE)
            continue;
        if (type != R_X86_64_RELATIVE)
            return RELOC_ERROR;
        *(uint64_t *)(base + r->offset) = base + (uint64_t)r->addend;
    }
    /* RELR: an even word is the offset of a pointer to relocate, and the
     * next pointer after it is where a bitmap word (odd) starts; bit k
     * (1..63) of a bitmap says "relocate the pointer k-1 words on", and each
     * bitmap moves that start 63 words on. */
    uint64_t *where = 0;
    const uint64_t *w = (const uint64_t *)(base + relr);
    for (uint64_t i = 0; relr && i < relrsz / 8; i++) {
        uint64_t e = w[i];
        if ((e & 1) == 0) {
            where = (uint64_t *)(base + e);
            *where++ += base;
            continue;
        }
        if (!where)
            return RELOC_ERROR;
        for (unsigned k = 1; k < 64; k++)
            if (e >> k & 1)
                where[k - 1] += base;
        where += 63;
    }
    return RELOC_OK;
}
