/*
 * The property test: thousands of random operation sequences through the PV
 * backend, against the model of Xen, checked after every step.
 *
 * Each sequence drives up to MAX_SPACES address spaces through create, map,
 * protect, fork-copy, unmap, pin, unpin, switch, destroy, pin_all / unpin_all, in
 * and out of (nested) lazy sections.  Beside the real thing it keeps a reference:
 * for every address space, which frame each page should map and with what
 * protection.  After every step that is not inside a lazy section (where updates
 * are queued by design) it checks:
 *
 *   - the model accepted every request (no error was reported);
 *   - the model's global rules hold: type counts balance, pins are typed, and no
 *     table frame is mapped writable anywhere;
 *   - every page of every address space translates, through the real tables as the
 *     MMU walks them, to the frame and permission the reference says (and the
 *     user-mode root agrees with the kernel-mode one).
 *
 * A failure prints the seed and the steps, then shrinks the sequence (delta
 * debugging, see shrink()) and prints the minimal one that still fails;
 * PVMMU_SEED=N replays one sequence, PVMMU_SEQUENCES=N changes how many run.
 */
#include <stdlib.h>
#include "pvmmu_test.h"
#include "property_steps.h"

#define MAX_SPACES 4
#define REGIONS 3
#define REGION_PAGES 300
#define PAGES (REGIONS * REGION_PAGES)
#define DATA_FRAMES 64
#define STEPS 40

/* Region 1 straddles an L2 boundary, region 2 sits in another L4 slot. */
static const uint64_t region_base[REGIONS] = {
    0x0000100000000000ULL,
    0x0000100000000000ULL + (1ULL << 30) - 150 * PAGE_SIZE,
    0x0000700000000000ULL,
};

enum ref_prot { REF_UNMAPPED, REF_NOACCESS, REF_RO, REF_RW };
struct ref_page { pfn_t pfn; enum ref_prot prot; };
struct space { struct aspace *as; struct ref_page page[PAGES]; };

static struct space spaces[MAX_SPACES];
static pfn_t data[DATA_FRAMES];

static uint64_t page_va(unsigned page)
{
    return region_base[page / REGION_PAGES] + (uint64_t)(page % REGION_PAGES) * PAGE_SIZE;
}

static struct space *random_space(bool must_exist)
{
    struct space *s = &spaces[pick(MAX_SPACES)];

    return (!must_exist || s->as) ? s : NULL;
}

/* A run of pages inside one region: [first, first + count). */
static void random_run(unsigned *first, unsigned *count)
{
    unsigned region = pick(REGIONS), start = pick(REGION_PAGES);

    *count = 1 + pick(pick(4) == 0 ? REGION_PAGES - start : (REGION_PAGES - start < 40 ? REGION_PAGES - start : 40));
    *first = region * REGION_PAGES + start;
}

static int op_create(void)
{
    struct space *s = random_space(false);

    if (s->as)
        return 0;
    s->as = aspace_create();
    memset(s->page, 0, sizeof(s->page));
    note("create %ld; ", (long)(s - spaces));
    return s->as ? 0 : -1;
}

static int op_map(void)
{
    struct space *s = random_space(true);
    pfn_t pfns[REGION_PAGES];
    unsigned first, count, i;

    if (!s)
        return 0;
    random_run(&first, &count);
    for (i = 0; i < count; i++) {
        pfns[i] = data[pick(DATA_FRAMES)];
        s->page[first + i] = (struct ref_page){ pfns[i], REF_RW };
    }
    note("map %ld %u+%u; ", (long)(s - spaces), first, count);
    return mmu_map_range(s->as, page_va(first), pfns, count, _PAGE_RW | _PAGE_USER);
}

static int op_protect(void)
{
    static const enum mmu_prot prots[] = { PROT_NOACCESS, PROT_READ_ONLY, PROT_READ_WRITE };
    static const enum ref_prot refs[] = { REF_NOACCESS, REF_RO, REF_RW };
    struct space *s = random_space(true);
    unsigned first, count, i, p = pick(3);

    if (!s)
        return 0;
    random_run(&first, &count);
    for (i = first; i < first + count; i++)
        if (s->page[i].prot != REF_UNMAPPED)
            s->page[i].prot = refs[p];
    note("protect %ld %u+%u %u; ", (long)(s - spaces), first, count, p);
    return mmu_protect_range(s->as, page_va(first), count, prots[p]);
}

static int op_unmap(void)
{
    struct space *s = random_space(true);
    unsigned first, count, i;

    if (!s)
        return 0;
    random_run(&first, &count);
    for (i = first; i < first + count; i++)
        s->page[i].prot = REF_UNMAPPED;
    note("unmap %ld %u+%u; ", (long)(s - spaces), first, count);
    return mmu_unmap_range(s->as, page_va(first), count);
}

