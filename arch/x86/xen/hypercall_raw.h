/*
 * Calling into Xen: through the hypercall page.
 *
 * Xen wrote a 32-byte stub per hypercall number into hypercall_page (head.S)
 * when it built us; calling stub N is hypercall N.  Arguments go in rdi, rsi,
 * rdx, r10, r8 (the syscall convention, r10 standing in for rcx), the result
 * comes back in rax, and the stub's syscall clobbers rcx and r11.  Xen may also
 * write any memory we handed it, hence the "memory" clobber.
 *
 * Only hypercall.c uses these: everything else calls a typed wrapper.
 */
#ifndef PVMMU_ARCH_HYPERCALL_RAW_H
#define PVMMU_ARCH_HYPERCALL_RAW_H

extern char hypercall_page[4096];

static inline long hypercall5(unsigned int nr, unsigned long a1, unsigned long a2,
                              unsigned long a3, unsigned long a4, unsigned long a5)
{
    register unsigned long rdi __asm__("rdi") = a1;
    register unsigned long rsi __asm__("rsi") = a2;
    register unsigned long rdx __asm__("rdx") = a3;
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret;

    __asm__ volatile("call *%[stub]"
                 : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8)
                 : [stub] "r"(hypercall_page + nr * 32)
                 : "memory", "rcx", "r11", "r9");
    return ret;
}

#define hypercall1(nr, a1) hypercall5((nr), (unsigned long)(a1), 0, 0, 0, 0)
#define hypercall2(nr, a1, a2) hypercall5((nr), (unsigned long)(a1), (unsigned long)(a2), 0, 0, 0)
#define hypercall3(nr, a1, a2, a3) \
    hypercall5((nr), (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3), 0, 0)
#define hypercall4(nr, a1, a2, a3, a4) \
    hypercall5((nr), (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3), (unsigned long)(a4), 0)

#endif
