/*A:310 Exception entry and exit, the PV way.
 *
 * A PV kernel has no IDT: it gives Xen a trap table (traps.c) and Xen "bounces"
 * each exception onto our current stack, in ring 3 like everything we run.  The
 * frame Xen builds is a hardware exception frame with two extra words on top:
 *
 *     rcx, r11, [error code,] rip, cs, rflags, rsp, ss
 *
 * because Xen's own return path used rcx and r11, it hands us their real values
 * to restore.  Each stub below puts rcx and r11 back, pads vectors that have no
 * error code with a 0, pushes its vector number and joins trap_common, which
 * saves the rest and calls trap_handler(struct trap_frame *) in C.
 *
 * The way back is a plain iretq whenever Xen allows it, and the iret hypercall
 * otherwise.  When the trap came from kernel mode (everything pvmmu runs),
 * Xen's create_bounce_frame (xen/arch/x86/x86_64/entry.S) clears the saved
 * CS's RPL ("Indicate kernel context to guest"), and the public header says
 * what to do with such a frame: xen/include/public/arch-x86/xen-x86_64.h,
 * above struct iret_context, "RING0 indicates that the guest kernel should
 * return to itself directly with orb $3,1*8(%rsp); iretq".  With the RPL put
 * back to 3 the iretq is an ordinary ring-3 to ring-3 return, and a demand
 * fault costs 2 entries into Xen (the bounce and the fix), not 3.  SS gets
 * the same orb, as Mini-OS's HYPERVISOR_IRET does (arch/x86/x86_64.S): Xen
 * leaves SS's RPL at 3, so it changes nothing, but the frame is then valid
 * whatever built it.  Bits 32-39 of the CS slot hold the event mask Xen
 * saved; iretq reads only the selector's 16 bits, so they can stay.
 *
 * What only the hypercall (do_iret, xen/arch/x86/pv/iret.c) can do:
 *   - return to user mode (saved RPL 3): the switch to the user page tables
 *     and GS base is Xen's; pvmmu has no user mode, but the path stays;
 *   - restore the event mask atomically from the saved RFLAGS.IF: the trap
 *     table asks Xen to mask events on entry (traps.c), so a trap that
 *     interrupted code running with events unmasked (IF set in the frame)
 *     must unmask them on the way out, with no window for a lost upcall.
 *     pvmmu never unmasks events, so its frames have IF clear;
 *   - end an NMI: pvmmu registers no NMI callback, so Xen delivers none.
 * The hypercall is entered by JUMPING to its stub with one more word (flags,
 * 0 here) pushed below the rip..ss part of the frame. :*/
#define __ASSEMBLY__
#include <xen/xen.h>

.macro TRAP_NOERR vector
    .globl trap_\vector
trap_\vector:
    popq %rcx
    popq %r11
    pushq $0
    pushq $\vector
    jmp trap_common
.endm

.macro TRAP_ERR vector
    .globl trap_\vector
trap_\vector:
    popq %rcx
    popq %r11
    pushq $\vector
    jmp trap_common
.endm

    .text
TRAP_NOERR 0     /* #DE divide error */
TRAP_NOERR 1     /* #DB debug */
TRAP_NOERR 3     /* #BP breakpoint */
TRAP_NOERR 4     /* #OF overflow */
TRAP_NOERR 5     /* #BR bound */
TRAP_NOERR 6     /* #UD invalid opcode */
TRAP_NOERR 7     /* #NM device not available */
TRAP_ERR   8     /* #DF double fault */
TRAP_ERR   10    /* #TS invalid TSS */
TRAP_ERR   11    /* #NP segment not present */
TRAP_ERR   12    /* #SS stack fault */
TRAP_ERR   13    /* #GP general protection */
TRAP_ERR   14    /* #PF page fault */
TRAP_NOERR 16    /* #MF x87 error */
TRAP_ERR   17    /* #AC alignment check */
TRAP_NOERR 18    /* #MC machine check */
TRAP_NOERR 19    /* #XM SIMD error */

/* struct trap_frame, from the lowest address: r15 .. rax, vector, error code, then Xen's frame. */
trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    /* The interrupted code's stack may be at any alignment; the C ABI wants 16. */
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_handler
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                 /* vector and error code */
    /* Now rip, cs, rflags, rsp, ss are at 0, 8, 16, 24 and 32 (%rsp). */
    testb $3, 8(%rsp)              /* RPL 3: the trap came from user mode */
    jnz 1f
    testl $0x200, 16(%rsp)         /* IF: events were unmasked, unmask them atomically */
    jnz 1f
    orb $3, 8(%rsp)                /* kernel mode: give CS and SS their RPL back */
    orb $3, 32(%rsp)
    iretq
1:  pushq $0                       /* iret flags: not returning from a syscall */
    jmp hypercall_page + __HYPERVISOR_iret * 32

    .section .note.GNU-stack, "", @progbits
