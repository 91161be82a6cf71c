; The 256 interrupt entry stubs and the one common path they share.
; Every stub is 16 bytes long and starts at isr_stubs + 16 * vector, so the
; IDT is built by arithmetic and needs no table of absolute addresses.
; Each stub pushes a dummy error code when the CPU pushes none, so every
; trap frame has one layout (struct trap_frame in trap.h).
default rel
bits 64
section .text

extern trap_dispatch

; Vectors for which the CPU pushes an error code (SDM vol. 3, table 6-1).
%define HAS_ERR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

global isr_stubs
align 16
isr_stubs:
%assign v 0
%rep 256
    align 16
%if HAS_ERR(v) == 0
    push qword 0
%endif
    push qword v
    jmp isr_common
%assign v v + 1
%endrep

; Saves the general registers and the whole FPU/SSE state (the kernel and
; newlib use SSE registers; an interrupt must not corrupt the code it
; interrupts), then calls trap_dispatch(struct trap_frame *).
; The CPU aligned RSP to 16 before pushing 5 words; with vector, error code
; and 15 registers the frame is 176 bytes, so RSP stays 16-aligned here.
isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    mov rbx, rsp            ; callee-saved: the frame survives the call
    sub rsp, 512
    and rsp, -16
    fxsave64 [rsp]
    cld
    ; Link a fake stack frame (saved RBP, interrupted RIP) so backtraces
    ; taken inside handlers walk on into the interrupted code.
    mov rbp, [rdi + 8 * 8]  ; interrupted RBP
    push qword [rdi + 17 * 8] ; interrupted RIP
    push rbp
    mov rbp, rsp
    call trap_dispatch
    add rsp, 16
    fxrstor64 [rsp]
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16             ; vector and error code
    iretq

; void gdt_load(const void *gdtr, uint16_t code_sel, uint16_t data_sel, uint16_t tss_sel)
; Loads the GDT, reloads CS with a far return, the data segments and TR.
global gdt_load
gdt_load:
    lgdt [rdi]
    mov ax, dx
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    ltr cx
    lea rax, [.reloaded]
    push rsi
    push rax
    retfq
.reloaded:
    ret

; void stack_switch_call(void *stack_top, void (*fn)(void *), void *arg)
; Continues on a new stack; fn must not return.
global stack_switch_call
stack_switch_call:
    mov rsp, rdi
    xor ebp, ebp
    mov rdi, rdx
    push rbp                ; a zero return address ends backtraces
    jmp rsi
