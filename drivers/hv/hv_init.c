/* Backend choice and partition-wide setup: detection, guest OS ID, the
 * hypercall page, the SINT vector. Any failure leaves one line naming what
 * is missing, and the kernel boots on without VMBus. */
#include <string.h>
#include "drivers/hv/hv_internal.h"
#include "drivers/hvsim/hvsim.h"
#include "kernel/log.h"

struct hv_state hv;

enum hv_backend hv_backend(void) { return hv.backend; }
const struct hv_info *hv_platform_info(void) { return &hv.info; }

const char *hv_backend_name(void)
{
    switch (hv.backend) {
    case HV_BACKEND_REAL:  return "real";
    case HV_BACKEND_MODEL: return "model";
    default:               return "none";
    }
}

static void read_leaves(void (*cpuid)(uint32_t, uint32_t[4]), struct hv_cpuid_leaves *l)
{
    uint32_t r[4];
    memset(l, 0, sizeof *l);
    cpuid(1, r);
    l->leaf1_ecx = r[2];
    if (!(l->leaf1_ecx & HV_CPUID1_ECX_HYPERVISOR))
        return; /* leaves 0x4000000x mean nothing without the bit */
    for (uint32_t i = 0; i < HV_CPUID_NLEAVES; i++)
        cpuid(HV_CPUID_VENDOR_AND_MAX + i, l->leaf[i]);
}

static void model_cpuid(uint32_t leaf, uint32_t out[4])
{
    if (leaf == 1) {
        out[0] = out[1] = out[3] = 0;
        out[2] = HV_CPUID1_ECX_HYPERVISOR;
        return;
    }
    hvsim_cpuid(leaf, out);
}

static int give_up(const char *why)
{
    log_warn("hv", "%s; continuing without VMBus", why);
    hv.backend = HV_BACKEND_NONE;
    hv.ops = NULL;
    hv.hypercall_page = NULL;
    return -1;
}

/* TLFS setup order: guest OS ID first (the hypervisor ignores a hypercall
 * enable before it), then the page; then read the MSR back and make one
 * harmless call (an unused call code) to see the page answer.
 *
 * Ownership follows Linux hyperv_init (arch/x86/hyperv/hv_init.c) and
 * FreeBSD hyperv_init + hypercall_create (sys/dev/hyperv/vmbus/hyperv.c):
 * the guest OS ID is always written (Gen2 UEFI firmware talks VMBus itself
 * and may leave its own ID behind), and HYPERCALL is always pointed at a page
 * of ours, reserved bits preserved, even if firmware left it enabled: the
 * firmware's GPA may lie in boot-services memory our allocator hands out
 * again after ExitBootServices, and an overlay page over RAM we use is
 * corruption. Only a Locked MSR (bit 1, TLFS "Hypercall page") cannot move;
 * then the existing page is used. */
