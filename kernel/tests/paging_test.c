/* W^X holds: kernel text cannot be written, data cannot be executed, and
 * a stack's guard page faults. */
#include "kernel/ktest.h"
#include "kernel/pmm.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/paging.h"

static struct trap_catch c;

static void call_it(void *fn)
{
    ((void (*)(void))fn)();
}

KTEST(text_ro, "paging.text_read_only")
{
    KT_CHECK_EQ(ktest_write_faults((volatile void *)(uintptr_t)&ktest_run, &c), 1);
    KT_CHECK_EQ(c.seen.error & 3, 3); /* present, write */
}

static uint8_t data_page[64] = { 0xc3 }; /* ret */

KTEST(data_nx, "paging.data_not_executable")
{
    KT_CHECK_EQ(trap_expect(VEC_PF, call_it, data_page, &c), 1);
    KT_CHECK(c.seen.error & 16); /* instruction fetch */
}

KTEST(exec_on_request, "paging.map_executable_on_request")
{
    uint64_t pa = pmm_alloc(1);
    *(volatile uint8_t *)pa = 0xc3;
    KT_CHECK_EQ(trap_expect(VEC_PF, call_it, (void *)pa, &c), 1);
    vm_protect(pa, PAGE_SIZE, VM_EXEC);
    KT_CHECK_EQ(trap_expect(VEC_PF, call_it, (void *)pa, &c), 0);
    vm_protect(pa, PAGE_SIZE, VM_WRITE);
    pmm_free(pa, 1);
}

KTEST(guard, "paging.stack_guard_page")
{
    uint64_t top = kstack_alloc(8192);
    uint64_t guard = top - 8192 - PAGE_SIZE;
    KT_CHECK(!vm_is_mapped(guard));
    KT_CHECK(vm_is_mapped(guard + PAGE_SIZE));
    KT_CHECK_EQ(ktest_write_faults((volatile void *)(guard + 100), &c), 1);
}
