/*
 * The core's figures, counted by the model of Xen (exact, not timed), with
 * Linux's policy run through the same model in the same process for each one.
 * Prints "bench: NAME VALUE UNIT" lines; exits non-zero if anything failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <xen/pvmmu/mmu.h>
#include "mmu/mmu_int.h"
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "bench/linux_policy.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define VA 0x0000100000000000ULL
#define UPDATES 1000

static int failed;

static void figure(const char *name, unsigned long value, const char *unit)
{
    printf("bench: %s %lu %s\n", name, value, unit);
}

static void check(int rc, const char *what)
{
    if (rc || pvmmu_error_count()) {
        fprintf(stderr, "bench: %s failed (%d): %s\n", what, rc, pvmmu_last_error());
        failed = 1;
    }
}

static void boot(void)
{
    harness_boot(16384);
    mmu_forget_state();
    check(p2m_init(harness_mfn_list(), harness_nr_pages(), harness_nr_pages()), "p2m_init");
    check(m2p_init(), "m2p_init");
    check(aspace_adopt_kernel(harness_kernel_l4()), "adopt kernel");
}

/* root + user root + L3 + L2 + 60 L1s = 64 table frames. */
static struct aspace *space_of_64_frames(void)
{
    struct aspace *as = aspace_create();
    unsigned i;

    for (i = 0; i < 60; i++)
        check(mmu_map(as, VA + i * pt_entry_span(2), frame_alloc(), _PAGE_RW), "map");
    if (pt_count_frames(as) != 64) {
        fprintf(stderr, "bench: expected 64 table frames, built %u\n", pt_count_frames(as));
        failed = 1;
    }
    return as;
}

static unsigned long counted(void)
{
    return model_counters()->traps;
}

static void pin_figures(void)
{
    struct aspace *as = space_of_64_frames();
    unsigned long pin, unpin, lx_pin, lx_unpin, validations;

    model_reset_counters();
    check(aspace_pin(as), "pvmmu pin");
    pin = counted();
    validations = model_counters()->validations;
    model_reset_counters();
    check(aspace_unpin(as), "pvmmu unpin");
    unpin = counted();

    model_reset_counters();
    check(linux_pin(as), "linux pin");
    lx_pin = counted();
    model_reset_counters();
    check(linux_unpin(as), "linux unpin");
    lx_unpin = counted();

    figure("pin_traps_64_frames", pin, "traps");
    figure("linux_pin_traps_64_frames", lx_pin, "traps");
    figure("unpin_traps_64_frames", unpin, "traps");
    figure("linux_unpin_traps_64_frames", lx_unpin, "traps");
    figure("pin_validations_64_frames", validations, "validations");
}

static void lazy_figures(void)
{
    struct aspace *as = aspace_create();
    static pfn_t a[UPDATES], b[UPDATES];
    unsigned long pvmmu, lx;
    unsigned i;

    for (i = 0; i < UPDATES; i++) {
        a[i] = frame_alloc();
        b[i] = frame_alloc();
    }
    check(mmu_map_range(as, VA, a, UPDATES, _PAGE_RW), "map");
    check(aspace_pin(as), "pin");

    model_reset_counters();
    lazy_mmu_enter();
    for (i = 0; i < UPDATES; i++)
        check(set_pte(as, entry_slot(as, VA + i * PAGE_SIZE, 1), pte_make(b[i], _PAGE_PRESENT | _PAGE_RW)),
              "set_pte");
    check(lazy_mmu_leave(), "lazy leave");
    pvmmu = counted();

    model_reset_counters();
    for (i = 0; i < UPDATES; i++) {
        mpte_t *slot = entry_slot(as, VA + i * PAGE_SIZE, 1);
        uint64_t maddr = mfn_to_maddr(p2m_lookup(virt_to_pfn(slot))) | ((uintptr_t)slot & (PAGE_SIZE - 1));

        linux_mmu_update(maddr, mpte_make(p2m_lookup(a[i]), _PAGE_PRESENT | _PAGE_RW).v);
    }
    linux_flush();
    lx = counted();

    figure("lazy_traps_per_1000_updates", pvmmu, "traps");
    figure("linux_lazy_traps_per_1000_updates", lx, "traps");
}

int main(void)
{
    boot();
    pin_figures();
    lazy_figures();
    if (failed || pvmmu_error_count())
        fprintf(stderr, "bench: errors: %s\n", pvmmu_last_error());
    harness_shutdown();
    return failed;
}
