# Pulses the reset line through the i8042 (command 0xfe to port 0x64), as Linux does under
# reboot=k. Real mode, loaded at 0x1000.
        .code16
        .globl _start
_start:
        mov     $0xfe, %al
        outb    %al, $0x64
halt:
        hlt
        jmp     halt
