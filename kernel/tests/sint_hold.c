#include "kernel/tests/sint_hold.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/posted_intr.h"
#include "drivers/hv/hv.h"
#include "drivers/hvsim/hvsim_kernel.h"
#include "kernel/percpu.h"

void sint_hold(void)
{
    apic_set_tpr(hv_synic_vector() & 0xf0);
    if (hvsim_kernel_injects_posted())
        pi_suppress(this_cpu()->index, true);
}

void sint_release(void)
{
    if (hvsim_kernel_injects_posted())
        pi_suppress(this_cpu()->index, false);
    apic_set_tpr(0);
}

bool sint_requested(void)
{
    unsigned v = hv_synic_vector();
    if (apic_irr_bit((uint8_t)v))
        return true;
    const struct pi_desc *d = pi_desc_of(this_cpu()->index);
    return hvsim_kernel_injects_posted() && d &&
           (__atomic_load_n(&d->pir[v / 64], __ATOMIC_ACQUIRE) >> (v % 64) & 1);
}
