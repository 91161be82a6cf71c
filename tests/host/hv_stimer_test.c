/* Synthetic timers (TLFS "Timers") in one process: the model's STIMER MSRs
 * and expiry on a fake reference clock that the test moves by hand, and the
 * guest's clock-event layer (drivers/hv/hv_stimer.c) on top, with a
 * recorder standing in for the APIC. */
#include <stdlib.h>
#include <string.h>
#include "drivers/backend.h"
#include "drivers/hv/hv.h"
#include "drivers/hvsim/hvsim.h"
#include "tests/host/check.h"
#include "tests/host/fake_guest_ram.h"
#include "tests/host/fake_irq.h"

#define SINT_VEC   0x40
#define TIMER_VEC  0x41
#define CFG(t)  (HV_X64_MSR_STIMER0_CONFIG + 2 * (t))
#define CNT(t)  (HV_X64_MSR_STIMER0_COUNT + 2 * (t))
#define SINT2   (2ull << HV_STIMER_SINT_SHIFT)

static uint64_t clock_100ns = 1000;
static unsigned irr[HVSIM_MAX_VPS][256];   /* injections per vector, not yet taken */

static void *alloc_page(void) { return fake_ram_alloc_page(); }
static void free_pages(void) { fake_ram_reset(); }
static void *gpa_to_ptr(uint64_t gpa, size_t len) { return fake_ram_gpa_to_ptr(gpa, len); }

static void inject(uint32_t vp, uint8_t vector) { irr[vp][vector]++; }
static uint32_t current_vp(void) { return 0; }
static unsigned this_cpu(void) { return 0; }
static uint64_t ref_time(void) { return clock_100ns; }
static int alloc_vector(void) { return SINT_VEC; }
static int alloc_timer_vector(void) { return TIMER_VEC; }
static uint64_t fake_tsc;
static uint64_t read_fake_tsc(void) { return fake_tsc; }

static const struct hvsim_machine machine = {
    .inject = inject, .gpa_to_ptr = gpa_to_ptr, .current_vp = current_vp,
    .ref_time_100ns = ref_time, .tsc_hz = 2000000000ull, .apic_hz = 200000000ull,
    .read_tsc = read_fake_tsc,
    .irq_save = fake_irq_save, .irq_restore = fake_irq_restore, .irqs_off = fake_irqs_off,
};
static const struct hvsim_machine machine_no_clock = {
    .inject = inject, .gpa_to_ptr = gpa_to_ptr, .current_vp = current_vp,
    .irq_save = fake_irq_save, .irq_restore = fake_irq_restore, .irqs_off = fake_irqs_off,
};

static uint64_t fake_call(void *page, uint64_t control, uint64_t rdx, uint64_t r8)
{
    (void)page;
    return hvsim_hypercall(control, rdx, r8);
}

/* A bare model with VP0's SynIC up: SIMP, SIEFP, SINT2 -> SINT_VEC. */
static struct hv_message *model_up(const struct hvsim_machine *p, uint32_t features_edx_off)
{
    struct hvsim_config cfg;
    free_pages();
    memset(irr, 0, sizeof irr);
    hvsim_default_config(&cfg, 2);
    cfg.features_edx &= ~features_edx_off;
    CHECK_EQ(hvsim_init(p, &cfg), 0);
    uint8_t *simp = alloc_page(), *siefp = alloc_page();
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SIMP, (uint64_t)(uintptr_t)simp | 1), 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SIEFP, (uint64_t)(uintptr_t)siefp | 1), 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SINT0 + 2, SINT_VEC), 0);
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_SCONTROL, 1), 0);
    return &((struct hv_message_page *)simp)->sint_message[2];
}

static const struct hv_timer_message_payload *timer_payload(const struct hv_message *m)
{
    return (const void *)m->payload;
}

static void advance(uint64_t units)
{
    clock_100ns += units;
    hvsim_poll_timers();
}

/* ---- model ------------------------------------------------------------- */
static void test_cpuid_offers_timers_only_with_a_clock(void)
{
    uint32_t r[4];
    uint64_t v;
    model_up(&machine, 0);
    hvsim_cpuid(HV_CPUID_FEATURES, r);
    CHECK(r[0] & HV_MSR_SYNTIMER_AVAILABLE);
    CHECK(r[3] & HV_STIMER_DIRECT_MODE_AVAILABLE);
    CHECK_EQ(hvsim_rdmsr(0, CFG(3), &v), 0);
    model_up(&machine_no_clock, 0);
    hvsim_cpuid(HV_CPUID_FEATURES, r);
    CHECK_EQ(r[0] & HV_MSR_SYNTIMER_AVAILABLE, 0);
    CHECK_EQ(r[3] & HV_STIMER_DIRECT_MODE_AVAILABLE, 0);
    CHECK_EQ(hvsim_rdmsr(0, CFG(0), &v), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, CNT(0), 5), HVSIM_GP);
    hvsim_poll_timers();   /* harmless without timers */
}

