/*
 * The SMP property test: random interleavings of the core's operations by
 * several simulated vcpus, against the model, with the stale-TLB detector on.
 *
 * Three vcpus take turns (sequentially, one deterministic random stream; no
 * threads).  Each step picks a vcpu and runs one operation on it: switch to a
 * space, map / unmap / protect a run of pages in any space (loaded on this
 * vcpu, on others, on several, or nowhere), or an access by that vcpu through
 * its own TLB to a page of the space it has loaded.  The core keeps a current
 * address space per vcpu; the test keeps its own record and checks the core's
 * against it before each operation.
 *
 * After every step:
 *   - the core reported no error and the model's invariants hold;
 *   - no access went through a TLB entry that the core's change plus the
 *     shootdown it sent should have removed (model_stale_reads() == 0: every
 *     operation has returned, so every flush it owed has completed);
 *   - an access the detector did not flag agrees with the reference: a page
 *     mapped RW is writable, RO faults on a write, unmapped / no-access is not
 *     mapped.
 * A failure prints the seed, the steps, and the detector's report (vcpu,
 * address, stale and current translation).  PVMMU_SEED=N replays one
 * sequence, PVMMU_SEQUENCES=N changes how many run.
 */
#include <stdlib.h>
#include "pvmmu_test.h"
#include "property_steps.h"

#define VCPUS 3
#define SPACES 2
#define PAGES 24
#define FIRST_REGION 16
#define DATA_FRAMES 16
#define STEPS 60
#define GUEST_PAGES 2048UL

/* Pages 0..15 share one L1; 16..23 sit in another L4 slot (their own tables). */
static uint64_t page_va(unsigned page)
{
    return page < FIRST_REGION ? 0x0000100000000000ULL + (uint64_t)page * PAGE_SIZE
                               : 0x0000700000000000ULL + (uint64_t)(page - FIRST_REGION) * PAGE_SIZE;
}

enum ref_prot { REF_UNMAPPED, REF_NOACCESS, REF_RO, REF_RW };
struct ref_page { pfn_t pfn; enum ref_prot prot; };
struct space { struct aspace *as; struct ref_page page[PAGES]; };

static struct space spaces[SPACES];
static struct space *loaded[VCPUS];   /* NULL: the kernel's space */
static pfn_t data[DATA_FRAMES];
static uint64_t sequence_seed;
static unsigned long accesses_checked, cross_vcpu_changes, hazards;
/*
 * For the count of what the property exercised: which pages each vcpu has
 * cached (it accessed them since its last root load), and which of those
 * another vcpu has changed since.  The next access to such a page depends on
 * the shootdown: a hazard.
 */
static bool cached[VCPUS][PAGES], changed_elsewhere[VCPUS][PAGES];
/* The pages changed last: accesses favour them, so that cached pages do get changed. */
static unsigned hot[4], hot_next;

/* The core runs on `vcpu` now: its hypercalls are that vcpu's, and so is its current space. */
static void run_on(unsigned vcpu)
{
    harness_on_vcpu(vcpu);
    if (aspace_current() != (loaded[vcpu] ? loaded[vcpu]->as : aspace_kernel()))
        fail_msg("vcpu %u: the core's current space is not the one this vcpu loaded", vcpu);
}

static bool loaded_elsewhere(const struct space *s, unsigned vcpu)
{
    for (unsigned v = 0; v < VCPUS; v++)
        if (v != vcpu && loaded[v] == s)
            return true;
    return false;
}

/* A run of pages inside one region, so that its addresses are contiguous. */
static void random_run(unsigned *first, unsigned *count)
{
    unsigned end;

    *first = pick(PAGES);
    end = *first < FIRST_REGION ? FIRST_REGION : PAGES;
    *count = 1 + pick(end - *first < 4 ? end - *first : 4);
}

static int op_switch(unsigned vcpu)
{
    unsigned which = pick(SPACES + 1);
    struct space *s = which < SPACES ? &spaces[which] : NULL;

    note("v%u switch %d; ", vcpu, s ? (int)which : -1);
    loaded[vcpu] = s;
    memset(cached[vcpu], 0, sizeof(cached[vcpu]));   /* the root load flushed them */
    return aspace_switch(s ? s->as : aspace_kernel());
}

