/* The conformance checks (kernel/tests/conformance_*.c) against a small
 * fake Hyper-V host: a correct one passes every check, and for each check
 * a host that is wrong in the one way it checks makes that check FAIL. A
 * table entry per check, and a test that no check lacks one. */
#include <stdarg.h>
#include <string.h>
#include "tests/host/check.h"
#include "kernel/tests/conformance.h"
#include "drivers/hv/hv.h"
#include "drivers/hyperv/vmbus_proto.h"

enum bug {
    BUG_NONE, BUG_NO_HV_BIT, BUG_VENDOR, BUG_MAX_LEAF, BUG_INTERFACE, BUG_FREQ_GP, BUG_DIRECT_NO_TIMERS,
    BUG_OS_ID_ZERO, BUG_HYPERCALL_OFF, BUG_VP_INDEX_WRITABLE,
    BUG_REF_COUNT_WRITABLE, BUG_FREQ_WRITABLE, BUG_SVERSION_2, BUG_SVERSION_WRITABLE,
    BUG_SINT_LOW_OK, BUG_CODE0_OK, BUG_REP_IGNORED, BUG_RSVD_IGNORED, BUG_ALIGN_IGNORED,
    BUG_SIGNAL_RSVD_IGNORED, BUG_SIGNAL_PORT_ID, BUG_POST_PORT_ID, BUG_PAGE_OFFSET,
    BUG_STIMER_EARLY, BUG_STIMER_TWICE, BUG_STIMER_NEVER, BUG_ODD_VERSION, BUG_NO_OFFERS,
    BUG_IC_UNNEGOTIATED, BUG_NO_INTERRUPTS, BUG_RETARGET_FAILS,
};

static struct {
    enum bug bug;
    uint64_t now;            /* reference time: +1 per TIME_REF_COUNT read */
    uint64_t sint[HV_SYNIC_SINT_COUNT];
    uint32_t vmbus_version;
    bool page_invalid;
    bool other_vendor;
    _Alignas(8) uint8_t input[HV_PAGE_SIZE];
} fake;

static uint32_t str4(const char *s)
{
    uint32_t v;
    memcpy(&v, s, 4);
    return v;
}

static void f_cpuid(uint32_t leaf, uint32_t r[4])
{
    memset(r, 0, 4 * sizeof r[0]);
    switch (leaf) {
    case 1:
        r[2] = fake.bug == BUG_NO_HV_BIT ? 0 : HV_CPUID1_ECX_HYPERVISOR;
        break;
    case HV_CPUID_VENDOR_AND_MAX:
        r[0] = fake.bug == BUG_MAX_LEAF ? HV_CPUID_INTERFACE : HV_CPUID_HW_FEATURES;
        r[1] = str4(fake.bug == BUG_VENDOR ? "\0\0\0\0" : fake.other_vendor ? "Sint" : "Micr");
        r[2] = str4(fake.bug == BUG_VENDOR ? "\0\0\0\0" : fake.other_vendor ? "erHv" : "osof");
        r[3] = str4(fake.bug == BUG_VENDOR ? "\0\0\0\0" : fake.other_vendor ? "Sim " : "t Hv");
        break;
    case HV_CPUID_INTERFACE:
        r[0] = fake.bug == BUG_INTERFACE ? str4("Hv#0") : HV_INTERFACE_HV1;
        break;
    case HV_CPUID_FEATURES:
        r[0] = HV_MSR_TIME_REF_COUNT_AVAILABLE | HV_MSR_SYNIC_AVAILABLE |
               HV_MSR_SYNTIMER_AVAILABLE | HV_MSR_HYPERCALL_AVAILABLE |
               HV_MSR_VP_INDEX_AVAILABLE | HV_MSR_REFERENCE_TSC_AVAILABLE |
               HV_ACCESS_FREQUENCY_MSRS;
        if (fake.bug == BUG_DIRECT_NO_TIMERS)
            r[0] &= ~HV_MSR_SYNTIMER_AVAILABLE;
        r[1] = HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
        r[3] = HV_STIMER_DIRECT_MODE_AVAILABLE | HV_FEATURE_FREQUENCY_MSRS_AVAILABLE;
        break;
    case HV_CPUID_LIMITS:
        r[0] = 64;
        break;
    default:
        break;
    }
}

