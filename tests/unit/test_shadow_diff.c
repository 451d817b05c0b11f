/*
 * Two backends, one behaviour: random operation sequences run through the PV
 * backend (against the model of Xen) and the shadow backend (over its own guest
 * tables), side by side, and after every step every page of every address space
 * must translate the same way through both.
 *
 * The PV side is read as Xen's MMU would walk it (model_translate).  The shadow
 * side is read by a software MMU (test_shadow_hw.h) that walks the shadow tables
 * from CR3 and takes demand faults exactly where the hardware would, so what is
 * compared is what a user process would see: can it read the page, which frame
 * is behind it, can it write it.  Every page is read first and written second,
 * so read faults install read-only entries and the writes that follow must
 * upgrade them.
 *
 * Each sequence draws its own shadow configuration (cache of 1 to 16 roots, LRU
 * or random, a pool from starved to ample), so eviction, pool pressure and
 * rebuilding all happen under the comparison.  A failure prints the seed, the
 * configuration and the steps; PVMMU_SEED=N replays one, PVMMU_SEQUENCES=N
 * changes how many run.
 */
#include <stdlib.h>
#include "test_shadow_hw.h"

#define SPACES 4
#define RUNS 3
#define RUN_PAGES 100
#define ALL_PAGES (RUNS * RUN_PAGES)
#define FRAMES 48
#define STEPS 60

/* Where each run starts: the second straddles a 1 GiB boundary, the third is in another L4 slot. */
static const uint64_t run_start[RUNS] = {
    0x0000200000000000ULL,
    0x0000200000000000ULL + (1ULL << 30) - (RUN_PAGES / 2) * PAGE_SIZE,
    0x00005f0000000000ULL,
};

struct pair {
    struct aspace *pv, *sh;
};

static struct pair pairs[SPACES];
static int current_pair;   /* -1: the kernel's address space */
static pfn_t frames[FRAMES];
static uint64_t state_rng;
static char steps[6000];
static size_t steps_len;
static struct shadow_config config;

static unsigned draw(unsigned n)
{
    state_rng = state_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((state_rng >> 33) % n);
}

static void log_step(const char *what, int a, int b, int c)
{
    int n;

    if (steps_len + 64 > sizeof(steps))
        return;
    n = snprintf(steps + steps_len, sizeof(steps) - steps_len, "%s %d %d %d; ", what, a, b, c);
    steps_len += (size_t)n;
}

static uint64_t va_of(unsigned page)
{
    return run_start[page / RUN_PAGES] + (uint64_t)(page % RUN_PAGES) * PAGE_SIZE;
}

static int both(int pv_rc, int sh_rc)
{
    return pv_rc || sh_rc ? -1 : 0;
}

static int do_create(int i)
{
    if (pairs[i].pv)
        return 0;
    log_step("create", i, 0, 0);
    pairs[i].pv = pv_backend.create();
    pairs[i].sh = shadow_backend.create();
    return pairs[i].pv && pairs[i].sh ? 0 : -1;
}

static int do_fork(int i)
{
    int child = (int)draw(SPACES);

    if (!pairs[i].pv || pairs[child].pv)
        return 0;
    log_step("fork", i, child, 0);
    pairs[child].pv = pv_backend.fork(pairs[i].pv);
    pairs[child].sh = shadow_backend.fork(pairs[i].sh);
    return pairs[child].pv && pairs[child].sh ? 0 : -1;
}

/* Read-only or writable, user, and sometimes Accessed / Dirty already (the pre-install). */
static uint64_t drawn_flags(void)
{
    static const uint64_t choice[] = {
        _PAGE_RW | _PAGE_USER, _PAGE_RW | _PAGE_USER, _PAGE_USER,
        _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED,
        _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY, _PAGE_USER | _PAGE_ACCESSED,
    };

    return choice[draw(ARRAY_SIZE(choice))];
}

static void drawn_run(unsigned *first, unsigned *count)
{
    unsigned run = draw(RUNS), start = draw(RUN_PAGES), room = RUN_PAGES - start;

    *first = run * RUN_PAGES + start;
    *count = 1 + draw(draw(2) ? (room < 40 ? room : 40) : room);
}

