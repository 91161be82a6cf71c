/* The guest side (drivers/hv) against the host model (drivers/hvsim) in one
 * process, joined by the backend choice (drivers/backend.c) as in the
 * kernel: fake pages, a recorder for injected interrupts, and a "CPU" that
 * runs hv_synic_isr when its recorded vector is pending. */
#include <stdlib.h>
#include <string.h>
#include "drivers/backend.h"
#include "drivers/hv/hv.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/hvsim/hvsim.h"
#include "drivers/hvsim/hvsim_internal.h"
#include "kernel/log.h"
#include "tests/host/check.h"
#include "tests/host/fake_guest_ram.h"
#include "tests/host/fake_irq.h"
#include "tests/host/host_log.h"

#define VEC 0x40
static unsigned cur_cpu;
static unsigned injections;
static bool irr[HVSIM_MAX_VPS][256];   /* a recorder modelled as an APIC IRR */

static void *alloc_page(void) { return fake_ram_alloc_page(); }
static void free_pages(void) { fake_ram_reset(); }
static void *gpa_to_ptr(uint64_t gpa, size_t len) { return fake_ram_gpa_to_ptr(gpa, len); }

static void inject(uint32_t vp, uint8_t vector)
{
    injections++;
    irr[vp][vector] = true;
}

static uint32_t current_vp(void) { return cur_cpu; }
static unsigned this_cpu(void) { return cur_cpu; }
static int alloc_vector(void) { return VEC; }

static const struct hvsim_machine machine = {
    .inject = inject, .gpa_to_ptr = gpa_to_ptr, .current_vp = current_vp,
    .tsc_hz = 2000000000ull, .apic_hz = 200000000ull,
    .irq_save = fake_irq_save, .irq_restore = fake_irq_restore, .irqs_off = fake_irqs_off,
};

/* The page must hold the model's code; then "execute" it. */
static unsigned page_calls;
static uint64_t fake_call(void *page, uint64_t control, uint64_t rdx, uint64_t r8)
{
    static const uint8_t code[] = HVSIM_HYPERCALL_CODE_BYTES;
    if (memcmp(page, code, sizeof code) != 0)
        return 0xdead;
    page_calls++;
    return hvsim_hypercall(control, rdx, r8);
}

/* The model as the kernel starts it, counted. */
static unsigned model_starts;
static int start_model(unsigned nr_cpus)
{
    struct hvsim_config cfg;
    model_starts++;
    hvsim_default_config(&cfg, nr_cpus);
    return hvsim_init(&machine, &cfg);
}

/* Guest upper layer: record sequence numbers and event bits. */
#define MAXSEQ 10000
static uint32_t seen[MAXSEQ + 16];
static unsigned nseen;
static uint64_t events_seen[HV_EVENT_FLAGS_QWORDS];
static unsigned event_calls;

static void on_message(unsigned cpu, const struct hv_message *m)
{
    (void)cpu;
    uint32_t seq;
    memcpy(&seq, m->payload, sizeof seq);
    if (nseen < MAXSEQ + 16)
        seen[nseen++] = seq;
}

static void on_events(unsigned cpu, volatile uint64_t *w)
{
    (void)cpu;
    event_calls++;
    for (unsigned i = 0; i < HV_EVENT_FLAGS_QWORDS; i++)
        events_seen[i] |= __atomic_exchange_n(&w[i], 0, __ATOMIC_SEQ_CST);
}

/* Deliver recorded interrupts, one ISR per pending vector per CPU. */
static unsigned run_interrupts(void)
{
    unsigned n = 0;
    for (bool any = true; any;) {
        any = false;
        for (unsigned vp = 0; vp < HVSIM_MAX_VPS; vp++) {
            if (irr[vp][VEC]) {
                irr[vp][VEC] = false;
                cur_cpu = vp;
                hv_synic_isr();
                n++;
                any = true;
            }
        }
    }
    cur_cpu = 0;
    return n;
}

static struct hv_boot_params params(unsigned ncpus)
{
    return (struct hv_boot_params){
        .nr_cpus = ncpus, .alloc_vector = alloc_vector, .alloc_page = alloc_page,
        .call_page = fake_call, .this_cpu = this_cpu,
    };
}

