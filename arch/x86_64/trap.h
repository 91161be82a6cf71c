/* The one trap-frame layout every interrupt and exception stub builds
 * (isr_stubs.asm), and the exception machinery around it. */
#ifndef SINTER_ARCH_TRAP_H
#define SINTER_ARCH_TRAP_H
#include <stdint.h>
#include <stdbool.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr_common");
_Static_assert(__builtin_offsetof(struct trap_frame, rbp) == 8 * 8, "isr_common reads RBP at 8*8");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == 17 * 8, "isr_common reads RIP at 17*8");

enum {
    VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6,
    VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13,
    VEC_PF = 14, VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19, VEC_VE = 20, VEC_CP = 21,
};

const char *exception_name(unsigned vector);

/* Catching an expected exception (tests, probing): trap_catch_arm() returns
 * 0 when armed and 1 when the armed vector fired; execution then continues
 * after the arm call with the callee-saved registers restored, like setjmp.
 * The catch is one-shot and belongs to this CPU. */
struct trap_catch {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
    int vector;              /* vector to catch, -1 for any exception */
    bool armed;
    struct trap_catch *prev; /* the catch this one shadows (they nest) */
    struct trap_frame seen;  /* copy of the frame that fired */
    uint64_t cr2;
};
int trap_catch_arm(struct trap_catch *c) __attribute__((returns_twice));
void trap_catch_set(struct trap_catch *c, int vector); /* activate after arm */
void trap_catch_clear(void);
/* Resume the interrupted context at the catch point (used by the test watchdog). */
void trap_catch_redirect(struct trap_frame *f, struct trap_catch *c);

/* Run fn(arg) with a catch for `vector` (-1: any exception): 1 if it fired
 * (c->seen and c->cr2 say how), 0 if fn returned normally. */
int trap_expect(int vector, void (*fn)(void *), void *arg, struct trap_catch *c);

void trap_dispatch(struct trap_frame *f);
void idt_init(void);
void idt_load(void);
void idt_set_ist(unsigned vector, unsigned ist);

/* Stop this CPU for good, and ask the others to stop too. */
void halt_all_cpus(void) __attribute__((noreturn));
/* The first half of that: NMI every other CPU and wait (bounded) until each
 * has stopped; logs how many did and names the rest. Returns how many
 * stopped. A second caller (a nested failure) stops right there. */
unsigned stop_other_cpus(void);

#endif