static int do_map(int i)
{
    pfn_t pfns[RUN_PAGES];
    unsigned first, count, k;
    uint64_t flags = drawn_flags();

    if (!pairs[i].pv)
        return do_create(i);
    drawn_run(&first, &count);
    for (k = 0; k < count; k++)
        pfns[k] = frames[draw(FRAMES)];
    log_step("map", i, (int)first, (int)count);
    return both(pv_backend.map_range(pairs[i].pv, va_of(first), pfns, count, flags),
                shadow_backend.map_range(pairs[i].sh, va_of(first), pfns, count, flags));
}

static int do_protect(int i)
{
    enum mmu_prot prot = (enum mmu_prot)draw(3);
    unsigned first, count;

    if (!pairs[i].pv)
        return do_create(i);
    drawn_run(&first, &count);
    log_step("protect", i, (int)first, (int)count * 10 + (int)prot);
    return both(pv_backend.protect_range(pairs[i].pv, va_of(first), count, prot),
                shadow_backend.protect_range(pairs[i].sh, va_of(first), count, prot));
}

static int do_unmap(int i)
{
    unsigned first, count;

    if (!pairs[i].pv)
        return do_create(i);
    drawn_run(&first, &count);
    log_step("unmap", i, (int)first, (int)count);
    return both(pv_backend.unmap_range(pairs[i].pv, va_of(first), count),
                shadow_backend.unmap_range(pairs[i].sh, va_of(first), count));
}

/* A whole L1's worth (2 MiB, aligned) around a run: the backends unhook the table instead. */
static int do_unmap_table(int i)
{
    uint64_t span = pt_entry_span(2), va = run_start[draw(RUNS)];

    if (!pairs[i].pv)
        return 0;
    va = (draw(2) ? va : va + (RUN_PAGES - 1) * PAGE_SIZE) & ~(span - 1);
    log_step("unmap-l1", i, (int)(va >> 21), 0);
    return both(pv_backend.unmap_range(pairs[i].pv, va, span / PAGE_SIZE),
                shadow_backend.unmap_range(pairs[i].sh, va, span / PAGE_SIZE));
}

static int do_pin(int i)
{
    if (!pairs[i].pv)
        return 0;
    log_step(pairs[i].pv->pinned ? "unpin" : "pin", i, 0, 0);
    if (pairs[i].pv->pinned)
        /* Xen will not unpin a loaded root. */
        return i == current_pair ? 0 : both(pv_backend.unpin(pairs[i].pv),
                                            shadow_backend.unpin(pairs[i].sh));
    return both(pv_backend.pin(pairs[i].pv), shadow_backend.pin(pairs[i].sh));
}

static int do_switch(int i)
{
    if (!pairs[i].pv || draw(4) == 0) {
        log_step("switch-kernel", i, 0, 0);
        current_pair = -1;
        return both(pv_backend.switch_to(aspace_kernel()),
                    shadow_backend.switch_to(shadow_guest_kernel()));
    }
    log_step("switch", i, 0, 0);
    current_pair = i;
    return both(pv_backend.switch_to(pairs[i].pv), shadow_backend.switch_to(pairs[i].sh));
}

static int do_destroy(int i)
{
    int rc;

    if (!pairs[i].pv || i == current_pair)
        return 0;
    log_step("destroy", i, 0, 0);
    rc = both(pv_backend.destroy(pairs[i].pv), shadow_backend.destroy(pairs[i].sh));
    pairs[i] = (struct pair){ NULL, NULL };
    return rc;
}

static int do_flush(int i)
{
    (void)i;
    log_step("flush", 0, 0, 0);
    return both(pv_backend.flush_tlb(), shadow_backend.flush_tlb());
}

/*
 * The guest kernel's half has no PV twin here (the PV kernel's is the harness's
 * direct map), so a plain reference stands in: which frame each kernel page
 * maps, supervisor read-write, in every address space at once.
 */
#define KERNEL_PAGES 24

static pfn_t kernel_ref[KERNEL_PAGES];

/* Spread over several L1s of one L4 kernel slot. */
static uint64_t kernel_va(unsigned k)
{
    return 0xffff900000000000ULL + (uint64_t)k * 97 * PAGE_SIZE;
}

static int do_map_kernel(int i)
{
    unsigned k = draw(KERNEL_PAGES);
    uint64_t flags = draw(2) ? _PAGE_RW : _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

    log_step("map-kernel", i, (int)k, (int)flags);
    kernel_ref[k] = frames[draw(FRAMES)];
    return shadow_guest_map_kernel(kernel_va(k), kernel_ref[k], flags);
}

