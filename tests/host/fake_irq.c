#include "tests/host/fake_irq.h"

bool fake_irq_save_broken;
static bool enabled = true;

unsigned long fake_irq_save(void)
{
    unsigned long was = enabled;
    if (!fake_irq_save_broken)
        enabled = false;
    return was;
}

void fake_irq_restore(unsigned long flags)
{
    if (flags)
        enabled = true;
}

bool fake_irqs_off(void)
{
    return !enabled;
}
