/*
 * The benchmark workloads of ../shared/xen-trace (wl.c, Linux's side), done the
 * pvmmu way, with the same phase markers so that Xen's own trace cuts both
 * guests' runs into the same phases:
 *
 *   W1: 100 times: fork a small parent, map 4 MiB in the child, write one byte
 *       per page, tear the child down;
 *   W2: in one live, pinned, loaded address space: map 64 MiB, touch every page,
 *       protect read-only, read-write, touch again, unmap.
 *
 * Eager mode populates a mapping when it is made (in lazy mode: fresh tables,
 * one trap); demand mode reserves it and lets wl_demand_fault() map it, a
 * fault-around window at a time.  Correctness is checked too: a workload that is
 * fast because it skipped its work would fail here.
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

#define W1_PAGES 1024                          /* 4 MiB */
#define W1_VA (WL_VA + (1ULL << 30))           /* the child's mapping, beside the parent's pages */
#define W2_VA (WL_VA + (8ULL << 30))

void wl_demand_region(struct aspace *as, uint64_t start, uint64_t pages, unsigned window);
uint64_t wl_demand_faults(void);
uint64_t wl_demand_mapped(void);
void wl_demand_free_frames(void);

/*
 * Marker ids (../shared/xen-trace's numbering, bench/xentrace/entries.py's PHASES).
 * Each mapping policy has its own block, so that two runs in one boot (one guest
 * with the default fault-around window, another with fault_around=1) cut phases
 * that cannot be mistaken for each other.
 */
enum { M_W1_START = 0x11, M_W1_END = 0x12, M_W2_MMAP = 0x21, M_W2_TOUCH, M_W2_MPROT_RO,
       M_W2_MPROT_RW, M_W2_RETOUCH, M_W2_MUNMAP, M_W2_END,
       DEMAND = 0x20,             /* demand paging, a window of fault_around pages per fault */
       DEMAND_ONE_PAGE = 0x40 };  /* demand paging at fault_around=1: Linux's policy */

static unsigned marker_offset(const struct wl_options *opt, bool demand)
{
    if (!demand)
        return 0;
    return opt->fault_around == 1 ? DEMAND_ONE_PAGE : DEMAND;
}

/* The work a phase did, counted as it was done, for the report beside Linux's (wl.c's). */
struct work {
    uint64_t spaces, mapped, touched, unmapped;
};

static void print_work(const char *prefix, const struct work *w)
{
    char name[48];

    pvmmu_snprintf(name, sizeof(name), "%s_spaces", prefix);
    wl_stat(name, w->spaces);
    pvmmu_snprintf(name, sizeof(name), "%s_pages_mapped", prefix);
    wl_stat(name, w->mapped);
    pvmmu_snprintf(name, sizeof(name), "%s_pages_touched", prefix);
    wl_stat(name, w->touched);
    pvmmu_snprintf(name, sizeof(name), "%s_pages_unmapped", prefix);
    wl_stat(name, w->unmapped);
}

static pfn_t frames[16384];
static unsigned nr_frames;

static bool map_fresh(struct aspace *as, uint64_t va, unsigned pages)
{
    for (nr_frames = 0; nr_frames < pages; nr_frames++) {
        frames[nr_frames] = frame_alloc();
        if (!pfn_valid_value(frames[nr_frames]))
            return false;
    }
    return !wl_mmu->ops->map_range(as, va, frames, pages, _PAGE_RW | _PAGE_USER);
}

static void free_fresh(void)
{
    while (nr_frames)
        frame_free(frames[--nr_frames]);
}

/* Write one word per page, counting the writes done; return the pages that do not read back. */
static unsigned touch(uint64_t va, unsigned pages, uint64_t value, uint64_t *touched)
{
    unsigned page, wrong = 0;
    uint64_t got;

    for (page = 0; page < pages; page++) {
        if (env_write64(va + (uint64_t)page * PAGE_SIZE, value + page))
            (*touched)++;
        else
            wrong++;
    }
    for (page = 0; page < pages; page += 61)
        wrong += !env_read64(va + (uint64_t)page * PAGE_SIZE, &got) || got != value + page;
    return wrong;
}

/* Does any page of the range still translate?  (After an unmap: none may.) */
static bool any_mapped(const struct aspace *as, uint64_t va, unsigned pages)
{
    unsigned page;
    pte_t pte;

    for (page = 0; page < pages; page++)
        if (!wl_mmu->ops->lookup(as, va + (uint64_t)page * PAGE_SIZE, &pte) && pte_present(pte))
            return true;
    return false;
}

/*
 * The end of a W1 child, as wl.c's child ends: munmap its 4 MiB, then exit.  The
 * unmap is real work Xen sees (the PTEs cleared, the page tables unhooked), so
 * that both guests do the same; pvmmu batches it with the teardown, one lazy
 * section.  The data frames are freed from the list of those the child was given,
 * not found by lookup: the unmap has already removed them from its tables.
 */
static bool end_child(struct aspace *child, bool demand, struct work *w)
{
    bool ok;

    lazy_mmu_enter();
    ok = !wl_mmu->ops->unmap_range(child, W1_VA, W1_PAGES);
    wl_destroy_space(child, W1_VA, 0);
    ok = !lazy_mmu_leave() && ok;
    if (!ok)
        return false;   /* reported; the frames stay rather than be freed while mapped */
    w->unmapped += W1_PAGES;
    w->spaces++;
    if (demand)
        wl_demand_free_frames();
    else
        free_fresh();
    return true;
}

