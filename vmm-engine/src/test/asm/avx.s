# Runs an AVX instruction with AVX never enabled (CR4.OSXSAVE clear) and an empty IDT.
# Hardware KVM raises #UD, which finds no gate and ends in a triple fault; kvm_pvm, which
# emulates guest ring 0, cannot emulate VEX instructions and reports an internal error.
# Long mode, set up by the host.
        .code64
        .globl _start
_start:
        lidt    empty_idt(%rip)
        vzeroupper
        mov     $0xf4, %dx              # not reached
        outb    %al, %dx
halt:
        hlt
        jmp     halt
empty_idt:
        .word   0
        .quad   0