/* A bug of the host under test (BUG_NONE names none). */
static bool has(enum bug b)
{
    return b != BUG_NONE && fake.bug == b;
}

/* The fake's MSRs besides the SINTs: what a correct host reads, what the
 * row's bug makes it read instead (FAKE_GP: the read #GPs), and the bug
 * that lets a write through (every write #GPs on a correct host: all are
 * read-only or only read by the checks). TIME_REF_COUNT reads fake.now. */
#define FAKE_GP UINT64_MAX
static const struct fake_msr {
    uint32_t msr;
    uint64_t value;
    enum bug bug;
    uint64_t buggy;
    enum bug writable;
} msrs[] = {
    { HV_X64_MSR_GUEST_OS_ID, HV_SINTER_GUEST_OS_ID, BUG_OS_ID_ZERO, 0, BUG_NONE },
    { HV_X64_MSR_HYPERCALL, 0x5000 | HV_HYPERCALL_ENABLE, BUG_HYPERCALL_OFF, 0x5000, BUG_NONE },
    { HV_X64_MSR_VP_INDEX, 1, BUG_NONE, 0, BUG_VP_INDEX_WRITABLE },
    { HV_X64_MSR_TIME_REF_COUNT, 0, BUG_NONE, 0, BUG_REF_COUNT_WRITABLE },
    { HV_X64_MSR_REFERENCE_TSC, 0x6000 | HV_SYNIC_PAGE_ENABLE, BUG_NONE, 0, BUG_NONE },
    { HV_X64_MSR_TSC_FREQUENCY, 1000000000u, BUG_FREQ_GP, FAKE_GP, BUG_FREQ_WRITABLE },
    { HV_X64_MSR_APIC_FREQUENCY, 1000000000u, BUG_FREQ_GP, FAKE_GP, BUG_FREQ_WRITABLE },
    { HV_X64_MSR_SVERSION, HV_SYNIC_VERSION_1, BUG_SVERSION_2, 2, BUG_SVERSION_WRITABLE },
    { HV_X64_MSR_STIMER0_CONFIG, 0, BUG_NONE, 0, BUG_NONE },
};

static const struct fake_msr *fake_msr(uint32_t msr)
{
    for (size_t i = 0; i < sizeof msrs / sizeof msrs[0]; i++)
        if (msrs[i].msr == msr)
            return &msrs[i];
    return NULL;
}

static bool is_sint(uint32_t msr)
{
    return msr >= HV_X64_MSR_SINT0 && msr < HV_X64_MSR_SINT0 + HV_SYNIC_SINT_COUNT;
}

static int f_rdmsr(uint32_t msr, uint64_t *v)
{
    *v = 0;
    if (is_sint(msr)) {
        *v = fake.sint[msr - HV_X64_MSR_SINT0];
        return 0;
    }
    const struct fake_msr *m = fake_msr(msr);
    uint64_t val = !m ? FAKE_GP : msr == HV_X64_MSR_TIME_REF_COUNT ? fake.now++
                 : has(m->bug) ? m->buggy : m->value;
    if (val == FAKE_GP)
        return -1;
    *v = val;
    return 0;
}

static int f_wrmsr(uint32_t msr, uint64_t v)
{
    if (is_sint(msr)) {
        if (!(v & HV_SINT_MASKED) && (v & HV_SINT_VECTOR_MASK) < HV_SYNIC_FIRST_VALID_VECTOR &&
            fake.bug != BUG_SINT_LOW_OK)
            return -1;
        fake.sint[msr - HV_X64_MSR_SINT0] = v;
        return 0;
    }
    const struct fake_msr *m = fake_msr(msr);
    return m && has(m->writable) ? 0 : -1;
}

