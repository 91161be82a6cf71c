/* The only door from the VMBus client stack to the hypervisor and the rest
 * of the kernel. The kernel's drivers/hv layer fills one of these for real
 * Hyper-V or the host model; host tests fill it with a fake VMBus host.
 * Nothing in drivers/vmbus touches an MSR, a page table or an interrupt. */
#ifndef SINTER_VMBUS_PLATFORM_H
#define SINTER_VMBUS_PLATFORM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct vmbus_platform {
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
     * and pauses/halts until something may have changed; the host tests run
     * their fake host one step. Messages arrive through vmbus_on_message()
     * from here (or from an interrupt) -- never block forever. */
    void (*pump)(void);
    /* VP index of the running CPU (target_vcpu / target_vp); VP index is
     * read from HV_X64_MSR_VP_INDEX by the platform, not assumed == CPU. */
    uint32_t (*current_vp)(void);
};

/* Install the platform before vmbus_connect(); it must stay valid. */
void vmbus_set_platform(const struct vmbus_platform *p);
const struct vmbus_platform *vmbus_platform(void);

/* Barriers for shared memory (rings, SIEF, message buffers). C11 fences are
 * what the compiler and CPU must honour; on x86 the full fence is MFENCE and
 * the others are compiler barriers. */
#define vmbus_mb()  atomic_thread_fence(memory_order_seq_cst)
#define vmbus_rmb() atomic_thread_fence(memory_order_acquire)
#define vmbus_wmb() atomic_thread_fence(memory_order_release)

/* Loads and stores of 32/64-bit words in memory shared with the host. The
 * GCC/Clang __atomic builtins work on plain (non-_Atomic) objects, which is
 * what a wire-format struct is. */
#define vmbus_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define vmbus_load_relaxed(p)     __atomic_load_n((p), __ATOMIC_RELAXED)
#define vmbus_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define vmbus_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

#endif
