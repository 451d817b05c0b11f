/*
 * Faults: the unexpected ones are reported and end the domain; the expected
 * ones are how tests say "this access faults".
 *
 * An expected fault is marked the way XTF (and Linux's uaccess) do it: the
 * instruction that may fault gets an entry in the exception table (.extable:
 * faulting rip, resume rip).  When a fault hits an address in that table, the
 * handler records what happened, counts it, and resumes at the fixup, which
 * makes the access report failure instead of the kernel dying.
 */
#ifndef PVMMU_ARCH_TRAPS_H
#define PVMMU_ARCH_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;   /* as Xen bounced them */
};

struct fault_info {
    uint64_t vector;
    uint64_t error_code;
    uint64_t address;   /* CR2 for a page fault, 0 otherwise */
    uint64_t rip;
};

/* Give Xen our trap table (the PV kernel), or load the IDT (bare metal).  0 or the hypercall's error. */
long traps_init(void);

/*
 * A page-fault hook, tried before the exception table: demand paging.  It gets
 * the faulting address and whether it was a write, and returns true if it has
 * mapped the page, in which case the faulting instruction runs again.
 */
typedef bool (*page_fault_hook_fn)(uint64_t va, bool write);
void traps_set_page_fault_hook(page_fault_hook_fn hook);
uint64_t demand_faults_served(void);

/* Expected faults caught so far, and the last one. */
uint64_t expected_faults(void);
struct fault_info last_expected_fault(void);

/*
 * The kernel's own answer to fault f (faults.c): true if the demand-paging hook
 * mapped the page (return to the same rip) or the exception table expected the
 * fault (f->rip is now its fixup); false if it is unexpected, which the caller
 * reports.  cr2 is the page fault's address (0 for other vectors).  While the
 * caller is already reporting a fault, the hook is not tried: only the table,
 * which the report's own careful reads rely on.
 */
bool fault_answered(struct trap_frame *f, uint64_t cr2, bool reporting);

/*
 * Access memory that may not be there.  True if the access happened; false if
 * it faulted (the fault is counted and recorded, and *out is 0).
 */
static inline bool safe_read64(const volatile uint64_t *p, uint64_t *out)
{
    uint64_t v;
    int ok = 1;

    __asm__ volatile("1: movq (%[p]), %[v]\n"
                 "2:\n"
                 ".pushsection .fixup, \"ax\"\n"
                 "3: xorl %[ok], %[ok]\n"
                 "   xorl %k[v], %k[v]\n"
                 "   jmp 2b\n"
                 ".popsection\n"
                 ".pushsection .extable, \"a\"\n"
                 "   .quad 1b, 3b\n"
                 ".popsection"
                 : [v] "=&r"(v), [ok] "+r"(ok)
                 : [p] "r"(p)
                 : "memory");
    *out = v;
    return ok;
}

static inline bool safe_write64(volatile uint64_t *p, uint64_t value)
{
    int ok = 1;

    __asm__ volatile("1: movq %[v], (%[p])\n"
                 "2:\n"
                 ".pushsection .fixup, \"ax\"\n"
                 "3: xorl %[ok], %[ok]\n"
                 "   jmp 2b\n"
                 ".popsection\n"
                 ".pushsection .extable, \"a\"\n"
                 "   .quad 1b, 3b\n"
                 ".popsection"
                 : [ok] "+r"(ok)
                 : [p] "r"(p), [v] "r"(value)
                 : "memory");
    return ok;
}

#endif