/* vcpu changes pages [first, first + count) of s: every other vcpu that cached one now depends on a flush. */
static void changing(unsigned vcpu, const struct space *s, unsigned first, unsigned count)
{
    for (unsigned v = 0; v < VCPUS; v++)
        if (v != vcpu && loaded[v] == s)
            for (unsigned page = first; page < first + count; page++)
                changed_elsewhere[v][page] |= cached[v][page];
    hot[hot_next++ % 4] = first;
}

static int op_map(unsigned vcpu, struct space *s)
{
    pfn_t pfns[4];
    unsigned first, count;

    random_run(&first, &count);
    changing(vcpu, s, first, count);
    for (unsigned i = 0; i < count; i++) {
        pfns[i] = data[pick(DATA_FRAMES)];
        s->page[first + i] = (struct ref_page){ pfns[i], REF_RW };
    }
    note("v%u map s%ld %u+%u; ", vcpu, (long)(s - spaces), first, count);
    return mmu_map_range(s->as, page_va(first), pfns, count, _PAGE_RW | _PAGE_USER);
}

static int op_protect(unsigned vcpu, struct space *s)
{
    static const enum mmu_prot prots[] = { PROT_NOACCESS, PROT_READ_ONLY, PROT_READ_WRITE };
    static const enum ref_prot refs[] = { REF_NOACCESS, REF_RO, REF_RW };
    unsigned first, count, p = pick(3);

    random_run(&first, &count);
    changing(vcpu, s, first, count);
    for (unsigned i = first; i < first + count; i++)
        if (s->page[i].prot != REF_UNMAPPED)
            s->page[i].prot = refs[p];
    note("v%u protect s%ld %u+%u %u; ", vcpu, (long)(s - spaces), first, count, p);
    return mmu_protect_range(s->as, page_va(first), count, prots[p]);
}

static int op_unmap(unsigned vcpu, struct space *s)
{
    unsigned first, count;

    random_run(&first, &count);
    changing(vcpu, s, first, count);
    for (unsigned i = first; i < first + count; i++)
        s->page[i].prot = REF_UNMAPPED;
    note("v%u unmap s%ld %u+%u; ", vcpu, (long)(s - spaces), first, count);
    return mmu_unmap_range(s->as, page_va(first), count);
}

static enum model_touch expected(const struct ref_page *p, bool write)
{
    if (p->prot == REF_UNMAPPED || p->prot == REF_NOACCESS)
        return MODEL_TOUCH_NOT_MAPPED;
    return write && p->prot == REF_RO ? MODEL_TOUCH_READ_ONLY : MODEL_TOUCH_OK;
}

/* An access by the vcpu through its own TLB: checked by the detector, then against the reference. */
static void op_access(unsigned vcpu)
{
    struct space *s = loaded[vcpu];
    unsigned page = pick(3) ? hot[pick(4)] : pick(PAGES);
    bool write = pick(2);
    char why[320];

    if (!s)
        return;
    note("v%u %s s%ld %u; ", vcpu, write ? "write" : "read", (long)(s - spaces), page);
    enum model_touch got = model_vcpu_touch(vcpu, page_va(page), write);
    if (model_stale_reads(why, sizeof(why)))
        fail_msg("seed %llu: %s\nsteps: %s", (unsigned long long)sequence_seed, why, log_text);
    if (got != expected(&s->page[page], write))
        fail_msg("seed %llu: vcpu %u %s of page %u gave %d, the reference says %d\nsteps: %s",
                 (unsigned long long)sequence_seed, vcpu, write ? "write" : "read", page, got,
                 expected(&s->page[page], write), log_text);
    accesses_checked++;
    hazards += changed_elsewhere[vcpu][page];
    changed_elsewhere[vcpu][page] = false;
    cached[vcpu][page] = got == MODEL_TOUCH_OK;
}

/* What the tables say (not any TLB): every page of every space as the reference has it. */
static void check_tables_match_reference(unsigned step)
{
    for (unsigned i = 0; i < SPACES; i++)
        for (unsigned page = 0; page < PAGES; page++) {
            const struct ref_page *want = &spaces[i].page[page];
            struct model_xlat x;
            bool mapped = model_translate(mfn_of(spaces[i].as->root), page_va(page), &x);

            if (mapped != (want->prot == REF_RO || want->prot == REF_RW) ||
                (mapped && (!mfn_eq(x.mfn, mfn_of(want->pfn)) || x.rw != (want->prot == REF_RW))))
                fail_msg("seed %llu, step %u: s%u page %u: the tables disagree with the reference "
                         "(mapped %d, rw %d; want prot %d)\nsteps: %s",
                         (unsigned long long)sequence_seed, step, i, page, mapped, mapped && x.rw,
                         want->prot, log_text);
        }
}

