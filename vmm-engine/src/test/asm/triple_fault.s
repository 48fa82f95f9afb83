# Loads an empty IDT and raises an exception: #UD finds no gate, the #GP for that finds
# none either, the double fault neither, and the CPU shuts down (a triple fault). Real mode.
        .code16
        .globl _start
_start:
        lidt    empty_idt
        ud2
empty_idt:
        .word   0                       # limit 0: no gate fits
        .long   0