static int (*const operations[])(int) = {
    do_create, do_create, do_fork, do_map, do_map, do_map, do_map, do_protect, do_protect,
    do_protect, do_unmap, do_unmap_table, do_pin, do_switch, do_switch, do_destroy, do_flush,
    do_map_kernel,
};

/* The kernel half, as the guest kernel sees it through whichever root is loaded. */
static bool kernel_agrees(int i, char *why, size_t len)
{
    unsigned k, pass;

    for (pass = 0; pass < 2; pass++)
        for (k = 0; k < KERNEL_PAGES; k++) {
            struct hw_xlat x;
            enum hw_outcome got = hw_access(kernel_va(k), pass ? HW_WRITE : HW_READ, &x);
            bool want = pfn_valid_value(kernel_ref[k]);

            if ((got == HW_OK) == want && (!want || mfn_eq(x.mfn, mfn_of(kernel_ref[k]))))
                continue;
            snprintf(why, len, "space %d kernel page %u (va 0x%llx): expected %s mfn 0x%llx, "
                     "shadow %s mfn 0x%llx%s%s", i, k, (unsigned long long)kernel_va(k),
                     want ? "" : "no", want ? (unsigned long long)mfn_x(mfn_of(kernel_ref[k])) : 0,
                     got == HW_OK ? "maps" : "faults",
                     got == HW_OK ? (unsigned long long)mfn_x(x.mfn) : 0,
                     got == HW_GUEST_KILLED ? ": killed: " : "", shadow_kill_reason());
            return false;
        }
    return true;
}

/* What a user process sees at va: through the PV tables as Xen's MMU walks them. */
static void pv_view(const struct pair *p, uint64_t va, bool *readable, bool *writable, mfn_t *mfn)
{
    struct model_xlat x;

    *readable = model_translate(mfn_of(p->pv->root), va, &x) && x.user;
    *writable = *readable && x.rw;
    *mfn = *readable ? x.mfn : INVALID_MFN;
}

static bool page_agrees(int i, unsigned page, bool write, char *why, size_t len)
{
    bool readable, writable;
    mfn_t pv_mfn;
    struct hw_xlat x;
    enum hw_outcome got = hw_access(va_of(page), HW_USER | (write ? HW_WRITE : HW_READ), &x);
    bool want;

    pv_view(&pairs[i], va_of(page), &readable, &writable, &pv_mfn);
    want = write ? writable : readable;
    if (got == HW_GUEST_KILLED)
        snprintf(why, len, "space %d page %u: the shadow host killed the guest: %s", i, page,
                 shadow_kill_reason());
    else if ((got == HW_OK) != want)
        snprintf(why, len, "space %d page %u (va 0x%llx) %s: pv says %s, shadow says %s", i, page,
                 (unsigned long long)va_of(page), write ? "write" : "read",
                 want ? "allowed" : "faults", got == HW_OK ? "allowed" : "faults");
    else if (got == HW_OK && !mfn_eq(x.mfn, pv_mfn))
        snprintf(why, len, "space %d page %u (va 0x%llx): pv maps mfn 0x%llx, shadow mfn 0x%llx",
                 i, page, (unsigned long long)va_of(page), (unsigned long long)mfn_x(pv_mfn),
                 (unsigned long long)mfn_x(x.mfn));
    else
        return true;
    return false;
}

/* The kernel half, then every page of space i (-1: the kernel's), read all, then written all. */
static bool loaded_space_agrees(int i, char *why, size_t len)
{
    unsigned page;
    int pass;

    if (!kernel_agrees(i, why, len))
        return false;
    if (i < 0)   /* the guest kernel's own root: the kernel half only */
        return true;
    for (pass = 0; pass < 2; pass++)
        for (page = 0; page < ALL_PAGES; page++)
            if (!page_agrees(i, page, pass, why, len))
                return false;
    return true;
}

/*
 * Every space, loading each shadow root in turn as a context switch would.  The
 * loaded space goes first: what the TLB learnt before the step is still there,
 * and a dropped entry the host forgot to have flushed shows up as a stale read.
 */
