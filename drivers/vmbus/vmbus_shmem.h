/* Loads, stores and barriers for memory shared with the host (rings, SIEF
 * words, message buffers). C11 fences are what the compiler and the CPU must
 * honour; on x86 the full fence is MFENCE and the others are compiler
 * barriers. The GCC/Clang __atomic builtins work on plain (non-_Atomic)
 * objects, which is what a wire-format struct is. */
#ifndef SINTER_VMBUS_SHMEM_H
#define SINTER_VMBUS_SHMEM_H

#include <stdatomic.h>

#define vmbus_mb()  atomic_thread_fence(memory_order_seq_cst)
#define vmbus_rmb() atomic_thread_fence(memory_order_acquire)
#define vmbus_wmb() atomic_thread_fence(memory_order_release)

#define vmbus_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define vmbus_load_relaxed(p)     __atomic_load_n((p), __ATOMIC_RELAXED)
#define vmbus_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define vmbus_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

#endif
