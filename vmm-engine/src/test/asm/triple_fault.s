# Loads an empty IDT and raises an exception: #UD finds no gate, the #GP for that finds
# none either, the double fault neither, and the CPU shuts down (a triple fault).
# 32-bit protected mode with flat segments, set up by the host.
        .code32
        .globl _start
_start:
        lidt    empty_idt
        ud2
empty_idt:
        .word   0                       # limit 0: no gate fits
        .long   0
