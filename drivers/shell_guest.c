/* Console commands about the guest's Hyper-V side: what CPUID offers, a
 * CPU's SynIC, the VMBus channel table and a channel's rings; and echo
 * traffic and retargeting to act on them. Guest only: whichever backend
 * answers (real Hyper-V or the model), these commands see what the guest
 * sees. Kernel glue: registered by drivers/drivers.c. */
#include <stdatomic.h>
#include <string.h>
#include "drivers/shell_cmds.h"
#include "drivers/hv/hv.h"
#include "drivers/hv/hv_detect.h"
#include "drivers/vmbus/vmbus.h"
#include "drivers/vmbus_kernel.h"
#include "kernel/shell/shell_kernel.h"
#include "kernel/clock.h"
#include "kernel/percpu.h"
#include "kernel/ipi.h"
#include "kernel/log.h"
#include "arch/x86_64/cpu.h"
#include "lib/array_size.h"

static uint64_t cpu_limit(void) { return cpu_count; }

/* ---- hv ---- */

static void flag(struct shell *sh, bool on, const char *name)
{
    if (on)
        shell_printf(sh, " %s", name);
}

static void cmd_hv_run(struct shell *sh, const struct shell_value *v)
{
    (void)v;
    const struct hv_info *i = hv_get_info();
    if (hv_backend() == HV_BACKEND_NONE || !i) {
        shell_printf(sh, "hv: no Hyper-V backend (hv=off, or none found)\n");
        return;
    }
    shell_printf(sh, "hv: backend %s, vendor \"%s\", interface 0x%08x, max leaf 0x%08x\n",
                 hv_backend_name(), i->vendor, i->interface, i->max_leaf);
    shell_printf(sh, "  version %u.%u build %u; max VPs %u, max LPs %u\n", i->major, i->minor,
                 i->build, i->max_vps, i->max_lps);
    shell_printf(sh, "  privileges 0x%08x'%08x:", i->priv_hi, i->priv_lo);
    flag(sh, i->has_hypercall, "hypercall");
    flag(sh, i->has_vp_index, "vp-index");
    flag(sh, i->has_synic, "synic");
    flag(sh, i->has_stimer, "stimer");
    flag(sh, i->has_time_ref_count, "ref-count");
    flag(sh, i->has_ref_tsc, "ref-tsc");
    flag(sh, i->has_freq_msrs, "freq-msrs");
    flag(sh, i->can_post_messages, "post-messages");
    flag(sh, i->can_signal_events, "signal-events");
    shell_printf(sh, "\n  features edx 0x%08x:", i->features_edx);
    flag(sh, i->has_stimer_direct, "stimer-direct-mode");
    shell_printf(sh, "\n  recommendations 0x%08x:", i->recommendations);
    flag(sh, i->deprecate_auto_eoi, "deprecate-auto-eoi");
    flag(sh, i->isolated, "isolated");
    shell_printf(sh, "\n");
    const uint8_t *page = hv_hypercall_page();
    if (page)
        shell_printf(sh, "  hypercall page at 0x%llx begins %02x %02x %02x %02x (written by the backend)\n",
                     (unsigned long long)(uintptr_t)page, page[0], page[1], page[2], page[3]);
}

static const struct shell_cmd cmd_hv = { "hv", "what the hypervisor offers (CPUID 0x40000000..6)", SHELL_NO_ARGS, cmd_hv_run };

/* ---- synic ---- */

static void print_sint(struct shell *sh, unsigned n, uint64_t v, const char *use)
{
    shell_printf(sh, "  SINT%-2u 0x%05llx: vector 0x%02llx, %s, %s%s%s\n", n, (unsigned long long)v,
                 (unsigned long long)(v & 0xff), v & HV_SINT_MASKED ? "masked" : "unmasked",
                 v & HV_SINT_AUTO_EOI ? "auto-EOI" : "EOI by the guest", use ? ": " : "", use ? use : "");
}

struct synic_view_call {
    unsigned cpu;
    int rc;
    struct hv_synic_view view;
};

