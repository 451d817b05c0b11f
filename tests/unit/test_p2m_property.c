/*
 * The p2m against a plain reference, over thousands of random operations.
 *
 * The reference is the obvious thing: an array of what every pfn should translate
 * to, plus, per leaf, whether it is still a hole, an identity leaf, or has a frame
 * of its own.  After every operation, the leaves it touched and the frame
 * count are checked (and the frame lists after a republish); after every round
 * of 300, all of it:
 *
 *   - every pfn of the table looks up as the reference says;
 *   - the published frame lists, read back the toolstack's way, equal the table;
 *   - the frames the p2m took from the allocator are exactly its own leaves, plus
 *     a directory page and a mid page for the second GiB once it stops being a
 *     hole: a set that did not need memory took none.
 *
 * Operations land on a few dozen leaves across both GiBs, so they meet each other:
 * sets into holes, into identity leaves, INVALID into holes, identity ranges over
 * holes and over leaves of their own, and republishing from a zeroed anchor.
 * PVMMU_SEED changes the sequence (and the harness's shuffle).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define NR_PAGES 2048ULL
#define MAX_PFNS (2 * P2M_PER_LEAF * P2M_LEAVES_PER_MID)
#define NR_LEAVES (MAX_PFNS / P2M_PER_LEAF)
#define ROUNDS 20
#define OPS_PER_ROUND 300

enum leaf_state { LEAF_MISSING, LEAF_IDENTITY, LEAF_OWN };

static struct {
    uint64_t mfn[MAX_PFNS];
    enum leaf_state leaf[NR_LEAVES];
    uint64_t rng;
} ref;

static uint64_t table_as_read[MAX_PFNS];

static uint64_t next_random(void)
{
    ref.rng ^= ref.rng << 13;
    ref.rng ^= ref.rng >> 7;
    ref.rng ^= ref.rng << 17;
    return ref.rng;
}

/* One of 48 leaves: some in the booted range's GiB, some in the second GiB. */
static uint64_t random_leaf(void)
{
    uint64_t pick = next_random() % 48;

    return pick < 24 ? NR_PAGES / P2M_PER_LEAF + pick : P2M_LEAVES_PER_MID + 7 * (pick - 24);
}

static void ref_store(uint64_t pfn, uint64_t mfn)
{
    if (ref.mfn[pfn] == mfn)
        return;
    ref.leaf[pfn / P2M_PER_LEAF] = LEAF_OWN;
    ref.mfn[pfn] = mfn;
}

/* The pfns an operation touched: [first, first + count). */
struct touched { uint64_t first, count; };

static struct touched op_set(void)
{
    uint64_t pfn = random_leaf() * P2M_PER_LEAF + next_random() % P2M_PER_LEAF;
    uint64_t mfn = next_random() % 4 ? next_random() % (1ULL << 40) : INVALID_MFN_RAW;

    assert_int_equal(p2m_set(_pfn(pfn), _mfn(mfn)), 0);
    ref_store(pfn, mfn);
    return (struct touched){ pfn, 1 };
}

static struct touched op_set_identity(void)
{
    uint64_t first = random_leaf() * P2M_PER_LEAF + (next_random() % 2 ? 0 : next_random() % P2M_PER_LEAF);
    uint64_t count = next_random() % (3 * P2M_PER_LEAF), pfn;

    if (first + count > MAX_PFNS)
        count = MAX_PFNS - first;
    assert_int_equal(p2m_set_identity(_pfn(first), count), 0);
    for (pfn = first; pfn < first + count; pfn++) {
        bool whole = pfn % P2M_PER_LEAF == 0 && first + count - pfn >= P2M_PER_LEAF;

        if (whole && ref.leaf[pfn / P2M_PER_LEAF] == LEAF_MISSING) {
            for (; pfn % P2M_PER_LEAF != P2M_PER_LEAF - 1; pfn++)
                ref.mfn[pfn] = pfn;
            ref.mfn[pfn] = pfn;
            ref.leaf[pfn / P2M_PER_LEAF] = LEAF_IDENTITY;
            continue;
        }
        ref_store(pfn, pfn);
    }
    return (struct touched){ first, count };
}

static struct touched op_republish(void)
{
    harness_shared_info()->arch.pfn_to_mfn_frame_list_list = 0;
    assert_int_equal(p2m_publish(harness_shared_info()), 0);
    return (struct touched){ 0, MAX_PFNS };
}

static const void *machine_frame(mfn_t mfn, void *ctx)
{
    (void)ctx;
    return model_frame_bytes(mfn);
}

