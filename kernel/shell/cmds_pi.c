/* Console commands for posted-interrupt descriptors (arch/x86_64/
 * posted_intr.c): `pid` decodes a CPU's descriptor and its counters, `post`
 * posts the console's vector into it the way a hypervisor or an IOMMU
 * would, and waits for the harvested vector's handler to run. */
#include "kernel/shell/shell_kernel.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/percpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/posted_intr.h"
#include "lib/array_size.h"

static uint64_t cpu_limit(void) { return cpu_count; }

static void cmd_pid_run(struct shell *sh, const struct shell_value *v)
{
    unsigned cpu = (unsigned)v[0].num;
    const volatile struct pi_desc *d = pi_desc_of(cpu);
    if (!cpus[cpu].online || !d) {
        shell_printf(sh, "pid: cpu%u is not online\n", cpu);
        return;
    }
    uint16_t ctl = d->control;
    uint32_t ndst = d->ndst;
    shell_printf(sh, "posted-interrupt descriptor of cpu%u at 0x%llx (64 bytes)\n", cpu,
                 (unsigned long long)(uintptr_t)d);
    shell_printf(sh, "  ON %u  SN %u  NV 0x%02x  NDST 0x%x (apic id %u, %s encoding)\n", ctl & PI_ON ? 1 : 0,
                 ctl & PI_SN ? 1 : 0, d->nv, ndst, pi_ndst_decode(ndst, apic_x2apic()),
                 apic_x2apic() ? "x2APIC" : "xAPIC bits 15:8");
    shell_printf(sh, "  PIR:");
    unsigned n = 0;
    for (unsigned w = 0; w < 4; w++)
        for (uint64_t bits = d->pir[w]; bits; bits &= bits - 1, n++)
            shell_printf(sh, " 0x%02x", w * 64 + (unsigned)__builtin_ctzll(bits));
    shell_printf(sh, n ? "\n" : " none pending\n");
    struct pi_stats st;
    pi_get_stats(cpu, &st);
    shell_printf(sh, "  posted %llu (coalesced %llu, suppressed by SN %llu); notifications %llu (empty %llu);"
                 " vectors dispatched %llu, at most %llu per notification\n",
                 (unsigned long long)st.posted, (unsigned long long)st.coalesced,
                 (unsigned long long)st.suppressed, (unsigned long long)st.notifications,
                 (unsigned long long)st.empty, (unsigned long long)st.dispatched,
                 (unsigned long long)st.max_per_notification);
}

static const struct shell_cmd cmd_pid = {
    "pid", "a CPU's posted-interrupt descriptor: PIR, ON, SN, NV, NDST",
    SHELL_ARGS({ "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false }), cmd_pid_run,
};

static void cmd_post_run(struct shell *sh, const struct shell_value *v)
{
    unsigned cpu = (unsigned)v[0].num;
    if (!cpus[cpu].online) {
        shell_printf(sh, "post: cpu%u is not online\n", cpu);
        return;
    }
    int mine = shell_console_vector();
    if (mine < 0) {
        shell_printf(sh, "post: no free vector\n");
        return;
    }
    unsigned vec = v[1].given ? (unsigned)v[1].num : (unsigned)mine;
    if (!irq_handler(vec)) {
        shell_printf(sh, "post: vector 0x%02x has no handler (the console's own is 0x%02x)\n", vec, (unsigned)mine);
        return;
    }
    uint64_t before = irq_count(vec), t0 = clock_ns();
    bool notified = pi_post(cpu, (uint8_t)vec);
    /* Bounded: the notification is a fixed IPI and interrupts are on here. */
    while (irq_count(vec) == before && clock_ns() - t0 < 10000000000ull)
        cpu_relax();
    uint64_t ns = clock_ns() - t0;
    if (irq_count(vec) == before) {
        shell_printf(sh, "post: vector 0x%02x in cpu%u's PIR was not harvested within 10 s (SN set?)\n", vec, cpu);
        return;
    }
    shell_printf(sh, "post: vector 0x%02x into cpu%u's PIR, then ON: %s\n", vec, cpu,
                 notified ? "it was clear, so this post sent the notification vector"
                          : "it was set already, so no notification from this post");
    if (vec == (unsigned)mine)
        shell_printf(sh, "  harvested and handled on cpu%u after %llu ns (handled there %llu times so far)\n", cpu,
                     (unsigned long long)ns, (unsigned long long)shell_console_vector_seen(cpu));
    else
        shell_printf(sh, "  harvested and dispatched after %llu ns\n", (unsigned long long)ns);
}

static const struct shell_cmd cmd_post = {
    "post", "post a vector (default: the console's) into a CPU's descriptor",
    SHELL_ARGS({ "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false },
      { "vector", SHELL_ARG_NUM, IRQ_DYNAMIC_FIRST, IRQ_DYNAMIC_LAST, NULL, NULL, true }), cmd_post_run,
};

void shell_cmds_pi_register(void)
{
    static const struct shell_cmd *const mine[] = { &cmd_pid, &cmd_post };
    for (unsigned i = 0; i < ARRAY_SIZE(mine); i++)
        shell_kernel_add(mine[i]);
}
