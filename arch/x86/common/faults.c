/*A:305 The kernel's own answer to a fault, the same in both kernels.
 *
 * Each kernel takes the trap its own way (the PV kernel from Xen's bounce, the
 * bare-metal one from its IDT, after the shadow host has had its say) and then
 * asks here, in this order:
 *   1. a page fault the workloads' demand-paging hook maps: the instruction
 *      runs again, unless the same instruction faults on the same address
 *      right after the hook mapped it: then the hook is wrong, and the fault
 *      goes on as any other (looping on it would only look like a hang);
 *   2. a fault at an instruction listed in the exception table (the accesses
 *      that are allowed to fault, such as safe_read64): it resumes at its
 *      fixup, and is counted.
 * Anything else is the caller's to report. :*/
#include <stddef.h>
#include "traps.h"

#define PF_VECTOR 14
#define PF_ERROR_WRITE 2   /* bit 1 of a page fault's error code: the access was a write */

/* The linker script gathers every .extable entry between these two symbols. */
struct extable_entry {
    uint64_t fault_rip, fixup_rip;
};
extern const struct extable_entry __start_extable[], __stop_extable[];

static page_fault_hook_fn page_fault_hook;
static uint64_t nr_demand, nr_expected;
static struct fault_info last_demand, last_expected;

void traps_set_page_fault_hook(page_fault_hook_fn hook)
{
    page_fault_hook = hook;
}

uint64_t demand_faults_served(void)
{
    return nr_demand;
}

uint64_t expected_faults(void)
{
    return nr_expected;
}

struct fault_info last_expected_fault(void)
{
    return last_expected;
}

/* The exception table's entry for an instruction at rip, or NULL if it expects no fault. */
static const struct extable_entry *extable_find(uint64_t rip)
{
    const struct extable_entry *e;

    for (e = __start_extable; e < __stop_extable; e++)
        if (e->fault_rip == rip)
            return e;
    return NULL;
}

static bool demand_paging_maps(const struct trap_frame *f, uint64_t cr2)
{
    bool same_as_last = cr2 == last_demand.address && f->rip == last_demand.rip;

    return f->vector == PF_VECTOR && page_fault_hook && !same_as_last &&
           page_fault_hook(cr2, f->error_code & PF_ERROR_WRITE);
}

bool fault_answered(struct trap_frame *f, uint64_t cr2, bool reporting)
{
    struct fault_info now = { f->vector, f->error_code, cr2, f->rip };
    const struct extable_entry *e;

    if (!reporting && demand_paging_maps(f, cr2)) {
        nr_demand++;
        last_demand = now;
        return true;   /* mapped: run the instruction again */
    }
    last_demand = (struct fault_info){ 0, 0, 0, 0 };
    e = extable_find(f->rip);
    if (!e)
        return false;
    nr_expected++;
    last_expected = now;
    f->rip = e->fixup_rip;
    return true;
}
