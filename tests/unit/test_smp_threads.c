/*
 * vcpus as threads: the core on several vcpus at once, for real.
 *
 * Each vcpu is a pthread (harness_on_vcpu is per thread, and so is the core's
 * platform_vcpu_id()); the model applies one hypercall or one TLB access at a
 * time (model_lock), so the interleavings are the scheduler's, at every point
 * between two of those.  `make check` runs this binary twice: under ASan +
 * UBSan like the rest, and under ThreadSanitizer (build/tsan/), where any data
 * race in the core, the harness or the model fails it.
 *
 * The caller's side of the contract (docs/smp-locks.md) is played by the test:
 * changes to the shared space's tables are serialised by a rwlock, the
 * "mmap_lock", which accesses by other vcpus take for reading, so an access is
 * never in the middle of a change (the detector's premise: every shootdown the
 * change owed has completed); switches, and everything on private spaces, take
 * nothing.  The stale-TLB detector and a reference check every access.
 */
#include <pthread.h>
#include <stdlib.h>
#include "pvmmu_test.h"

#define VCPUS 3
#define PAGES 8
#define SHARED_VA 0x0000100000000000ULL
#define PRIVATE_VA 0x0000300000000000ULL

enum ref { REF_UNMAPPED, REF_RO, REF_RW };

static struct aspace *shared, *private_space[VCPUS];
static enum ref shared_ref[PAGES], private_ref[VCPUS][PAGES];
static pfn_t frames[PAGES];
static pthread_rwlock_t shared_mm = PTHREAD_RWLOCK_INITIALIZER;
static unsigned long iterations;
static pthread_barrier_t start;      /* every vcpu thread starts at once, so they overlap */

struct worker {
    unsigned vcpu;
    uint64_t rng;
    unsigned long checked, changes, switches, hazards;
    char why[256];
};

static unsigned rnd(struct worker *w, unsigned n)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (unsigned)(w->rng % n);
}

static void fail_worker(struct worker *w, const char *what, int rc)
{
    if (!w->why[0])
        snprintf(w->why, sizeof(w->why), "vcpu %u: %s (%d): %s", w->vcpu, what, rc, pvmmu_last_error());
}

/* One change to a page of `as`: unmap, map read-write or read-only (the frame is fixed per page). */
static void change(struct worker *w, struct aspace *as, uint64_t base, enum ref *ref)
{
    unsigned page = rnd(w, PAGES);
    uint64_t va = base + (uint64_t)page * PAGE_SIZE;
    int rc;

    switch (rnd(w, 3)) {
    case 0:
        rc = mmu_unmap_range(as, va, 1);
        ref[page] = REF_UNMAPPED;
        break;
    case 1:
        rc = mmu_map(as, va, frames[page], _PAGE_RW | _PAGE_USER);
        ref[page] = REF_RW;
        break;
    default:
        rc = ref[page] == REF_UNMAPPED ? mmu_map(as, va, frames[page], _PAGE_USER)
                                       : mmu_protect_range(as, va, 1, PROT_READ_ONLY);
        ref[page] = REF_RO;
        break;
    }
    w->changes++;
    if (rc)
        fail_worker(w, "change", rc);
}