static void test_msr_semantics(void)
{
    uint64_t v;
    model_up(&machine, 0);
    for (unsigned t = 0; t < HV_STIMER_COUNT; t++) {   /* reset value 0 */
        CHECK_EQ(hvsim_rdmsr(1, CFG(t), &v), 0);
        CHECK_EQ(v, 0);
        CHECK_EQ(hvsim_rdmsr(1, CNT(t), &v), 0);
        CHECK_EQ(v, 0);
    }
    CHECK_EQ(hvsim_wrmsr(1, CFG(2), SINT2 | HV_STIMER_LAZY | HV_STIMER_PERIODIC), 0);
    CHECK_EQ(hvsim_wrmsr(1, CNT(2), 12345), 0);
    CHECK_EQ(hvsim_rdmsr(1, CFG(2), &v), 0);
    CHECK_EQ(v, SINT2 | HV_STIMER_LAZY | HV_STIMER_PERIODIC);   /* no AutoEnable */
    CHECK_EQ(hvsim_rdmsr(1, CNT(2), &v), 0);
    CHECK_EQ(v, 12345);
    CHECK_EQ(hvsim_rdmsr(0, CNT(2), &v), 0);
    CHECK_EQ(v, 0);                                              /* per VP */
    /* RsvdZ bits 15:13 and 63:20 */
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), SINT2 | (1ull << 13)), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), SINT2 | (1ull << 15)), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), SINT2 | (1ull << 20)), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), SINT2 | (1ull << 63)), HVSIM_GP);
    /* direct mode: vector below 16 on an enabled timer */
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), HV_STIMER_DIRECT_MODE | HV_STIMER_ENABLE | (5 << 4)), HVSIM_GP);
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), HV_STIMER_DIRECT_MODE | (0x50 << 4)), 0);
    /* SINTx 0 on an enabled message-mode timer: Enable drops at once */
    CHECK_EQ(hvsim_wrmsr(0, CFG(1), HV_STIMER_ENABLE | HV_STIMER_PERIODIC), 0);
    CHECK_EQ(hvsim_rdmsr(0, CFG(1), &v), 0);
    CHECK_EQ(v, HV_STIMER_PERIODIC);
    /* AutoEnable: a non-zero COUNT enables; COUNT 0 disables regardless */
    CHECK_EQ(hvsim_wrmsr(0, CFG(1), SINT2 | HV_STIMER_AUTO_ENABLE | HV_STIMER_PERIODIC), 0);
    CHECK_EQ(hvsim_wrmsr(0, CNT(1), 100), 0);
    CHECK_EQ(hvsim_rdmsr(0, CFG(1), &v), 0);
    CHECK(v & HV_STIMER_ENABLE);
    CHECK_EQ(hvsim_wrmsr(0, CNT(1), 0), 0);
    CHECK_EQ(hvsim_rdmsr(0, CFG(1), &v), 0);
    CHECK_EQ(v & HV_STIMER_ENABLE, 0);
    CHECK_EQ(hvsim_wrmsr(2, CFG(0), 0), HVSIM_GP);       /* no such VP */
    CHECK_EQ(hvsim_rdmsr(0, CFG(0) + 8, &v), HVSIM_GP);  /* 0x400000b8: no STIMER4 */

    model_up(&machine, HV_STIMER_DIRECT_MODE_AVAILABLE);      /* direct not offered */
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), HV_STIMER_DIRECT_MODE | (0x50 << 4)), HVSIM_GP);
}

/* One-shot: COUNT is absolute; fires at the first poll at or after it,
 * exactly once, with the TLFS payload; Enable clears itself. */