static int op_fork(void)
{
    struct space *parent = random_space(true), *child = random_space(false);

    if (!parent || child->as)
        return 0;
    child->as = aspace_fork(parent->as);
    memcpy(child->page, parent->page, sizeof(child->page));
    note("fork %ld->%ld; ", (long)(parent - spaces), (long)(child - spaces));
    return child->as ? 0 : -1;
}

static int op_pin(void)
{
    struct space *s = random_space(true);

    if (!s || s->as->pinned)
        return 0;
    note("pin %ld; ", (long)(s - spaces));
    return aspace_pin(s->as);
}

static int op_unpin(void)
{
    struct space *s = random_space(true);

    if (!s || !s->as->pinned || s->as == aspace_current())
        return 0;
    note("unpin %ld; ", (long)(s - spaces));
    return aspace_unpin(s->as);
}

static int op_switch(void)
{
    struct space *s = random_space(true);

    note("switch %ld; ", s ? (long)(s - spaces) : -1L);
    return aspace_switch(s ? s->as : aspace_kernel());
}

static int op_destroy(void)
{
    struct space *s = random_space(true);
    int rc;

    if (!s || s->as == aspace_current())
        return 0;
    note("destroy %ld; ", (long)(s - spaces));
    rc = aspace_destroy(s->as);
    s->as = NULL;
    return rc;
}

static int op_pin_all(void)
{
    note("pin_all; ");
    return pin_all();
}

static int op_unpin_all(void)
{
    note("unpin_all; ");
    return unpin_all();
}

static int op_lazy(void)
{
    if (lazy_mmu_depth() < 3 && pick(2)) {
        note("enter; ");
        lazy_mmu_enter();
        return 0;
    }
    if (!lazy_mmu_active())
        return 0;
    note("leave; ");
    return lazy_mmu_leave();
}

static int (*const ops[])(void) = {
    op_create, op_create, op_map, op_map, op_map, op_protect, op_protect, op_unmap,
    op_fork, op_pin, op_pin, op_unpin, op_switch, op_destroy, op_pin_all, op_unpin_all,
    op_lazy, op_lazy,
};

static bool translation_matches(struct space *s, unsigned page, char *why, size_t len)
{
    struct ref_page *ref = &s->page[page];
    struct model_xlat k, u;
    bool mapped = model_translate(mfn_of(s->as->root), page_va(page), &k);
    bool user_mapped = model_translate(mfn_of(s->as->user_root), page_va(page), &u);
    bool want = ref->prot == REF_RO || ref->prot == REF_RW;

    if (mapped != want || user_mapped != want) {
        snprintf(why, len, "page %u (va 0x%llx) of space %ld: mapped=%d/%d, expected %d", page,
                 (unsigned long long)page_va(page), (long)(s - spaces), mapped, user_mapped, want);
        return false;
    }
    if (want && (!mfn_eq(k.mfn, mfn_of(ref->pfn)) || !mfn_eq(u.mfn, k.mfn) ||
                 k.rw != (ref->prot == REF_RW))) {
        snprintf(why, len, "page %u of space %ld: mfn 0x%llx rw %d, expected mfn 0x%llx rw %d", page,
                 (long)(s - spaces), (unsigned long long)mfn_x(k.mfn), k.rw,
                 (unsigned long long)mfn_x(mfn_of(ref->pfn)), ref->prot == REF_RW);
        return false;
    }
    return true;
}

static bool state_is_right(char *why, size_t len)
{
    unsigned i, page;

    if (pvmmu_error_count()) {
        snprintf(why, len, "an operation failed: %s", pvmmu_last_error());
        return false;
    }
    if (!model_check_invariants(why, len))
        return false;
    for (i = 0; i < MAX_SPACES; i++)
        for (page = 0; spaces[i].as && page < PAGES; page++)
            if (!translation_matches(&spaces[i], page, why, len))
                return false;
    return true;
}

/*
 * A sequence is a list of steps, each an operation and the seed its random
 * choices come from, so that a step means the same thing whichever steps are
 * dropped around it: that is what lets a failing sequence be shrunk.  (A step
 * may still do less without its neighbours: a map of a space never created is
 * no step at all.)
 */
struct step { unsigned op; uint64_t seed; };

/* What is checked after every step outside a lazy section; the shrinker's own test injects another. */
static bool (*property)(char *why, size_t len) = state_is_right;
/* The operations the steps so far ran, for an injected property to look at. */
static int (*ran[STEPS])(void);
static unsigned nr_ran;

static void generate(uint64_t seed, struct step *steps)
{
    unsigned i;

    rng = seed * 2654435761ULL + 1;
    for (i = 0; i < STEPS; i++) {
        steps[i].op = pick(ARRAY_SIZE(ops));
        steps[i].seed = next_random() | 1;
    }
}

