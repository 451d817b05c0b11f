/*A:100 Where Xen starts us, and what it reads before it does.
 *
 * A PV kernel has no boot loader: Xen's domain builder reads the notes below
 * straight out of the ELF file, maps the image at VIRT_BASE, builds the
 * bootstrap page tables, and jumps to ENTRY with %rsi pointing at start_info.
 * The notes are written with the constants from Debian's <xen/elfnote.h>; only
 * the values are ours. :*/
#include <xen/elfnote.h>
#include "layout.h"

/* One note: name "Xen", a type from elfnote.h, and a descriptor (string or number). */
#define XEN_NOTE(type, directive, value)         \
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

XEN_NOTE(XEN_ELFNOTE_GUEST_OS,       .asciz, "pvmmu")
XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION,  .asciz, "0.1")
XEN_NOTE(XEN_ELFNOTE_XEN_VERSION,    .asciz, "xen-3.0")
XEN_NOTE(XEN_ELFNOTE_LOADER,         .asciz, "generic")
/* The image's ELF physical addresses start at 0; VIRT_BASE is added to them. */
XEN_NOTE(XEN_ELFNOTE_VIRT_BASE,      .quad,  VIRT_BASE)
XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET,   .quad,  0)
XEN_NOTE(XEN_ELFNOTE_ENTRY,          .quad,  _start)
XEN_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad,  hypercall_page)
/* We can be told "the suspend was cancelled" (return 1), for xl save -c later. */
XEN_NOTE(XEN_ELFNOTE_SUSPEND_CANCEL, .long,  1)

    .section .text.head, "ax"
    .globl _start
_start:
    cld
    /*
     * Xen's bootstrap stack is one page right after its page tables; we move
     * to our own, bigger one in .bss so that page can be given away later.
     */
    leaq boot_stack_top(%rip), %rsp
    movq %rsi, %rdi                 /* start_info_t *, kmain's argument */
    call kmain
    /* kmain shuts the domain down; if even that failed, stay here. */
1:  hlt
    jmp 1b

    /* Xen writes a 32-byte stub per hypercall here when it builds the domain. */
    .section .text.hypercall_page, "ax"
    .p2align 12
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0

    .bss
    .p2align 12
boot_stack:
    .fill KERNEL_STACK_SIZE, 1, 0
    .globl boot_stack_top
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