/* hv=<opt> on a CPU with no hypervisor of its own (no real backend). */
static int boot(const char *opt, unsigned ncpus)
{
    struct hv_boot_params p = params(ncpus);
    struct backend_choice c = { .want = backend_parse_option(opt),
                                .start_model = start_model };
    free_pages();
    memset(irr, 0, sizeof irr);
    injections = nseen = event_calls = page_calls = model_starts = 0;
    memset(events_seen, 0, sizeof events_seen);
    cur_cpu = 0;
    if (backend_select(&c, &p) != 0)
        return -1;
    hv_set_vmbus_handlers(on_message, on_events);
    for (unsigned c = 0; c < ncpus; c++) {
        cur_cpu = c;
        if (hv_synic_init_cpu(c) != 0)
            return -1;
    }
    cur_cpu = 0;
    return 0;
}

static struct hv_message *guest_slot(unsigned vp, unsigned sint)
{
    uint64_t simp;
    hvsim_rdmsr(vp, HV_X64_MSR_SIMP, &simp);
    return &((struct hv_message_page *)(uintptr_t)(simp & HV_MSR_GPFN_MASK))->sint_message[sint];
}

/* ---- tests ------------------------------------------------------------- */
static void test_boot_model(void)
{
    CHECK_EQ(boot("model", 2), 0);
    CHECK(strcmp(hv_backend_name(), "model") == 0);
    CHECK_EQ(hv_synic_vector(), VEC);
    CHECK(hv_get_info()->has_synic);
    uint64_t v;
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_GUEST_OS_ID, &v), 0);
    CHECK(v == HV_SINTER_GUEST_OS_ID && (v >> 63) == 1);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_HYPERCALL, &v), 0);
    CHECK(v & HV_HYPERCALL_ENABLE);
    uint8_t *page = (uint8_t *)(uintptr_t)(v & HV_MSR_GPFN_MASK);
    CHECK(page[0] == 0xCD && page[1] == HVSIM_TRAP_VECTOR && page[2] == 0xC3 &&
          page[3] == 0xCC);
    CHECK(page_calls >= 1);               /* the init probe */
    CHECK_EQ(hv_vp_index(1), 1);
    CHECK_EQ(hvsim_rdmsr(1, HV_X64_MSR_SINT0 + 2, &v), 0);
    CHECK_EQ(v, VEC);                     /* unmasked, manual EOI */
    CHECK_EQ(hvsim_rdmsr(1, HV_X64_MSR_SCONTROL, &v), 0);
    CHECK_EQ(v & 1, 1);
    CHECK(hv_time_init() == 0 && hv_tsc_hz() == 2000000000ull && hv_apic_hz() == 200000000ull);
}

static void test_boot_choices(void)
{
    CHECK(boot("off", 1) != 0);
    CHECK(strcmp(hv_backend_name(), "none") == 0);
    CHECK_EQ(model_starts, 0);
    CHECK_EQ(boot(NULL, 1), 0);          /* no real backend: no Hyper-V -> model */
    CHECK(strcmp(hv_backend_name(), "model") == 0);
    CHECK_EQ(model_starts, 1);
    CHECK_EQ(boot("sim", 1), 0);           /* the old name of hv=model */
    CHECK(strcmp(hv_backend_name(), "model") == 0);
    unsigned warns = host_log_lines[LOG_WARN];
    CHECK(boot("real", 1) != 0);         /* no Hyper-V here, and no model asked for */
    CHECK(strcmp(hv_backend_name(), "none") == 0);
    CHECK_EQ(model_starts, 0);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);
    CHECK(strstr(host_log_last, "hv=real") != NULL);
    CHECK_EQ(backend_parse_option("bogus"), BACKEND_AUTO);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 2);
    CHECK_EQ(backend_parse_option("auto"), BACKEND_AUTO);
    CHECK_EQ(backend_parse_option(""), BACKEND_AUTO);
    CHECK_EQ(backend_parse_option("model"), BACKEND_MODEL);
    CHECK_EQ(backend_parse_option("sim"), BACKEND_MODEL);
    CHECK_EQ(backend_parse_option("real"), BACKEND_REAL);
    CHECK_EQ(backend_parse_option("off"), BACKEND_OFF);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 2);
}

