# Port I/O in both directions, every width, and string I/O (rep outs/ins: one exit, many elements).
# Real mode, loaded at 0x1000 with all segments 0. Test ports are 4 apart so each fits a dword, and clear of the in-kernel PIC (0x20, 0xa0) and PIT.
        .code16
        .globl _start
_start:
        mov     $0x10, %dx              # report port: the host records what arrives here
        mov     $0xab, %al
        outb    %al, %dx
        mov     $0xbeef, %ax
        outw    %ax, %dx
        mov     $0xdeadbeef, %eax
        outl    %eax, %dx

        mov     $0x14, %dx              # the host answers this read
        inl     %dx, %eax
        inc     %eax
        mov     $0x10, %dx              # prove the guest saw the value: send it back plus one
        outl    %eax, %dx

        cld
        mov     $greeting, %si
        mov     $greeting_end - greeting, %cx
        mov     $0x18, %dx
        rep outsb

        mov     $buffer, %di            # three words from the host, in order ...
        mov     $3, %cx
        mov     $0x1c, %dx
        rep insw
        mov     $buffer, %si            # ... sent back unchanged
        mov     $3, %cx
        mov     $0xe0, %dx
        rep outsw

        mov     $0xf4, %dx              # done
        outb    %al, %dx
halt:
        hlt
        jmp     halt

greeting:
        .ascii  "hello, host"
greeting_end:
buffer:
        .space  6
