# Runs forever without a single exit: only a kick from the host gets the vCPU out of KVM_RUN.
        .code16
        .globl _start
_start:
        jmp     _start