static void test_oneshot_message(void)
{
    struct hv_message *slot = model_up(&machine, 0);
    uint64_t due = clock_100ns + 500, v;
    CHECK_EQ(hvsim_wrmsr(0, CFG(1), SINT2 | HV_STIMER_AUTO_ENABLE), 0);
    CHECK_EQ(hvsim_wrmsr(0, CNT(1), due), 0);
    advance(499);
    CHECK_EQ(slot->header.message_type, HVMSG_NONE);       /* never early */
    CHECK_EQ(irr[0][SINT_VEC], 0);
    advance(3);
    CHECK_EQ(slot->header.message_type, HVMSG_TIMER_EXPIRED);
    CHECK_EQ(slot->header.payload_size, sizeof(struct hv_timer_message_payload));
    CHECK_EQ(timer_payload(slot)->timer_index, 1);
    CHECK_EQ(timer_payload(slot)->expiration_time, due);
    CHECK_EQ(timer_payload(slot)->delivery_time, due + 2);
    CHECK_EQ(irr[0][SINT_VEC], 1);
    CHECK_EQ(hvsim_rdmsr(0, CFG(1), &v), 0);
    CHECK_EQ(v & HV_STIMER_ENABLE, 0);
    slot->header.message_type = HVMSG_NONE;                  /* guest takes it */
    advance(100000);
    CHECK_EQ(slot->header.message_type, HVMSG_NONE);        /* once */
    CHECK_EQ(irr[0][SINT_VEC], 1);
    /* A one-shot whose COUNT is already past fires inside the MSR write. */
    CHECK_EQ(hvsim_wrmsr(0, CNT(1), clock_100ns - 10), 0);
    CHECK_EQ(slot->header.message_type, HVMSG_TIMER_EXPIRED);
    CHECK_EQ(irr[0][SINT_VEC], 2);
}

/* Periodic: the first period starts at enable; later ones on the same grid;
 * a long gap yields one expiration, not a burst (missed periods skipped). */
static void test_periodic_direct(void)
{
    model_up(&machine, 0);
    uint64_t t0 = clock_100ns, v;
    const uint64_t cfg = HV_STIMER_DIRECT_MODE | ((uint64_t)TIMER_VEC << 4) | HV_STIMER_PERIODIC;
    CHECK_EQ(hvsim_wrmsr(0, CNT(0), 1000), 0);
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), cfg | HV_STIMER_ENABLE), 0);
    for (unsigned k = 1; k <= 5; k++) {
        advance(999);
        CHECK_EQ(irr[0][TIMER_VEC], k - 1);
        advance(1);
        CHECK_EQ(irr[0][TIMER_VEC], k);
        CHECK_EQ(clock_100ns, t0 + 1000 * k);
    }
    advance(3500);                     /* 3.5 periods in one poll */
    CHECK_EQ(irr[0][TIMER_VEC], 6);
    advance(499);                      /* next due: t0 + 9000, on the grid */
    CHECK_EQ(irr[0][TIMER_VEC], 6);
    advance(1);
    CHECK_EQ(irr[0][TIMER_VEC], 7);
    CHECK_EQ(irr[0][SINT_VEC], 0);     /* direct mode sends no message */
    CHECK_EQ(hvsim_rdmsr(0, CFG(0), &v), 0);
    CHECK(v & HV_STIMER_ENABLE);       /* periodic stays enabled */
    struct hvsim_stats s;
    hvsim_get_stats(&s);
    CHECK_EQ(s.timer_expired, 7);
    CHECK_EQ(s.posted, 0);
    CHECK_EQ(hvsim_wrmsr(0, CNT(0), 0), 0);   /* COUNT 0 stops it */
    advance(10000);
    CHECK_EQ(irr[0][TIMER_VEC], 7);
}

/* The guest does not take the slot: the second expiration queues, later
 * ones fold into that one message; EOM brings it in, stamped on delivery. */
static void test_message_not_duplicated_while_pending(void)
{
    struct hv_message *slot = model_up(&machine, 0);
    CHECK_EQ(hvsim_wrmsr(0, CNT(0), 100), 0);
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), SINT2 | HV_STIMER_PERIODIC | HV_STIMER_ENABLE), 0);
    uint64_t first_due = clock_100ns + 100;
    for (unsigned k = 0; k < 5; k++)
        advance(100);
    struct hvsim_stats s;
    hvsim_get_stats(&s);
    CHECK_EQ(s.timer_expired, 5);
    CHECK_EQ(s.timer_coalesced, 3);
    CHECK_EQ(hvsim_queue_depth(0, 2), 1);
    CHECK_EQ(timer_payload(slot)->expiration_time, first_due);
    CHECK(slot->header.message_flags & HV_MESSAGE_FLAG_PENDING);
    /* guest: empty the slot, EOM */
    slot->header.message_type = HVMSG_NONE;
    clock_100ns += 7;
    CHECK_EQ(hvsim_wrmsr(0, HV_X64_MSR_EOM, 0), 0);
    CHECK_EQ(slot->header.message_type, HVMSG_TIMER_EXPIRED);
    CHECK_EQ(timer_payload(slot)->expiration_time, first_due + 400);   /* the latest */
    CHECK_EQ(timer_payload(slot)->delivery_time, clock_100ns);
    CHECK_EQ(hvsim_queue_depth(0, 2), 0);
    /* Next expiration: slot busy again, queued once more. */
    advance(100);
    CHECK_EQ(hvsim_queue_depth(0, 2), 1);
    /* Reprogramming withdraws the queued message (KVM stimer_cleanup). */
    CHECK_EQ(hvsim_wrmsr(0, CNT(0), 0), 0);
    CHECK_EQ(hvsim_queue_depth(0, 2), 0);
}

