/* W^X holds: kernel text cannot be written, data cannot be executed, and
 * a stack's guard page faults. */
#include "kernel/ktest.h"
#include "kernel/pmm.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"

static struct trap_catch c;

static __attribute__((noinline)) int write_to(volatile uint8_t *p)
{
    trap_catch_set(&c, VEC_PF);
    if (trap_catch_arm(&c))
        return 1;
    *p = *p;
    trap_catch_clear();
    return 0;
}

static __attribute__((noinline)) int call_at(void (*fn)(void))
{
    trap_catch_set(&c, VEC_PF);
    if (trap_catch_arm(&c))
        return 1;
    fn();
    trap_catch_clear();
    return 0;
}

KTEST(text_ro, "paging.text_read_only")
{
    KT_CHECK_EQ(write_to((volatile uint8_t *)(uintptr_t)&ktest_run), 1);
    KT_CHECK_EQ(c.seen.error & 3, 3); /* present, write */
}

static uint8_t data_page[64] = { 0xc3 }; /* ret */

KTEST(data_nx, "paging.data_not_executable")
{
    KT_CHECK_EQ(call_at((void (*)(void))(uintptr_t)data_page), 1);
    KT_CHECK(c.seen.error & 16); /* instruction fetch */
}

KTEST(exec_on_request, "paging.map_executable_on_request")
{
    uint64_t pa = pmm_alloc(1);
    *(volatile uint8_t *)pa = 0xc3;
    KT_CHECK_EQ(call_at((void (*)(void))pa), 1);
    vm_protect(pa, PAGE_SIZE, VM_EXEC);
    KT_CHECK_EQ(call_at((void (*)(void))pa), 0);
    vm_protect(pa, PAGE_SIZE, VM_WRITE);
    pmm_free(pa, 1);
}

KTEST(guard, "paging.stack_guard_page")
{
    uint64_t top = kstack_alloc(8192);
    uint64_t guard = top - 8192 - PAGE_SIZE;
    KT_CHECK(!vm_is_mapped(guard));
    KT_CHECK(vm_is_mapped(guard + PAGE_SIZE));
    KT_CHECK_EQ(write_to((volatile uint8_t *)(guard + 100)), 1);
}
