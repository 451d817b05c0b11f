/*
 * Protection changes, with the faults they must cause and only those: a write
 * to a read-only page faults, a read does not; a no-access page faults on both;
 * and the accessed / dirty bits the CPU set before survive every change.
 */
#include <xen/pvmmu/backend.h>
#include "workloads/workloads.h"

static unsigned count_faults(uint64_t va, unsigned pages, bool write)
{
    unsigned page, faults = 0;
    uint64_t value;

    for (page = 0; page < pages; page++) {
        uint64_t at = va + (uint64_t)page * PAGE_SIZE + 8 * (page % 512);

        faults += write ? !env_write64(at, 0xbad) : !env_read64(at, &value);
    }
    return faults;
}

static unsigned pages_without_ad(struct aspace *as, uint64_t va, unsigned pages)
{
    unsigned page, missing = 0;
    pte_t pte;

    for (page = 0; page < pages; page++)
        if (wl_mmu->ops->lookup(as, va + (uint64_t)page * PAGE_SIZE, &pte) ||
            (pte_flags(pte) & (_PAGE_ACCESSED | _PAGE_DIRTY)) != (_PAGE_ACCESSED | _PAGE_DIRTY))
            missing++;
    return missing;
}

void wl_suite_protect(const struct wl_options *opt)
{
    unsigned n = opt->pages, write_faults, read_faults;
    struct aspace *as = wl_space_with_pages(WL_VA, n, true);

    if (!as || wl_mmu->ops->switch_to(as) || !wl_write_pattern(7, WL_VA, n)) {
        wl_check(false, "protect-setup", "could not build, switch to and write an address space");
        return;
    }
    wl_mmu->ops->protect_range(as, WL_VA, n, PROT_READ_ONLY);
    write_faults = count_faults(WL_VA, n, true);
    read_faults = count_faults(WL_VA, n, false);
    wl_check(write_faults == n && read_faults == 0, "protect-read-only-faults-writes-only",
             "%u of %u writes faulted, %u reads faulted", write_faults, n, read_faults);
    wl_check(pages_without_ad(as, WL_VA, n) == 0, "protect-keeps-accessed-dirty",
             "%u pages lost A or D", pages_without_ad(as, WL_VA, n));

    wl_mmu->ops->protect_range(as, WL_VA, n, PROT_NOACCESS);
    read_faults = count_faults(WL_VA, n, false);
    write_faults = count_faults(WL_VA, n, true);
    wl_check(read_faults == n && write_faults == n, "protect-no-access-faults-everything",
             "%u reads and %u writes of %u faulted", read_faults, write_faults, n);

    wl_mmu->ops->protect_range(as, WL_VA, n, PROT_READ_WRITE);
    wl_check(wl_check_pattern(7, WL_VA, n) == 0 && count_faults(WL_VA, n, true) == 0,
             "protect-read-write-restores", "data lost or writes still fault");

    wl_mmu->ops->switch_to(wl_mmu->kernel());
    wl_destroy_space(as, WL_VA, n);
}
