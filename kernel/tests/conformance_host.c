/* The host the conformance checks see in the kernel: the guest's own paths
 * to whatever hypervisor the backend is (hv.ops for CPUID and MSRs, the
 * hypercall page, the guest's timer driver, the VMBus client's state).
 * Nothing here knows the model: the same code runs on real Hyper-V. */
#include <stdatomic.h>
#include <stdio.h>
#include "kernel/tests/conformance_host.h"
#include "kernel/ktest.h"
#include "kernel/pmm.h"
#include "kernel/percpu.h"
#include "arch/x86_64/cpu.h"
#include "drivers/hv/hv_internal.h"
#include "drivers/vmbus/vmbus.h"
#include "drivers/vmbus_kernel.h"
#include "drivers/hvutil/ic_common.h"

static void k_cpuid(uint32_t leaf, uint32_t out[4]) { hv.ops->cpuid(leaf, out); }

static bool k_ref_time_page(uint64_t *t)
{
    if (!hv.tsc_page || hv.tsc_page->tsc_sequence == 0)
        return false;
    return hv_ref_time(rdtsc, t);
}

/* ---- synthetic timer 0 ---- */

static struct {
    atomic_uint n;
    uint64_t ref;
} shot;

static void on_shot(void *ctx)
{
    (void)ctx;
    uint64_t now = 0;
    hv_rdmsr(HV_X64_MSR_TIME_REF_COUNT, &now);
    if (atomic_load(&shot.n) == 0)
        shot.ref = now;
    atomic_fetch_add(&shot.n, 1);
}

static uint64_t ref_now(void)
{
    uint64_t t = 0;
    hv_rdmsr(HV_X64_MSR_TIME_REF_COUNT, &t);
    return t;
}

static int k_stimer_oneshot(enum conf_stimer_mode mode, uint64_t ns, struct conf_stimer_run *r)
{
    enum hv_stimer_mode boot = hv_stimer_mode();
    if (boot == HV_STIMER_NONE ||
        hv_stimer_set_mode(mode == CONF_STIMER_DIRECT ? HV_STIMER_DIRECT : HV_STIMER_MESSAGE) != 0) {
        hv_stimer_set_mode(boot);
        return -1;
    }
    atomic_store(&shot.n, 0);
    r->armed_ref = ref_now();
    int rc = hv_stimer_arm_oneshot(ns, on_shot, NULL);
    if (rc == 0) {
        r->fired = KT_WAIT_UNTIL(atomic_load(&shot.n) >= 1, KT_WAIT_MS);
        r->fired_ref = shot.ref;
        /* A second expiry would come within the same interval again:
         * watch that long, by the timer's own clock. */
        if (r->fired) {
            uint64_t until = shot.ref + 2 * ns / 100;
            (void)KT_WAIT_UNTIL(ref_now() >= until, KT_WAIT_MS);
        }
        r->callbacks = atomic_load(&shot.n);
    }
    hv_stimer_stop();
    hv_stimer_set_mode(boot);
    return rc == 0 ? 0 : -1;
}

/* ---- VMBus ---- */

static bool is_ic(const struct vmbus_channel *ch)
{
    return ch->driver && ch->driver->probe == ic_probe && ch->driver_data;
}

static void count(struct conf_vmbus *v)
{
    v->channels = v->ics = v->ics_negotiated = v->open_channels = v->channels_interrupted = 0;
    for (uint32_t relid = 1; relid <= vmbus_relid_hwm(); relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (!ch || atomic_load(&ch->rescinded))
            continue;
        v->channels++;
        if (ch->open) {
            v->open_channels++;
            if (atomic_load(&ch->interrupts))
                v->channels_interrupted++;
        }
        if (is_ic(ch)) {
            v->ics++;
            if (((struct ic_channel_state *)ch->driver_data)->negotiated)
                v->ics_negotiated++;
        }
    }
}

static bool k_vmbus_view(struct conf_vmbus *v)
{
    if (!vmbus_kernel_up() && !vmbus_connected())
        return false;
    v->connected = vmbus_connected();
    v->version = vmbus_version();
    /* NEGOTIATE may still be on its way under load: wait for it, bounded. */
    (void)KT_WAIT_UNTIL((count(v), v->ics_negotiated == v->ics), KT_WAIT_MS);
    return true;
}

static int k_vmbus_retarget(char *what, size_t n)
{
    struct vmbus_channel *ch = NULL;
    for (uint32_t relid = 1; relid <= vmbus_relid_hwm() && !ch; relid++) {
        struct vmbus_channel *c = vmbus_relid_to_channel(relid);
        if (c && c->open && is_ic(c) && !atomic_load(&c->rescinded))
            ch = c;
    }
    if (!ch) {
        snprintf(what, n, "no open IC channel to move");
        return 1;
    }
    uint32_t from = ch->target_vp, to = from;
    for (unsigned cpu = 0; cpu < cpu_count && to == from; cpu++)
        if (hv_synic_up(cpu))
            to = hv_vp_index(cpu);
    snprintf(what, n, "relid %u from VP %u to VP %u", ch->relid, from, to);
    int rc = vmbus_channel_retarget(ch, to);
    if (rc != 0)
        return rc;
    snprintf(what, n, "relid %u back from VP %u to VP %u", ch->relid, to, from);
    return vmbus_channel_retarget(ch, from);
}

static struct conf_host host;

const struct conf_host *conformance_kernel_host(void)
{
    if (hv_backend() == HV_BACKEND_NONE || !hv.ops)
        return NULL;
    if (!host.input) {
        uint64_t pa = pmm_alloc(1);
        host.input = (void *)(uintptr_t)pa;   /* identity mapped */
        host.input_gpa = pa;
    }
    host.cpuid = k_cpuid;
    host.rdmsr = hv_rdmsr;
    host.wrmsr = hv_wrmsr;
    host.hypercall = hv_hypercall;
    host.hypercall_fast = hv_hypercall_fast;
    host.ref_time_page = k_ref_time_page;
    host.stimer_oneshot = k_stimer_oneshot;
    host.vmbus_view = k_vmbus_view;
    host.vmbus_retarget = k_vmbus_retarget;
    return &host;
}
