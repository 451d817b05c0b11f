/*
 * Demand paging for the benchmark workloads: a region is reserved without being
 * mapped, and the first touch of a page maps it, and its neighbours.
 *
 * Every page fault pvmmu takes costs two entries into Xen: Xen bounces the
 * fault to the guest, and the guest maps the page (a hypercall).  The return to
 * the faulting instruction is a plain iretq (arch/x86/xen/entry.S: the fault
 * came from kernel mode), not the iret hypercall Linux pays for returning to
 * user mode.  Linux maps one page per fault.  Mapping a window of `fault_around` pages per fault divides the
 * faults by that much, for the price of mapping pages that may never be touched
 * (none, in these workloads: they touch everything).
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

static struct {
    struct aspace *as;
    uint64_t start, pages;
    unsigned window;
    uint64_t faults, mapped;   /* since the region was set: faults taken, pages they mapped */
} region;

/* Every frame demand paging handed out, so the workload can give them back. */
static pfn_t given[16384 + 256];
static unsigned nr_given;

void wl_demand_free_frames(void)
{
    while (nr_given)
        frame_free(given[--nr_given]);
}

void wl_demand_region(struct aspace *as, uint64_t start, uint64_t pages, unsigned window)
{
    region.as = as;
    region.start = start;
    region.pages = pages;
    region.window = window ? window : 1;
    region.faults = 0;
    region.mapped = 0;
}

uint64_t wl_demand_faults(void)
{
    return region.faults;
}

/* The work demand paging did: pages it mapped in the current region (a window per fault). */
uint64_t wl_demand_mapped(void)
{
    return region.mapped;
}

bool wl_demand_fault(uint64_t va, bool write)
{
    pfn_t frames[256];
    uint64_t page, first, last, n, i;
    pte_t pte;

    (void)write;
    if (!region.as || va < region.start || va >= region.start + region.pages * PAGE_SIZE)
        return false;
    if (!wl_mmu->ops->lookup(region.as, va, &pte) && pte_present(pte))
        return false; /* mapped already: a protection fault, not ours */
    page = (va - region.start) / PAGE_SIZE;
    first = page & ~(uint64_t)(region.window - 1);
    last = first + region.window < region.pages ? first + region.window : region.pages;
    n = last - first < 256 ? last - first : 256;
    for (i = 0; i < n; i++) {
        frames[i] = frame_alloc();
        if (pfn_valid_value(frames[i]) && nr_given < sizeof(given) / sizeof(given[0]))
            given[nr_given++] = frames[i];
        if (!pfn_valid_value(frames[i])) {
            pvmmu_error("demand fault at va 0x%llx: out of frames", (unsigned long long)va);
            return false;
        }
    }
    region.faults++;
    if (wl_mmu->ops->map_range(region.as, region.start + first * PAGE_SIZE, frames, n, _PAGE_RW | _PAGE_USER))
        return false;
    region.mapped += n;
    return true;
}