static void w1(const struct wl_options *opt, bool demand)
{
    struct aspace *parent = wl_space_with_pages(WL_VA, 4, true), *child;
    unsigned long free_before = env_frames_free();
    unsigned i, bad = 0, done = 0, marker = marker_offset(opt, demand);
    uint64_t traps = mc_stats()->traps;
    struct work w = { 0 };

    env_marker(M_W1_START + marker);
    for (i = 0; parent && i < opt->w1_iterations; i++) {
        bool mapped = false;

        lazy_mmu_enter();
        child = wl_mmu->ops->fork(parent);
        if (child && !demand) {
            mapped = map_fresh(child, W1_VA, W1_PAGES);
            if (!mapped) {
                free_fresh();
                bad++;
            }
        }
        if (child && wl_mmu->ops->switch_to(child))
            bad++;
        if (lazy_mmu_leave() || !child) {
            bad++;
            break;
        }
        w.mapped += mapped ? W1_PAGES : 0;
        if (demand)
            wl_demand_region(child, W1_VA, W1_PAGES, opt->fault_around);
        bad += touch(W1_VA, W1_PAGES, i, &w.touched) != 0;
        w.mapped += demand ? wl_demand_mapped() : 0;
        wl_demand_region(NULL, 0, 0, 0);
        bad += !end_child(child, demand, &w);
        done++;
    }
    env_marker(M_W1_END + marker);
    wl_check(!bad && done == opt->w1_iterations && env_frames_free() == free_before,
             demand ? "w1-demand" : "w1", "%u of %u iterations done, %u went wrong, %ld frames kept",
             done, opt->w1_iterations, bad, (long)(free_before - env_frames_free()));
    wl_stat_traps(demand ? "w1_demand_traps" : "w1_traps", mc_stats()->traps - traps);
    print_work(demand ? "w1_demand" : "w1", &w);
    if (parent)
        wl_destroy_space(parent, WL_VA, 4);
}

static void w2(const struct wl_options *opt, bool demand)
{
    unsigned n = opt->w2_pages < 16384 ? opt->w2_pages : 16384, marker = marker_offset(opt, demand);
    unsigned long free_before = env_frames_free();
    struct aspace *as = wl_mmu->ops->create();
    unsigned wrong = 0, ro_faults = 0, page;   /* ro_faults: pages found read-only */
    uint64_t traps = mc_stats()->traps, retouched = 0, protected_ro = 0, protected_rw = 0;
    bool ok = as && !wl_mmu->ops->switch_to(as);
    struct work w = { .spaces = as != NULL };

    env_marker(M_W2_MMAP + marker);
    if (ok && demand)
        wl_demand_region(as, W2_VA, n, opt->fault_around);
    else if (ok)
        ok = map_fresh(as, W2_VA, n);
    w.mapped = ok && !demand ? n : 0;
    env_marker(M_W2_TOUCH + marker);
    wrong += ok ? touch(W2_VA, n, 0x1000, &w.touched) : n;
    env_marker(M_W2_MPROT_RO + marker);
    w.mapped += demand ? wl_demand_mapped() : 0;
    ok = ok && !wl_mmu->ops->protect_range(as, W2_VA, n, PROT_READ_ONLY);
    protected_ro = ok ? n : 0;
    /* Checked by lookup, not by faulting: a fault would be counted in the phase. */
    for (page = 0; ok && page < n; page += 509) {
        pte_t pte;

        ro_faults += !wl_mmu->ops->lookup(as, W2_VA + (uint64_t)page * PAGE_SIZE, &pte) && pte_present(pte) &&
                     !(pte_flags(pte) & _PAGE_RW);
    }
    env_marker(M_W2_MPROT_RW + marker);
    ok = ok && !wl_mmu->ops->protect_range(as, W2_VA, n, PROT_READ_WRITE);
    protected_rw = ok ? n : 0;
    env_marker(M_W2_RETOUCH + marker);
    wrong += ok ? touch(W2_VA, n, 0x2000, &retouched) : n;
    env_marker(M_W2_MUNMAP + marker);
    ok = ok && !wl_mmu->ops->unmap_range(as, W2_VA, n);
    w.unmapped = ok ? n : 0;
    env_marker(M_W2_END + marker);
    if (demand)
        wl_stat("w2_demand_faults", wl_demand_faults());
    wl_demand_region(NULL, 0, 0, 0);
    if (demand)
        wl_demand_free_frames();

    wl_check(ok && !wrong && ro_faults == (n + 508) / 509 && !any_mapped(as, W2_VA, n), demand ? "w2-demand" : "w2",
             "ok=%d, %u pages wrong, %u of %u sampled pages were read-only", ok, wrong, ro_faults,
             (n + 508) / 509);
    wl_stat_traps(demand ? "w2_demand_traps" : "w2_traps", mc_stats()->traps - traps);
    print_work(demand ? "w2_demand" : "w2", &w);
    wl_stat(demand ? "w2_demand_pages_protected_ro" : "w2_pages_protected_ro", protected_ro);
    wl_stat(demand ? "w2_demand_pages_protected_rw" : "w2_pages_protected_rw", protected_rw);
    wl_stat(demand ? "w2_demand_pages_retouched" : "w2_pages_retouched", retouched);
    wl_mmu->ops->switch_to(wl_mmu->kernel());
    if (as)
        wl_mmu->ops->destroy(as);
    free_fresh();
    wl_check(env_frames_free() == free_before, demand ? "w2-demand-teardown" : "w2-teardown",
             "%ld frames kept", (long)(free_before - env_frames_free()));
}

void wl_suite_w1(const struct wl_options *opt) { w1(opt, false); }
void wl_suite_w2(const struct wl_options *opt) { w2(opt, false); }
void wl_suite_w1_demand(const struct wl_options *opt) { w1(opt, true); }
void wl_suite_w2_demand(const struct wl_options *opt) { w2(opt, true); }
