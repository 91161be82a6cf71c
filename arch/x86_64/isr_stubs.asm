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
isr_common_framed:          ; from here to isr_common_unframed RBX = the frame (CFI below)
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
isr_common_unframed:
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

; ---- unwind information for isr_common (DWARF .debug_frame) ----
; NASM emits no .cfi directives, so the call frame information gdb needs to
; unwind out of a handler is written here byte by byte (DWARF 4, section
; 6.4, "Call Frame Information"). While RBX holds the trap frame, the frame
; *is* the caller's state: the interrupted RSP (the CFA) is stored at
; RBX + 20*8, RIP at 17*8, and the callee-saved registers at their
; struct trap_frame offsets. Without this, backtraces from a handler ended
; in a junk "?? ()" frame after isr_common.
%define DW_CFA_def_cfa            0x0c
%define DW_CFA_def_cfa_expression 0x0f
%define DW_CFA_expression         0x10
%define DW_CFA_undefined          0x07
%define DW_CFA_offset(r)          (0x80 | (r))
%define DW_OP_breg3               0x73   ; RBX + SLEB128 offset
%define DW_OP_deref               0x06
; DWARF x86-64 register numbers (System V psABI, figure 3.36)
%define DW_RBX 3
%define DW_RBP 6
%define DW_RSP 7
%define DW_R12 12
%define DW_R13 13
%define DW_R14 14
%define DW_R15 15
%define DW_RIP 16

; "register r is saved at RBX + off": off < 64 fits one SLEB128 byte.
%macro SAVED_AT_RBX 2
    db DW_CFA_expression, %1, 2, DW_OP_breg3, %2
%endmacro
; Offsets 64..127 take two SLEB128 bytes: low 7 bits | 0x80, then 0.
%macro SAVED_AT_RBX2 2
    db DW_CFA_expression, %1, 3, DW_OP_breg3, ((%2) & 0x7f) | 0x80, (%2) >> 7
%endmacro

section .debug_frame noalloc noexec nowrite align=8
isr_cie:
    dd isr_cie_end - isr_cie - 4   ; length
    dd 0xffffffff                  ; CIE id (.debug_frame)
    db 4                           ; version
    db 0                           ; augmentation ""
    db 8                           ; address size
    db 0                           ; segment selector size
    db 1                           ; code alignment factor (ULEB128)
    db 0x78                        ; data alignment factor -8 (SLEB128)
    db DW_RIP                      ; return address register (ULEB128)
    db DW_CFA_def_cfa, DW_RSP, 8   ; on entry: CFA = RSP + 8
    db DW_CFA_offset(DW_RIP), 1    ; return address at CFA - 8
    align 8, db 0                  ; DW_CFA_nop padding
isr_cie_end:

isr_fde:
    dd isr_fde_end - isr_fde - 4   ; length
    dd isr_cie                     ; CIE pointer (offset in .debug_frame, relocated)
    dq isr_common_framed           ; initial location
    dq isr_common_unframed - isr_common_framed   ; address range
    ; CFA = *(RBX + 20*8), the interrupted RSP
    db DW_CFA_def_cfa_expression, 4, DW_OP_breg3, (160 & 0x7f) | 0x80, 160 >> 7, DW_OP_deref
    SAVED_AT_RBX2 DW_RIP, 17 * 8
    SAVED_AT_RBX2 DW_RBP, 8 * 8
    SAVED_AT_RBX2 DW_RBX, 13 * 8
    SAVED_AT_RBX DW_R12, 3 * 8
    SAVED_AT_RBX DW_R13, 2 * 8
    SAVED_AT_RBX DW_R14, 1 * 8
    SAVED_AT_RBX DW_R15, 0 * 8
    align 8, db 0
isr_fde_end:

stack_switch_fde:
    dd stack_switch_fde_end - stack_switch_fde - 4
    dd isr_cie
    dq stack_switch_outermost
    dq stack_switch_end - stack_switch_outermost
    db DW_CFA_undefined, DW_RIP    ; the first frame on this stack: nothing above it
    align 8, db 0
stack_switch_fde_end:

section .text

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
; Continues on a new stack; fn must not return. RBP = 0 ends the kernel's
; own backtraces there; for gdb the unwind information below marks the
; call's frame as the outermost one (no return address at all).
global stack_switch_call
stack_switch_call:
    mov rsp, rdi
    xor ebp, ebp
    mov rdi, rdx
stack_switch_outermost:
    call rsi
    ud2
stack_switch_end:
