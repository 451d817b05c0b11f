/*X:200 The page fault, where the shadow backend meets the hardware.
 *
 * This kernel owns the IDT, so every #PF lands here first, and the first
 * question is the host's: is this the shadow lagging behind the guest's
 * tables?  shadow_demand_page() walks the guest's tables for CR2 and answers
 * one of three things:
 *
 *   FIXED    the shadow now maps it: back to the faulting instruction, which
 *            runs again and succeeds.  The guest never knows it faulted.
 *   REFLECT  the guest's own tables say no (not present, read-only, ...): the
 *            fault is delivered to the guest, which here means the guest
 *            kernel's own #PF handling, the same as the PV kernel's: its
 *            demand paging hook first (the workloads' demand regions), then
 *            the exception table, which is how env_read64/env_write64 report
 *            "this access faulted", and failing both, a crash report.
 *   KILLED   the guest handed the host something it refuses (check.c): the
 *            run stops with the reason, as a FAIL.
 *
 * Either way the host puts CR3 right before the instruction runs again
 * (host_return): a fix may have thrown out roots to make room, and the
 * guest's own handler may have changed its tables.
 *
 * One guard: a fault the host has just called FIXED must not come straight
 * back.  If it does, the shadow is wrong, and retrying forever would only look
 * like a hang; after a few rounds it is reported as a crash. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "workloads/workloads.h"
#include "arch/x86/common/traps.h"
#include "console.h"
#include "cpu.h"
#include "host.h"
#include "layout.h"

#define NR_STUBS 22
#define GATE_INTERRUPT 0x8e    /* present, ring 0, 64-bit interrupt gate */
#define FIXED_REPEATS_MAX 3

struct idt_gate {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, zero;
};

extern const uint64_t trap_stubs[NR_STUBS];

static struct idt_gate idt[NR_STUBS] __attribute__((aligned(16)));
static struct fault_info last_fixed;
static uint64_t last_fixed_cr3;   /* the shadow root the last fixed fault was fixed in */
static unsigned fixed_repeats;
static bool reporting;   /* a fault while reporting one: stop at once */

void trap_handler(struct trap_frame *f);

long traps_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    unsigned v;

    for (v = 0; v < NR_STUBS; v++)
        idt[v] = (struct idt_gate){
            .offset_low = (uint16_t)trap_stubs[v],
            .selector = GDT_CODE64,
            .type = GATE_INTERRUPT,
            .offset_mid = (uint16_t)(trap_stubs[v] >> 16),
            .offset_high = (uint32_t)(trap_stubs[v] >> 32),
        };
    __asm__ volatile("lidt %0" : : "m"(idtr));
    return 0;
}

/* Stop: what faulted, where, and the tally (which now holds a FAIL). */
static _Noreturn void crash(const struct trap_frame *f, uint64_t cr2, const char *why)
{
    if (reporting)
        finish();
    reporting = true;
    kprintf("pvmmu: unexpected fault: vector %llu error code %#llx: %s",
            (unsigned long long)f->vector, (unsigned long long)f->error_code, why);
    kprintf("pvmmu:   rip %#llx  cr2 %#llx  rsp %#llx  rflags %#llx  cr3 %#llx",
            (unsigned long long)f->rip, (unsigned long long)cr2, (unsigned long long)f->rsp,
            (unsigned long long)f->rflags, (unsigned long long)read_cr3());
    kprintf("pvmmu:   rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx",
            (unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
            (unsigned long long)f->rdx, (unsigned long long)f->rsi, (unsigned long long)f->rdi);
    wl_check(false, "metal-no-unexpected-fault", "vector %llu at rip %#llx, cr2 %#llx: %s",
             (unsigned long long)f->vector, (unsigned long long)f->rip, (unsigned long long)cr2, why);
    finish();
}

/*
 * The guest kernel's own handling of a fault, the PV kernel's as well
 * (arch/x86/common/faults.c): its demand paging, then its exception table.
 */
static void guest_fault(struct trap_frame *f, uint64_t cr2)
{
    if (!fault_answered(f, cr2, reporting))
        crash(f, cr2, f->vector == 14 ? "a page fault the guest did not expect" : "an exception");
}

static void page_fault(struct trap_frame *f, uint64_t cr2)
{
    struct fault_info now = { f->vector, f->error_code, cr2, f->rip };

    switch (reporting ? SHADOW_REFLECT : shadow_demand_page(cr2, (unsigned)f->error_code)) {
    case SHADOW_FIXED:
        /*
         * The same fault again in the same address space means the fix did not
         * take.  The same fault in the next space is just the next space's first
         * touch: with prefetch, a workload that reads page 0 of each space in
         * turn faults only there, and took the loop for one (make test,
         * 2026-12-02).  So the root is part of "the same".
         */
        if (now.address == last_fixed.address && now.rip == last_fixed.rip &&
            now.error_code == last_fixed.error_code && read_cr3() == last_fixed_cr3 &&
            ++fixed_repeats > FIXED_REPEATS_MAX)
            crash(f, cr2, "the shadow keeps fixing this fault and it keeps coming back");
        if (now.address != last_fixed.address || now.rip != last_fixed.rip || read_cr3() != last_fixed_cr3)
            fixed_repeats = 0;
        last_fixed = now;
        last_fixed_cr3 = read_cr3();
        host_note_fixed();
        break;
    case SHADOW_KILLED:
        reporting = true;
        host_stop_dead_guest(cr2, f->rip);
    case SHADOW_REFLECT:
        guest_fault(f, cr2);
        break;
    }
    host_return();
}

void trap_handler(struct trap_frame *f)
{
    if (f->vector == 14)
        page_fault(f, read_cr2());
    else
        guest_fault(f, 0);
}
