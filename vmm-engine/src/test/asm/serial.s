# Writes a line to COM1 the way a polling driver does: wait for THRE in the line status
# register, then write the transmit holding register. Real mode, loaded at 0x1000.
        .code16
        .globl _start
        .equ    COM1, 0x3f8
        .equ    LSR, COM1 + 5
        .equ    LSR_THRE, 0x20
_start:
        cld
        mov     $message, %si
next:
        lodsb
        test    %al, %al
        jz      done
        mov     %al, %bl
        mov     $LSR, %dx
wait_thre:
        inb     %dx, %al
        test    $LSR_THRE, %al
        jz      wait_thre
        mov     %bl, %al
        mov     $COM1, %dx
        outb    %al, %dx
        jmp     next
done:
        outb    %al, $0xf4              # done
halt:
        hlt
        jmp     halt

message:
        .asciz  "kvmunit guest says hello on COM1\r\n"