static bool backends_agree(char *why, size_t len)
{
    int i;

    if (pvmmu_error_count()) {
        snprintf(why, len, "an operation failed: %s", pvmmu_last_error());
        return false;
    }
    if (!loaded_space_agrees(current_pair, why, len))
        return false;
    for (i = 0; i < SPACES; i++) {
        if (!pairs[i].pv || i == current_pair)
            continue;
        if (shadow_backend.switch_to(pairs[i].sh)) {
            snprintf(why, len, "switching the shadow to space %d failed: %s", i,
                     pvmmu_last_error());
            return false;
        }
        if (!loaded_space_agrees(i, why, len))
            return false;
    }
    if (shadow_backend.switch_to(current_pair < 0 ? shadow_guest_kernel() : pairs[current_pair].sh))
        return false;
    /* Back in the loaded space, it runs on and fills the TLB again before the next step. */
    return loaded_space_agrees(current_pair, why, len);
}

static const char *const policy_name[] = {
    [SHADOW_EVICT_LRU] = "lru",
    [SHADOW_EVICT_RANDOM] = "random",
    [SHADOW_EVICT_ADAPTIVE] = "adaptive",
};

/*
 * Each sequence picks the shadow host's settings too: a cache of 1..16, any
 * policy, any pool, and a prefetch window of none, KVM's 8 or a whole L1 (the
 * prefetched entries must translate as the PV backend's do, like any other).
 */
static void draw_config(void)
{
    static const unsigned roots[] = { 1, 2, 3, 16 }, pools[] = { 12, 40, 256 };
    static const unsigned prefetch[] = { 0, 8, PT_ENTRIES };

    config = shadow_default_config;
    config.cache_roots = roots[draw(ARRAY_SIZE(roots))];
    config.pool_frames = pools[draw(ARRAY_SIZE(pools))];
    config.policy = (enum shadow_evict)draw(3);
    config.seed = draw(1000);
    config.prefetch = prefetch[draw(ARRAY_SIZE(prefetch))];
}

static bool run_one(uint64_t seed)
{
    char why[300] = "";
    unsigned step;
    bool ok = true;

    state_rng = seed ^ 0x9e3779b97f4a7c15ULL;
    steps_len = 0;
    steps[0] = '\0';
    draw_config();
    snprintf(hw_context, sizeof(hw_context), "shadow-diff: seed %llu (replay: PVMMU_SEED=%llu): ",
             (unsigned long long)seed, (unsigned long long)seed);
    shadow_boot(1024, &config);
    memset(pairs, 0, sizeof(pairs));
    for (step = 0; step < KERNEL_PAGES; step++)
        kernel_ref[step] = INVALID_PFN;
    current_pair = -1;
    alloc_frames(frames, FRAMES);
    assert_int_equal(shadow_backend.switch_to(shadow_guest_kernel()), 0);
    for (step = 0; ok && step < STEPS; step++) {
        int i = (int)draw(SPACES);

        if (operations[draw(ARRAY_SIZE(operations))](i)) {
            snprintf(why, sizeof(why), "an operation failed: %s", pvmmu_last_error());
            ok = false;
        } else {
            ok = backends_agree(why, sizeof(why));
        }
    }
    if (!ok)
        print_error("shadow-diff: seed %llu failed at step %u (cache %u, %s, pool %u, prefetch %u): "
                    "%s\n  steps: %s\n", (unsigned long long)seed, step - 1, config.cache_roots,
                    policy_name[config.policy], config.pool_frames, config.prefetch, why, steps);
    shadow_halt();
    return ok;
}

static void test_shadow_and_pv_backends_translate_alike(void **state)
{
    const char *replay = getenv("PVMMU_SEED"), *n = getenv("PVMMU_SEQUENCES");
    unsigned long count = n ? strtoul(n, NULL, 10) : 150, seed, failed = 0;

    (void)state;
    if (replay) {
        assert_true(run_one(strtoull(replay, NULL, 10)));
        return;
    }
    for (seed = 1; seed <= count && failed < 3; seed++)
        failed += !run_one(seed);
    if (failed)
        fail_msg("%lu of %lu sequences failed (replay one with PVMMU_SEED=N)", failed, seed - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shadow_and_pv_backends_translate_alike),
    };
    return cmocka_run_group_tests_name("shadow_diff", tests, NULL, NULL);
}
