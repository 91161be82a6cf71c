/* hvsim.* option parsing for the VMBus host model. */
#include <string.h>
#include "drivers/hvsim/vmbus_host.h"
#include "tests/host/check.h"

static void test_good(void)
{
    struct vmbus_host_config c;
    char err[256];
    vmbus_host_default_config(&c);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, NULL, err, sizeof err), 0);
    CHECK_EQ(c.personality, VMBUS_HOST_HYPERV);
    CHECK_EQ(vmbus_host_parse_options(&c, "qemu", "2043", "random:99",
             "drop_irq=1/10,dup_irq=3,delay_irq=1/2,spurious_bits,rescind_at=5,bad_msg,"
             "bad_ring,bad_pkt,mute,seed=42", err, sizeof err), 0);
    CHECK_EQ(c.personality, VMBUS_HOST_QEMU);
    CHECK_EQ(c.extra_channels, 2043);
    CHECK_EQ(c.relids, VMBUS_HOST_RELIDS_RANDOM);
    CHECK_EQ(c.relid_seed, 99);
    CHECK_EQ(c.faults.drop_irq, 10);
    CHECK_EQ(c.faults.dup_irq, 3);
    CHECK_EQ(c.faults.delay_irq, 2);
    CHECK(c.faults.spurious_bits && c.faults.bad_msg && c.faults.bad_ring &&
          c.faults.bad_pkt && c.faults.mute);
    CHECK_EQ(c.faults.rescind_at, 5);
    CHECK_EQ(c.faults.seed, 42);
    CHECK_EQ(c.faults.bad_relid, 0);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "bad_pkt=2", err, sizeof err), 0);
    CHECK(c.faults.bad_pkt && !c.faults.bad_ring);
    CHECK_EQ(c.faults.bad_relid, 2);
    CHECK_EQ(vmbus_host_parse_options(&c, "hyperv:4.1", NULL, "sparse", "", err, sizeof err), 0);
    CHECK_EQ(c.max_version, VMBUS_VERSION_WIN10_4_1);
    CHECK_EQ(c.relids, VMBUS_HOST_RELIDS_SPARSE);
    CHECK(!c.faults.mute);
}

static void test_bad(void)
{
    struct vmbus_host_config c;
    char err[256];
    vmbus_host_default_config(&c);
    CHECK_EQ(vmbus_host_parse_options(&c, "vmware", NULL, NULL, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "hvsim.host") && strstr(err, "vmware"));
    CHECK_EQ(vmbus_host_parse_options(&c, "hyperv:5", NULL, NULL, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "<major>.<minor>"));
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, "2044", NULL, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "0..2043"));
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, "12x", NULL, NULL, err, sizeof err), -1);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, "random:", NULL, err, sizeof err), -1);
    CHECK(strstr(err, "random:<seed>"));
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "drop_irq=1/x", err, sizeof err), -1);
    CHECK(strstr(err, "drop_irq=1/x"));
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "explode", err, sizeof err), -1);
    CHECK(strstr(err, "unknown item 'explode'"));
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "rescind_at=0", err, sizeof err), -1);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "mute=1", err, sizeof err), -1);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "bad_ring=0", err, sizeof err), -1);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, NULL, NULL, "bad_ring=2048", err, sizeof err), -1);
    CHECK(strstr(err, "bad_ring=2048"));
}

/* One parser for numbers: the model's options take the kernel's syntax. */
static void test_numbers_like_the_kernel(void)
{
    struct vmbus_host_config c;
    char err[256];
    vmbus_host_default_config(&c);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, "0x10", "random:0x2a", "drop_irq=1/1k,seed=0xff",
                                      err, sizeof err), 0);
    CHECK_EQ(c.extra_channels, 16);
    CHECK_EQ(c.relid_seed, 42);
    CHECK_EQ(c.faults.drop_irq, 1024);
    CHECK_EQ(c.faults.seed, 255);
    CHECK_EQ(vmbus_host_parse_options(&c, NULL, "k", NULL, NULL, err, sizeof err), -1);
}

/* One bad value drops only itself, and every error is named. */
static void test_bad_value_keeps_the_rest(void)
{
    struct vmbus_host_config c;
    char err[512];
    vmbus_host_default_config(&c);
    CHECK_EQ(vmbus_host_parse_options(&c, "vmware", "12", "bogus",
                                      "mute,explode,rescind_at=0,bad_ring=0,dup_irq=4",
                                      err, sizeof err), -1);
    CHECK_EQ(c.personality, VMBUS_HOST_HYPERV);   /* the default */
    CHECK_EQ(c.extra_channels, 12);
    CHECK_EQ(c.relids, VMBUS_HOST_RELIDS_DENSE);
    CHECK(c.faults.mute);
    CHECK_EQ(c.faults.dup_irq, 4);
    CHECK_EQ(c.faults.rescind_at, 0);
    CHECK(!c.faults.bad_ring);
    CHECK(strstr(err, "vmware") && strstr(err, "bogus") && strstr(err, "explode") &&
          strstr(err, "rescind_at=0") && strstr(err, "bad_ring=0"));
}

int main(void)
{
    RUN_TEST(test_numbers_like_the_kernel);
    RUN_TEST(test_bad_value_keeps_the_rest);
    RUN_TEST(test_good);
    RUN_TEST(test_bad);
    CHECK_MAIN_END();
}
