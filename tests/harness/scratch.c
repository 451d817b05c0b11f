/*
 * Scratch page tables for the model's own tests.
 *
 * Building a table by hand is what every rule test starts with, and doing it
 * wrong (forgetting to make the frame's direct-map alias read-only first) makes
 * a test pass or fail for the wrong reason.  So the steps live here once.
 */
#include <stdio.h>
#include <stdlib.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "../model/model.h"
#include "harness_int.h"

static pfn_t alloc_or_die(void)
{
    pfn_t pfn = frame_alloc();
    if (!pfn_valid_value(pfn)) {
        fprintf(stderr, "harness: out of guest frames for scratch tables\n");
        abort();
    }
    return pfn;
}

mfn_t harness_data_frame(void)
{
    return harness_pfn_to_mfn(alloc_or_die());
}

/* Xen refuses a table type while a writable alias exists: drop the alias first. */
mfn_t harness_table_frame(void)
{
    pfn_t pfn = alloc_or_die();
    mfn_t mfn = harness_pfn_to_mfn(pfn);
    mmu_update_t ro = { direct_map_l1e_maddr(pfn),
                        mfn_to_maddr(mfn) | _PAGE_PRESENT | _PAGE_ACCESSED };
    long rc = hv_mmu_update(&ro, 1, NULL, DOMID_SELF);
    if (rc) {
        fprintf(stderr, "harness: could not make pfn %#llx read-only: %ld (%s)\n",
                (unsigned long long)pfn_x(pfn), rc, model_last_refusal());
        abort();
    }
    return mfn;
}

uint64_t *harness_entries(mfn_t mfn)
{
    return model_frame_bytes(mfn);
}

uint64_t harness_entry_maddr(mfn_t table, unsigned int slot)
{
    return mfn_to_maddr(table) + slot * sizeof(uint64_t);
}

long harness_pin(int level, mfn_t mfn)
{
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L1_TABLE + (unsigned int)(level - 1),
                            .arg1.mfn = mfn_x(mfn) };
    return hv_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long harness_unpin(mfn_t mfn)
{
    struct mmuext_op op = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = mfn_x(mfn) };
    return hv_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long harness_update(mfn_t table, unsigned int slot, uint64_t val)
{
    mmu_update_t req = { harness_entry_maddr(table, slot) | MMU_NORMAL_PT_UPDATE, val };
    return hv_mmu_update(&req, 1, NULL, DOMID_SELF);
}