/* An access by this vcpu through its TLB, checked against the reference. */
static void access_page(struct worker *w, uint64_t base, const enum ref *ref)
{
    unsigned page = rnd(w, PAGES);
    bool write = rnd(w, 2);
    enum model_touch want = ref[page] == REF_UNMAPPED ? MODEL_TOUCH_NOT_MAPPED
                            : write && ref[page] == REF_RO ? MODEL_TOUCH_READ_ONLY
                                                           : MODEL_TOUCH_OK;
    enum model_touch got = model_vcpu_touch(w->vcpu, base + (uint64_t)page * PAGE_SIZE, write);

    w->checked++;
    if (got != want && !w->why[0])
        snprintf(w->why, sizeof(w->why), "vcpu %u: access to page %u (%s) gave %d, the tables say %d",
                 w->vcpu, page, write ? "write" : "read", got, want);
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    struct aspace *mine = private_space[w->vcpu];

    harness_on_vcpu(w->vcpu);
    pthread_barrier_wait(&start);
    for (unsigned long i = 0; i < iterations && !w->why[0]; i++) {
        struct aspace *here;
        unsigned r = rnd(w, 10);
        int rc;

        harness_poll_calls();
        here = aspace_current();
        if (r < 2) {                        /* switch: the kernel's, the shared or its own space */
            struct aspace *to = r == 0 ? shared : rnd(w, 2) ? mine : aspace_kernel();
            rc = aspace_switch(to);
            w->switches++;
            if (rc)
                fail_worker(w, "switch", rc);
        } else if (r < 4) {                 /* change the shared space, under the mmap_lock */
            pthread_rwlock_wrlock(&shared_mm);
            change(w, shared, SHARED_VA, shared_ref);
            pthread_rwlock_unlock(&shared_mm);
        } else if (r < 5) {
            change(w, mine, PRIVATE_VA, private_ref[w->vcpu]);
        } else if (here == shared) {        /* read through the TLB, never during a change */
            pthread_rwlock_rdlock(&shared_mm);
            access_page(w, SHARED_VA, shared_ref);
            pthread_rwlock_unlock(&shared_mm);
        } else if (here == mine) {
            access_page(w, PRIVATE_VA, private_ref[w->vcpu]);
        }
    }
    /* Answer calls until everyone is done (a caller may still be waiting for this vcpu). */
    return NULL;
}

static void setup_spaces(void)
{
    boot_guest(2048);
    harness_set_vcpus(VCPUS);
    alloc_frames(frames, PAGES);
    shared = aspace_create();
    assert_non_null(shared);
    for (unsigned p = 0; p < PAGES; p++) {
        assert_int_equal(mmu_map(shared, SHARED_VA + p * PAGE_SIZE, frames[p], _PAGE_RW | _PAGE_USER), 0);
        shared_ref[p] = REF_RW;
    }
    assert_int_equal(aspace_pin(shared), 0);
    for (unsigned v = 0; v < VCPUS; v++) {
        private_space[v] = aspace_create();
        assert_non_null(private_space[v]);
        memset(private_ref[v], 0, sizeof(private_ref[v]));
    }
    harness_threads(true);
    model_reset_stale_reads();
    mmu_flush_stats_reset();
}

static void teardown_spaces(void)
{
    harness_threads(false);
    mmu_forget_state();
    harness_shutdown();
}

/* Run the workers to the end; each answers calls until all have finished. */
static volatile int finished;

/* This vcpu is done: answer calls until every vcpu is (a caller may still wait for this one). */
static void *linger(void)
{
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < VCPUS)
        harness_poll_calls();
    return NULL;
}

static void *run_and_linger(void *arg)
{
    struct worker *w = arg;

    run_worker(w);
    return linger();
}

/*
 * One run of the workers; true if the property was exercised (shootdowns sent
 * to other vcpus, and avoided).  Whether threads overlap is the scheduler's
 * business, so a run that happened to be sequential is run again, up to 5 times.
 */
static bool one_threaded_run(uint64_t seed)
{
    struct worker w[VCPUS];
    pthread_t t[VCPUS];
    char why[320];
    unsigned long checked = 0, changes = 0, switches = 0;
    bool exercised;

    setup_spaces();
    finished = 0;
    pthread_barrier_init(&start, NULL, VCPUS);
    for (unsigned v = 0; v < VCPUS; v++) {
        w[v] = (struct worker){ .vcpu = v, .rng = seed + v * 7919 };
        assert_int_equal(pthread_create(&t[v], NULL, run_and_linger, &w[v]), 0);
    }
    for (unsigned v = 0; v < VCPUS; v++)
        pthread_join(t[v], NULL);
    pthread_barrier_destroy(&start);
    harness_on_vcpu(0);
    for (unsigned v = 0; v < VCPUS; v++) {
        if (w[v].why[0])
            fail_msg("%s", w[v].why);
        checked += w[v].checked;
        changes += w[v].changes;
        switches += w[v].switches;
    }
    if (model_stale_reads(why, sizeof(why)))
        fail_msg("%s", why);
    assert_no_errors();
    assert_model_invariants();
    assert_true(checked > iterations / 2);
    if (getenv("PVMMU_VERBOSE"))
        fprintf(stderr, "smp_threads: %lu accesses checked, %lu changes, %lu switches; shootdowns: "
                "%llu avoided, %llu local, %llu multi (%llu of one page), %llu late\n", checked, changes,
                switches, (unsigned long long)mmu_flush_stats()->avoided,
                (unsigned long long)mmu_flush_stats()->local, (unsigned long long)mmu_flush_stats()->multi,
                (unsigned long long)mmu_flush_stats()->pages, (unsigned long long)mmu_flush_stats()->late);
    exercised = mmu_flush_stats()->multi > 0 && mmu_flush_stats()->avoided > 0;
    teardown_spaces();
    return exercised;
}

