/* Partition-wide setup over the backend the glue chose: detection, guest OS
 * ID, the hypercall page, the SINT vector. Any failure leaves one line
 * naming what is missing, and the kernel boots on without VMBus. */
#include <string.h>
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"

struct hv_state hv;

enum hv_backend hv_backend(void) { return hv.backend; }
const struct hv_info *hv_get_info(void) { return &hv.info; }

const char *hv_backend_name(void)
{
    switch (hv.backend) {
    case HV_BACKEND_REAL:  return "real";
    case HV_BACKEND_MODEL: return "model";
    default:               return "none";
    }
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
        uint64_t want = (v & HV_HYPERCALL_RSVDP_MASK) | (uint64_t)(uintptr_t)page | HV_HYPERCALL_ENABLE;
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

void hv_reset(void)
{
    memset(&hv, 0, sizeof hv);
}

int hv_init(const struct hv_boot_params *p, const struct hv_backend_ops *ops)
{
    hv_reset();
    hv.params = *p;
    if (!ops || !ops->cpuid || !ops->rdmsr || !ops->wrmsr || !p->alloc_page ||
        !p->call_page)
        return give_up("backend has no CPUID/MSR operations or no hypercall page call");
    hv_detect_read(ops->cpuid, &hv.info);
    hv_detect_print(&hv.info);
    const char *who = ops->kind == HV_BACKEND_MODEL ? "host model" : "Hyper-V";
    const char *missing = hv_detect_missing(&hv.info);
    if (missing) {
        log_warn("hv", "%s (\"%s\") lacks %s; continuing without VMBus", who,
                 hv.info.vendor, missing);
        return -1;
    }
    hv.backend = ops->kind == HV_BACKEND_MODEL ? HV_BACKEND_MODEL : HV_BACKEND_REAL;
    hv.ops = ops;
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
