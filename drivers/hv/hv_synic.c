/* Guest side of the SynIC (TLFS "Inter-partition communication"): per-CPU
 * message and event-flag pages, the VMBus SINT, and the interrupt handler.
 * The SIMP/SIEFP are written by the host at any time: copy, then validate. */
#include <stdatomic.h>
#include <string.h>
#include "drivers/hv/hv_internal.h"
#include "kernel/log.h"
#include "lib/refuse.h"

#define SINT_RSVDP_MASK  (~(HV_SINT_VECTOR_MASK | HV_SINT_MASKED | HV_SINT_AUTO_EOI | \
                            HV_SINT_POLLING))
#define DRAIN_MAX        8          /* messages handled per interrupt */

void hv_set_vmbus_handlers(hv_message_fn on_message, hv_events_fn on_events)
{
    hv.on_message = on_message;
    hv.on_events = on_events;
}

void hv_set_timer_handler(hv_message_fn on_timer)
{
    hv.on_timer = on_timer;
}

void hv_get_vmbus_handlers(hv_message_fn *on_message, hv_events_fn *on_events)
{
    *on_message = hv.on_message;
    *on_events = hv.on_events;
}

uint8_t hv_synic_vector(void) { return hv.vector; }

unsigned long hv_synic_refused_messages(void)
{
    return (unsigned long)refusals_seen(&hv.refused_messages);
}

bool hv_synic_up(unsigned cpu)
{
    return cpu < HV_MAX_CPUS && hv.cpu[cpu].synic_up;
}

uint32_t hv_vp_index(unsigned cpu)
{
    return cpu < HV_MAX_CPUS ? hv.cpu[cpu].vp_index : 0;
}

static int enable_page(uint32_t msr, void *page)
{
    uint64_t old;
    if (hv_rdmsr(msr, &old) != 0)
        return -1;
    return hv_wrmsr(msr, (old & HV_PAGE_MSR_RSVDP_MASK) | (uint64_t)(uintptr_t)page |
                         HV_SYNIC_PAGE_ENABLE);
}

int hv_synic_init_cpu(unsigned cpu)
{
    struct hv_cpu *c = &hv.cpu[cpu < HV_MAX_CPUS ? cpu : 0];
    uint64_t v;

    if (hv.backend == HV_BACKEND_NONE || cpu >= HV_MAX_CPUS || !hv.vector)
        return -1;
    if (hv_rdmsr(HV_X64_MSR_VP_INDEX, &v) != 0) {
        log_err("hv", "CPU%u: VP_INDEX unreadable; no SynIC on this CPU", cpu);
        return -1;
    }
    c->vp_index = (uint32_t)v;
    if (!c->simp)
        c->simp = hv.params.alloc_page();
    if (!c->siefp)
        c->siefp = hv.params.alloc_page();
    if (!c->input_page)
        c->input_page = hv.params.alloc_page();
    if (!c->simp || !c->siefp || !c->input_page) {
        log_err("hv", "CPU%u: out of pages for SynIC", cpu);
        return -1;
    }
    /* Same order as Linux hv_synic_enable_regs: pages, SINT, then SCONTROL. */
    if (enable_page(HV_X64_MSR_SIMP, c->simp) != 0 ||
        enable_page(HV_X64_MSR_SIEFP, c->siefp) != 0)
        goto fail;
    /* Manual EOI: the kernel EOIs every vector the same way, and current
     * hosts recommend against AutoEOI (CPUID 0x40000004 EAX bit 9). */
    uint32_t sint_msr = HV_X64_MSR_SINT0 + HV_VMBUS_MESSAGE_SINT;
    if (hv_rdmsr(sint_msr, &v) != 0 ||
        hv_wrmsr(sint_msr, (v & SINT_RSVDP_MASK) | hv.vector) != 0)
        goto fail;
    if (hv_rdmsr(HV_X64_MSR_SCONTROL, &v) != 0 ||
        hv_wrmsr(HV_X64_MSR_SCONTROL, v | HV_SYNIC_CONTROL_ENABLE) != 0)
        goto fail;
    c->synic_up = true;
    log_info("hv", "CPU%u: VP index %u, SynIC on, SINT%u vector 0x%x, manual EOI",
             cpu, c->vp_index, HV_VMBUS_MESSAGE_SINT, hv.vector);
    return 0;
fail:
    log_err("hv", "CPU%u: SynIC MSR write refused (#GP); no SynIC on this CPU", cpu);
    return -1;
}

/* Takes the message out of the slot following the TLFS recommended order:
 * copy, mark the slot empty (compare-exchange against the type we read, so a
 * message the host placed meanwhile is not wiped), full barrier, then EOM if
 * the host said more are pending. Returns false if the slot was empty. */
static bool take_message(unsigned cpu, struct hv_message *copy)
{
    struct hv_message *slot = &hv.cpu[cpu].simp->sint_message[HV_VMBUS_MESSAGE_SINT];
    _Atomic uint32_t *type = (_Atomic uint32_t *)&slot->header.message_type;
    _Atomic uint8_t *flags = (_Atomic uint8_t *)&slot->header.message_flags;

    uint32_t t = atomic_load_explicit(type, memory_order_acquire);
    if (t == HVMSG_NONE)
        return false;
    memcpy(copy, slot, sizeof *copy);
    copy->header.message_type = t;
    atomic_compare_exchange_strong(type, &t, HVMSG_NONE);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(flags) & HV_MESSAGE_FLAG_PENDING) {
        tracef(TRACE_HV, "hv", "guest: SINT%u on CPU%u: MessagePending, EOM",
               HV_VMBUS_MESSAGE_SINT, cpu);
        hv_wrmsr(HV_X64_MSR_EOM, 0);
    }
    return true;
}

void hv_synic_isr(void)
{
    unsigned cpu = hv.params.this_cpu ? hv.params.this_cpu() : 0;
    struct hv_message copy;

    if (cpu >= HV_MAX_CPUS || !hv.cpu[cpu].synic_up)
        return;
    tracef(TRACE_HV, "hv", "guest: SINT%u vector 0x%x on CPU%u", HV_VMBUS_MESSAGE_SINT,
           hv.vector, cpu);
    /* Events before messages, as the TLFS and Linux do. */
    if (hv.on_events)
        hv.on_events(cpu, hv.cpu[cpu].siefp->sintevent_flags[HV_VMBUS_MESSAGE_SINT].flags);

    for (int n = 0; n < DRAIN_MAX && take_message(cpu, &copy); n++) {
        if (copy.header.payload_size > HV_MESSAGE_PAYLOAD_BYTES) {
            REFUSE(&hv.refused_messages, "hv", "CPU%u: message type 0x%x claims %u "
                   "payload bytes", cpu, copy.header.message_type, copy.header.payload_size);
            continue;
        }
        /* SINT2 carries VMBus (type 1) and, in message mode, timer
         * expirations; anything else is not ours to interpret (Linux
         * vmbus_on_msg_dpc and hv_stimer route by type the same way). */
        if (copy.header.message_type == HVMSG_TIMER_EXPIRED) {
            if (hv.on_timer)
                hv.on_timer(cpu, &copy);
        } else if (copy.header.message_type == HVMSG_VMBUS) {
            if (hv.on_message)
                hv.on_message(cpu, &copy);
        } else {
            REFUSE(&hv.refused_messages, "hv", "CPU%u: SINT%u message of type 0x%x",
                   cpu, HV_VMBUS_MESSAGE_SINT, copy.header.message_type);
        }
    }
}
