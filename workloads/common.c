/*
 * What the suites share: building an address space full of pages, and a data
 * pattern that says, for every word, which address space and page wrote it, so a
 * page mapped into the wrong place (or a stale frame) cannot read back right.
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

void wl_default_options(struct wl_options *opt)
{
    opt->spaces = 256;
    opt->pages = 8;
    opt->storm_rounds = 16;
    opt->storm_pages = 2048;
    opt->suites = "all";
    opt->w1_iterations = 100;
    opt->w2_pages = 16384;
    opt->fault_around = 16;
}

uint64_t wl_pattern(unsigned space, unsigned page)
{
    uint64_t x = ((uint64_t)space << 32 | page) * 0x9E3779B97F4A7C15ULL;

    return x ^ (x >> 29) ^ 0x50564d4d5530ULL;
}

/*
 * A new address space with `pages` fresh data frames mapped at `va`, populated
 * inside one lazy section and pinned in it too when asked: the whole thing
 * reaches Xen in one trap.
 */
struct aspace *wl_space_with_pages(uint64_t va, unsigned pages, bool pin)
{
    struct aspace *as = wl_mmu->ops->create();
    pfn_t frames[64];
    unsigned done = 0;
    int rc = as ? 0 : -1;

    lazy_mmu_enter();
    while (!rc && done < pages) {
        unsigned n = pages - done < 64 ? pages - done : 64, i;

        for (i = 0; i < n && !rc; i++) {
            frames[i] = frame_alloc();
            if (!pfn_valid_value(frames[i]))
                rc = -1;
        }
        if (!rc)
            rc = wl_mmu->ops->map_range(as, va + (uint64_t)done * PAGE_SIZE, frames, n, _PAGE_RW | _PAGE_USER);
        done += n;
    }
    if (!rc && pin)
        rc = wl_mmu->ops->pin(as);
    if (lazy_mmu_leave() || rc) {
        if (as)
            pvmmu_error("workload: could not build an address space of %u pages at va 0x%llx", pages,
                        (unsigned long long)va);
        return NULL;
    }
    return as;
}

bool wl_write_pattern(unsigned space, uint64_t va, unsigned pages)
{
    unsigned page;

    for (page = 0; page < pages; page++)
        if (!env_write64(va + (uint64_t)page * PAGE_SIZE + 8 * (page % 512), wl_pattern(space, page)))
            return false;
    return true;
}

/* How many pages do NOT read back the pattern (0: all good). */
unsigned wl_check_pattern(unsigned space, uint64_t va, unsigned pages)
{
    unsigned page, wrong = 0;
    uint64_t value;

    for (page = 0; page < pages; page++)
        if (!env_read64(va + (uint64_t)page * PAGE_SIZE + 8 * (page % 512), &value) ||
            value != wl_pattern(space, page))
            wrong++;
    return wrong;
}

void wl_destroy_space(struct aspace *as, uint64_t va, unsigned pages)
{
    static pfn_t data[4096];
    unsigned page, n = 0;
    pte_t pte;

    int rc;

    for (page = 0; page < pages; page++)
        if (!wl_mmu->ops->lookup(as, va + (uint64_t)page * PAGE_SIZE, &pte) && pte_pfn(pte).pfn &&
            n < sizeof(data) / sizeof(data[0]))
            data[n++] = pte_pfn(pte);
    /* Switching away (if loaded) and the unpin share one trap. */
    lazy_mmu_enter();
    if (as == wl_mmu->current())
        wl_mmu->ops->switch_to(wl_mmu->kernel());
    rc = wl_mmu->ops->destroy(as);
    lazy_mmu_leave();
    if (rc)
        return; /* reported; the frames stay where they are rather than be freed twice */
    for (page = 0; page < n; page++)
        frame_free(data[page]);
}
