/*R:100 Suspend and resume: what the MMU layer owes a save.
 *
 * The toolstack saves a PV guest by reading its memory from outside, and it can
 * only make sense of page tables that Xen has typed as such: those it rewrites
 * from machine to pseudo-physical frame numbers, and back for the new machine on
 * restore.  Everything else is copied as raw bytes.  So the MMU layer's part of a
 * save is to make sure that every page table it has is one Xen knows about
 * (pin_all), and that the p2m the toolstack walks describes the memory as it is
 * (p2m_publish).  Its part of a resume is to learn that everything moved: a new
 * m2p, a frame-list pointer the restorer zeroed on purpose (publish again), and
 * the temporary pins to release (unpin_all).
 *
 * Mini-OS stops being restorable after one cycle because its resume never
 * republishes the frame lists; Unikraft refuses to suspend at all.  The sequence
 * here is the same for the first cycle and the hundredth. :*/
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/suspend.h>
#include "lib/lib_int.h"
#include "lib/aspace_int.h"

static unsigned count_unpinned(void)
{
    struct aspace *as;
    unsigned n = 0;

    for (as = registry_first(); as; as = registry_next(as))
        n += !as->pinned && !as->is_kernel;
    return n;
}

/* Nothing may be in flight while the toolstack looks at the tables. */
static int quiesce(void)
{
    int rc = 0;

    while (lazy_mmu_active() && !rc)
        rc = lazy_mmu_leave();
    return rc ? rc : mc_flush();
}

static int before(const struct suspend_steps *s, bool skip_pin_all, struct suspend_report *out)
{
    uint64_t traps = mc_stats()->traps;
    int rc = quiesce();

    if (!rc && !skip_pin_all) {
        out->spaces_pinned = count_unpinned();
        rc = pin_all();
        out->pin_all_traps = mc_stats()->traps - traps;
    }
    if (!rc)
        rc = p2m_publish(s->shared_info(s->ctx));
    if (!rc)
        rc = s->prepare(s->ctx);
    return rc;
}

static int after(const struct suspend_steps *s, long outcome, struct suspend_report *out)
{
    uint64_t traps;
    int rc;

    if (outcome == 0) {
        out->outcome = SUSPEND_RESUMED;
        rc = s->resumed(s->ctx);
        /* A new machine: its m2p, and the frame lists the restorer zeroed. */
        if (!rc)
            rc = m2p_init();
        if (!rc)
            rc = p2m_publish(s->shared_info(s->ctx));
    } else {
        out->outcome = SUSPEND_CANCELLED;
        rc = s->cancelled(s->ctx);
    }
    traps = mc_stats()->traps;
    if (!rc)
        rc = unpin_all();
    out->unpin_all_traps = mc_stats()->traps - traps;
    return rc;
}

int suspend_and_resume(const struct suspend_steps *s, bool skip_pin_all, struct suspend_report *out)
{
    long outcome;
    int rc;

    *out = (struct suspend_report){ .outcome = SUSPEND_FAILED };
    rc = before(s, skip_pin_all, out);
    if (rc) {
        /* Undo what the preparation did: the spaces pin_all pinned go back as they were. */
        pvmmu_error("suspend: not suspending, the preparation failed (%d)", rc);
        unpin_all();
        return rc;
    }
    outcome = s->suspend_hypercall(s->ctx);
    if (outcome < 0) {
        pvmmu_error("suspend: SCHEDOP_shutdown(SHUTDOWN_suspend) failed (%ld)", outcome);
        s->cancelled(s->ctx);
        unpin_all();
        return (int)outcome;
    }
    rc = after(s, outcome, out);
    if (rc)
        pvmmu_error("suspend: %s, but the resume steps failed (%d)",
                    outcome == 0 ? "resumed in a new domain" : "cancelled", rc);
    return rc;
}
