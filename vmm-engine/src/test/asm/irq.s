# An interrupt from the in-kernel 8259 PIC: the guest programs the PICs, unmasks IRQ 5, installs
# a real-mode IVT handler, says it is ready and waits with interrupts on. The handler reports
# the vector, acknowledges the PIC and signals done. Real mode, loaded at 0x1000, stack set by host.
        .code16
        .globl _start
        .equ    VECTOR_BASE, 0x20
        .equ    IRQ, 5
_start:
        cli
        movw    $handler, (VECTOR_BASE + IRQ) * 4
        movw    $0, (VECTOR_BASE + IRQ) * 4 + 2

        mov     $0x11, %al              # ICW1: edge triggered, cascade, ICW4 follows
        outb    %al, $0x20
        outb    %al, $0xa0
        mov     $VECTOR_BASE, %al       # ICW2: vector bases
        outb    %al, $0x21
        mov     $VECTOR_BASE + 8, %al
        outb    %al, $0xa1
        mov     $0x04, %al              # ICW3: slave on IRQ 2
        outb    %al, $0x21
        mov     $0x02, %al
        outb    %al, $0xa1
        mov     $0x01, %al              # ICW4: 8086 mode
        outb    %al, $0x21
        outb    %al, $0xa1
        mov     $~(1 << IRQ) & 0xff, %al # unmask IRQ 5 only
        outb    %al, $0x21
        mov     $0xff, %al
        outb    %al, $0xa1

        mov     $1, %al                 # ready: the host raises the line after this
        outb    %al, $0x14
        sti
wait:
        hlt
        jmp     wait

handler:
        mov     $VECTOR_BASE + IRQ, %al
        outb    %al, $0x10
        mov     $0x20, %al              # non-specific EOI
        outb    %al, $0x20
        outb    %al, $0xf4              # done
        iret
