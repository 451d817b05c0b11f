/*
 * Address spaces that must survive a save and restore, in every state an address
 * space can be in when the toolstack comes: loaded and pinned, idle and pinned,
 * under construction and unpinned, half torn down.  Before each save every page's
 * translation (pfn and flags) and contents are recorded; after the resume they
 * are compared bit for bit, then changed, so the next cycle checks new data.
 *
 * Contents are written and read through the kernel's direct map, not through the
 * address spaces themselves: loading an unpinned address space would pin it, and
 * the point is to keep it unpinned until the save.
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"
#include "lib/aspace_int.h"

#define PERSIST_PAGES 1024     /* two L1s: the half-torn-down one loses one of them */

static const char *const state_name[] = { "loaded-pinned", "idle-pinned", "building-unpinned",
                                          "half-torn-down" };
enum { LOADED, IDLE, BUILDING, DYING, NR_PERSIST };

static struct {
    struct aspace *as;
    unsigned pages;            /* mapped from WL_VA */
    pte_t pte[PERSIST_PAGES];  /* each page's translation as recorded */
} spaces[NR_PERSIST];

/*
 * What a translation means: the frame and the permissions.  Not the accessed and
 * dirty bits (the CPU sets them as it goes) nor Global (Xen adds it to user l1es
 * it validates): comparing those would report the machine at work as damage.
 */
#define MEANING (PTE_ADDR_MASK | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_NX | _PAGE_AVAIL0)

static bool same_translation(pte_t a, pte_t b)
{
    return ((a.v ^ b.v) & MEANING) == 0;
}

static uint64_t value_of(unsigned space, unsigned cycle, unsigned page)
{
    return wl_pattern(space * 1000 + cycle, page);
}

static void write_contents(unsigned cycle)
{
    unsigned s, page;

    for (s = 0; s < NR_PERSIST; s++)
        for (page = 0; spaces[s].as && page < spaces[s].pages; page++)
            env_write64(env_direct_map_va(pte_pfn(spaces[s].pte[page]).pfn), value_of(s, cycle, page));
}

static void record_translations(void)
{
    unsigned s, page;

    for (s = 0; s < NR_PERSIST; s++)
        for (page = 0; spaces[s].as && page < spaces[s].pages; page++)
            wl_mmu->ops->lookup(spaces[s].as, WL_VA + (uint64_t)page * PAGE_SIZE, &spaces[s].pte[page]);
}

bool wl_persist_setup(void)
{
    static const bool pinned[NR_PERSIST] = { true, true, false, false };
    unsigned s;

    for (s = 0; s < NR_PERSIST; s++) {
        spaces[s].as = wl_space_with_pages(WL_VA, PERSIST_PAGES, pinned[s]);
        spaces[s].pages = PERSIST_PAGES;
        if (!spaces[s].as)
            return false;
    }
    spaces[BUILDING].as->state = AS_CONSTRUCTING;
    spaces[DYING].as->state = AS_TEARING_DOWN;
    /* Half torn down: its second table's worth is gone (and its L1 freed). */
    if (wl_mmu->ops->unmap_range(spaces[DYING].as, WL_VA + PT_ENTRIES * PAGE_SIZE, PT_ENTRIES) ||
        wl_mmu->ops->switch_to(spaces[LOADED].as))
        return false;
    spaces[DYING].pages = PT_ENTRIES;
    record_translations();
    write_contents(0);
    return true;
}

/*
 * After a resume: every page of every address space must translate as recorded
 * and hold what was written.  Returns how many pages did not.  With `quiet`
 * (the negative control, which expects damage), each address space is looked at
 * only up to its first damaged page, and nothing is reported: every stale frame
 * met is named by the core as it goes, and hundreds of those lines would bury
 * the console.
 */
unsigned wl_persist_check(unsigned cycle, bool quiet)
{
    unsigned s, page, wrong = 0;

    for (s = 0; s < NR_PERSIST; s++) {
        unsigned bad = 0;

        for (page = 0; spaces[s].as && page < spaces[s].pages; page++) {
            pte_t now;
            uint64_t value = 0;
            bool same = !wl_mmu->ops->lookup(spaces[s].as, WL_VA + (uint64_t)page * PAGE_SIZE, &now) &&
                        same_translation(now, spaces[s].pte[page]);

            same = same && env_read64(env_direct_map_va(pte_pfn(now).pfn), &value) &&
                   value == value_of(s, cycle, page);
            bad += !same;
            if (bad && quiet)
                break;
        }
        if (bad && !quiet)
            pvmmu_error("after restore, %u pages of the %s address space differ", bad, state_name[s]);
        wrong += bad;
    }
    return wrong;
}

/* The workloads go on: new contents for the next cycle, and the loaded space read through itself. */
bool wl_persist_continue(unsigned cycle)
{
    unsigned page, wrong = 0;
    uint64_t value;

    write_contents(cycle);
    for (page = 0; page < spaces[LOADED].pages; page += 37)
        wrong += !env_read64(WL_VA + (uint64_t)page * PAGE_SIZE, &value) || value != value_of(LOADED, cycle, page);
    return wrong == 0;
}