static void check_pfns(uint64_t first, uint64_t end)
{
    uint64_t pfn;

    for (pfn = first; pfn < end; pfn++)
        if (mfn_x(p2m_lookup(_pfn(pfn))) != ref.mfn[pfn])
            fail_msg("pfn 0x%llx: p2m says 0x%llx, reference 0x%llx", (unsigned long long)pfn,
                     (unsigned long long)mfn_x(p2m_lookup(_pfn(pfn))), (unsigned long long)ref.mfn[pfn]);
}

/* The p2m's frames are its own leaves, plus a directory and a mid page once the second GiB is used. */
static void check_frames(uint64_t own_at_boot, unsigned long free_at_boot)
{
    uint64_t leaf, own = 0;
    bool second_gib_touched = false;

    for (leaf = 0; leaf < NR_LEAVES; leaf++) {
        own += ref.leaf[leaf] == LEAF_OWN;
        second_gib_touched |= leaf >= P2M_LEAVES_PER_MID && ref.leaf[leaf] != LEAF_MISSING;
    }
    assert_int_equal(p2m_own_leaves(), own_at_boot + own);
    assert_int_equal(free_at_boot - harness_frames_free(), own + (second_gib_touched ? 2 : 0));
}

static void check_frame_lists(void)
{
    uint64_t pfn, nr = 0;

    assert_int_equal(p2m_frame_list_read(harness_shared_info(), machine_frame, NULL, table_as_read,
                                         MAX_PFNS, &nr), 0);
    assert_int_equal(nr, p2m_extent());
    for (pfn = 0; pfn < nr; pfn++)
        assert_int_equal(table_as_read[pfn], p2m_linear.entries[pfn]);
}

/*
 * After every operation: every pfn of the leaves it touched, and the frame
 * count; after a republish, the frame lists too.  A leaf an operation did not
 * touch cannot have changed unless the p2m wrote where it was not asked, which
 * the full check of every pfn after each round catches.
 */
static void check_after_op(struct touched t, uint64_t own_at_boot, unsigned long free_at_boot)
{
    uint64_t first = t.first / P2M_PER_LEAF * P2M_PER_LEAF;
    uint64_t end = (t.first + t.count + P2M_PER_LEAF - 1) / P2M_PER_LEAF * P2M_PER_LEAF;

    check_pfns(first, end < MAX_PFNS ? end : MAX_PFNS);
    check_frames(own_at_boot, free_at_boot);
    if (t.count == MAX_PFNS)
        check_frame_lists();
}

static void check_against_reference(uint64_t own_at_boot, unsigned long free_at_boot)
{
    check_pfns(0, MAX_PFNS);
    check_frames(own_at_boot, free_at_boot);
    check_frame_lists();
}

static void random_operations_agree_with_the_reference(void **state)
{
    const char *seed = getenv("PVMMU_SEED");
    uint64_t pfn, own_at_boot;
    unsigned long free_at_boot;
    int round, op;

    (void)state;
    ref.rng = seed ? strtoull(seed, NULL, 0) * 2654435761ULL + 1 : 0x9e3779b97f4a7c15ULL;
    for (pfn = 0; pfn < MAX_PFNS; pfn++)
        ref.mfn[pfn] = pfn < NR_PAGES ? harness_mfn_list()[pfn] : INVALID_MFN_RAW;
    assert_int_equal(p2m_publish(harness_shared_info()), 0);
    own_at_boot = p2m_own_leaves();
    free_at_boot = harness_frames_free();

    for (round = 0; round < ROUNDS; round++) {
        for (op = 0; op < OPS_PER_ROUND; op++) {
            uint64_t dice = next_random() % 100;
            struct touched t = dice < 85 ? op_set() : dice < 98 ? op_set_identity() : op_republish();

            check_after_op(t, own_at_boot, free_at_boot);
        }
        check_against_reference(own_at_boot, free_at_boot);
    }
    assert_int_equal(pvmmu_error_count(), 0);
}

static int boot(void **state)
{
    (void)state;
    memset(&ref, 0, sizeof(ref));
    harness_boot(NR_PAGES);
    pvmmu_clear_errors();
    return p2m_init(harness_mfn_list(), harness_nr_pages(), MAX_PFNS);
}

static int shutdown(void **state)
{
    (void)state;
    harness_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(random_operations_agree_with_the_reference, boot, shutdown),
    };

    return cmocka_run_group_tests_name("p2m property", tests, NULL, NULL);
}
