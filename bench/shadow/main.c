/*
 * The shadow backend's figures, counted (demand faults are exact), with
 * lguest's cache policy run through the same core in the same process.
 *
 *   shadow_demand_faults_per_first_touch   faults per page on its first touch
 *                                          (reads and writes mixed); at most 1.
 *   ..._preinstalled                       the same when the guest maps its pages
 *                                          Accessed and Dirty into an L1 the shadow
 *                                          has already (lguest's pre-install).
 *   shadow_rebuild_faults_16_spaces        faults spent re-filling shadow tables
 *                                          while cycling round-robin through 16
 *                                          address spaces that touch the same
 *                                          working set, after a warm-up round;
 *                                          pvmmu's policy (shadow_default_config).
 *   lguest_shadow_rebuild_faults_16_spaces the same run, lguest's policy: 4 roots,
 *                                          random eviction.
 *   shadow_lru4_rebuild_faults_16_spaces   4 roots, plain LRU: the worst policy for
 *                                          a loop bigger than the cache (this row
 *                                          and the next without prefetch, so they
 *                                          measure eviction alone).
 *   shadow_adaptive4_rebuild_faults_16_spaces  4 roots, pvmmu's policy: what the
 *                                          policy alone buys, at lguest's size.
 *   *_shadow_frames_16_spaces              shadow table frames in use at the end:
 *                                          what each policy's cache costs.
 *
 * Then the same run at equal budgets: for each pool of B frames (the most the
 * shadow backend may use for shadow tables, shadow_config.pool_frames), and
 * each policy,
 *   shadow_rebuilds_<B>_<policy>    rebuild faults (as above);
 *   shadow_prefetched_<B>_<policy>  entries filled beside those faults without
 *                                   a fault of their own: the work prefetch does;
 *   shadow_frames_<B>_<policy>      frames in use at the end, at most B.
 * The policies, each one choice away from the next:
 *   lguest           lguest's: 4 roots, random eviction, one page a fault;
 *   lguest_prefetch  lguest's cache with pvmmu's prefetch of 8;
 *   adaptive         pvmmu's cache (up to 32 roots, as many as fit in B,
 *                    adaptive eviction), one page a fault;
 *   pvmmu            that cache and the prefetch (an opt-in policy: off in
 *                    shadow_default_config, shadow.h says why).
 * `shadow_bench --markdown` prints the same figures as the table of
 * docs/bench-shadow.md.
 *
 * The hardware is the software MMU of the hosted tests (test_shadow_hw.h).
 * Prints "bench: NAME VALUE UNIT"; exits non-zero if anything went wrong.
 */
#include <stdio.h>
#include <string.h>
#include "tests/unit/test_shadow_hw.h"

#define GUEST_PAGES 16384
#define SPACES 16
#define HEAP_VA 0x0000100000000000ULL
#define HEAP_PAGES 48
#define STACK_VA 0x00007fffff000000ULL
#define STACK_PAGES 16
#define ROUNDS 8
#define FIRST_TOUCH_PAGES 256

static int failed;

static void expect(bool ok, const char *what)
{
    if (!ok || pvmmu_error_count()) {
        fprintf(stderr, "bench-shadow: %s failed: %s\n", what, pvmmu_last_error());
        failed = 1;
    }
}

static uint64_t ws_va(unsigned i)
{
    return i < HEAP_PAGES ? HEAP_VA + i * PAGE_SIZE : STACK_VA + (i - HEAP_PAGES) * PAGE_SIZE;
}

/* A process: heap and stack, its own frames, mapped writable and untouched. */
static struct aspace *process(void)
{
    struct aspace *as = shadow_backend.create();
    unsigned i;

    expect(as != NULL, "create");
    for (i = 0; as && i < HEAP_PAGES + STACK_PAGES; i++) {
        pfn_t pfn = frame_alloc();

        expect(shadow_backend.map_range(as, ws_va(i), &pfn, 1, _PAGE_RW | _PAGE_USER) == 0, "map");
    }
    return as;
}

/* Switch to it and touch the working set: read every page, then write it. */
static void run_process(struct aspace *as)
{
    struct hw_xlat x;
    unsigned i;

    expect(shadow_backend.switch_to(as) == 0, "switch");
    for (i = 0; i < HEAP_PAGES + STACK_PAGES; i++) {
        expect(hw_access(ws_va(i), HW_USER | HW_READ, &x) == HW_OK, "read");
        expect(hw_access(ws_va(i), HW_USER | HW_WRITE, &x) == HW_OK, "write");
    }
}

struct cycle_result {
    unsigned long rebuild_faults, prefetched, frames_in_use;
};

static struct cycle_result cycle_16_spaces(const struct shadow_config *cfg)
{
    struct aspace *spaces[SPACES];
    struct cycle_result r;
    unsigned i, round;

