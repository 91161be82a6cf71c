; rdmsr/wrmsr that survive #GP: the faulting instruction's address and a
; recovery address go into the exception table (.extable, pairs of
; 32-bit offsets from the entry's own address); trap.c looks the faulting RIP up there and
; resumes at the fixup, which returns -1.
default rel
bits 64
section .text

global arch_rdmsr_safe          ; int arch_rdmsr_safe(uint32_t msr, uint64_t *val)
arch_rdmsr_safe:
    mov ecx, edi
.insn:
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [rsi], rax
    xor eax, eax
    ret
.fixup:
    mov eax, -1
    ret

global arch_wrmsr_safe          ; int arch_wrmsr_safe(uint32_t msr, uint64_t val)
arch_wrmsr_safe:
    mov ecx, edi
    mov rax, rsi
    mov rdx, rsi
    shr rdx, 32
.insn:
    wrmsr
    xor eax, eax
    ret
.fixup:
    mov eax, -1
    ret

section .extable align=4
    dd arch_rdmsr_safe.insn - $, arch_rdmsr_safe.fixup - $
    dd arch_wrmsr_safe.insn - $, arch_wrmsr_safe.fixup - $
