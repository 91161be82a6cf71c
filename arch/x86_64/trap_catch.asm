; int trap_catch_arm(struct trap_catch *c)
; Records the callee-saved registers, the caller's RSP and the return
; address, like setjmp. trap.c resumes here with RAX = 1 when the caught
; exception fires. Offsets follow struct trap_catch in trap.h.
default rel
bits 64
section .text
global trap_catch_arm
trap_catch_arm:
    mov [rdi + 0], rbx
    mov [rdi + 8], rbp
    mov [rdi + 16], r12
    mov [rdi + 24], r13
    mov [rdi + 32], r14
    mov [rdi + 40], r15
    lea rax, [rsp + 8]
    mov [rdi + 48], rax     ; RSP after our return
    mov rax, [rsp]
    mov [rdi + 56], rax     ; where to resume
    xor eax, eax
    ret