static void test_threads_map_unmap_protect_and_switch_with_no_missed_shootdown(void **state)
{
    (void)state;
    unsigned run = 0;

    iterations = env_number("PVMMU_ITERATIONS", 3000);
    while (!one_threaded_run(0x5eed7000 + run * 0x100))
        if (++run == 5)
            fail_msg("5 runs and the threads never overlapped enough to send a shootdown to another vcpu");
}

/*
 * The negative control, threaded: vcpu 1 caches a page of the shared space;
 * vcpu 0, on another thread, then takes the page away.  Through the core the
 * shootdown reaches vcpu 1 and its next access faults.  With the shootdown
 * deliberately left out (the same change made with update_va_mapping's
 * UVMF_LOCAL, straight to Xen, bypassing the core) the detector reports vcpu 1's
 * read.  The threads meet at barriers, so the order is fixed while each step
 * runs on its own thread.
 */
static pthread_barrier_t step;
static bool bypass_the_core;
static enum model_touch last_touch;

static void *vcpu0_takes_the_page_away(void *arg)
{
    (void)arg;
    harness_on_vcpu(0);
    assert_int_equal(aspace_switch(shared), 0);
    pthread_barrier_wait(&step);             /* vcpu 1 has it cached */
    if (bypass_the_core)
        assert_int_equal(hv_update_va_mapping(SHARED_VA, 0, UVMF_INVLPG | UVMF_LOCAL), 0);
    else
        assert_int_equal(mmu_unmap_range(shared, SHARED_VA, 1), 0);
    pthread_barrier_wait(&step);             /* the change has returned */
    pthread_barrier_wait(&step);             /* vcpu 1 has read */
    assert_int_equal(aspace_switch(aspace_kernel()), 0);
    return NULL;
}

static void *vcpu1_reads_it(void *arg)
{
    (void)arg;
    harness_on_vcpu(1);
    assert_int_equal(aspace_switch(shared), 0);
    assert_int_equal(model_vcpu_touch(1, SHARED_VA, false), MODEL_TOUCH_OK);
    pthread_barrier_wait(&step);
    pthread_barrier_wait(&step);
    last_touch = model_vcpu_touch(1, SHARED_VA, false);
    pthread_barrier_wait(&step);
    return NULL;
}

static unsigned long stale_reads_when(bool bypass)
{
    pthread_t a, b;
    unsigned long stale;

    setup_spaces();
    bypass_the_core = bypass;
    pthread_barrier_init(&step, NULL, 2);
    assert_int_equal(pthread_create(&a, NULL, vcpu0_takes_the_page_away, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, vcpu1_reads_it, NULL), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&step);
    harness_on_vcpu(0);
    stale = model_stale_reads(NULL, 0);
    teardown_spaces();
    return stale;
}

static void test_threaded_the_detector_catches_a_deliberately_missing_shootdown(void **state)
{
    (void)state;
    assert_int_equal(stale_reads_when(false), 0);
    assert_int_equal(last_touch, MODEL_TOUCH_NOT_MAPPED);
    assert_int_equal(stale_reads_when(true), 1);     /* no shootdown: vcpu 1 read through its old entry */
    assert_int_equal(last_touch, MODEL_TOUCH_OK);
}

/*
 * Unpins racing switches: vcpus 1 and 2 keep switching to the shared space and
 * reading it (and answer calls between their steps); vcpu 0 unpins it again
 * and again.  Each unpin makes the vcpus that have it loaded let go (through
 * the threaded call-function); a switch that comes while it does is refused
 * with -XEN_EBUSY, one that comes after pins the space again.  Nothing else
 * may go wrong: no other error, no stale read, the model's invariants.
 */
static unsigned long busy_switches;