/* Runs the steps on a fresh guest.  True if the property held after each; else why (and the log) say what broke. */
static bool run_steps(const struct step *steps, unsigned n, char *why, size_t len)
{
    bool ok = true;
    unsigned i;

    log_len = 0;
    log_text[0] = '\0';
    nr_ran = 0;
    boot_guest(1024);
    memset(spaces, 0, sizeof(spaces));
    alloc_frames(data, DATA_FRAMES);
    for (i = 0; ok && i < n; i++) {
        int rc;

        rng = steps[i].seed;
        rc = ops[steps[i].op]();
        ran[nr_ran++] = ops[steps[i].op];
        if (rc && !pvmmu_error_count())
            snprintf(why, len, "step %u returned %d without a report", i, rc), ok = false;
        else if (rc)
            snprintf(why, len, "step %u failed: %s", i, pvmmu_last_error()), ok = false;
        else if (!lazy_mmu_active() && !property(why, len))
            ok = false;
    }
    while (ok && lazy_mmu_active())
        lazy_mmu_leave();
    if (ok && !property(why, len))
        ok = false;
    teardown_guest(NULL);
    return ok;
}

/*
 * Delta debugging: drop a chunk of steps, run again, and keep the shorter
 * sequence if it still fails; when no chunk of this size can go, try halves.
 * What is left fails, and fails no more without any one of its steps.
 */
static unsigned shrink(struct step *steps, unsigned n)
{
    struct step trial[STEPS];
    unsigned chunk = n / 2 ? n / 2 : 1, start, i, m;
    char why[256];

    while (chunk) {
        bool dropped = false;

        for (start = 0; start < n;) {
            for (i = m = 0; i < n; i++)
                if (i < start || i >= start + chunk)
                    trial[m++] = steps[i];
            if (!run_steps(trial, m, why, sizeof(why))) {
                memcpy(steps, trial, m * sizeof(*steps));
                n = m;
                dropped = true;
            } else {
                start += chunk;
            }
        }
        if (!dropped)
            chunk /= 2;
    }
    return n;
}

/* Runs one seed's sequence; a failure is shrunk, and the minimal sequence printed with the seed. */
static bool run_sequence(uint64_t seed)
{
    struct step steps[STEPS];
    char why[256];
    unsigned n;

    generate(seed, steps);
    if (run_steps(steps, STEPS, why, sizeof(why)))
        return true;
    print_error("property: seed %llu failed: %s\n  steps: %s\n", (unsigned long long)seed, why, log_text);
    n = shrink(steps, STEPS);
    run_steps(steps, n, why, sizeof(why));
    print_error("  shrunk to %u steps (%s): %s\n", n, why, log_text);
    return false;
}

static void test_random_operation_sequences_keep_every_invariant(void **state)
{
    const char *replay = getenv("PVMMU_SEED"), *n = getenv("PVMMU_SEQUENCES");
    unsigned long sequences = n ? strtoul(n, NULL, 10) : 1000, i, failed = 0;

    (void)state;
    if (replay) {
        assert_true(run_sequence(strtoull(replay, NULL, 10)));
        return;
    }
    for (i = 1; i <= sequences && failed < 3; i++)
        failed += !run_sequence(i);
    if (failed)
        fail_msg("%lu of %lu sequences failed (replay one with PVMMU_SEED=N)", failed, i - 1);
}

/* An injected property that breaks once a pin_all has been followed, at any distance, by an unpin_all. */
static bool no_unpin_all_after_pin_all(char *why, size_t len)
{
    bool pinned_all = false;
    unsigned i;

    for (i = 0; i < nr_ran; i++) {
        if (ran[i] == op_pin_all)
            pinned_all = true;
        if (ran[i] == op_unpin_all && pinned_all) {
            snprintf(why, len, "unpin_all after pin_all");
            return false;
        }
    }
    return true;
}

/*
 * The shrinker, on a property whose minimal failing sequence is known: exactly
 * two steps, pin_all then unpin_all (both always run, whatever came before).
 * From the first seed whose sequence breaks it, shrinking must end at those two.
 */
static void test_the_shrinker_finds_the_minimal_failing_pair(void **state)
{
    struct step steps[STEPS];
    char why[256];
    uint64_t seed;
    unsigned n;

    (void)state;
    property = no_unpin_all_after_pin_all;
    for (seed = 1; seed < 1000; seed++) {
        generate(seed, steps);
        if (!run_steps(steps, STEPS, why, sizeof(why)))
            break;
    }
    assert_true(seed < 1000);
    n = shrink(steps, STEPS);
    property = state_is_right;
    assert_int_equal(n, 2);
    assert_ptr_equal(ops[steps[0].op], op_pin_all);
    assert_ptr_equal(ops[steps[1].op], op_unpin_all);
    property = no_unpin_all_after_pin_all;
    assert_false(run_steps(steps, n, why, sizeof(why)));
    property = state_is_right;
    assert_string_equal(log_text, "pin_all; unpin_all; ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_operation_sequences_keep_every_invariant),
        cmocka_unit_test(test_the_shrinker_finds_the_minimal_failing_pair),
    };
    return cmocka_run_group_tests_name("property", tests, NULL, NULL);
}