/* Timer and VMBus messages share SINT2's queue without losing either. */
static void test_timer_and_vmbus_share_queue(void)
{
    struct hv_message *slot = model_up(&machine, 0);
    uint32_t x = 42;
    CHECK_EQ(hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &x, sizeof x), 0);   /* in the slot */
    CHECK_EQ(hvsim_wrmsr(0, CFG(0), SINT2 | HV_STIMER_AUTO_ENABLE), 0);
    CHECK_EQ(hvsim_wrmsr(0, CNT(0), clock_100ns + 10), 0);
    CHECK_EQ(hvsim_post_to_guest(0, 2, HVMSG_VMBUS, &x, sizeof x), 0);   /* queued */
    advance(10);
    CHECK_EQ(hvsim_queue_depth(0, 2), 2);
    uint32_t order[3];
    for (unsigned i = 0; i < 3; i++) {
        order[i] = slot->header.message_type;
        slot->header.message_type = HVMSG_NONE;
        hvsim_wrmsr(0, HV_X64_MSR_EOM, 0);
    }
    CHECK_EQ(order[0], HVMSG_VMBUS);
    CHECK_EQ(order[1], HVMSG_VMBUS);
    CHECK_EQ(order[2], HVMSG_TIMER_EXPIRED);
}

/* ---- guest clock-event layer ------------------------------------------- */
static unsigned fires;
static void on_fire(void *ctx) { (*(unsigned *)ctx)++; }

/* The guest over a freshly started model, as hv=model boots it. */
static int guest_up(const struct hvsim_machine *m, bool with_timer_vector)
{
    struct hv_boot_params p = {
        .nr_cpus = 1, .alloc_vector = alloc_vector,
        .alloc_stimer_vector = with_timer_vector ? alloc_timer_vector : NULL,
        .alloc_page = alloc_page, .call_page = fake_call, .this_cpu = this_cpu,
    };
    struct hvsim_config cfg;
    free_pages();
    memset(irr, 0, sizeof irr);
    fires = 0;
    hvsim_default_config(&cfg, 1);
    if (hvsim_init(m, &cfg) != 0)
        return -1;
    return hv_init(&p, &backend_model_ops);
}

static int boot(bool with_timer_vector)
{
    if (guest_up(&machine, with_timer_vector) != 0 || hv_synic_init_cpu(0) != 0)
        return -1;
    return hv_stimer_init();
}

/* The "CPU": take pending vectors into the guest's handlers. */
static void run_interrupts(void)
{
    for (bool any = true; any;) {
        any = false;
        if (irr[0][SINT_VEC]) {
            irr[0][SINT_VEC] = 0;
            hv_synic_isr();
            any = true;
        }
        if (irr[0][TIMER_VEC]) {
            irr[0][TIMER_VEC] = 0;
            hv_stimer_isr();
            any = true;
        }
    }
}

static void guest_oneshot_and_periodic(enum hv_stimer_mode mode)
{
    struct hv_stimer_stats s;
    CHECK_EQ(hv_stimer_set_mode(mode), 0);
    CHECK_EQ(hv_stimer_mode(), mode);
    /* one-shot 1 ms: 10000 units (+1 for the unit already begun) */
    CHECK_EQ(hv_stimer_arm_oneshot(1000000, on_fire, &fires), 0);
    advance(10000);
    run_interrupts();
    CHECK_EQ(fires, 0);
    advance(1);
    run_interrupts();
    CHECK_EQ(fires, 1);
    advance(100000);
    run_interrupts();
    CHECK_EQ(fires, 1);
    /* periodic 50 us, 4 periods */
    CHECK_EQ(hv_stimer_arm_periodic(50000, on_fire, &fires), 0);
    for (unsigned k = 0; k < 4; k++) {
        advance(500);
        run_interrupts();
    }
    CHECK_EQ(fires, 5);
    hv_stimer_stop();
    advance(5000);
    run_interrupts();
    CHECK_EQ(fires, 5);
    hv_stimer_get_stats(0, &s);
    CHECK_EQ(s.fired, 5);
    CHECK_EQ(s.stale, 0);
    uint64_t v;
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_STIMER0_CONFIG, &v), 0);
    CHECK_EQ(v, 0);
}