static int enable_hypercall_page(void)
{
    uint64_t v;
    if (hv_wrmsr(HV_X64_MSR_GUEST_OS_ID, HV_SINTER_GUEST_OS_ID) != 0)
        return give_up("GUEST_OS_ID MSR write refused (#GP)");
    if (hv_rdmsr(HV_X64_MSR_HYPERCALL, &v) != 0)
        return give_up("HYPERCALL MSR unreadable (#GP)");
    if ((v & HV_HYPERCALL_ENABLE) && (v & HV_HYPERCALL_LOCKED)) {
        log_warn("hv", "HYPERCALL MSR locked by firmware at 0x%llx; using that page",
                 (unsigned long long)(v & HV_MSR_GPFN_MASK));
    } else {
        if (v & HV_HYPERCALL_ENABLE)
            log_info("hv", "firmware left the hypercall page enabled at 0x%llx; moving it",
                     (unsigned long long)(v & HV_MSR_GPFN_MASK));
        void *page = hv.params.alloc_page();
        if (!page)
            return give_up("no page for the hypercall page");
        uint64_t want = (v & 0xffcull) | (uint64_t)(uintptr_t)page | HV_HYPERCALL_ENABLE;
        if (hv_wrmsr(HV_X64_MSR_HYPERCALL, want) != 0)
            return give_up("HYPERCALL MSR write refused (#GP)");
        if (hv_rdmsr(HV_X64_MSR_HYPERCALL, &v) != 0 || !(v & HV_HYPERCALL_ENABLE) ||
            (v & HV_MSR_GPFN_MASK) != (uint64_t)(uintptr_t)page)
            return give_up("hypercall page did not come up (HYPERCALL MSR enable bit "
                           "or GPFN not as written)");
    }
    hv.hypercall_page = (void *)(uintptr_t)(v & HV_MSR_GPFN_MASK);
    /* The page is code now: the kernel maps it read-only and executable. */
    if (hv.params.map_executable)
        hv.params.map_executable(hv.hypercall_page);
    uint64_t st = hv_hypercall_fast(0, 0, 0) & HV_HYPERCALL_RESULT_MASK;
    if (st != HV_STATUS_INVALID_HYPERCALL_CODE)
        log_warn("hv", "hypercall probe (call code 0) returned %s, expected "
                 "INVALID_HYPERCALL_CODE", hv_status_name(st));
    log_info("hv", "hypercall page at 0x%llx, guest OS ID set",
             (unsigned long long)(uintptr_t)hv.hypercall_page);
    return 0;
}

static bool detect_hyperv(const struct hv_boot_params *p)
{
    struct hv_cpuid_leaves l;
    if (!p->cpuid)
        return false;
    read_leaves(p->cpuid, &l);
    hv_detect_parse(&l, &hv.info);
    hv_detect_print(&hv.info);
    return hv.info.features_valid;
}

int hv_init_with(const struct hv_boot_params *p, const struct hv_backend_ops *real,
                 const struct hv_backend_ops *model)
{
    memset(&hv, 0, sizeof hv);
    hv.params = *p;
    const char *opt = p->option ? p->option : "";

    if (strcmp(opt, "off") == 0) {
        log_info("hv", "hv=off: no Hyper-V backend; continuing without VMBus");
        return -1;
    }
    bool want_model = strcmp(opt, "sim") == 0;
    if (!want_model && opt[0] != '\0' && strcmp(opt, "auto") != 0)
        log_warn("hv", "unknown hv=%s, probing as hv=auto", opt);

    if (!want_model && detect_hyperv(p)) {
        const char *missing = hv_detect_missing(&hv.info);
        if (missing) {
            log_warn("hv", "Hyper-V (\"%s\") lacks %s; continuing without VMBus",
                     hv.info.vendor, missing);
            return -1;
        }
        hv.backend = HV_BACKEND_REAL;
        hv.ops = real;
    } else {
        struct hvsim_config cfg;
        if (!p->sim)
            return give_up("no Hyper-V and no host model platform");
        hvsim_default_config(&cfg, p->nr_cpus ? p->nr_cpus : 1);
        if (hvsim_init(p->sim, &cfg) != 0)
            return give_up("host model failed to start");
        struct hv_boot_params mp = *p;
        mp.cpuid = model_cpuid;
        detect_hyperv(&mp);   /* same parser, over the model's leaves */
        const char *missing = hv_detect_missing(&hv.info);
        if (missing) {
            log_warn("hv", "host model lacks %s; continuing without VMBus", missing);
            return -1;
        }
        hv.backend = HV_BACKEND_MODEL;
        hv.ops = model;
    }
    if (!hv.ops || !p->alloc_page)
        return give_up("backend has no MSR/hypercall operations");
    if (enable_hypercall_page() != 0)
        return -1;
    int vec = p->alloc_vector ? p->alloc_vector() : -1;
    if (vec < (int)HV_SYNIC_FIRST_VALID_VECTOR || vec > 0xff)
        return give_up("no interrupt vector for the VMBus SINT");
    hv.vector = (uint8_t)vec;
    log_info("hv", "backend %s, VMBus SINT%u on vector 0x%x", hv_backend_name(),
             HV_VMBUS_MESSAGE_SINT, hv.vector);
    return 0;
}