/* SignalEvent/PostMessage as the TLFS has them, with the bugs. */
static uint64_t call(uint64_t control, uint64_t p1, bool fast)
{
    uint16_t code = control & HV_HYPERCALL_CODE_MASK;
    if (code != HVCALL_SIGNAL_EVENT && code != HVCALL_POST_MESSAGE)
        return fake.bug == BUG_CODE0_OK && code == 0 ? HV_STATUS_SUCCESS
                                                     : HV_STATUS_INVALID_HYPERCALL_CODE;
    if ((control & (HV_HYPERCALL_RSVD0_MASK | HV_HYPERCALL_RSVD1_MASK | HV_HYPERCALL_RSVD2_MASK)) &&
        fake.bug != BUG_RSVD_IGNORED)
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    if ((control & (HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK)) &&
        fake.bug != BUG_REP_IGNORED)
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    uint32_t conn;
    if (fast) {
        if (code == HVCALL_POST_MESSAGE)
            return HV_STATUS_INVALID_HYPERCALL_CODE;
        if ((p1 >> 48 || (p1 & 0xff000000u)) && fake.bug != BUG_SIGNAL_RSVD_IGNORED)
            return HV_STATUS_INVALID_HYPERCALL_INPUT;
        conn = (uint32_t)p1;
    } else {
        if ((p1 & 7) && fake.bug != BUG_ALIGN_IGNORED)
            return HV_STATUS_INVALID_ALIGNMENT;
        uint64_t off = p1 - (uint64_t)(uintptr_t)fake.input;
        if (off > HV_PAGE_SIZE - 8)
            return HV_STATUS_INVALID_ALIGNMENT;
        memcpy(&conn, fake.input + off, 4);
    }
    if (code == HVCALL_SIGNAL_EVENT && fake.bug == BUG_SIGNAL_PORT_ID)
        return HV_STATUS_INVALID_PORT_ID;   /* what KVM answers */
    if (code == HVCALL_POST_MESSAGE && fake.bug == BUG_POST_PORT_ID)
        return HV_STATUS_INVALID_PORT_ID;
    (void)conn;   /* the fake has no connections */
    return HV_STATUS_INVALID_CONNECTION_ID;
}

static uint64_t f_hypercall(uint64_t control, uint64_t in, uint64_t out)
{
    (void)out;
    return call(control, in, false);
}

static uint64_t f_hypercall_fast(uint64_t control, uint64_t p1, uint64_t p2)
{
    (void)p2;
    return call(control, p1, true);
}

static bool f_ref_time_page(uint64_t *t)
{
    if (fake.page_invalid)
        return false;
    *t = fake.now + (fake.bug == BUG_PAGE_OFFSET ? 50 : 0);
    return true;
}

static int f_stimer_oneshot(enum conf_stimer_mode mode, uint64_t ns, struct conf_stimer_run *r)
{
    (void)mode;
    r->armed_ref = 1000;
    r->fired = fake.bug != BUG_STIMER_NEVER;
    r->callbacks = fake.bug == BUG_STIMER_TWICE ? 2 : r->fired;
    r->fired_ref = 1000 + ns / 100 + (fake.bug == BUG_STIMER_EARLY ? -10 : 3);
    return 0;
}

static bool f_vmbus_view(struct conf_vmbus *v)
{
    *v = (struct conf_vmbus){
        .connected = true,
        .version = fake.bug == BUG_ODD_VERSION ? VMBUS_VERSION(4, 2) : fake.vmbus_version,
        .channels = fake.bug == BUG_NO_OFFERS ? 0 : 5,
        .ics = 3,
        .ics_negotiated = fake.bug == BUG_IC_UNNEGOTIATED ? 2 : 3,
        .open_channels = 3,
        .channels_interrupted = fake.bug == BUG_NO_INTERRUPTS ? 0 : 3,
    };
    return true;
}

static int f_vmbus_retarget(char *what, size_t n)
{
    snprintf(what, n, "relid 3 from VP 0 to VP 1");
    return fake.bug == BUG_RETARGET_FAILS ? -5 : 0;
}

static const struct conf_host host = {
    .cpuid = f_cpuid, .rdmsr = f_rdmsr, .wrmsr = f_wrmsr,
    .hypercall = f_hypercall, .hypercall_fast = f_hypercall_fast,
    .input = fake.input, .input_gpa = 0,   /* set in reset() */
    .ref_time_page = f_ref_time_page, .stimer_oneshot = f_stimer_oneshot,
    .vmbus_view = f_vmbus_view, .vmbus_retarget = f_vmbus_retarget,
};

