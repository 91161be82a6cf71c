/* What the model writes into the guest's hypercall page, and the software
 * interrupt it uses to enter the model. On real Hyper-V that page holds the
 * hypervisor's vmcall/vmmcall sequence; under hv=model it holds
 *     int $HVSIM_TRAP_VECTOR ; ret
 * so the guest calls the page in exactly the same way with either backend.
 * The kernel routes HVSIM_TRAP_VECTOR (an interrupt gate, DPL 0) to
 * hvsim_hypercall(rcx, rdx, r8) and puts the result in the frame's RAX; the
 * vector allocator must never hand this vector out. */
#ifndef SINTER_DRIVERS_HVSIM_ABI_H
#define SINTER_DRIVERS_HVSIM_ABI_H

#define HVSIM_TRAP_VECTOR 0xF3
#define HVSIM_HYPERCALL_CODE_BYTES { 0xCD, HVSIM_TRAP_VECTOR, 0xC3 } /* int imm8; ret */
#define HVSIM_HYPERCALL_CODE_LEN 3
#define HVSIM_HYPERCALL_FILL 0xCC /* int3 over the rest of the page */

#endif