/* A "Hyper-V" lacking the SynIC gets one line and no backend. */
static void cpuid_hv_no_synic(uint32_t leaf, uint32_t out[4])
{
    memset(out, 0, 16);
    if (leaf == 1) out[2] = HV_CPUID1_ECX_HYPERVISOR;
    if (leaf == 0x40000000) { out[0] = 0x40000006; out[1] = 0x7263694d; out[2] = 0x666f736f; out[3] = 0x76482074; }
    if (leaf == 0x40000001) out[0] = HV_INTERFACE_HV1;
    if (leaf == 0x40000003) { out[0] = HV_MSR_HYPERCALL_AVAILABLE | HV_MSR_VP_INDEX_AVAILABLE; out[1] = 0x30; }
}
static void cpuid_hv_full(uint32_t leaf, uint32_t out[4])
{
    cpuid_hv_no_synic(leaf, out);
    if (leaf == 0x40000003) out[0] |= HV_MSR_SYNIC_AVAILABLE;
}
static int msr_ignore_rd(uint32_t msr, uint64_t *v) { (void)msr; *v = 0; return 0; }
static int msr_ignore_wr(uint32_t msr, uint64_t v) { (void)msr; (void)v; return 0; }
/* A real backend whose MSRs accept anything and keep nothing. */
static struct hv_backend_ops dead_real = {
    .kind = HV_BACKEND_REAL, .cpuid = cpuid_hv_no_synic,
    .rdmsr = msr_ignore_rd, .wrmsr = msr_ignore_wr,
};

/* An Hv#1 hypervisor is never hidden behind the model: one lacking a
 * feature, or whose hypercall page does not come up, leaves no backend. */
static void test_boot_real_refusals(void)
{
    struct hv_boot_params p = params(1);
    struct backend_choice c = { .want = BACKEND_AUTO, .real = &dead_real,
                                .start_model = start_model };
    model_starts = 0;
    unsigned warns = host_log_lines[LOG_WARN];
    CHECK(backend_select(&c, &p) != 0);
    CHECK(strcmp(hv_backend_name(), "none") == 0);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);
    CHECK(strstr(host_log_last, "SynIC") != NULL);

    dead_real.cpuid = cpuid_hv_full;     /* features fine, but the page never enables */
    warns = host_log_lines[LOG_WARN];
    CHECK(backend_select(&c, &p) != 0);
    CHECK(strcmp(hv_backend_name(), "none") == 0);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);
    CHECK(strstr(host_log_last, "hypercall page did not come up") != NULL);
    CHECK_EQ(model_starts, 0);

    /* hv=model skips the probe: the model, even with Hyper-V present. */
    c.want = BACKEND_MODEL;
    CHECK_EQ(backend_select(&c, &p), 0);
    CHECK(strcmp(hv_backend_name(), "model") == 0);
    CHECK_EQ(model_starts, 1);
    dead_real.cpuid = cpuid_hv_no_synic;
    free_pages();
}

/* Gen2 UEFI firmware may leave its guest OS ID and an enabled hypercall page
 * behind. Like Linux hyperv_init and FreeBSD hyperv_init/hypercall_create,
 * the kernel writes its own ID and moves the page to one it owns; only a
 * Locked HYPERCALL MSR makes it keep the firmware's page. The model's MSRs
 * stand in for the real backend's here (no model start: it is not reset). */
static const struct hv_backend_ops model_as_real = {
    .kind = HV_BACKEND_REAL, .cpuid = cpuid_hv_full,
    .rdmsr = hvsim_rdmsr_current, .wrmsr = hvsim_wrmsr_current,
};

static void test_boot_real_after_firmware(void)
{
    struct hvsim_config cfg;
    uint64_t v;
    free_pages();
    cur_cpu = 0;
    hvsim_default_config(&cfg, 1);
    CHECK_EQ(hvsim_init(&machine, &cfg), 0);
    uint8_t *fw = alloc_page();
    const uint64_t fw_id = 0x0001060300000000ull;   /* a proprietary-layout ID */
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_GUEST_OS_ID, fw_id), 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL, (uint64_t)(uintptr_t)fw | 1), 0);
    struct hv_boot_params p = params(1);
    struct backend_choice c = { .want = BACKEND_AUTO, .real = &model_as_real };
    CHECK_EQ(backend_select(&c, &p), 0);
    CHECK(strcmp(hv_backend_name(), "real") == 0);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_GUEST_OS_ID, &v), 0);
    CHECK_EQ(v, HV_SINTER_GUEST_OS_ID);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_HYPERCALL, &v), 0);
    CHECK(v & HV_HYPERCALL_ENABLE);
    CHECK((v & HV_MSR_GPFN_MASK) != (uint64_t)(uintptr_t)fw);
    CHECK(gpa_to_ptr(v & HV_MSR_GPFN_MASK, HV_PAGE_SIZE) != NULL);

    /* Locked by firmware: the page cannot move, so it is used where it is. */
    free_pages();
    CHECK_EQ(hvsim_init(&machine, &cfg), 0);
    fw = alloc_page();
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_GUEST_OS_ID, fw_id), 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL,
                         (uint64_t)(uintptr_t)fw | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED), 0);
    CHECK_EQ(backend_select(&c, &p), 0);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_GUEST_OS_ID, &v), 0);
    CHECK_EQ(v, HV_SINTER_GUEST_OS_ID);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_HYPERCALL, &v), 0);
    CHECK_EQ(v & HV_MSR_GPFN_MASK, (uint64_t)(uintptr_t)fw);
    free_pages();
}

