/*
 * Where Xen starts the example, and how a trap comes back to it.
 *
 * The notes tell Xen's domain builder to map the image at virtual 0 (VIRT_BASE 0,
 * as Mini-OS does) and where the hypercall page goes; Xen jumps to _start with
 * %rsi pointing at start_info, on a bootstrap stack of its own.
 */
#define __ASSEMBLY__
#include <xen/xen.h>
#include <xen/elfnote.h>

#define NOTE(type, directive, value)             \
    .pushsection .note.Xen, "a", @note;         \
    .p2align 2;                                  \
    .long 2f - 1f;                               \
    .long 4f - 3f;                               \
    .long type;                                  \
1:  .asciz "Xen";                                \
2:  .p2align 2;                                  \
3:  directive value;                             \
4:  .p2align 2;                                  \
    .popsection

NOTE(XEN_ELFNOTE_GUEST_OS,       .asciz, "pvmmu-embed")
NOTE(XEN_ELFNOTE_GUEST_VERSION,  .asciz, "0.1")
NOTE(XEN_ELFNOTE_XEN_VERSION,    .asciz, "xen-3.0")
NOTE(XEN_ELFNOTE_LOADER,         .asciz, "generic")
NOTE(XEN_ELFNOTE_VIRT_BASE,      .quad,  0)
NOTE(XEN_ELFNOTE_PADDR_OFFSET,   .quad,  0)
NOTE(XEN_ELFNOTE_ENTRY,          .quad,  _start)
NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad,  hypercall_page)
NOTE(XEN_ELFNOTE_SUSPEND_CANCEL, .long,  1)

    .section .text.head, "ax"
    .globl _start
_start:
    cld
    leaq stack_top(%rip), %rsp
    movq %rsi, %rdi
    call embed_main
1:  hlt
    jmp 1b

    .section .text.hypercall_page, "ax"
    .p2align 12
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0

/*
 * Xen bounces an exception onto the current stack as
 *     rcx, r11, [error code,] rip, cs, rflags, rsp, ss
 * (rcx and r11 on top: its own return path used them).  The stubs put them back,
 * give every vector an error-code slot and its number, and trap_entry hands the
 * frame to trap_handler (xen.c), which may move the saved rip to a fixup.  The way
 * back is the iret hypercall: its stub pushes rax, rcx and r11 itself and wants
 * one word of flags below rip.
 */
.macro TRAP vector, has_error
    .globl trap_\vector
trap_\vector:
    popq %rcx
    popq %r11
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp trap_entry
.endm

    .text
TRAP 0, 0
TRAP 6, 0
TRAP 13, 1
TRAP 14, 1

/*
 * struct trap_frame (xen.c), from the lowest address: the registers a C function may
 * clobber (the handler keeps the others itself), rbx (kept by the handler, but used
 * here to remember the unaligned stack), the vector and error code, then Xen's frame.
 */
trap_entry:
    pushq %rbx
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    movq %rsp, %rdi
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_handler
    movq %rbx, %rsp
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    popq %rbx
    addq $16, %rsp                  /* vector and error code */
    pushq $0                        /* iret flags */
    jmp hypercall_page + __HYPERVISOR_iret * 32

    .bss
    .p2align 12
stack:
    .fill 65536, 1, 0
stack_top:

    .section .note.GNU-stack, "", @progbits
