/*B:200 Lazy MMU mode: when the batch goes out.
 *
 * Code that is about to make many page-table changes in a row (populating a
 * range, protecting it, tearing it down, pinning) brackets them with
 * lazy_mmu_enter() / lazy_mmu_leave(); everything in between is queued and goes
 * to Xen in as few traps as the batch allows.  Sections nest, and that is the
 * whole subtlety: the helper that pins an address space enters lazy mode itself,
 * and may be called from inside a caller's lazy section.  Only the outermost leave
 * issues the batch; an inner leave just pops a level.  Getting that wrong (the
 * inner leave ending the caller's section, whose later updates then go out one by
 * one, or never) is exactly the kind of bug that crashed Linux PV guests. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/report.h>
#include "multicalls/multicalls_int.h"

unsigned int *mc_lazy_depth_slot(void);

void lazy_mmu_enter(void)
{
    (*mc_lazy_depth_slot())++;
}

int lazy_mmu_leave(void)
{
    unsigned int *depth = mc_lazy_depth_slot();

    if (*depth == 0) {
        pvmmu_error("lazy_mmu_leave: not in lazy MMU mode (a leave without its enter)");
        return -XEN_EINVAL;
    }
    if (--*depth)
        return 0;
    return mc_flush();
}

/*
 * The end of an operation that entered a lazy section of its own: leave it
 * whatever happened, and report the operation's own error first, else the
 * leave's (the batch it may have issued).
 */
int lazy_mmu_leave_after(int rc)
{
    int left = lazy_mmu_leave();

    return rc ? rc : left;
}

int lazy_mmu_flush(void)
{
    return mc_flush();
}

bool lazy_mmu_active(void)
{
    return *mc_lazy_depth_slot() != 0;
}

unsigned lazy_mmu_depth(void)
{
    return *mc_lazy_depth_slot();
}
