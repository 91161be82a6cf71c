/* The kernel's struct conf_host (conformance_host.c). */
#ifndef SINTER_KERNEL_TESTS_CONFORMANCE_HOST_H
#define SINTER_KERNEL_TESTS_CONFORMANCE_HOST_H
#include "kernel/tests/conformance.h"

/* The host behind the guest's Hyper-V layer; NULL when there is none. */
const struct conf_host *conformance_kernel_host(void);

#endif
