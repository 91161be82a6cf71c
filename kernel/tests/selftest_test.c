/* Tests of the test runner itself. They fail on purpose, so "all" skips
 * them (ktest_run only runs selftest.* when the glob names them); the QEMU
 * suite runs them and expects exactly these failures. */
#include "kernel/ktest.h"
#include <stdint.h>
#include "arch/x86_64/cpu.h"

KTEST_T(hang, "selftest.watchdog_hang", 300)
{
    for (;;)
        cpu_relax();
}

KTEST(fault, "selftest.unexpected_fault")
{
    volatile uintptr_t addr = 16;
    *(volatile int *)addr = 1;
}

KTEST(after, "selftest.runs_after_failures")
{
    KT_CHECK(1);
}
