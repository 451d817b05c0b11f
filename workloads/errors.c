/*
 * Failures are named.  Each case below provokes a refusal on purpose, from Xen
 * or from pvmmu's own checks, and passes when the refusal is reported with the
 * operation and its arguments and nothing else changed.
 */
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"
#include "lib/aspace_int.h"

/*
 * Bad arguments from the kernel itself, refused before anything is written: a range
 * holding a frame past the p2m maps none of its pages, and a page count so big
 * that it wraps around 2^64 bytes is not mistaken for an empty range.
 */
static void errors_bad_ranges(struct aspace *as, const struct wl_options *opt, pfn_t plain)
{
    uint64_t va = WL_VA + (uint64_t)opt->pages * PAGE_SIZE;   /* just past the mapped pages */
    pfn_t frames[2] = { plain, _pfn(p2m_max_pfns()) };
    pte_t pte = PTE_NONE;
    int rc;

    if (!as)
        return;
    rc = mmu_map_range(as, va, frames, 2, _PAGE_RW | _PAGE_USER);
    wl_accept_errors();
    mmu_lookup(as, va, &pte);
    wl_check(rc == -XEN_EINVAL && !pte_present(pte) && pvmmu_error_seen("nothing of the range was mapped"),
             "errors-frame-past-p2m-maps-nothing", "map returned %d, first page %s", rc,
             pte_present(pte) ? "mapped" : "not mapped");
    rc = mmu_unmap_range(as, WL_VA, 1ULL << 52);
    wl_accept_errors();
    mmu_lookup(as, WL_VA, &pte);
    wl_check(rc == -XEN_EINVAL && pte_present(pte) && pvmmu_error_seen("own L4 slots"),
             "errors-wrapping-count-refused", "unmap of 2^52 pages returned %d", rc);
}

static bool maps_writable(const struct aspace *as, uint64_t va)
{
    pte_t pte = PTE_NONE;

    return !mmu_lookup(as, va, &pte) && pte_present(pte) && (pte_flags(pte) & _PAGE_RW);
}

/*
 * Calls that name the wrong thing, refused before anything is written (issue
 * 13): a prot that is none of the three, a slot of another space, a slot kept
 * from a destroyed one, and a table that is linked already.
 */
static void errors_wrong_names(struct aspace *as, pfn_t plain)
{
    struct aspace *other = wl_space_with_pages(WL_VA, 1, true);
    mpte_t *theirs = other ? entry_slot(other, WL_VA, 1) : NULL;
    mpte_t *l2e = other ? entry_slot(other, WL_VA, 2) : NULL;
    pfn_t l1 = virt_to_pfn(entry_slot(as, WL_VA, 1));
    int rc;

    if (!other || !theirs || !l2e)
        return;
    rc = mmu_protect_range(as, WL_VA, 1, (enum mmu_prot)3);
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && maps_writable(as, WL_VA) && pvmmu_error_seen("prot 3 is not"),
             "errors-bad-prot-refused", "protect with prot 3 returned %d", rc);
    rc = set_pte(as, theirs, pte_make(plain, _PAGE_PRESENT));
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && maps_writable(other, WL_VA) && pvmmu_error_seen("another space's table"),
             "errors-slot-of-another-space-refused", "set_pte into another space's L1 returned %d", rc);
    rc = set_pmd(other, l2e + 1, pte_make(l1, TABLE_FLAGS));
    wl_accept_errors();
    wl_check(rc == -XEN_EBUSY && pvmmu_error_seen("is linked already"), "errors-table-linked-twice-refused",
             "linking an L1 of address space %u into %u returned %d", as->id, other->id, rc);
    wl_destroy_space(other, WL_VA, 1);
    rc = set_pte(as, theirs, pte_make(plain, _PAGE_PRESENT));
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && maps_writable(as, WL_VA) && pvmmu_error_seen("is not in an L1 table"),
             "errors-slot-of-destroyed-space-refused", "set_pte into a freed L1 returned %d", rc);
}

void wl_suite_errors(const struct wl_options *opt)
{
    struct mmuext_op unpin = { .cmd = MMUEXT_UNPIN_TABLE };
    struct aspace *as = wl_space_with_pages(WL_VA, opt->pages, true);
    pfn_t plain = frame_alloc();
    int rc;

    /* Xen refuses to unpin a frame that was never pinned. */
    unpin.arg1.mfn = mfn_x(p2m_lookup(plain));
    mc_mmuext(&unpin);
    rc = mc_flush();
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && pvmmu_error_seen("UNPIN_TABLE arg1=0x"), "errors-xen-refusal-named",
             "flush returned %d, report: %s", rc, pvmmu_last_error());

    /* pvmmu refuses what Xen would: pinning twice, Xen's L4 slots, destroying twice. */
    rc = as ? aspace_pin(as) : 0;
    wl_accept_errors();
    wl_check(as && rc && as->pinned && pvmmu_error_seen("already pinned"), "errors-pin-twice",
             "second pin returned %d", rc);
    rc = as ? set_pgd(as, table_entry(as->root, L4_XEN_FIRST), PTE_NONE) : 0;
    wl_accept_errors();
    wl_check(rc == -XEN_EPERM && pvmmu_error_seen("Xen's"), "errors-xen-slot-refused",
             "set_pgd on slot %u returned %d", L4_XEN_FIRST, rc);
    errors_bad_ranges(as, opt, plain);
    if (as)
        errors_wrong_names(as, plain);
    if (as)
        wl_destroy_space(as, WL_VA, opt->pages);
    rc = as ? aspace_destroy(as) : 0;
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && pvmmu_error_seen("destroyed twice"), "errors-destroy-twice",
             "second destroy returned %d", rc);
    rc = as ? mmu_map(as, WL_VA, plain, _PAGE_RW | _PAGE_USER) : 0;
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && pvmmu_error_seen("not an address space"), "errors-map-into-destroyed",
             "map into a destroyed space returned %d", rc);
    frame_free(plain);
}
