; The application processors' first instructions. smp.c copies this blob to
; a page below 1 MiB (reserved from the UEFI map before ExitBootServices) and
; sends its page number as the SIPI vector; each AP starts here in real mode
; with CS = page << 8, IP = 0 (SDM vol. 3, 9.4.4 MP initialization).
; The blob relocates itself (it learns its base from CS), so nothing in it
; is fixed at link time. Path: real mode -> 32-bit protected mode with a
; flat GDT of its own -> PAE + the kernel's CR3 + EFER.LME/NXE -> paging on
; (compatibility mode) -> 64-bit code segment -> the kernel's own stack and
; ap_entry(struct cpu *). The BSP starts one AP at a time, so one parameter
; block serves them all.
bits 16
section .text

%define T(x) ((x) - ap_trampoline_start)

global ap_trampoline_start, ap_trampoline_end, ap_trampoline_params

align 16
ap_trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    movzx ebx, ax
    shl ebx, 4                          ; EBX = linear base of this page
    mov dword [T(p_started)], 1         ; "alive": the SIPI arrived
    lea eax, [ebx + T(tgdt)]
    mov [T(tgdtr) + 2], eax
    lea eax, [ebx + T(pm32)]
    mov [T(pm32_ptr)], eax
    lea eax, [ebx + T(lm64)]
    mov [T(lm64_ptr)], eax
    o32 lgdt [T(tgdtr)]
    mov eax, cr0
    or eax, 1                           ; PE
    mov cr0, eax
    o32 jmp far [T(pm32_ptr)]

bits 32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                      ; PAE, required before long mode
    mov cr4, eax
    mov eax, [ebx + T(p_cr3)]           ; the kernel's PML4 (below 4 GiB: smp.c checks)
    mov cr3, eax
    mov ecx, 0xc0000080                 ; IA32_EFER: LME, NXE (the kernel's PTEs use NX)
    mov eax, [ebx + T(p_efer)]
    xor edx, edx
    wrmsr
    mov eax, [ebx + T(p_cr0)]           ; the BSP's CR0: PG, PE, WP, NE, MP ...
    mov cr0, eax                        ; paging on: now in compatibility mode
    jmp far [ebx + T(lm64_ptr)]

bits 64
lm64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov ebx, ebx                        ; upper halves are undefined after the mode switch
    mov rax, [rbx + T(p_cr4)]           ; the BSP's CR4 (OSFXSR, OSXMMEXCPT, PGE ...)
    mov cr4, rax
    mov rsp, [rbx + T(p_stack)]
    mov rdi, [rbx + T(p_arg)]
    mov rax, [rbx + T(p_entry)]
    xor ebp, ebp
    push rbp                            ; a zero return address ends backtraces
    jmp rax

align 8
tgdt:                                   ; null, 32-bit code, data, 64-bit code
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
    dq 0x00af9a000000ffff
tgdtr:
    dw 4 * 8 - 1
    dd 0
align 4
pm32_ptr:
    dd 0
    dw 0x08
lm64_ptr:
    dd 0
    dw 0x18

; struct ap_tramp_params in smp.c: same order and sizes.
align 8
ap_trampoline_params:
p_cr3:     dq 0
p_cr4:     dq 0
p_cr0:     dq 0
p_efer:    dq 0
p_stack:   dq 0
p_entry:   dq 0
p_arg:     dq 0
p_started: dd 0
           dd 0
ap_trampoline_end:
