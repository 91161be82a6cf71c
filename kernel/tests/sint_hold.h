/* Holding this CPU's SynIC interrupt off, in either of the model's delivery
 * modes, for tests that look at what is pending before it is taken. Direct
 * (fixed IPIs): the TPR holds the SINT vector's priority class, and a raised
 * vector waits in the IRR. Posted (hvsim.inject=posted): the notification
 * handler dispatches in software whatever the TPR says, so the hold is SN,
 * and a raised vector waits in the descriptor's PIR. */
#ifndef SINTER_KERNEL_TESTS_SINT_HOLD_H
#define SINTER_KERNEL_TESTS_SINT_HOLD_H
#include <stdbool.h>

void sint_hold(void);
/* Ends the hold: what collected is delivered. */
void sint_release(void);
/* The SINT vector raised on this CPU and not yet taken. */
bool sint_requested(void);

#endif