/* Model fix 8: the reference TSC page as Hyper-V and KVM provide it
 * (sequence, scale, offset: TLFS "Partition reference TSC mechanism"), and
 * the guest's reference time read from it, not from the MSR. */
static void test_reference_tsc_page(void)
{
    CHECK_EQ(boot(true), 0);
    fake_tsc = 0;
    uint64_t at_enable = clock_100ns;
    CHECK_EQ(hv_time_init(), 0);
    uint64_t msr;
    CHECK_EQ(hvsim_rdmsr(0, HV_X64_MSR_REFERENCE_TSC, &msr), 0);
    CHECK(msr & HV_SYNIC_PAGE_ENABLE);
    const struct hv_ref_tsc_page *pg = gpa_to_ptr(msr & HV_MSR_GPFN_MASK, 4096);
    CHECK(pg != NULL);
    if (!pg)
        return;
    CHECK(pg->tsc_sequence != 0);
    /* the page agrees with TIME_REF_COUNT, 2 units ahead, never behind */
    CHECK_EQ(pg->tsc_offset, (int64_t)at_enable + 2);
    /* scale = 10^7 * 2^64 / tsc_hz: one second of TSC is 10^7 units */
    CHECK_EQ(pg->tsc_scale, (uint64_t)(((unsigned __int128)10000000u << 64) / 2000000000u));
    fake_tsc = 2000000000ull;
    uint64_t t = 0, msr_time = clock_100ns;
    clock_100ns = 42;   /* the MSR says something else now: the page must win */
    CHECK(hv_ref_time(read_fake_tsc, &t));
    CHECK(t >= at_enable + 2 + 9999999 && t <= at_enable + 2 + 10000000);
    CHECK(hv_ref_time(NULL, &t));   /* no TSC reader: TIME_REF_COUNT */
    CHECK_EQ(t, 42);
    clock_100ns = msr_time;
}

static void test_guest_direct_mode(void)
{
    CHECK_EQ(boot(true), 0);
    CHECK_EQ(hv_stimer_mode(), HV_STIMER_DIRECT);   /* offered and a vector: direct */
    guest_oneshot_and_periodic(HV_STIMER_DIRECT);
    CHECK_EQ(irr[0][SINT_VEC], 0);
}

static void test_guest_message_mode(void)
{
    CHECK_EQ(boot(false), 0);
    CHECK_EQ(hv_stimer_mode(), HV_STIMER_MESSAGE);  /* no vector: messages */
    CHECK(hv_stimer_set_mode(HV_STIMER_DIRECT) != 0);
    guest_oneshot_and_periodic(HV_STIMER_MESSAGE);
    struct hvsim_stats s;
    hvsim_get_stats(&s);
    CHECK_EQ(s.delivered, 5);
}

/* A timer message left in the slot from an earlier arming is not taken for
 * the new deadline. */
static void test_guest_ignores_stale_message(void)
{
    CHECK_EQ(boot(false), 0);
    CHECK_EQ(hv_stimer_arm_oneshot(1000, on_fire, &fires), 0);
    advance(100);                       /* expired; message in the slot */
    CHECK_EQ(hv_stimer_arm_oneshot(1000000, on_fire, &fires), 0);   /* re-armed */
    run_interrupts();
    CHECK_EQ(fires, 0);
    struct hv_stimer_stats s;
    hv_stimer_get_stats(0, &s);
    CHECK_EQ(s.stale, 1);
    advance(10001);
    run_interrupts();
    CHECK_EQ(fires, 1);
}

static void test_guest_without_timers(void)
{
    CHECK_EQ(guest_up(&machine_no_clock, false), 0);
    CHECK(hv_stimer_init() != 0);
    CHECK_EQ(hv_stimer_mode(), HV_STIMER_NONE);
    CHECK(hv_stimer_arm_oneshot(1000, on_fire, &fires) != 0);
}

int main(void)
{
    RUN_TEST(test_cpuid_offers_timers_only_with_a_clock);
    RUN_TEST(test_msr_semantics);
    RUN_TEST(test_oneshot_message);
    RUN_TEST(test_periodic_direct);
    RUN_TEST(test_message_not_duplicated_while_pending);
    RUN_TEST(test_timer_and_vmbus_share_queue);
    RUN_TEST(test_reference_tsc_page);
    RUN_TEST(test_guest_direct_mode);
    RUN_TEST(test_guest_message_mode);
    RUN_TEST(test_guest_ignores_stale_message);
    RUN_TEST(test_guest_without_timers);
    free_pages();
    CHECK_MAIN_END();
}
