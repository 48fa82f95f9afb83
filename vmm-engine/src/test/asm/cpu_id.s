# Every vCPU reports its initial APIC id (CPUID leaf 1, EBX bits 31:24) and halts.
# Real mode, loaded at 0x1000; all vCPUs start here.
        .code16
        .globl _start
_start:
        mov     $1, %eax
        cpuid
        shr     $24, %ebx
        mov     %bl, %al
        outb    %al, $0x10
halt:
        hlt
        jmp     halt
