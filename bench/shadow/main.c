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
 *                                          a loop bigger than the cache.
 *   shadow_adaptive4_rebuild_faults_16_spaces  4 roots, pvmmu's policy: what the
 *                                          policy alone buys, at lguest's size.
 *   *_shadow_frames_16_spaces              shadow table frames in use at the end:
 *                                          what each policy's cache costs.
 *
 * The hardware is the software MMU of the hosted tests (test_shadow_hw.h).
 * Prints "bench: NAME VALUE UNIT"; exits non-zero if anything went wrong.
 */
#include <stdio.h>
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
    unsigned long rebuild_faults, frames_in_use;
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

int main(void)
{
    struct shadow_config lru4 = shadow_default_config, adaptive4 = shadow_default_config;
    struct cycle_result ours, lguest, lru_small, adaptive_small;

    lru4.cache_roots = adaptive4.cache_roots = 4;
    lru4.policy = SHADOW_EVICT_LRU;
    printf("bench: shadow_demand_faults_per_first_touch %g faults\n", faults_per_first_touch());
    printf("bench: shadow_demand_faults_per_first_touch_preinstalled %g faults\n",
           faults_per_preinstalled_touch());
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
    return failed;
}
