/*A:300 The trap table, and what happens when something traps.
 *
 * traps_init hands Xen the table of entry stubs (entry.S), one per vector.
 * trap_handler then answers every trap in this order:
 *   1. a page fault the workloads' demand-paging hook maps: the instruction
 *      runs again (unless the same instruction faults on the same address
 *      right after the hook mapped it: then the hook is wrong, and the fault
 *      goes on as any other);
 *   2. a fault at an instruction listed in the exception table (the accesses
 *      that are allowed to fault, such as safe_read64): it resumes at its
 *      fixup, and is counted;
 *   3. anything else: the fault, the registers and the stack are printed and
 *      the domain crashes.  A fault while printing crashes it at once.
 * Steps 1 and 2 are the bare-metal kernel's too: arch/x86/common/faults.c. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "console.h"
#include "hypercall_arch.h"
#include "shared.h"
#include "arch/x86/common/traps.h"

/* entry.S */
#define STUB(n) extern char trap_##n[];
STUB(0) STUB(1) STUB(3) STUB(4) STUB(5) STUB(6) STUB(7) STUB(8) STUB(10) STUB(11)
STUB(12) STUB(13) STUB(14) STUB(16) STUB(17) STUB(18) STUB(19)
#undef STUB

/*
 * flags: bits 0-1 are the privilege level allowed to raise the vector with an
 * int instruction (3 for #BP and #OF, as on hardware, 0 otherwise); bit 2
 * asks Xen to mask events on entry, which costs nothing as they stay masked.
 */
#define T(n, dpl) { n, 4 | (dpl), FLAT_KERNEL_CS, (unsigned long)trap_##n }
static const trap_info_t trap_table[] = {
    T(0, 0), T(1, 0), T(3, 3), T(4, 3), T(5, 0), T(6, 0), T(7, 0), T(8, 0),
    T(10, 0), T(11, 0), T(12, 0), T(13, 0), T(14, 0), T(16, 0), T(17, 0),
    T(18, 0), T(19, 0),
    { 0, 0, 0, 0 },   /* the end: address 0 */
};
#undef T

static bool reporting;   /* a fault while reporting a fault: stop at once */

long traps_init(void)
{
    return hv_set_trap_table(trap_table);
}

/* The same table for a secondary vCPU's VCPUOP_initialise (smp.c): Xen keeps it indexed by vector. */
void traps_fill_context(trap_info_t ctxt[256]);
void traps_fill_context(trap_info_t ctxt[256])
{
    unsigned i;

    for (i = 0; trap_table[i].address; i++)
        ctxt[trap_table[i].vector] = trap_table[i];
}

static const char *vector_name(uint64_t v)
{
    static const char *const names[] = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
        "#BR bound range", "#UD invalid opcode", "#NM no FPU", "#DF double fault", "?",
        "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
        "#GP general protection", "#PF page fault", "?", "#MF x87", "#AC alignment",
        "#MC machine check", "#XM SIMD",
    };
    return v < ARRAY_SIZE(names) ? names[v] : "?";
}

/* The page-fault error code in words: what the CPU was doing when it faulted. */
static void describe_pf(uint64_t ec, char *buf, unsigned len)
{
    pvmmu_snprintf(buf, len, "%s %s in %s mode%s",
                   ec & 1 ? "protection violation" : "not present",
                   ec & 2 ? "write" : (ec & 16 ? "instruction fetch" : "read"),
                   ec & 4 ? "user" : "kernel", ec & 8 ? ", reserved bit set" : "");
}

static _Noreturn void report_and_crash(const struct trap_frame *f, uint64_t cr2)
{
    char what[96] = "";
    unsigned i;

    if (reporting)
        hv_shutdown(SHUTDOWN_crash);
    reporting = true;
    if (f->vector == 14)
        describe_pf(f->error_code, what, sizeof(what));
    kprintf("pvmmu: unexpected fault: vector %llu (%s) error code %#llx%s%s",
            (unsigned long long)f->vector, vector_name(f->vector),
            (unsigned long long)f->error_code, what[0] ? ": " : "", what);
    kprintf("pvmmu:   rip %#llx  address (cr2) %#llx  rsp %#llx  rflags %#llx  cs %#llx",
            (unsigned long long)f->rip, (unsigned long long)cr2, (unsigned long long)f->rsp,
            (unsigned long long)f->rflags, (unsigned long long)f->cs);
    kprintf("pvmmu:   rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx",
            (unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
            (unsigned long long)f->rdx, (unsigned long long)f->rsi, (unsigned long long)f->rdi);
    /* The stack words may themselves be unmapped: read them the careful way. */
    for (i = 0; i < 8; i++) {
        uint64_t word;
        const uint64_t *p = (const uint64_t *)f->rsp + i;

        if (!safe_read64(p, &word)) {
            kprintf("pvmmu:   stack %#llx: (unreadable)", (unsigned long long)(uintptr_t)p);
            break;
        }
        kprintf("pvmmu:   stack %#llx: %#llx", (unsigned long long)(uintptr_t)p,
                (unsigned long long)word);
    }
    kputs("pvmmu: crashed");
    console_flush();
    hv_shutdown(SHUTDOWN_crash);
}

void trap_handler(struct trap_frame *f);
void trap_handler(struct trap_frame *f)
{
    /* Xen leaves a page fault's address in this vCPU's vcpu_info: a PV kernel cannot read CR2. */
    uint64_t cr2 = (f->vector == 14 && xen_shared) ? xen_shared->vcpu_info[platform_vcpu_id()].arch.cr2 : 0;

    if (!fault_answered(f, cr2, reporting))
        report_and_crash(f, cr2);
}
