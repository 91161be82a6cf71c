/* CPUID parsing against recorded leaves. Each recording names its source. */
#include <string.h>
#include "drivers/hv/hv_detect.h"
#include "drivers/hyperv/tlfs.h"
#include "tests/host/check.h"

/* A recording from a Hyper-V guest: leaf 1's ECX, then EAX..EDX of leaves
 * 0x40000000 (the max leaf, EBX:ECX:EDX spelling "Microsoft Hv"),
 * 0x40000001 (EAX "Hv#1"), 0x40000002..5 as recorded (version, features,
 * recommendations, limits), and 0x40000006 (hardware features 0xf, the same
 * in both recordings below). */
#define HYPERV_RECORDING(ecx1, max_leaf, ...)                               \
    {                                                                       \
        .leaf1_ecx = (ecx1),                                                \
        .leaf = {                                                           \
            { (max_leaf), 0x7263694d, 0x666f736f, 0x76482074 },             \
            { 0x31237648, 0, 0, 0 },                                        \
            __VA_ARGS__,                                                    \
            { 0x0000000f, 0, 0, 0 },                                        \
        },                                                                  \
    }

/* Azure F72s_v2 VM on Hyper-V, `cpuid -r -1` posted by Michael Kelley
 * (Microsoft) to LKML on 2023-07-31, "RE: [patch v2 21/38] x86/cpu: Provide
 * cpu_init/parse_topology()". (Whether that VM was Gen1 or Gen2 is not
 * stated; the hypervisor leaves do not depend on the generation.) */
static const struct hv_cpuid_leaves azure_f72s_v2 = HYPERV_RECORDING(0xfeda3223, 0x4000000a,
    { 0x00004f7c, 0x000a0000, 0x00000001, 0x000005b6 },
    { 0x00002e7f, 0x003b8030, 0x00000002, 0x000ed7b2 },
    { 0x00064e24, 0x00000fff, 0x0000002e, 0 },
    { 0x000000f0, 0x00000400, 0x00005d00, 0 });

/* Azure TDX (isolated) VM, `cpuid -1 -r` in Florian Weimer's qemu-devel mail
 * "Missing cache information on x86-64 under Intel TDX (glibc bug 30643)",
 * 2023-07-17. */
static const struct hv_cpuid_leaves azure_tdx = HYPERV_RECORDING(0xfffaba17, 0x4000000c,
    { 0x0000585d, 0x000a0000, 0x00000001, 0x00000447 },
    { 0x0000ae7f, 0x00628030, 0x00000002, 0xe0be47a2 },
    { 0x00360e24, 0x00000fff, 0x00000034, 0 },
    { 0x00000800, 0x00000800, 0x00009720, 0 });

/* QEMU/TCG (QEMU target/i386/cpu.c cpu_x86_cpuid: leaf 0x40000000 with
 * the tcg-cpuid property, on by default; sinter's boot log shows it on QEMU
 * 7.2 and 10.0): max leaf 0x40000001, "TCGTCGTCGTCG", leaf 0x40000001
 * zero, and leaf 0x40000003 answers with unrelated data (the basic leaf
 * QEMU returns for an out-of-range one), EAX 0x21f, which has the "SynIC"
 * and "hypercall" bits. */
static const struct hv_cpuid_leaves qemu_tcg = {
    .leaf1_ecx = HV_CPUID1_ECX_HYPERVISOR | 0x2209,
    .leaf = {
        { 0x40000001, 0x54474354, 0x43544743, 0x47435447 },
        { 0, 0, 0, 0 },
        { 0, 0, 0, 0 },
        { 0x0000021f, 0, 0, 0 },
    },
};

static void test_detect_azure(void)
{
    struct hv_info i;
    hv_detect_parse(&azure_f72s_v2, &i);
    CHECK(i.hypervisor_present);
    CHECK(i.hv1_interface);
    CHECK(i.features_valid);
    CHECK(strcmp(i.vendor, "Microsoft Hv") == 0);
    CHECK_EQ(i.max_leaf, 0x4000000a);
    CHECK_EQ(i.major, 10);
    CHECK_EQ(i.minor, 0);
    CHECK_EQ(i.build, 0x4f7c);
    CHECK(i.has_hypercall && i.has_vp_index && i.has_synic && i.has_stimer);
    CHECK(i.has_stimer_direct);          /* EDX bit 19 */
    CHECK(i.has_ref_tsc && i.has_time_ref_count && i.has_freq_msrs);
    CHECK(i.can_post_messages && i.can_signal_events);
    CHECK(!i.isolated);
    CHECK(i.deprecate_auto_eoi);         /* 0x64e24 has bit 9 */
    CHECK_EQ(i.max_vps, 240);
    CHECK_EQ(i.max_lps, 1024);
    CHECK_EQ(i.phys_addr_bits, 46);
    CHECK_EQ(i.hw_features, 0xf);
    CHECK(hv_detect_missing(&i) == NULL);
    hv_detect_print(&i);
}

