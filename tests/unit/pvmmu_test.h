/*
 * What every hosted test of the core starts from: a freshly booted hosted guest
 * (tests/harness/) on a fresh model of Xen (tests/model/), with the p2m and m2p
 * initialised from the domain builder's list and the kernel's tables adopted, as
 * the PV kernel does at boot.  Counters start at zero after the boot.
 */
#ifndef PVMMU_TEST_H
#define PVMMU_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <stdlib.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/layout.h>
#include <xen/pvmmu/mmu.h>
#include "mmu/mmu_int.h"
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define TEST_PAGES 8192UL

/* The boot, under the embedder's address-space layout (NULL: the default one). */
static inline void boot_guest_laid_out(unsigned long nr_pages, const struct pvmmu_layout *layout)
{
    harness_boot(nr_pages);
    mmu_forget_state();
    mc_stats_reset();
    if (layout)
        assert_int_equal(layout_init(layout), 0);
    assert_int_equal(p2m_init(harness_mfn_list(), nr_pages, nr_pages * 2), 0);
    assert_int_equal(m2p_init(), 0);
    assert_int_equal(aspace_adopt_kernel(harness_kernel_l4()), 0);
    pvmmu_clear_errors();
    model_reset_counters();
}

static inline void boot_guest(unsigned long nr_pages)
{
    boot_guest_laid_out(nr_pages, NULL);
}

static inline int setup_guest(void **state)
{
    (void)state;
    boot_guest(TEST_PAGES);
    return 0;
}

static inline int teardown_guest(void **state)
{
    (void)state;
    mmu_forget_state();
    harness_shutdown();
    return 0;
}

static inline unsigned long traps(void)
{
    return model_counters()->traps;
}

/* The model's global rules hold (type counts, no writable alias, ...). */
static inline void assert_model_invariants(void)
{
    char why[256] = "";

    if (!model_check_invariants(why, sizeof(why)))
        fail_msg("model invariant broken: %s", why);
}

/* A number from the environment (PVMMU_SEED, PVMMU_ITERATIONS, ...), or the fallback. */
static inline unsigned long env_number(const char *name, unsigned long fallback)
{
    const char *s = getenv(name);
    return s && *s ? strtoul(s, NULL, 0) : fallback;
}

static inline void assert_no_errors(void)
{
    if (pvmmu_error_count())
        fail_msg("unexpected error: %s", pvmmu_last_error());
}

static inline void assert_error_contains(const char *needle)
{
    if (!pvmmu_error_count() || !strstr(pvmmu_last_error(), needle))
        fail_msg("expected an error containing '%s', got '%s'", needle, pvmmu_last_error());
}

/* Some error since the last clear, not necessarily the last one, contains `needle`. */
static inline void assert_error_seen(const char *needle)
{
    if (!pvmmu_error_seen(needle))
        fail_msg("expected an error containing '%s'; the last was '%s'", needle, pvmmu_last_error());
}

static inline mfn_t mfn_of(pfn_t pfn)
{
    return p2m_lookup(pfn);
}

/* Allocate `n` data frames. */
static inline void alloc_frames(pfn_t *out, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        out[i] = frame_alloc();
        assert_true(pfn_valid_value(out[i]));
    }
}

/* Is `table` read-only in the kernel's direct map (the state pinning leaves it in)? */
static inline bool direct_map_writable(pfn_t pfn)
{
    struct model_xlat x;
    uint64_t va = 0xffff880000000000ULL + (pfn_x(pfn) << PAGE_SHIFT);

    assert_true(model_translate(mfn_of(harness_kernel_l4()), va, &x));
    assert_int_equal(mfn_x(x.mfn), mfn_x(mfn_of(pfn)));
    return x.rw;
}

#endif
