/*
 * start_info's two ring frames across a save.
 *
 * The saver translates start_info's store and console frames from pfns on the
 * old machine to mfns on the new one, so before the suspend hypercall they must
 * be pfns (docs/suspend.md, step 6), and after a cancelled suspend mfns again.
 *
 * The conversion is all or nothing.  Converting one field in place and then
 * failing on the other left a pfn where an mfn belongs: nothing undid it, and
 * the next save converted it again, reading the m2p at a pfn as if it were a
 * machine frame.  So both are converted into locals and written back only when
 * both are known to be ours (the m2p says so and our p2m agrees).
 */
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/suspend.h>
#include "lib/lib_int.h"

static int own_pfn(uint64_t mfn, const char *ring, uint64_t *pfn)
{
    enum m2p_status status;
    pfn_t p = m2p_lookup(_mfn(mfn), &status);

    if (!pfn_valid_value(p)) {
        pvmmu_error("suspend: start_info's %s mfn 0x%llx is not one of our frames (%s); "
                    "start_info is left as it was", ring, (unsigned long long)mfn,
                    m2p_status_name(status));
        return -XEN_EINVAL;
    }
    *pfn = pfn_x(p);
    return 0;
}

static int own_mfn(uint64_t pfn, const char *ring, uint64_t *mfn)
{
    mfn_t m = p2m_lookup(_pfn(pfn));

    if (!mfn_valid_value(m)) {
        pvmmu_error("suspend cancelled: start_info's %s pfn 0x%llx has no machine frame; "
                    "start_info is left as it was", ring, (unsigned long long)pfn);
        return -XEN_EINVAL;
    }
    *mfn = mfn_x(m);
    return 0;
}

/* Both fields, or neither. */
static int convert_both(start_info_t *si, int (*convert)(uint64_t, const char *, uint64_t *))
{
    uint64_t store, console;
    int rc = convert(si->store_mfn, "store", &store);

    if (!rc)
        rc = convert(si->console.domU.mfn, "console", &console);
    if (rc)
        return rc;
    si->store_mfn = store;
    si->console.domU.mfn = console;
    return 0;
}

int start_info_rings_to_pfns(start_info_t *si)
{
    return convert_both(si, own_pfn);
}

int start_info_rings_to_mfns(start_info_t *si)
{
    return convert_both(si, own_mfn);
}