    shadow_boot(GUEST_PAGES, cfg);
    for (i = 0; i < SPACES; i++)
        spaces[i] = process();
    for (i = 0; i < SPACES; i++)   /* the warm-up round: first touches, not rebuilds */
        run_process(spaces[i]);
    shadow_reset_stats();
    for (round = 0; round < ROUNDS; round++)
        for (i = 0; i < SPACES; i++)
            run_process(spaces[i]);
    r.rebuild_faults = shadow_stats()->fixed;
    r.prefetched = shadow_stats()->prefetched;
    r.frames_in_use = cfg->pool_frames - shadow_pool_free();
    expect(!shadow_guest_dead(), "the guest survived");
    shadow_halt();
    return r;
}

static double faults_per_first_touch(void)
{
    struct aspace *as;
    struct hw_xlat x;
    unsigned long faults = 0;
    unsigned i;

    shadow_boot(GUEST_PAGES, &shadow_default_config);
    as = shadow_backend.create();
    expect(as != NULL, "create");
    for (i = 0; as && i < FIRST_TOUCH_PAGES; i++) {
        pfn_t pfn = frame_alloc();

        /* Spread over four L1s and two L4 slots, so tables at every level are new. */
        uint64_t va = (i % 2 ? STACK_VA : HEAP_VA) + (i / 2) * 4 * PAGE_SIZE;

        expect(shadow_backend.map_range(as, va, &pfn, 1, _PAGE_RW | _PAGE_USER) == 0, "map");
    }
    expect(as && shadow_backend.switch_to(as) == 0, "switch");
    for (i = 0; as && i < FIRST_TOUCH_PAGES; i++) {
        uint64_t va = (i % 2 ? STACK_VA : HEAP_VA) + (i / 2) * 4 * PAGE_SIZE;

        expect(hw_access(va, HW_USER | (i % 3 ? HW_READ : HW_WRITE), &x) == HW_OK, "first touch");
        faults += x.faults;
    }
    shadow_halt();
    return (double)faults / FIRST_TOUCH_PAGES;
}

/* 255 pages mapped Accessed and Dirty beside one already touched: the host puts them in at once. */
static double faults_per_preinstalled_touch(void)
{
    struct aspace *as;
    struct hw_xlat x;
    unsigned long faults = 0;
    unsigned i;
    pfn_t pfn;

    shadow_boot(GUEST_PAGES, &shadow_default_config);
    pfn = frame_alloc();
    as = process();
    expect(as && shadow_backend.switch_to(as) == 0, "switch");
    expect(hw_access(HEAP_VA, HW_USER, &x) == HW_OK, "the first page");
    for (i = 1; as && i < FIRST_TOUCH_PAGES; i++)
        expect(shadow_backend.map_range(as, HEAP_VA + i * PAGE_SIZE, &pfn, 1,
                                        _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY) == 0,
               "map");
    for (i = 1; as && i < FIRST_TOUCH_PAGES; i++) {
        expect(hw_access(HEAP_VA + i * PAGE_SIZE, HW_USER | (i % 3 ? HW_READ : HW_WRITE), &x) ==
                   HW_OK, "first touch");
        faults += x.faults;
    }
    shadow_halt();
    return (double)faults / (FIRST_TOUCH_PAGES - 1);
}

/* The budgets swept: below lguest's, lguest's (4 roots of 7 frames), and up past the working set. */
static const unsigned budgets[] = { 16, 28, 56, 112, 224 };
#define LGUEST_BUDGET 28

enum policy { LGUEST, LGUEST_PREFETCH, ADAPTIVE, PVMMU, POLICIES };

static const char *const policy_name[POLICIES] = {
    [LGUEST] = "lguest",
    [LGUEST_PREFETCH] = "lguest_prefetch",
    [ADAPTIVE] = "adaptive",
    [PVMMU] = "pvmmu",
};

static struct shadow_config policy_config(enum policy p, unsigned budget)
{
    struct shadow_config c = p == LGUEST || p == LGUEST_PREFETCH ? shadow_lguest_config
                                                                 : shadow_default_config;

    c.pool_frames = budget;
    c.prefetch = p == LGUEST_PREFETCH || p == PVMMU ? SHADOW_PREFETCH_WINDOW : 0;
    return c;
}

static struct cycle_result sweep[ARRAY_SIZE(budgets)][POLICIES];

static void run_sweep(void)
{
    unsigned b;
    int p;

    for (b = 0; b < ARRAY_SIZE(budgets); b++)
        for (p = 0; p < POLICIES; p++) {
            struct shadow_config c = policy_config((enum policy)p, budgets[b]);

            sweep[b][p] = cycle_16_spaces(&c);
        }
}

static void print_sweep(void)
{
    unsigned b;
    int p;

    for (b = 0; b < ARRAY_SIZE(budgets); b++)
        for (p = 0; p < POLICIES; p++) {
            const struct cycle_result *r = &sweep[b][p];

            printf("bench: shadow_rebuilds_%u_%s %lu faults\n", budgets[b], policy_name[p],
                   r->rebuild_faults);
            printf("bench: shadow_prefetched_%u_%s %lu entries\n", budgets[b], policy_name[p],
                   r->prefetched);
            printf("bench: shadow_frames_%u_%s %lu frames\n", budgets[b], policy_name[p],
                   r->frames_in_use);
        }
}

