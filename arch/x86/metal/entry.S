/*
 * Exceptions, the hardware's way.
 *
 * Unlike the PV kernel (Xen bounces its exceptions), this kernel owns the IDT,
 * and the CPU pushes ss, rsp, rflags, cs, rip and, for some vectors, an error
 * code onto the current stack: everything runs in ring 0, so there is no
 * stack switch.  Each stub evens the frame out (a 0 where the CPU pushed no
 * error code), pushes its vector and joins trap_common, which saves the rest
 * and calls trap_handler(struct trap_frame *) in C; iretq takes it back.
 */
.macro STUB vector, has_error_code
trap_\vector:
    .if \has_error_code == 0
    pushq $0
    .endif
    pushq $\vector
    jmp trap_common
.endm

    .text
STUB 0, 0
STUB 1, 0
STUB 2, 0
STUB 3, 0
STUB 4, 0
STUB 5, 0
STUB 6, 0
STUB 7, 0
STUB 8, 1
STUB 9, 0
STUB 10, 1
STUB 11, 1
STUB 12, 1
STUB 13, 1
STUB 14, 1
STUB 15, 0
STUB 16, 0
STUB 17, 1
STUB 18, 0
STUB 19, 0
STUB 20, 0
STUB 21, 1

/*
 * struct trap_frame (arch/x86/common/traps.h, shared with the PV kernel), from the
 * lowest address: r15 .. rax, vector, error code, then the CPU's frame.  So rax
 * is pushed first and popped last.
 */
trap_common:
    .irp reg, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
    pushq %\reg
    .endr
    movq %rsp, %rdi
    /* The C ABI wants a 16-byte aligned stack at the call; the frame need not be. */
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_handler
    movq %rbx, %rsp
    .irp reg, r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax
    popq %\reg
    .endr
    addq $16, %rsp              /* vector and error code */
    iretq

    /* The stubs' addresses, by vector, for the IDT (traps.c). */
    .section .rodata
    .p2align 3
    .globl trap_stubs
trap_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21
    .quad trap_\v
    .endr

    .section .note.GNU-stack, "", @progbits