static void test_msr_semantics(void)
{
    struct hvsim_config cfg;
    uint64_t v;
    free_pages();
    hvsim_default_config(&cfg, 2);
    CHECK_EQ(hvsim_init(&machine, &cfg), 0);
    void *pg = alloc_page();
    uint64_t gpa = (uint64_t)(uintptr_t)pg;
    /* Hypercall enable before the guest OS ID: ignored. */
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL, gpa | 1), 0);
    hvsim_rdmsr(0, HV_X64_MSR_HYPERCALL, &v);
    CHECK_EQ(v & 1, 0);
    CHECK_EQ(((uint8_t *)pg)[0], 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_GUEST_OS_ID, HV_SINTER_GUEST_OS_ID), 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL, gpa | 1 | 0xffc), 0);
    hvsim_rdmsr(0, HV_X64_MSR_HYPERCALL, &v);
    CHECK_EQ(v, gpa | 1);                 /* RsvdP bits not kept */
    CHECK_EQ(((uint8_t *)pg)[0], 0xCD);
    /* Zeroing the OS ID disables the page. */
    hvsim_wrmsr(0, HV_X64_MSR_GUEST_OS_ID, 0);
    hvsim_rdmsr(0, HV_X64_MSR_HYPERCALL, &v);
    CHECK_EQ(v & 1, 0);
    /* #GP cases */
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_VP_INDEX, 3), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SVERSION, 1), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_TSC_FREQUENCY, 1), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SINT0 + 2, 5), HVSIM_GP);          /* vector < 16, unmasked */
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SINT0 + 2, HV_SINT_MASKED | 5), 0); /* masked: fine */
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SINT0 + 2, HV_SINT_POLLING | 0x40), HVSIM_GP); /* not offered */
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SIMP, 0x1000 | 1), HVSIM_GP);     /* not RAM */
    CHECK_EQ(hvsim_wrmsr(0, 0x400000ff, 0), HVSIM_GP);
    CHECK_EQ(hvsim_rdmsr(0, 0x400000ff, &v), HVSIM_GP);
    CHECK_EQ(hvsim_rdmsr(2, HV_X64_MSR_VP_INDEX, &v), HVSIM_GP);         /* no such VP */
    /* read-backs */
    CHECK_EQ(hvsim_rdmsr(1, HV_X64_MSR_VP_INDEX, &v), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_SVERSION, &v), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(hvsim_rdmsr(1, HV_X64_MSR_SINT0 + 7, &v), 0);
    CHECK_EQ(v, HV_SINT_RESET_VALUE);
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_EOM, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SIMP, gpa | 0x5 ), 0);             /* RsvdP kept */
    hvsim_rdmsr(0, HV_X64_MSR_SIMP, &v);
    CHECK_EQ(v, gpa | 0x5);
    free_pages();
}

static void test_10000_messages_ordered(void)
{
    CHECK_EQ(boot("model", 1), 0);
    uint32_t next = 0;
    unsigned busy = 0;
    while (next < MAXSEQ && busy < 100000) {
        uint16_t st = hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &next, sizeof next);
        if (st == HV_STATUS_SUCCESS) {
            next++;
        } else {
            CHECK_EQ(st, HV_STATUS_INSUFFICIENT_BUFFERS);
            busy++;
            run_interrupts();
        }
    }
    run_interrupts();
    CHECK_EQ(nseen, MAXSEQ);
    unsigned bad = 0;
    for (unsigned i = 0; i < nseen && i < MAXSEQ; i++)
        bad += seen[i] != i;
    CHECK_EQ(bad, 0);
    CHECK(busy > 0);                      /* the slot really was busy */
    struct hvsim_stats s;
    hvsim_get_stats(&s);
    CHECK_EQ(s.delivered, MAXSEQ);
    CHECK(s.queued_busy > 0 && s.eom > 0);
    CHECK_EQ(s.lock_errors, 0);
    CHECK_EQ(hvsim_queue_depth(0, 2), 0);
    CHECK_EQ(guest_slot(0, 2)->header.message_type, HVMSG_NONE);
}