static void *switcher(void *arg)
{
    struct worker *w = arg;

    harness_on_vcpu(w->vcpu);
    pthread_barrier_wait(&start);
    for (unsigned long i = 0; i < iterations && !w->why[0]; i++) {
        harness_poll_calls();
        if (rnd(w, 3) == 0) {
            int rc = aspace_switch(rnd(w, 2) ? shared : aspace_kernel());
            if (rc == -XEN_EBUSY)
                __atomic_fetch_add(&busy_switches, 1, __ATOMIC_RELAXED);
            else if (rc)
                fail_worker(w, "switch", rc);
        } else if (aspace_current() == shared) {
            access_page(w, SHARED_VA, shared_ref);
        }
    }
    return linger();
}

static void test_threaded_unpins_make_the_others_let_go_while_they_switch(void **state)
{
    (void)state;
    struct worker w[VCPUS];
    pthread_t t[VCPUS];
    unsigned long unpins = 0, refused = 0;
    char why[320];

    iterations = env_number("PVMMU_ITERATIONS", 3000);
    setup_spaces();
    finished = 0;
    busy_switches = 0;
    pthread_barrier_init(&start, NULL, VCPUS);
    for (unsigned v = 1; v < VCPUS; v++) {
        w[v] = (struct worker){ .vcpu = v, .rng = 0x5eed8000 + v * 104729 };
        assert_int_equal(pthread_create(&t[v], NULL, switcher, &w[v]), 0);
    }
    harness_on_vcpu(0);
    pthread_barrier_wait(&start);
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < VCPUS - 1) {
        harness_poll_calls();
        int rc = aspace_unpin(shared);      /* -XEN_EINVAL: not pinned now (no switch has pinned it again) */
        if (rc == -XEN_EBUSY)
            refused++;
        else if (rc && rc != -XEN_EINVAL)
            fail_msg("unpin: %d: %s", rc, pvmmu_last_error());
        else if (!rc)
            unpins++;
    }
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
    for (unsigned v = 1; v < VCPUS; v++)
        pthread_join(t[v], NULL);
    pthread_barrier_destroy(&start);
    for (unsigned v = 1; v < VCPUS; v++)
        if (w[v].why[0])
            fail_msg("%s", w[v].why);
    if (model_stale_reads(why, sizeof(why)))
        fail_msg("%s", why);
    assert_model_invariants();
    if (getenv("PVMMU_VERBOSE"))
        fprintf(stderr, "smp_threads: %lu unpins (%lu refused), %llu calls reaching %llu vcpus, "
                "%lu switches refused while one ran\n", unpins, refused,
                (unsigned long long)mmu_flush_stats()->drop_calls,
                (unsigned long long)mmu_flush_stats()->drop_vcpus, busy_switches);
    assert_true(unpins > 0);
    assert_true(mmu_flush_stats()->drop_calls > 0);
    teardown_spaces();
}

/*
 * What the smp suite does on real Xen with no kernel lock around the core
 * (arch/x86/xen/suite_smp.c): every vcpu at once builds an address space of its
 * own, maps the same virtual range in it, switches to it and reads it, protects
 * and unmaps in a lazy section, forks it (the child is destroyed at once),
 * switches back and destroys it, round after round.  Every core call races the
 * others' on the pool's slots, the registry, the ownership records, the frame
 * hooks and the report; nothing of the caller's serialises them.  Checked: no
 * error, every access as the tables say, no stale read, every frame back.
 */
#define OWN_VA 0x0000500000000000ULL

struct builder {
    unsigned vcpu, rounds, done;
    unsigned long overlapped;    /* rounds that found another vcpu building at the same time */
    char why[256];
};

static unsigned building;