/* On the CPU itself (smp_call): only it can read its SynIC MSRs. */
static void synic_view_there(void *arg)
{
    struct synic_view_call *c = arg;
    c->rc = hv_synic_view(c->cpu, this_cpu()->index, &c->view);
}

static void cmd_synic_run(struct shell *sh, const struct shell_value *v)
{
    unsigned cpu = (unsigned)v[0].num;
    struct synic_view_call call = { .cpu = cpu, .rc = -1 };
    if (!cpus[cpu].online || smp_call(cpu, synic_view_there, &call) != 0)
        call.rc = hv_synic_view(cpu, this_cpu()->index, &call.view); /* the pages at least */
    struct hv_synic_view s = call.view;
    if (call.rc != 0) {
        shell_printf(sh, "synic: no Hyper-V backend\n");
        return;
    }
    if (!s.up) {
        shell_printf(sh, "synic: cpu%u has no SynIC set up (%s)\n", cpu, cpus[cpu].online ? "the guest enables it on the boot CPU only" : "CPU not online");
        return;
    }
    shell_printf(sh, "synic of cpu%u (VP %u), SINT vector 0x%02x%s\n", cpu, s.vp_index, s.vector,
                 cpu == this_cpu()->index ? "" : " (MSRs read on that CPU through a cross-CPU call)");
    if (s.msrs_read) {
        shell_printf(sh, "  SCONTROL 0x%llx (%s)\n", (unsigned long long)s.scontrol, s.scontrol & 1 ? "enabled" : "disabled");
        shell_printf(sh, "  SIMP  0x%llx: %s, message page at 0x%llx\n", (unsigned long long)s.simp,
                     s.simp & 1 ? "enabled" : "disabled", (unsigned long long)(s.simp & HV_MSR_GPFN_MASK));
        shell_printf(sh, "  SIEFP 0x%llx: %s, event flags page at 0x%llx\n", (unsigned long long)s.siefp,
                     s.siefp & 1 ? "enabled" : "disabled", (unsigned long long)(s.siefp & HV_MSR_GPFN_MASK));
        unsigned masked = 0;
        for (unsigned n = 0; n < HV_SYNIC_SINT_COUNT; n++) {
            if (n == HV_VMBUS_MESSAGE_SINT)
                print_sint(sh, n, s.sint[n], "VMBus messages and channel events");
            else if (!(s.sint[n] & HV_SINT_MASKED))
                print_sint(sh, n, s.sint[n], NULL);
            else
                masked++;
        }
        shell_printf(sh, "  %u other SINTs masked\n", masked);
    } else {
        shell_printf(sh, "  (its MSRs belong to its VP: run synic %u on cpu%u to read them)\n", cpu, cpu);
    }
    const volatile struct hv_message *m = &s.simp_page->sint_message[HV_VMBUS_MESSAGE_SINT];
    uint32_t type = m->header.message_type;
    if (type == HVMSG_NONE)
        shell_printf(sh, "  message slot %u: empty (HVMSG_NONE): the host may deliver the next one\n", HV_VMBUS_MESSAGE_SINT);
    else
        shell_printf(sh, "  message slot %u: type 0x%x, %u bytes, flags 0x%x (not yet consumed)\n", HV_VMBUS_MESSAGE_SINT,
                     type, m->header.payload_size, m->header.message_flags);
    const volatile uint64_t *w = s.siefp_page->sintevent_flags[HV_VMBUS_MESSAGE_SINT].flags;
    unsigned set = 0;
    shell_printf(sh, "  event flags of SINT%u, pending:", HV_VMBUS_MESSAGE_SINT);
    for (unsigned k = 0; k < HV_EVENT_FLAGS_QWORDS; k++) {
        uint64_t bits = w[k];
        for (unsigned b = 0; bits && b < 64; b++)
            if (bits & (1ull << b)) {
                if (set++ < 16)
                    shell_printf(sh, " %u", k * 64 + b);
                bits &= ~(1ull << b);
            }
    }
    shell_printf(sh, set ? " (%u bits)\n" : " none%.0u\n", set);
}

