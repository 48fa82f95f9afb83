# Reads and writes guest RAM that the host backed with a file mapping after KVM registered the
# memslot: the guest must see the file's bytes, and its write must land in its own copy.
# Real mode, loaded at 0x1000 with all segments 0; the host maps one file page at 0x3000.
        .code16
        .globl _start
_start:
        mov     $0x10, %dx              # report port
        mov     0x3000, %eax            # first dword of the mapped page
        outl    %eax, %dx
        mov     0x3ffc, %eax            # last dword of the mapped page
        outl    %eax, %dx
        movl    $0xc0ffee00, 0x3000     # write over the file's first dword ...
        mov     0x3000, %eax            # ... and read it back
        outl    %eax, %dx

        mov     $0xf4, %dx              # done
        outb    %al, %dx
halt:
        hlt
        jmp     halt