static void test_detect_azure_tdx(void)
{
    struct hv_info i;
    hv_detect_parse(&azure_tdx, &i);
    CHECK(i.features_valid);
    CHECK(i.isolated);                   /* EBX bit 22 */
    CHECK(i.has_synic && i.has_hypercall);
    CHECK_EQ(i.max_vps, 2048);
    CHECK(hv_detect_missing(&i) == NULL);
}

static void test_detect_qemu_tcg(void)
{
    struct hv_info i;
    hv_detect_parse(&qemu_tcg, &i);
    CHECK(i.hypervisor_present);
    CHECK(strcmp(i.vendor, "TCGTCGTCGTCG") == 0);
    CHECK_EQ(i.max_leaf, 0x40000001);
    CHECK(!i.hv1_interface);
    CHECK(!i.features_valid);
    CHECK(!i.has_synic);                 /* 0x21f must not be believed */
    CHECK(!i.has_hypercall);
    CHECK_EQ(i.priv_lo, 0);
    CHECK(hv_detect_missing(&i) != NULL &&
          strstr(hv_detect_missing(&i), "Hv#1") != NULL);
    hv_detect_print(&i);
}

static void test_detect_no_hypervisor_bit(void)
{
    struct hv_cpuid_leaves l = azure_f72s_v2;
    struct hv_info i;
    l.leaf1_ecx &= ~HV_CPUID1_ECX_HYPERVISOR;
    hv_detect_parse(&l, &i);
    CHECK(!i.hypervisor_present);
    CHECK(!i.features_valid);
    CHECK(!i.has_synic);
}

static void test_detect_hv1_but_low_max_leaf(void)
{
    struct hv_cpuid_leaves l = azure_f72s_v2;
    struct hv_info i;
    l.leaf[0][0] = 0x40000004;
    hv_detect_parse(&l, &i);
    CHECK(i.hv1_interface);
    CHECK(!i.features_valid);
    CHECK(!i.has_synic);
    CHECK(strstr(hv_detect_missing(&i), "max leaf") != NULL);
}

static void test_detect_missing_synic(void)
{
    struct hv_cpuid_leaves l = azure_f72s_v2;
    struct hv_info i;
    l.leaf[3][0] &= ~HV_MSR_SYNIC_AVAILABLE;
    hv_detect_parse(&l, &i);
    CHECK(i.features_valid && !i.has_synic);
    CHECK(strstr(hv_detect_missing(&i), "SynIC") != NULL);
    l = azure_f72s_v2;
    l.leaf[3][1] &= ~HV_SIGNAL_EVENTS;
    hv_detect_parse(&l, &i);
    CHECK(strstr(hv_detect_missing(&i), "SignalEvents") != NULL);
}

static void test_status_names(void)
{
    CHECK(strcmp(hv_status_name(HV_STATUS_INVALID_CONNECTION_ID), "INVALID_CONNECTION_ID") == 0);
    CHECK(strcmp(hv_status_name(0x13), "INSUFFICIENT_BUFFERS") == 0);
    CHECK(strcmp(hv_status_name(0x0000000500000000ull), "SUCCESS") == 0); /* reps ignored */
    CHECK(strcmp(hv_status_name(0x7777), "UNKNOWN_STATUS") == 0);
}

int main(void)
{
    RUN_TEST(test_detect_azure);
    RUN_TEST(test_detect_azure_tdx);
    RUN_TEST(test_detect_qemu_tcg);
    RUN_TEST(test_detect_no_hypervisor_bit);
    RUN_TEST(test_detect_hv1_but_low_max_leaf);
    RUN_TEST(test_detect_missing_synic);
    RUN_TEST(test_status_names);
    CHECK_MAIN_END();
}