static struct conf_host h;

static void reset(enum bug bug)
{
    memset(&fake, 0, sizeof fake);
    fake.bug = bug;
    fake.now = 5000;
    fake.vmbus_version = VMBUS_VERSION_WIN10_5_3;
    for (unsigned i = 0; i < HV_SYNIC_SINT_COUNT; i++)
        fake.sint[i] = HV_SINT_MASKED;
    h = host;
    h.input_gpa = (uint64_t)(uintptr_t)fake.input;
}

static const struct conf_check *conf_find(const char *name)
{
    for (size_t g = 0; g < CONF_GROUPS; g++)
        for (size_t i = 0; i < *conf_groups[g].n; i++)
            if (strcmp(conf_groups[g].checks[i].text, name) == 0)
                return &conf_groups[g].checks[i];
    return NULL;
}

static char lines[64][320];
static unsigned n_lines;

static void capture(const char *line)
{
    if (n_lines < 64)
        snprintf(lines[n_lines++], sizeof lines[0], "%s", line);
}

static enum conf_verdict run(const char *name, char *line, size_t n)
{
    const struct conf_check *c = conf_find(name);
    CHECK(c != NULL);
    if (!c)
        return CONF_SKIP;
    struct conf_tally t = { 0 };
    n_lines = 0;
    enum conf_verdict v = conf_run_one(c, &h, &t, capture);
    CHECK_EQ(n_lines, 1);
    CHECK_EQ(t.pass + t.fail + t.skip, 1);
    snprintf(line, n, "%s", lines[0]);
    return v;
}

/* Each check and the host bug that must make it FAIL. */
static const struct { const char *check; enum bug bug; } breaks[] = {
    { "cpuid.hypervisor_present", BUG_NO_HV_BIT },
    { "cpuid.vendor_signature", BUG_VENDOR },
    { "cpuid.max_leaf", BUG_MAX_LEAF },
    { "cpuid.interface_hv1", BUG_INTERFACE },
    { "cpuid.privileges_match_msrs", BUG_FREQ_GP },
    { "msr.guest_os_id_reads_back", BUG_OS_ID_ZERO },
    { "msr.hypercall_page_enabled", BUG_HYPERCALL_OFF },
    { "msr.vp_index_read_only", BUG_VP_INDEX_WRITABLE },
    { "msr.time_ref_count_read_only", BUG_REF_COUNT_WRITABLE },
    { "msr.tsc_frequency_read_only", BUG_FREQ_WRITABLE },
    { "msr.sversion", BUG_SVERSION_2 },
    { "hcall.unknown_code", BUG_CODE0_OK },
    { "hcall.rep_on_simple_call", BUG_REP_IGNORED },
    { "hcall.reserved_control_bits", BUG_RSVD_IGNORED },
    { "hcall.input_alignment", BUG_ALIGN_IGNORED },
    { "hcall.signal_event_unknown_connection", BUG_SIGNAL_PORT_ID },
    { "hcall.post_message_unknown_connection", BUG_POST_PORT_ID },
    { "time.ref_tsc_page_matches_ref_count", BUG_PAGE_OFFSET },
    { "stimer.oneshot_direct_mode", BUG_STIMER_EARLY },
    { "stimer.oneshot_message_mode", BUG_STIMER_TWICE },
    { "vmbus.version_accepted", BUG_ODD_VERSION },
    { "vmbus.offers_received", BUG_NO_OFFERS },
    { "vmbus.ic_negotiated", BUG_IC_UNNEGOTIATED },
    { "vmbus.channel_interrupts", BUG_NO_INTERRUPTS },
    { "vmbus.modifychannel", BUG_RETARGET_FAILS },
};
#define N_BREAKS (sizeof breaks / sizeof breaks[0])