static bool own_round(struct builder *b)
{
    pfn_t pfns[PAGES];
    struct aspace *as, *child;
    int rc;

    alloc_frames(pfns, PAGES);
    as = aspace_create();
    if (!as) {
        snprintf(b->why, sizeof(b->why), "vcpu %u: create: %s", b->vcpu, pvmmu_last_error());
        return false;
    }
    rc = mmu_map_range(as, OWN_VA, pfns, PAGES, _PAGE_RW | _PAGE_USER);
    if (!rc)
        rc = aspace_switch(as);
    for (unsigned p = 0; !rc && p < PAGES; p++)
        if (model_vcpu_touch(b->vcpu, OWN_VA + p * PAGE_SIZE, true) != MODEL_TOUCH_OK)
            rc = -1000 - (int)p;
    if (!rc) {
        lazy_mmu_enter();
        rc = mmu_protect_range(as, OWN_VA, PAGES / 2, PROT_READ_ONLY);
        if (!rc)
            rc = mmu_unmap_range(as, OWN_VA + (PAGES / 2) * PAGE_SIZE, PAGES / 2);
        rc = lazy_mmu_leave_after(rc);
    }
    if (!rc && (model_vcpu_touch(b->vcpu, OWN_VA, true) != MODEL_TOUCH_READ_ONLY ||
                model_vcpu_touch(b->vcpu, OWN_VA, false) != MODEL_TOUCH_OK ||
                model_vcpu_touch(b->vcpu, OWN_VA + (PAGES / 2) * PAGE_SIZE, false) != MODEL_TOUCH_NOT_MAPPED))
        rc = -2000;
    child = rc ? NULL : aspace_fork(as);
    if (!rc && (!child || aspace_destroy(child)))
        rc = -3000;
    if (!rc)
        rc = aspace_switch(aspace_kernel());
    if (!rc)
        rc = aspace_destroy(as);
    for (unsigned p = 0; p < PAGES; p++)
        frame_free(pfns[p]);
    if (rc)
        snprintf(b->why, sizeof(b->why), "vcpu %u round %u: %d: %s", b->vcpu, b->done, rc, pvmmu_last_error());
    return !rc;
}

static void *builder_run(void *arg)
{
    struct builder *b = arg;

    harness_on_vcpu(b->vcpu);
    pthread_barrier_wait(&start);
    for (; b->done < b->rounds; b->done++) {
        if (__atomic_add_fetch(&building, 1, __ATOMIC_SEQ_CST) > 1)
            b->overlapped++;
        bool ok = own_round(b);
        __atomic_sub_fetch(&building, 1, __ATOMIC_SEQ_CST);
        if (!ok)
            break;
        harness_poll_calls();
    }
    return linger();
}

static void test_threads_build_fork_and_destroy_their_own_spaces_at_once(void **state)
{
    (void)state;
    struct builder b[VCPUS];
    pthread_t t[VCPUS];
    unsigned long overlapped = 0, free_before;
    char why[320];

    setup_spaces();
    free_before = harness_frames_free();
    finished = 0;
    building = 0;
    pthread_barrier_init(&start, NULL, VCPUS);
    for (unsigned v = 0; v < VCPUS; v++) {
        b[v] = (struct builder){ .vcpu = v, .rounds = (unsigned)env_number("PVMMU_ITERATIONS", 3000) / 10 };
        assert_int_equal(pthread_create(&t[v], NULL, builder_run, &b[v]), 0);
    }
    for (unsigned v = 0; v < VCPUS; v++)
        pthread_join(t[v], NULL);
    pthread_barrier_destroy(&start);
    harness_on_vcpu(0);
    for (unsigned v = 0; v < VCPUS; v++) {
        if (b[v].why[0])
            fail_msg("%s", b[v].why);
        assert_int_equal(b[v].done, b[v].rounds);
        overlapped += b[v].overlapped;
    }
    if (model_stale_reads(why, sizeof(why)))
        fail_msg("%s", why);
    assert_no_errors();
    assert_model_invariants();
    assert_int_equal(harness_frames_free(), free_before);
    if (getenv("PVMMU_VERBOSE"))
        fprintf(stderr, "smp_threads: %u rounds per vcpu, %lu of them with another vcpu building at once\n",
                b[0].rounds, overlapped);
    assert_true(overlapped > 0);
    teardown_spaces();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_map_unmap_protect_and_switch_with_no_missed_shootdown),
        cmocka_unit_test(test_threaded_the_detector_catches_a_deliberately_missing_shootdown),
        cmocka_unit_test(test_threaded_unpins_make_the_others_let_go_while_they_switch),
        cmocka_unit_test(test_threads_build_fork_and_destroy_their_own_spaces_at_once),
    };
    return cmocka_run_group_tests_name("smp_threads", tests, NULL, NULL);
}