/*
 * One row a budget and policy; faults beside lguest's at the same budget, and
 * every entry filled (by a fault or beside one), which prefetch does not
 * shrink: it saves traps, not copying.
 */
static void print_markdown(void)
{
    unsigned b;
    int p;

    printf("| budget (frames) | policy | rebuild faults | vs lguest | prefetched entries | "
           "entries filled | frames used |\n|---:|---|---:|---:|---:|---:|---:|\n");
    for (b = 0; b < ARRAY_SIZE(budgets); b++)
        for (p = 0; p < POLICIES; p++) {
            const struct cycle_result *r = &sweep[b][p];
            unsigned long base = sweep[b][LGUEST].rebuild_faults;

            printf("| %u | %s | %lu | %.2f | %lu | %lu | %lu |\n", budgets[b], policy_name[p],
                   r->rebuild_faults, base ? (double)r->rebuild_faults / base : 0.0,
                   r->prefetched, r->rebuild_faults + r->prefetched, r->frames_in_use);
        }
}

static const struct cycle_result *at_budget(unsigned budget, enum policy p)
{
    unsigned b;

    for (b = 0; b < ARRAY_SIZE(budgets); b++)
        if (budgets[b] == budget)
            return &sweep[b][p];
    return NULL;
}

/* The target: at lguest's own budget, at most half of lguest's rebuild faults. */
static void check_equal_budget_target(void)
{
    const struct cycle_result *ours = at_budget(LGUEST_BUDGET, PVMMU);
    const struct cycle_result *lguest = at_budget(LGUEST_BUDGET, LGUEST);
    unsigned b;
    int p;

    if (ours->rebuild_faults * 2 > lguest->rebuild_faults) {
        fprintf(stderr, "bench-shadow: at %u frames, %lu rebuild faults is more than half of "
                "lguest's %lu\n", LGUEST_BUDGET, ours->rebuild_faults, lguest->rebuild_faults);
        failed = 1;
    }
    for (b = 0; b < ARRAY_SIZE(budgets); b++)
        for (p = 0; p < POLICIES; p++)
            if (sweep[b][p].frames_in_use > budgets[b]) {
                fprintf(stderr, "bench-shadow: %s used %lu frames of a budget of %u\n",
                        policy_name[p], sweep[b][p].frames_in_use, budgets[b]);
                failed = 1;
            }
}

static void print_16_spaces(void)
{
    struct shadow_config lru4 = shadow_default_config, adaptive4 = shadow_default_config;
    struct cycle_result ours, lguest, lru_small, adaptive_small;

    /* These rows predate prefetch: the cache policies alone, one page a fault. */
    lru4.cache_roots = adaptive4.cache_roots = 4;
    lru4.policy = SHADOW_EVICT_LRU;
    lru4.prefetch = adaptive4.prefetch = 0;
    ours = cycle_16_spaces(&shadow_default_config);
    lguest = cycle_16_spaces(&shadow_lguest_config);
    lru_small = cycle_16_spaces(&lru4);
    adaptive_small = cycle_16_spaces(&adaptive4);
    printf("bench: shadow_rebuild_faults_16_spaces %lu faults\n", ours.rebuild_faults);
    printf("bench: lguest_shadow_rebuild_faults_16_spaces %lu faults\n", lguest.rebuild_faults);
    printf("bench: shadow_lru4_rebuild_faults_16_spaces %lu faults\n", lru_small.rebuild_faults);
    printf("bench: shadow_adaptive4_rebuild_faults_16_spaces %lu faults\n",
           adaptive_small.rebuild_faults);
    printf("bench: shadow_frames_16_spaces %lu frames\n", ours.frames_in_use);
    printf("bench: lguest_shadow_frames_16_spaces %lu frames\n", lguest.frames_in_use);
    if (ours.rebuild_faults * 10 > lguest.rebuild_faults) {
        fprintf(stderr, "bench-shadow: %lu rebuild faults is not 10 times fewer than lguest's "
                "%lu\n", ours.rebuild_faults, lguest.rebuild_faults);
        failed = 1;
    }
}

int main(int argc, char **argv)
{
    bool markdown = argc > 1 && !strcmp(argv[1], "--markdown");

    if (!markdown) {
        printf("bench: shadow_demand_faults_per_first_touch %g faults\n",
               faults_per_first_touch());
        printf("bench: shadow_demand_faults_per_first_touch_preinstalled %g faults\n",
               faults_per_preinstalled_touch());
        print_16_spaces();
    }
    run_sweep();
    if (markdown)
        print_markdown();
    else
        print_sweep();
    check_equal_budget_target();
    return failed;
}