static void test_pending_and_eom(void)
{
    CHECK_EQ(boot("model", 1), 0);
    for (uint32_t i = 0; i < 3; i++)
        CHECK_EQ(hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &i, sizeof i), 0);
    struct hv_message *slot = guest_slot(0, 2);
    CHECK_EQ(slot->header.message_type, HVMSG_VMBUS);
    CHECK(slot->header.message_flags & HV_MESSAGE_FLAG_PENDING);
    CHECK_EQ(hvsim_queue_depth(0, 2), 2);
    CHECK_EQ(injections, 1);
    /* A guest that empties the slot without EOM: nothing moves ... */
    slot->header.message_type = HVMSG_NONE;
    CHECK_EQ(hvsim_queue_depth(0, 2), 2);
    /* ... until the next delivery finds the slot empty. */
    uint32_t three = 3;
    CHECK_EQ(hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &three, sizeof three), 0);
    uint32_t got;
    memcpy(&got, slot->payload, sizeof got);
    CHECK_EQ(got, 1);
    CHECK_EQ(hvsim_queue_depth(0, 2), 2);
    /* Now the guest handler: takes 1, sees MessagePending, EOMs, gets 2, 3. */
    struct hvsim_stats before, after;
    hvsim_get_stats(&before);
    run_interrupts();
    hvsim_get_stats(&after);
    CHECK_EQ(nseen, 3);
    CHECK(seen[0] == 1 && seen[1] == 2 && seen[2] == 3);
    CHECK(after.eom > before.eom);
    CHECK_EQ(hvsim_queue_depth(0, 2), 0);
}

static void test_masked_then_unmask(void)
{
    CHECK_EQ(boot("model", 2), 0);
    uint64_t sint;
    hvsim_rdmsr(1, HV_X64_MSR_SINT0 + 2, &sint);
    cur_cpu = 1;
    CHECK_EQ(hvsim_wrmsr_current(HV_X64_MSR_SINT0 + 2, sint | HV_SINT_MASKED), 0);
    cur_cpu = 0;
    for (uint32_t i = 0; i < 2; i++)
        CHECK_EQ(hvsim_post_to_guest(1, 2, HVMSG_VMBUS, &i, sizeof i), 0);
    CHECK_EQ(injections, 0);
    CHECK_EQ(guest_slot(1, 2)->header.message_type, HVMSG_NONE);
    CHECK_EQ(hvsim_queue_depth(1, 2), 2);
    CHECK_EQ(hvsim_signal_guest_event(1, 2, 9), HV_STATUS_INVALID_SYNIC_STATE);
    CHECK_EQ(hvsim_wrmsr(1, HV_X64_MSR_SINT0 + 2, sint), 0);   /* unmask */
    /* Model fix 7: unmasking retries nothing (TLFS: EOM, a new post, EOI) */
    CHECK_EQ(injections, 0);
    CHECK_EQ(hvsim_queue_depth(1, 2), 2);
    CHECK_EQ(hvsim_wrmsr(1, HV_X64_MSR_SCONTROL, HV_SYNIC_CONTROL_ENABLE), 0);
    CHECK_EQ(hvsim_wrmsr(1, HV_X64_MSR_SINT0 + 2, sint), 0);
    CHECK_EQ(injections, 0);
    CHECK_EQ(hvsim_wrmsr(1, HV_X64_MSR_EOM, 0), 0);
    CHECK_EQ(injections, 1);
    CHECK(irr[1][VEC]);
    run_interrupts();
    CHECK_EQ(nseen, 2);
    CHECK(seen[0] == 0 && seen[1] == 1);
    CHECK_EQ(hvsim_queue_depth(1, 2), 0);
}

/* Several sources set flags before the guest runs: one handler pass sees
 * them all, and a flag already set raises nothing. */
static uint16_t echo_event(void *ctx, uint32_t vp, uint32_t conn, uint16_t flag)
{
    (void)ctx; (void)conn;
    return hvsim_signal_guest_event(vp, 2, 100u + flag);
}

