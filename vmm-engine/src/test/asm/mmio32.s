# MMIO reads and writes of several widths to the test window at 0xd0000000.
# 32-bit protected mode with flat segments and no paging, set up by the host.
        .code32
        .globl _start
_start:
        mov     $0xd0000000, %ebx
        mov     (%ebx), %eax            # the host answers this dword read
        inc     %eax
        mov     %eax, 4(%ebx)           # send it back plus one
        movb    $0x5a, 8(%ebx)          # a byte write
        movw    12(%ebx), %ax           # a word read ...
        mov     $0x10, %dx              # ... reported through the port so the host sees the guest got it
        outw    %ax, %dx

        mov     $0xf4, %dx              # done
        outb    %al, %dx
halt:
        hlt
        jmp     halt