static int one_step(void)
{
    unsigned vcpu = pick(VCPUS), what = pick(24);
    struct space *s = &spaces[pick(SPACES)];

    if (what < 12) {
        op_access(vcpu);
        return 0;
    }
    run_on(vcpu);
    if (what < 14)
        return op_switch(vcpu);
    if (loaded_elsewhere(s, vcpu))
        cross_vcpu_changes++;
    if (what < 18)
        return op_map(vcpu, s);
    if (what < 21)
        return op_protect(vcpu, s);
    return op_unmap(vcpu, s);
}

/*
 * Where every sequence starts: both spaces fully mapped, and every vcpu on one
 * of them (at random), so that shared spaces and cached pages come up early.
 */
static void start_state(void)
{
    for (unsigned i = 0; i < SPACES; i++)
        for (unsigned page = 0; page < PAGES; page++) {
            pfn_t pfn = data[(i * 5 + page) % DATA_FRAMES];
            spaces[i].page[page] = (struct ref_page){ pfn, REF_RW };
            assert_int_equal(mmu_map(spaces[i].as, page_va(page), pfn, _PAGE_RW | _PAGE_USER), 0);
        }
    for (unsigned v = 0; v < VCPUS; v++) {
        loaded[v] = NULL;
        run_on(v);
        loaded[v] = &spaces[pick(SPACES)];
        assert_int_equal(aspace_switch(loaded[v]->as), 0);
        note("v%u on s%ld; ", v, (long)(loaded[v] - spaces));
    }
}

static void run_sequence(uint64_t seed)
{
    rng = seed ? seed : 1;
    sequence_seed = seed;
    log_len = 0;
    log_text[0] = '\0';
    boot_guest(GUEST_PAGES);
    harness_set_vcpus(VCPUS);
    alloc_frames(data, DATA_FRAMES);
    for (unsigned i = 0; i < SPACES; i++) {
        spaces[i].as = aspace_create();
        assert_non_null(spaces[i].as);
        memset(spaces[i].page, 0, sizeof(spaces[i].page));
    }
    memset(cached, 0, sizeof(cached));
    memset(changed_elsewhere, 0, sizeof(changed_elsewhere));
    memset(hot, 0, sizeof(hot));
    start_state();

    for (unsigned step = 0; step < STEPS; step++) {
        uint64_t at = rng;
        int rc = one_step();

        if (rc || pvmmu_error_count())
            fail_msg("seed %llu (step seed %llu): rc %d, error '%s'\nsteps: %s",
                     (unsigned long long)seed, (unsigned long long)at, rc, pvmmu_last_error(),
                     log_text);
        assert_model_invariants();
        check_tables_match_reference(step);
    }
    mmu_forget_state();
    harness_shutdown();
}

static void test_random_interleavings_never_read_through_a_missed_shootdown(void **state)
{
    (void)state;
    unsigned long replay = env_number("PVMMU_SEED", 0);
    unsigned long sequences = replay ? 1 : env_number("PVMMU_SEQUENCES", 150);

    accesses_checked = cross_vcpu_changes = hazards = 0;
    for (unsigned long i = 0; i < sequences; i++)
        run_sequence(replay ? replay : 0x5eed0000 + i);
    /* The property was exercised: accesses checked, and changes to spaces other vcpus held. */
    assert_true(accesses_checked > sequences * 5);
    assert_true(cross_vcpu_changes > sequences);
    if (getenv("PVMMU_VERBOSE"))
        fprintf(stderr, "smp_property: %lu sequences, %lu accesses checked, %lu changes to spaces "
                "loaded elsewhere, %lu accesses that depended on a shootdown\n", sequences,
                accesses_checked, cross_vcpu_changes, hazards);
    assert_true(hazards >= sequences / 4);   /* the missed-shootdown case really came up */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_interleavings_never_read_through_a_missed_shootdown),
    };
    return cmocka_run_group_tests_name("smp_property", tests, NULL, NULL);
}