static void test_correct_host_passes_all(void)
{
    reset(BUG_NONE);
    struct conf_tally t = { 0 };
    n_lines = 0;
    conf_run_all(&h, &t, capture);
    for (unsigned i = 0; i + 1 < n_lines; i++)
        if (strncmp(lines[i], "pass ", 5) != 0)
            fprintf(stderr, "  not a pass: %s\n", lines[i]);
    CHECK_EQ(t.fail, 0);
    CHECK_EQ(t.skip, 0);
    CHECK_EQ(t.pass, N_BREAKS);
    char want[64];
    snprintf(want, sizeof want, "%u pass, 0 fail, 0 skip", (unsigned)N_BREAKS);
    CHECK(n_lines > 0 && strcmp(lines[n_lines - 1], want) == 0);
}

/* Every check is in the table, so each one is shown to fail. */
static void test_every_check_has_a_break(void)
{
    reset(BUG_NONE);
    struct conf_tally t = { 0 };
    n_lines = 0;
    conf_run_all(&h, &t, capture);
    CHECK_EQ(n_lines, N_BREAKS + 1);
    for (unsigned i = 0; i + 1 < n_lines; i++) {
        bool found = false;
        for (unsigned b = 0; b < N_BREAKS; b++) {
            size_t len = strlen(breaks[b].check);
            if (strncmp(lines[i] + 5, breaks[b].check, len) == 0 && lines[i][5 + len] == ':')
                found = true;
        }
        if (!found)
            fprintf(stderr, "  no break for: %s\n", lines[i]);
        CHECK(found);
    }
}

static void test_each_bug_fails_its_check(void)
{
    for (unsigned b = 0; b < N_BREAKS; b++) {
        char line[320], head[96];
        reset(breaks[b].bug);
        enum conf_verdict v = run(breaks[b].check, line, sizeof line);
        snprintf(head, sizeof head, "FAIL %s: ", breaks[b].check);
        if (v != CONF_FAIL || strncmp(line, head, strlen(head)) != 0 ||
            line[strlen(line) - 1] != ')')
            fprintf(stderr, "  %s with bug %d: %s\n", breaks[b].check, breaks[b].bug, line);
        CHECK_EQ(v, CONF_FAIL);
        /* and with a correct host the same check passes */
        reset(BUG_NONE);
        CHECK_EQ(run(breaks[b].check, line, sizeof line), CONF_PASS);
    }
}

static void test_never_fired_timer_fails(void)
{
    char line[320];
    reset(BUG_STIMER_NEVER);
    CHECK_EQ(run("stimer.oneshot_direct_mode", line, sizeof line), CONF_FAIL);
    CHECK(strstr(line, "(no expiry)") != NULL);
}

/* Skips say why: a version without MODIFYCHANNEL, a page the host marks
 * invalid, a host without the timers. */
static void test_skips_name_the_reason(void)
{
    char line[320];
    reset(BUG_NONE);
    fake.vmbus_version = VMBUS_VERSION_WIN10;
    CHECK_EQ(run("vmbus.modifychannel", line, sizeof line), CONF_SKIP);
    CHECK(strstr(line, "(version 4.0 has no MODIFYCHANNEL (4.1+))") != NULL);
    reset(BUG_NONE);
    fake.other_vendor = true;
    CHECK_EQ(run("cpuid.vendor_signature", line, sizeof line), CONF_SKIP);
    CHECK(strstr(line, "(vendor \"SinterHvSim \", informational)") != NULL);
    reset(BUG_NONE);
    fake.page_invalid = true;
    CHECK_EQ(run("time.ref_tsc_page_matches_ref_count", line, sizeof line), CONF_SKIP);
    reset(BUG_DIRECT_NO_TIMERS);
    CHECK_EQ(run("stimer.oneshot_message_mode", line, sizeof line), CONF_SKIP);
    CHECK(strncmp(line, "skip stimer.oneshot_message_mode: TLFS", 38) == 0);
}

int main(void)
{
    RUN_TEST(test_correct_host_passes_all);
    RUN_TEST(test_every_check_has_a_break);
    RUN_TEST(test_each_bug_fails_its_check);
    RUN_TEST(test_never_fired_timer_fails);
    RUN_TEST(test_skips_name_the_reason);
    CHECK_MAIN_END();
}