static void test_event_flags_coalesce(void)
{
    CHECK_EQ(boot("model", 1), 0);
    CHECK_EQ(hvsim_register_event_handler(20, 4, echo_event, NULL), 0);
    CHECK_EQ(hvsim_signal_guest_event(0, 2, 5), 0);
    CHECK_EQ(hvsim_signal_guest_event(0, 2, 64 + 7), 0);
    CHECK_EQ(hv_signal_event(20, 3), HV_STATUS_SUCCESS);       /* fast: bit 103 */
    CHECK_EQ(hv_signal_event_slow(20, 1), HV_STATUS_SUCCESS);  /* slow: bit 101 */
    unsigned raised = injections;
    CHECK_EQ(hvsim_signal_guest_event(0, 2, 5), 0);            /* already set */
    CHECK_EQ(injections, raised);
    CHECK_EQ(run_interrupts(), 1);
    CHECK_EQ(event_calls, 1);
    CHECK_EQ(events_seen[0], 1ull << 5);
    CHECK_EQ(events_seen[1], (1ull << 7) | (1ull << (101 - 64)) | (1ull << (103 - 64)));
    uint64_t siefp;
    hvsim_rdmsr(0, HV_X64_MSR_SIEFP, &siefp);
    struct hv_synic_event_flags_page *pg = (void *)(uintptr_t)(siefp & HV_MSR_GPFN_MASK);
    CHECK_EQ(pg->sintevent_flags[2].flags[0] | pg->sintevent_flags[2].flags[1], 0);
    CHECK_EQ(hvsim_signal_guest_event(0, 2, 5), 0);            /* clear again: raises */
    CHECK_EQ(injections, raised + 1);
    CHECK_EQ(hvsim_signal_guest_event(0, 2, 2048), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(hvsim_signal_guest_event(5, 2, 1), HV_STATUS_INVALID_VP_INDEX);
}

static uint16_t msg_status = HV_STATUS_SUCCESS;
static uint32_t msg_len, msg_type, msg_conn;
static uint8_t msg_payload[240];
static uint16_t msg_rx(void *ctx, uint32_t vp, uint32_t conn, uint32_t type,
                       const void *payload, uint32_t len)
{
    (void)ctx; (void)vp;
    msg_conn = conn; msg_type = type; msg_len = len;
    memcpy(msg_payload, payload, len);
    return msg_status;
}
static uint16_t ev_rx(void *ctx, uint32_t vp, uint32_t conn, uint16_t flag)
{
    (void)ctx; (void)vp; (void)conn; (void)flag;
    return HV_STATUS_SUCCESS;
}

static void test_invalid_hypercalls(void)
{
    CHECK_EQ(boot("model", 1), 0);
    CHECK_EQ(hvsim_register_message_handler(4, msg_rx, NULL), 0);
    CHECK_EQ(hvsim_register_event_handler(2, 1, ev_rx, NULL), 0);
    CHECK(hvsim_register_message_handler(4, msg_rx, NULL) != 0);   /* duplicate */
    uint8_t *in = alloc_page();
    struct hv_input_post_message *pm = (void *)in;
    uint64_t gpa = (uint64_t)(uintptr_t)in;
#define POST(setup, control, addr, want) do {                          \
        memset(pm, 0, sizeof *pm);                                    \
        pm->connection_id = 4; pm->message_type = 1; pm->payload_size = 8; \
        setup;                                                        \
        CHECK_EQ(hv_hypercall((control), (addr), 0), (want));         \
    } while (0)
    POST(, HVCALL_POST_MESSAGE, gpa, HV_STATUS_SUCCESS);
    CHECK(msg_conn == 4 && msg_type == 1 && msg_len == 8);
    POST(, 0x0099, gpa, HV_STATUS_INVALID_HYPERCALL_CODE);
    POST(, HVCALL_POST_MESSAGE | (1ull << 32), gpa, HV_STATUS_INVALID_HYPERCALL_INPUT); /* rep count */
    POST(, HVCALL_POST_MESSAGE | (1ull << 48), gpa, HV_STATUS_INVALID_HYPERCALL_INPUT); /* rep start */
    POST(, HVCALL_POST_MESSAGE | (1ull << 17), gpa, HV_STATUS_INVALID_HYPERCALL_INPUT); /* var header */
    POST(, HVCALL_POST_MESSAGE | (1ull << 27), gpa, HV_STATUS_INVALID_HYPERCALL_INPUT); /* RsvdZ */
    POST(, HVCALL_POST_MESSAGE | (1ull << 63), gpa, HV_STATUS_INVALID_HYPERCALL_INPUT);
    POST(, HVCALL_POST_MESSAGE, gpa + 4, HV_STATUS_INVALID_ALIGNMENT);
    POST(, HVCALL_POST_MESSAGE, gpa + HV_PAGE_SIZE - 128, HV_STATUS_INVALID_ALIGNMENT);
    POST(, HVCALL_POST_MESSAGE, 0x1000, HV_STATUS_INVALID_ALIGNMENT);       /* not RAM */
    POST(pm->payload_size = 241, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_PARAMETER);
    POST(pm->payload_size = 240, HVCALL_POST_MESSAGE, gpa, HV_STATUS_SUCCESS);
    POST(pm->message_type = 0, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_PARAMETER);
    POST(pm->message_type = 0x80000010u, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_PARAMETER);
    POST(pm->reserved = 1, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_HYPERCALL_INPUT);
    POST(pm->connection_id = 0x01000004, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_HYPERCALL_INPUT);
    POST(pm->connection_id = 1, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_CONNECTION_ID);
    POST(pm->connection_id = 2, HVCALL_POST_MESSAGE, gpa, HV_STATUS_INVALID_PORT_ID);
    CHECK_EQ(hv_hypercall_fast(HVCALL_POST_MESSAGE, 4, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
    msg_status = HV_STATUS_INSUFFICIENT_BUFFERS;   /* receiver's status comes back */
    CHECK_EQ(hv_post_message(4, 1, "hello", 5), HV_STATUS_INSUFFICIENT_BUFFERS);
    msg_status = HV_STATUS_SUCCESS;
    CHECK_EQ(hv_post_message(4, 1, "hello", 5), HV_STATUS_SUCCESS);
    CHECK(msg_len == 5 && memcmp(msg_payload, "hello", 5) == 0);
    CHECK_EQ(hv_post_message(4, 1, in, 241), HV_STATUS_INVALID_PARAMETER);
    /* HvSignalEvent */
    CHECK_EQ(hv_signal_event(2, 0), HV_STATUS_SUCCESS);
    CHECK_EQ(hv_signal_event(2, 1), HV_STATUS_INVALID_PARAMETER);       /* flag >= count */
    CHECK_EQ(hv_signal_event(3, 0), HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(hv_signal_event(4, 0), HV_STATUS_INVALID_PORT_ID);         /* message port */
    CHECK_EQ(hv_hypercall_fast(HVCALL_SIGNAL_EVENT, 2 | (1ull << 48), 0),
             HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK_EQ(hv_hypercall_fast(HVCALL_SIGNAL_EVENT, 0x01000002, 0),
             HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK_EQ(hv_hypercall(HVCALL_SIGNAL_EVENT, gpa + 2, 0), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(hv_hypercall(HVCALL_SIGNAL_EVENT, gpa + HV_PAGE_SIZE - 4, 0), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(hv_signal_event_slow(2, 0), HV_STATUS_SUCCESS);
    /* Host-side post validation */
    CHECK_EQ(hvsim_post_to_guest(0, 2, 1, in, 241), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(hvsim_post_to_guest(0, 16, 1, in, 8), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(hvsim_post_to_guest(0, 2, 0, in, 8), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(hvsim_post_to_guest(9, 2, 1, in, 8), HV_STATUS_INVALID_VP_INDEX);
}

static void test_access_denied(void)
{
    struct hvsim_config cfg;
    free_pages();
    hvsim_default_config(&cfg, 1);
    cfg.priv_hi = 0;   /* neither PostMessages nor SignalEvents */
    CHECK_EQ(hvsim_init(&machine, &cfg), 0);
    uint8_t *in = alloc_page();
    struct hv_input_post_message *pm = (void *)in;
    memset(pm, 0, sizeof *pm);
    pm->connection_id = 4; pm->message_type = 1;
    hvsim_wrmsr(0, HV_X64_MSR_GUEST_OS_ID, 1);
    uint8_t *hc = alloc_page();
    hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL, (uint64_t)(uintptr_t)hc | 1);
    CHECK_EQ(hvsim_hypercall_vp(0, HVCALL_POST_MESSAGE, (uint64_t)(uintptr_t)in, 0),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(hvsim_hypercall_vp(0, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 2, 0),
             HV_STATUS_ACCESS_DENIED);
    /* Hypercall page disabled: refused */
    hvsim_wrmsr(0, HV_X64_MSR_HYPERCALL, 0);
    CHECK_EQ(hvsim_hypercall_vp(0, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 2, 0),
             HV_STATUS_INVALID_HYPERCALL_CODE);
    free_pages();
}

static void test_guest_rejects_bad_host_message(void)
{
    CHECK_EQ(boot("model", 1), 0);
    struct hv_message *slot = guest_slot(0, 2);
    /* A hostile host writes a slot with payload_size 250. */
    slot->header.payload_size = 250;
    slot->header.message_type = HVMSG_VMBUS;
    unsigned warns = host_log_lines[LOG_WARN];
    irr[0][VEC] = true;
    run_interrupts();
    CHECK_EQ(nseen, 0);
    CHECK_EQ(host_log_lines[LOG_WARN], warns + 1);
    CHECK_EQ(slot->header.message_type, HVMSG_NONE);
}

/* Only type 1 (VMBus) reaches the VMBus handler: a hypervisor-range type
 * such as 0x80000000 on SINT2 is refused, not turned into a channel. */
static void test_guest_routes_by_message_type(void)
{
    CHECK_EQ(boot("model", 1), 0);
    unsigned long refused = hv_synic_refused_messages();
    uint32_t x = 42;
    CHECK_EQ(hvsim_post_to_guest(0, 2, 0x80000000u, &x, sizeof x), 0);
    run_interrupts();
    CHECK_EQ(nseen, 0);
    CHECK_EQ(hv_synic_refused_messages(), refused + 1);
    CHECK_EQ(hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &x, sizeof x), 0);
    run_interrupts();
    CHECK_EQ(nseen, 1);
    CHECK_EQ(hv_synic_refused_messages(), refused + 1);
    free_pages();
}

static void test_trace_narration(void)
{
    trace_mask = TRACE_HV;
    unsigned info = host_log_lines[LOG_INFO];
    CHECK_EQ(boot("model", 1), 0);
    uint32_t x = 7;
    hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &x, sizeof x);
    hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &x, sizeof x);
    CHECK(strstr(host_log_last, "queued") != NULL);
    run_interrupts();
    trace_mask = 0;
    CHECK(host_log_lines[LOG_INFO] > info + 10);
}

/* The model's lock masks interrupts itself and puts them back; its
 * *_locked paths check that they run under it, with interrupts off. */
static uint64_t lock_errors(void)
{
    struct hvsim_stats st;
    hvsim_get_stats(&st);
    return st.lock_errors;
}

static void test_lock_discipline(void)
{
    CHECK_EQ(boot("model", 1), 0);
    uint64_t v;
    CHECK(!fake_irqs_off());
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_SCONTROL, &v), 0);   /* locks, unlocks */
    CHECK(!fake_irqs_off());                                 /* interrupts back on */
    unsigned long f = fake_irq_save();
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_SCONTROL, &v), 0);
    CHECK(fake_irqs_off());                                  /* still off: nested */
    fake_irq_restore(f);
    CHECK_EQ(lock_errors(), 0);

    /* A *_locked path entered without the lock: counted and logged. */
    struct hvsim_inj inj = { 0 };
    unsigned errs = host_log_lines[LOG_ERR];
    hvsim_deliver_locked(0, 2, &inj);
    CHECK_EQ(lock_errors(), 1);
    CHECK_EQ(host_log_lines[LOG_ERR], errs + 1);
    CHECK(strstr(host_log_last, "hvsim_deliver_locked") != NULL &&
          strstr(host_log_last, "without its lock") != NULL);
    /* Held by another VP: the same. */
    hvsim_lock();
    cur_cpu = 1;
    hvsim_deliver_locked(0, 2, &inj);
    cur_cpu = 0;
    hvsim_unlock();
    CHECK_EQ(lock_errors(), 2);
    /* Held here, but the machine's irq_save left interrupts on. */
    fake_irq_save_broken = true;
    hvsim_lock();
    hvsim_deliver_locked(0, 2, &inj);
    hvsim_unlock();
    fake_irq_save_broken = false;
    CHECK_EQ(lock_errors(), 3);
    CHECK(strstr(host_log_last, "with interrupts on") != NULL);
    /* Held properly: no error. */
    hvsim_lock();
    hvsim_deliver_locked(0, 2, &inj);
    hvsim_unlock();
    CHECK_EQ(lock_errors(), 3);
    CHECK_EQ(inj.n, 0);
    CHECK(!fake_irqs_off());
}

int main(void)
{
    RUN_TEST(test_boot_model);
    RUN_TEST(test_boot_choices);
    RUN_TEST(test_boot_real_refusals);
    RUN_TEST(test_boot_real_after_firmware);
    RUN_TEST(test_msr_semantics);
    RUN_TEST(test_10000_messages_ordered);
    RUN_TEST(test_pending_and_eom);
    RUN_TEST(test_masked_then_unmask);
    RUN_TEST(test_event_flags_coalesce);
    RUN_TEST(test_invalid_hypercalls);
    RUN_TEST(test_access_denied);
    RUN_TEST(test_guest_rejects_bad_host_message);
    RUN_TEST(test_guest_routes_by_message_type);
    RUN_TEST(test_trace_narration);
    RUN_TEST(test_lock_discipline);
    free_pages();
    CHECK_MAIN_END();
}
