/*
 * The way back from a trap (arch/x86/xen/entry.S), run on the host.
 *
 * A 64-bit Linux process runs in ring 3 with flat 64-bit selectors, as a PV
 * kernel does under Xen, so the real entry.S can take a frame built the way
 * Xen's create_bounce_frame (xen/arch/x86/x86_64/entry.S) builds one:
 * rcx, r11, error code, rip, cs, rflags, rsp, ss, with the saved CS's RPL
 * cleared when the trap came from kernel mode and the saved event mask in
 * bits 32-39 of the CS slot.  Here the selectors are the host's own user ones
 * (0x33 and 0x2b on Linux) instead of Xen's FLAT_KERNEL_CS and _SS.
 *
 * The iret hypercall is a fake page at hypercall_page that counts its calls,
 * records what it found on the stack and returns as do_iret
 * (xen/arch/x86/pv/iret.c) does for a kernel frame: CS and SS forced to RPL 3,
 * then iretq.
 *
 * What is guarded: a trap from kernel mode with events masked comes back by a
 * plain iretq with the RPL put back (the public header's "orb $3,1*8(%rsp);
 * iretq", above struct iret_context), costing no hypercall; without the orb
 * the iretq faults, with the hypercall the count shows it.  Anything else
 * (a frame with RPL 3, i.e. user mode; a frame with IF set, i.e. events to
 * unmask atomically) still takes the hypercall.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/common/traps.h"

#define EFLAGS_IF 0x200ULL
#define SAVED_MASK_IN_CS (1ULL << 32)   /* create_bounce_frame: bits 32-39, saved_upcall_mask */

/* The fake iret hypercall's records (its code is below, in assembly). */
uint64_t fake_irets, fake_iret_flags, fake_iret_rip, fake_iret_cs;
uint64_t returned_r11;

/*
 * The hypercall page: __HYPERVISOR_iret is entry 23, 32 bytes each.  entry.S
 * jumps there with the flags word on top of rip, cs, rflags, rsp, ss.  The
 * fake changes no register but the flags, which the iretq restores.
 */
__asm__(".pushsection .text\n"
        ".balign 4096\n"
        ".globl hypercall_page\n"
        "hypercall_page:\n"
        ".skip 23 * 32, 0xcc\n"
        "    incq fake_irets(%rip)\n"
        "    popq fake_iret_flags(%rip)\n"
        "    pushq 0(%rsp)\n"
        "    popq fake_iret_rip(%rip)\n"
        "    pushq 8(%rsp)\n"
        "    popq fake_iret_cs(%rip)\n"
        "    orb $3, 8(%rsp)\n"
        "    orb $3, 32(%rsp)\n"
        "    iretq\n"
        ".popsection");

/*
 * Play Xen's bounce of a #PF (error code 2, a not-present write) into the
 * trap_14 stub of entry.S: the interrupted code is the instruction after the
 * jump, with this function's stack.  Returns rcx as the trap left it (r11 in
 * returned_r11): Xen hands their values over in the frame, entry.S must put
 * them back.
 */
uint64_t bounce_into_trap_14(uint64_t cs, uint64_t rflags, uint64_t rcx, uint64_t r11);
uint64_t bounce_resume_rip(void);
__asm__(".pushsection .text\n"
        ".globl bounce_into_trap_14\n"
        "bounce_into_trap_14:\n"
        "    movq %rsp, %rax\n"
        "    xorl %r8d, %r8d\n"
        "    movw %ss, %r8w\n"
        "    pushq %r8\n"               /* ss */
        "    pushq %rax\n"              /* rsp */
        "    pushq %rsi\n"              /* rflags */
        "    pushq %rdi\n"              /* cs */
        "    leaq 1f(%rip), %rax\n"
        "    pushq %rax\n"              /* rip */
        "    pushq $2\n"                /* error code */
        "    pushq %rcx\n"              /* r11 */
        "    pushq %rdx\n"              /* rcx */
        "    jmp trap_14\n"
        "1:  movq %r11, returned_r11(%rip)\n"
        "    movq %rcx, %rax\n"
        "    ret\n"
        ".globl bounce_resume_rip\n"
        "bounce_resume_rip:\n"
        "    leaq 1b(%rip), %rax\n"
        "    ret\n"
        ".popsection");

/* What entry.S handed to C. */
static struct trap_frame seen;
static unsigned handled;

void trap_handler(struct trap_frame *f);
void trap_handler(struct trap_frame *f)
{
    seen = *f;
    handled++;
}

static uint64_t host_cs(void)
{
    uint16_t cs;

    __asm__("movw %%cs, %0" : "=r"(cs));
    return cs;
}

static uint64_t rflags_now(void)
{
    return __builtin_ia32_readeflags_u64();
}

static void reset(void)
{
    fake_irets = 0;
    fake_iret_flags = fake_iret_rip = fake_iret_cs = ~0ULL;
    handled = 0;
    memset(&seen, 0, sizeof(seen));
}

static void test_a_kernel_mode_trap_returns_by_iretq_without_the_hypercall(void **s)
{
    uint64_t kernel_cs = (host_cs() & ~3ULL) | SAVED_MASK_IN_CS;
    uint64_t rcx;

    (void)s;
    reset();
    rcx = bounce_into_trap_14(kernel_cs, rflags_now() & ~EFLAGS_IF, 0x1111, 0x2222);
    assert_int_equal(handled, 1);
    assert_int_equal(seen.vector, 14);
    assert_int_equal(seen.error_code, 2);
    assert_int_equal(seen.cs, kernel_cs);        /* the frame as Xen built it */
    assert_int_equal(seen.rip, bounce_resume_rip());
    assert_int_equal(seen.rcx, 0x1111);
    assert_int_equal(seen.r11, 0x2222);
    assert_int_equal(fake_irets, 0);             /* the point: no iret hypercall */
    assert_int_equal(rcx, 0x1111);               /* and rcx, r11 are Xen's values */
    assert_int_equal(returned_r11, 0x2222);
}

static void test_a_user_mode_trap_still_returns_by_the_hypercall(void **s)
{
    uint64_t user_cs = host_cs() | 3;

    (void)s;
    reset();
    bounce_into_trap_14(user_cs, rflags_now() & ~EFLAGS_IF, 0x3333, 0x4444);
    assert_int_equal(handled, 1);
    /* do_iret's test: (cs & 3) == 3 means user mode, and only Xen can switch to it. */
    assert_int_equal(fake_irets, 1);
    assert_int_equal(fake_iret_flags, 0);        /* not VGCF_in_syscall */
    assert_int_equal(fake_iret_rip, bounce_resume_rip());
    assert_int_equal(fake_iret_cs, user_cs);
    assert_int_equal(returned_r11, 0x4444);
}

static void test_a_trap_that_interrupted_unmasked_events_returns_by_the_hypercall(void **s)
{
    uint64_t kernel_cs = (host_cs() & ~3ULL);

    (void)s;
    reset();
    /* IF set in the frame: events were unmasked, do_iret unmasks them again atomically. */
    assert_int_equal(bounce_into_trap_14(kernel_cs, rflags_now() | EFLAGS_IF, 0x5555, 0x6666), 0x5555);
    assert_int_equal(handled, 1);
    assert_int_equal(fake_irets, 1);
    assert_int_equal(fake_iret_cs, kernel_cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_kernel_mode_trap_returns_by_iretq_without_the_hypercall),
        cmocka_unit_test(test_a_user_mode_trap_still_returns_by_the_hypercall),
        cmocka_unit_test(test_a_trap_that_interrupted_unmasked_events_returns_by_the_hypercall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