static const struct shell_cmd cmd_synic = {
    "synic", "a CPU's SynIC: SIMP, SIEFP, SINTs, message slot, pending events",
    SHELL_ARGS({ "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false }), cmd_synic_run,
};

/* ---- vmbus, ring ---- */

static bool vmbus_or_say(struct shell *sh, const char *cmd)
{
    if (vmbus_kernel_up() && vmbus_connected())
        return true;
    shell_printf(sh, "%s: VMBus is not connected\n", cmd);
    return false;
}

/* Bytes between the shared indices, validated (the host writes them). */
static bool ring_used(const struct vmbus_ring *r, uint32_t *used)
{
    uint32_t w = r->hdr->write_index, rd = r->hdr->read_index;
    if (w >= r->size || rd >= r->size)
        return false;
    *used = w >= rd ? w - rd : r->size - rd + w;
    return true;
}

static const char *channel_name(const struct vmbus_channel *ch)
{
    static const struct vmbus_guid echo = VMBUS_CLASS_SINTER_ECHO;
    if (ch->driver)
        return ch->driver->name;
    return vmbus_guid_equal(&ch->class_id, &echo) ? "echo" : "-";
}

static void print_fill(struct shell *sh, const struct vmbus_ring *r)
{
    uint32_t used;
    if (ring_used(r, &used))
        shell_printf(sh, "  %6u/%-6u", used, r->size);
    else
        shell_printf(sh, "  %13s", "bad indices");
}

static void cmd_vmbus_run(struct shell *sh, const struct shell_value *v)
{
    (void)v;
    if (!vmbus_or_say(sh, "vmbus"))
        return;
    uint32_t ver = vmbus_version(), hwm = vmbus_relid_hwm();
    shell_printf(sh, "vmbus: version %u.%u, %u offers, relid high-water mark %u (the scan reads SIEF words 0..%u)\n",
                 ver >> 16, ver & 0xffff, vmbus_channel_count(), hwm, hwm / 64);
    shell_printf(sh, "  relid  name       state    vp  inbound used   outbound used  interrupts\n");
    for (uint32_t relid = 1; relid <= hwm; relid++) {
        struct vmbus_channel *ch = vmbus_relid_to_channel(relid);
        if (!ch)
            continue;
        shell_printf(sh, "  %5u  %-9s  %-7s", relid, channel_name(ch),
                     atomic_load(&ch->rescinded) ? "gone" : ch->open ? "open" : "offered");
        if (ch->open) {
            shell_printf(sh, "  %2u", ch->target_vp);
            print_fill(sh, &ch->inbound);
            print_fill(sh, &ch->outbound);
            shell_printf(sh, "  %lu", (unsigned long)atomic_load(&ch->interrupts));
        }
        shell_printf(sh, "\n");
    }
}

static const struct shell_cmd cmd_vmbus = { "vmbus", "version, offers, relids, high-water mark, each channel", SHELL_NO_ARGS, cmd_vmbus_run };

/* The channel a command names, when VMBus is up; else NULL, said why. */
static struct vmbus_channel *channel_or_say(struct shell *sh, const char *cmd, uint64_t relid)
{
    if (!vmbus_or_say(sh, cmd))
        return NULL;
    struct vmbus_channel *ch = vmbus_relid_to_channel((uint32_t)relid);
    if (!ch)
        shell_printf(sh, "%s: no channel has relid %llu (high-water mark %u)\n", cmd, (unsigned long long)relid,
                     vmbus_relid_hwm());
    return ch;
}

static void print_ring(struct shell *sh, const char *label, const struct vmbus_ring *r)
{
    const volatile struct vmbus_ring_header *h = r->hdr;
    shell_printf(sh, "  %s: write_index %u read_index %u", label, h->write_index, h->read_index);
    uint32_t used;
    if (ring_used(r, &used))
        shell_printf(sh, ", %u of %u bytes used\n", used, r->size);
    else
        shell_printf(sh, ", indices out of range (size %u)\n", r->size);
    shell_printf(sh, "    interrupt_mask %u, pending_send_sz %u, feature_bits 0x%x\n", h->interrupt_mask,
                 h->pending_send_sz, h->feature_bits);
}

static void cmd_ring_run(struct shell *sh, const struct shell_value *v)
{
    struct vmbus_channel *ch = channel_or_say(sh, "ring", v[0].num);
    if (!ch)
        return;
    if (!ch->open) {
        shell_printf(sh, "ring: relid %u (%s) is offered but not open: no rings yet\n", ch->relid, channel_name(ch));
        return;
    }
    shell_printf(sh, "rings of relid %u (%s): %zu pages, GPADL 0x%x, target VP %u\n", ch->relid,
                 channel_name(ch), ch->ring_pages, ch->ring_gpadl, ch->target_vp);
    print_ring(sh, "outbound (guest writes, host reads)", &ch->outbound);
    print_ring(sh, "inbound  (host writes, guest reads)", &ch->inbound);
    shell_printf(sh, "  guest's private offsets: next write %u; next read %u, published %u\n",
                 ch->outbound.prod_write, ch->inbound.cons_read, ch->inbound.cons_published);
    shell_printf(sh, "  interrupts %lu, signals sent %lu, packets refused %llu\n",
                 (unsigned long)atomic_load(&ch->interrupts), ch->signals_sent,
                 (unsigned long long)(refusals_seen(&ch->inbound.refused) +
                                       refusals_seen(&ch->outbound.refused)));
}

static const struct shell_cmd cmd_ring = {
    "ring", "a channel's two rings: indices, mask, pending-send size, fill",
    SHELL_ARGS({ "relid", SHELL_ARG_NUM, 1, VMBUS_MAX_RELIDS - 1, NULL, NULL, false }), cmd_ring_run,
};

/* ---- send: echo traffic ---- */

struct echo_count {
    atomic_ulong packets, bad, calls;
    uint64_t next;            /* interrupt context only */
    uint8_t buf[256];
};
static struct echo_count echo;
static uint64_t tx_next;      /* next sequence number to send */

/* One echoed packet (in echo.buf): the next sequence number, or bad. */
static void echo_packet(void *ctx, const struct vmbus_ring_pkt *pkt)
{
    const struct vmbus_channel *ch = ctx;
    trace_ev(TRACE_IRQ, "ring_read", "relid=%u bytes=%u", ch->relid, pkt->total_len);
    uint64_t seq;
    if (pkt->payload_len == sizeof seq && pkt->desc.trans_id == echo.next) {
        memcpy(&seq, echo.buf + pkt->payload_off, sizeof seq);
        if (seq == echo.next) {
            echo.next++;
            atomic_fetch_add(&echo.packets, 1);
            return;
        }
    }
    atomic_fetch_add(&echo.bad, 1);
}

/* Interrupt context: drain with the ring masked, unmask, look again. */
static void echo_cb(struct vmbus_channel *ch, void *ctx)
{
    (void)ctx;
    struct vmbus_ring_pkt pkt;
    atomic_fetch_add(&echo.calls, 1);
    vmbus_channel_drain(ch, echo.buf, sizeof echo.buf, echo_packet, ch, &pkt);
}

static void cmd_send_run(struct shell *sh, const struct shell_value *v)
{
    static const struct vmbus_guid echo_class = VMBUS_CLASS_SINTER_ECHO;
    struct vmbus_channel *ch = channel_or_say(sh, "send", v[0].num);
    if (!ch)
        return;
    if (!vmbus_guid_equal(&ch->class_id, &echo_class) || ch->driver) {
        shell_printf(sh, "send: relid %u is %s: only the echo device answers traffic\n", ch->relid, channel_name(ch));
        return;
    }
    if (atomic_load(&ch->rescinded)) {
        shell_printf(sh, "send: relid %u was rescinded\n", ch->relid);
        return;
    }
    if (!ch->open) {
        memset(&echo, 0, sizeof echo);
        tx_next = 0;
        int rc = vmbus_channel_open(ch, 16 * 4096, 16 * 4096, echo_cb, NULL);
        if (rc != VMBUS_OK) {
            shell_printf(sh, "send: opening relid %u failed (%d)\n", ch->relid, rc);
            return;
        }
        shell_printf(sh, "send: opened relid %u (echo): 64 KiB rings, interrupts to VP %u\n", ch->relid, ch->target_vp);
    }
    uint64_t n = v[1].given ? v[1].num : 1;
    unsigned long irq0 = atomic_load(&ch->interrupts), sig0 = ch->signals_sent;
    unsigned long got0 = atomic_load(&echo.packets), bad0 = atomic_load(&echo.bad);
    uint64_t t0 = clock_ns(), last = t0, sent = 0;
    int rc = VMBUS_OK;
    /* Bounded by progress: give up after 2 s without an echo or a free slot. */
    while (atomic_load(&echo.packets) - got0 < n) {
        unsigned long before = atomic_load(&echo.packets);
        if (sent < n) {
            uint64_t seq = tx_next;
            rc = vmbus_channel_send(ch, VMBUS_PKT_DATA_INBAND, 0, seq, &seq, sizeof seq);
            if (rc == VMBUS_OK) {
                tx_next++;
                sent++;
                last = clock_ns();
                continue;
            }
            if (rc != VMBUS_EAGAIN)
                break;
        }
        cpu_relax();
        if (atomic_load(&echo.packets) != before)
            last = clock_ns();
        else if (clock_ns() - last > 2000000000ull)
            break;
    }
    uint64_t ns = clock_ns() - t0;
    unsigned long got = atomic_load(&echo.packets) - got0, bad = atomic_load(&echo.bad) - bad0;
    shell_printf(sh, "send: relid %u: %llu sent, %lu echoed in order, %lu bad, in %llu us\n", ch->relid,
                 (unsigned long long)sent, got, bad, (unsigned long long)(ns / 1000));
    shell_printf(sh, "  host->guest interrupts %lu, guest->host signals %lu%s\n",
                 atomic_load(&ch->interrupts) - irq0, ch->signals_sent - sig0,
                 rc != VMBUS_OK && rc != VMBUS_EAGAIN ? " (a send failed)" : got < n ? " (stalled)" : "");
}

static const struct shell_cmd cmd_send = {
    "send", "send n packets to the echo device, count what comes back",
    SHELL_ARGS({ "relid", SHELL_ARG_NUM, 1, VMBUS_MAX_RELIDS - 1, NULL, NULL, false },
      { "n", SHELL_ARG_NUM, 1, 100000, NULL, NULL, true }), cmd_send_run,
};

/* ---- retarget ---- */

static void cmd_retarget_run(struct shell *sh, const struct shell_value *v)
{
    struct vmbus_channel *ch = channel_or_say(sh, "retarget", v[0].num);
    if (!ch)
        return;
    unsigned cpu = (unsigned)v[1].num;
    struct hv_synic_view view;
    if (hv_synic_view(cpu, this_cpu()->index, &view) != 0 || !view.up) {
        shell_printf(sh, "retarget: cpu%u has no SynIC: the host could not interrupt it\n", cpu);
        return;
    }
    if (!ch->open) {
        shell_printf(sh, "retarget: relid %u is not open\n", ch->relid);
        return;
    }
    uint32_t old = ch->target_vp, vp = hv_vp_index(cpu);
    int rc = vmbus_channel_retarget(ch, vp);
    if (rc != VMBUS_OK)
        shell_printf(sh, "retarget: MODIFYCHANNEL for relid %u failed (%d%s)\n", ch->relid, rc,
                     vmbus_version() < ((4u << 16) | 1) ? ": needs VMBus 4.1" : "");
    else
        shell_printf(sh, "retarget: relid %u interrupts now go to VP %u (cpu%u), were VP %u\n", ch->relid, vp, cpu, old);
}

static const struct shell_cmd cmd_retarget = {
    "retarget", "move a channel's interrupts to another CPU (MODIFYCHANNEL)",
    SHELL_ARGS({ "relid", SHELL_ARG_NUM, 1, VMBUS_MAX_RELIDS - 1, NULL, NULL, false },
      { "cpu", SHELL_ARG_NUM, 0, 0, cpu_limit, NULL, false }), cmd_retarget_run,
};

void shell_guest_register(void)
{
    static const struct shell_cmd *const mine[] = {
        &cmd_hv, &cmd_synic, &cmd_vmbus, &cmd_ring, &cmd_send, &cmd_retarget,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(mine); i++)
        shell_kernel_add(mine[i]);
}
