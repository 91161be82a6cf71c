/* The UEFI stage: gather what the kernel needs from the firmware, leave boot
 * services and jump to kernel_main. Nothing here runs after ExitBootServices
 * except the conversion of the memory map, which uses no firmware service. */
#include <efi.h>
#include <efilib.h>
#include "kernel/boot_info.h"

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;

static void say(CHAR16 *msg)
{
    st->ConOut->OutputString(st->ConOut, msg);
}

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
    const UINT8 *x = (const UINT8 *)a, *y = (const UINT8 *)b;
    for (int i = 0; i < 16; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

static void find_rsdp(struct boot_info *bi)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
        if (guid_eq(&t->VendorGuid, &acpi20)) {
            bi->acpi_rsdp = (uint64_t)(UINTN)t->VendorTable;
            return;
        }
        if (guid_eq(&t->VendorGuid, &acpi10))
            bi->acpi_rsdp = (uint64_t)(UINTN)t->VendorTable;
    }
}

static void find_framebuffer(struct boot_info *bi)
{
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    if (bs->LocateProtocol(&gop_guid, NULL, (void **)&gop) != EFI_SUCCESS || !gop || !gop->Mode)
        return;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
    if (info->PixelFormat != PixelRedGreenBlueReserved8BitPerColor &&
        info->PixelFormat != PixelBlueGreenRedReserved8BitPerColor)
        return; /* no linear 32-bit framebuffer: serial only */
    bi->fb.base = gop->Mode->FrameBufferBase;
    bi->fb.size = gop->Mode->FrameBufferSize;
    bi->fb.width = info->HorizontalResolution;
    bi->fb.height = info->VerticalResolution;
    bi->fb.pitch_pixels = info->PixelsPerScanLine;
    bi->fb.format = info->PixelFormat == PixelBlueGreenRedReserved8BitPerColor ? 1 : 0;
}

/* UCS-2 to ASCII; anything outside printable ASCII becomes '?', so a
 * firmware that passes binary optional data is recognisable and ignored. */
static int ucs2_to_ascii(const CHAR16 *in, UINTN bytes, char *out, UINTN cap)
{
    UINTN n = 0, bad = 0;
    for (UINTN i = 0; i < bytes / 2 && in[i] && n + 1 < cap; i++) {
        CHAR16 c = in[i];
        if (c == '\t' || c == '\r' || c == '\n')
            c = ' ';
        if (c < 0x20 || c > 0x7e) {
            bad++;
            c = '?';
        }
        out[n++] = (char)c;
    }
    out[n] = 0;
    return bad == 0;
}

static void copy_ascii(const char *in, UINTN len, char *out, UINTN cap)
{
    UINTN n = 0;
    for (UINTN i = 0; i < len && in[i] && n + 1 < cap; i++) {
        char c = in[i];
        out[n++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    out[n] = 0;
}

static void set_source(struct boot_info *bi, const char *s)
{
    int i = 0;
    for (; s[i] && i < (int)sizeof bi->cmdline_source - 1; i++)
        bi->cmdline_source[i] = s[i];
    bi->cmdline_source[i] = 0;
}

/* The whole of CMDLINE.TXT, to its end: NULs become spaces (counted), tabs
 * and line ends spaces; other bytes pass as they are (the kernel prints
 * them escaped). Past the limit, the word the limit cuts and everything
 * after it are dropped and counted, never half a word kept. */
static void read_cmdline_file(struct boot_info *bi, EFI_FILE_HANDLE file)
{
    const UINTN cap = sizeof bi->cmdline - 1;
    UINTN kept = 0, total = 0;
    char chunk[256];
    for (;;) {
        UINTN len = sizeof chunk;
        if (file->Read(file, &len, chunk) != EFI_SUCCESS || len == 0)
            break;
        for (UINTN i = 0; i < len; i++, total++) {
            char c = chunk[i];
            if (c == 0) {
                bi->cmdline_nuls++;
                c = ' ';
            } else if (c == '\n' || c == '\r' || c == '\t') {
                c = ' ';
            }
            if (kept < cap) {
                bi->cmdline[kept++] = c;
            } else {
                UINTN h = total - cap;
                if (h + 1 < sizeof bi->cmdline_dropped_head)
                    bi->cmdline_dropped_head[h] = c;
            }
        }
    }
    if (total > cap) {
        /* Give back the word the limit cut (its head starts the dropped part). */
        UINTN cut = kept;
        while (cut > 0 && bi->cmdline[cut - 1] != ' ')
            cut--;
        if (bi->cmdline[cap - 1] != ' ' && cut > 0) {
            UINTN w = kept - cut, tail = sizeof bi->cmdline_dropped_head - 1;
            char head[sizeof bi->cmdline_dropped_head];
            UINTN n = 0;
            for (UINTN i = 0; i < w && n < tail; i++)
                head[n++] = bi->cmdline[cut + i];
            for (UINTN i = 0; bi->cmdline_dropped_head[i] && n < tail; i++)
                head[n++] = bi->cmdline_dropped_head[i];
            for (UINTN i = 0; i < n; i++)
                bi->cmdline_dropped_head[i] = head[i];
            bi->cmdline_dropped_head[n] = 0;
            kept = cut;
        }
        bi->cmdline_dropped = (uint32_t)(total - kept);
    }
    bi->cmdline[kept] = 0;
    bi->cmdline_bytes = (uint32_t)total;
    set_source(bi, "cmdline.txt");
}

/* Load options first (a Boot#### entry or the shell); else \EFI\BOOT\CMDLINE.TXT
 * beside the image, which is how the QEMU runner passes CMDLINE. */
static void read_cmdline(struct boot_info *bi, EFI_LOADED_IMAGE *img)
{
    set_source(bi, "none");
    if (img->LoadOptionsSize >= 2 && img->LoadOptions) {
        char tmp[BOOT_CMDLINE_MAX];
        if (ucs2_to_ascii(img->LoadOptions, img->LoadOptionsSize, tmp, sizeof tmp) && tmp[0]) {
            /* The shell passes the image name first; drop it. */
            const char *p = tmp;
            const char *space = p;
            while (*space && *space != ' ')
                space++;
            for (const char *q = p; q < space; q++)
                if (*q == '.' || *q == '\\') { p = space; break; }
            while (*p == ' ')
                p++;
            if (*p) {
                copy_ascii(p, BOOT_CMDLINE_MAX, bi->cmdline, sizeof bi->cmdline);
                set_source(bi, "load-options");
                return;
            }
        }
    }
    EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
    EFI_FILE_HANDLE root = NULL, file = NULL;
    if (bs->HandleProtocol(img->DeviceHandle, &fs_guid, (void **)&fs) != EFI_SUCCESS || !fs)
        return;
    if (fs->OpenVolume(fs, &root) != EFI_SUCCESS)
        return;
    if (root->Open(root, &file, L"\\EFI\\BOOT\\CMDLINE.TXT", EFI_FILE_MODE_READ, 0) == EFI_SUCCESS) {
        read_cmdline_file(bi, file);
        file->Close(file);
    }
    root->Close(root);
}

/* A SIPI starts an AP in real mode at a page below 1 MiB (the vector is
 * the page number); take one now, while the firmware still hands them out.
 * Not page 0: the kernel leaves it unmapped to catch NULL. */
static void reserve_ap_trampoline(struct boot_info *bi)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        EFI_PHYSICAL_ADDRESS pa = 0x9ffff;
        if (bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, 1, &pa) != EFI_SUCCESS)
            return;
        if (pa >= 0x1000 && pa < 0x100000) {
            bi->ap_trampoline = pa;
            return;
        }
    }
}

