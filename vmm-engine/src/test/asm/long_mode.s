# 64-bit code: computes a value only 64-bit registers can hold and reports its two halves.
# Long mode with identity-mapped paging and flat segments, set up by the host.
        .code64
        .globl _start
_start:
        mov     $0x0123456789abcdef, %rax
        mov     $0x10, %dx
        outl    %eax, %dx               # low half
        shr     $32, %rax
        outl    %eax, %dx               # high half
        mov     $0xf4, %dx              # done
        outb    %al, %dx
halt:
        hlt
        jmp     halt
