/* What the VMBus client runs on: the hypercalls it makes to the host
 * (HvPostMessage, HvSignalEvent) and the services of the OS around it
 * (pages, small allocations, a clock, a way to wait). The kernel fills one
 * in drivers/vmbus_kernel.c over drivers/hv and its allocators, whichever
 * Hyper-V backend answers; host tests fill one with a fake VMBus host and
 * the fuzzers with their input. Nothing in drivers/vmbus touches an MSR, a
 * page table or an interrupt. */
#ifndef SINTER_VMBUS_SERVICES_H
#define SINTER_VMBUS_SERVICES_H

#include <stddef.h>
#include <stdint.h>

struct vmbus_services {
    /* HvCallPostMessage: returns the HV_STATUS (low 16 bits of RAX). Must not
     * block; INSUFFICIENT_BUFFERS is retried by the caller after pump(). */
    uint64_t (*post_message)(uint32_t connection_id, uint32_t msg_type,
                             const void *payload, size_t len);
    /* HvCallSignalEvent with flag number 0: returns the HV_STATUS. */
    uint64_t (*signal_event)(uint32_t connection_id);
    /* n zeroed, page-aligned, virtually contiguous 4 KiB pages; NULL if none. */
    void *(*alloc_pages)(size_t n);
    void (*free_pages)(void *p, size_t n);
    /* Small zeroed allocation (channel structures). Called from the message
     * handler, i.e. possibly from the SynIC interrupt: must be safe there. */
    void *(*zalloc)(size_t bytes);
    void (*free)(void *p);
    /* Guest physical address of a byte in memory from alloc_pages. */
    uint64_t (*virt_to_phys)(const void *p);
    /* Monotonic time in ns, for bounded waits. */
    uint64_t (*now_ns)(void);
    /* Called in every wait loop iteration: the kernel enables interrupts
     * and pauses until something may have changed; the host tests run their
     * fake host one step. Messages arrive through vmbus_on_message() from
     * here (or from an interrupt) -- never block forever. */
    void (*pump)(void);
    /* VP index of the running CPU (target_vcpu / target_vp), as the kernel
     * read it from HV_X64_MSR_VP_INDEX: not assumed equal to the CPU number. */
    uint32_t (*current_vp)(void);
    /* The VP a channel being opened should interrupt (the kernel spreads
     * channels over its CPUs); NULL: current_vp. */
    uint32_t (*pick_target_vp)(void);
    /* Return once no CPU is still inside a VMBus interrupt path that may
     * have found a channel before it left the relid table (a grace period);
     * NULL where only one CPU takes VMBus interrupts. */
    void (*quiesce)(void);
};

/* Install the services before vmbus_connect(); they must stay valid. */
void vmbus_set_services(const struct vmbus_services *s);
const struct vmbus_services *vmbus_services(void);

#endif