static uint32_t kind_of(UINT32 efi_type)
{
    switch (efi_type) {
    case EfiConventionalMemory:     return MEM_USABLE;
    case EfiBootServicesCode:
    case EfiBootServicesData:       return MEM_BOOT_RECLAIM;
    case EfiLoaderCode:
    case EfiLoaderData:             return MEM_LOADER;
    case EfiACPIReclaimMemory:      return MEM_ACPI_RECLAIM;
    case EfiACPIMemoryNVS:          return MEM_ACPI_NVS;
    case EfiRuntimeServicesCode:
    case EfiRuntimeServicesData:    return MEM_RUNTIME;
    case EfiMemoryMappedIO:
    case EfiMemoryMappedIOPortSpace: return MEM_MMIO;
    default:                        return MEM_RESERVED;
    }
}

/* crt0 converts the firmware's MS-ABI call into a SysV one. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    st = systab;
    bs = systab->BootServices;

    EFI_PHYSICAL_ADDRESS bi_pa = 0;
    UINTN bi_pages = (sizeof(struct boot_info) + 4095) / 4096;
    if (bs->AllocatePages(AllocateAnyPages, EfiLoaderData, bi_pages, &bi_pa) != EFI_SUCCESS) {
        say(L"sinter: cannot allocate boot_info\r\n");
        return EFI_OUT_OF_RESOURCES;
    }
    struct boot_info *bi = (struct boot_info *)(UINTN)bi_pa;
    bs->SetMem(bi, sizeof *bi, 0);

    EFI_GUID lip_guid = LOADED_IMAGE_PROTOCOL;
    EFI_LOADED_IMAGE *img = NULL;
    if (bs->HandleProtocol(image, &lip_guid, (void **)&img) == EFI_SUCCESS && img) {
        bi->image_base = (uint64_t)(UINTN)img->ImageBase;
        bi->image_size = img->ImageSize;
        read_cmdline(bi, img);
    }
    find_rsdp(bi);
    find_framebuffer(bi);
    reserve_ap_trampoline(bi);

    /* The map buffer gets slack because allocating it can grow the map. */
    UINTN map_size = 0, map_key = 0, desc_size = 0;
    UINT32 desc_version = 0;
    EFI_MEMORY_DESCRIPTOR *map = NULL;
    bs->GetMemoryMap(&map_size, NULL, &map_key, &desc_size, &desc_version);
    UINTN cap = map_size + 64 * desc_size;
    if (bs->AllocatePool(EfiLoaderData, cap, (void **)&map) != EFI_SUCCESS) {
        say(L"sinter: cannot allocate the memory map\r\n");
        return EFI_OUT_OF_RESOURCES;
    }
    EFI_STATUS s = EFI_LOAD_ERROR;
    for (int attempt = 0; attempt < 8; attempt++) {
        map_size = cap;
        s = bs->GetMemoryMap(&map_size, map, &map_key, &desc_size, &desc_version);
        if (s != EFI_SUCCESS)
            break;
        /* A stale key means the map changed under us: fetch it again. */
        s = bs->ExitBootServices(image, map_key);
        if (s == EFI_SUCCESS)
            break;
    }
    if (s != EFI_SUCCESS) {
        say(L"sinter: ExitBootServices failed\r\n");
        return s;
    }

    /* From here on: no boot services. */
    UINTN n = map_size / desc_size;
    for (UINTN i = 0; i < n && bi->region_count < BOOT_MAX_REGIONS; i++) {
        EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * desc_size);
        struct mem_region *r = &bi->regions[bi->region_count++];
        r->base = d->PhysicalStart;
        r->pages = d->NumberOfPages;
        r->efi_type = d->Type;
        r->kind = kind_of(d->Type);
    }
    kernel_main(bi);
}
