/* What the UEFI stage hands the kernel. Plain types only: the kernel never
 * includes GNU-EFI headers, and no firmware service is usable once this is
 * filled in (boot services have exited). */
#ifndef SINTER_KERNEL_BOOT_INFO_H
#define SINTER_KERNEL_BOOT_INFO_H
#include <stdint.h>

enum mem_kind {
    MEM_USABLE,          /* conventional memory: free from the start */
    MEM_BOOT_RECLAIM,    /* boot-services code/data: free once we left the firmware's stack/tables */
    MEM_LOADER,          /* our image and the buffers efi_main allocated */
    MEM_ACPI_RECLAIM,    /* ACPI tables: kept, we read them */
    MEM_ACPI_NVS,
    MEM_RUNTIME,         /* runtime services code/data */
    MEM_MMIO,
    MEM_RESERVED,
};

struct mem_region {
    uint64_t base;
    uint64_t pages;      /* 4 KiB pages */
    uint32_t kind;       /* enum mem_kind */
    uint32_t efi_type;   /* the firmware's own type, for the boot log */
};

struct framebuffer_info {
    uint64_t base;       /* physical address; 0 if no GOP */
    uint64_t size;
    uint32_t width, height, pitch_pixels;
    uint32_t format;     /* 0 = RGBX, 1 = BGRX (GOP PixelRedGreenBlue.. / PixelBlueGreenRed..) */
};

#define BOOT_MAX_REGIONS 512
/* The command line's limit, its NUL included: a longer CMDLINE.TXT keeps
 * its whole words up to the limit and the kernel warns about the rest. */
#define BOOT_CMDLINE_MAX 4096

struct boot_info {
    uint64_t image_base, image_size;
    uint64_t acpi_rsdp;
    uint64_t ap_trampoline; /* one page below 1 MiB for the APs' real-mode start; 0 if none */  /* physical address of the ACPI 2.0+ RSDP (or 1.0 if that is all) */
    struct framebuffer_info fb;
    uint32_t region_count;
    struct mem_region regions[BOOT_MAX_REGIONS];
    char cmdline[BOOT_CMDLINE_MAX];
    char cmdline_source[16]; /* "load-options", "cmdline.txt" or "none" */
    /* What the boot stub could not pass on, for the kernel to warn about:
     * bytes past the limit (the first of them in dropped_head), and NUL
     * bytes in CMDLINE.TXT, read as spaces. */
    uint32_t cmdline_bytes, cmdline_dropped, cmdline_nuls;
    char cmdline_dropped_head[40];
};

/* Entered on the firmware's stack with interrupts off, boot services gone. */
void kernel_main(struct boot_info *bi) __attribute__((noreturn));

#endif
