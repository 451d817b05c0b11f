/*
 * The p2m and m2p agree for every frame the guest owns, and what the toolstack
 * will read describes exactly the p2m, read back the toolstack's way: the frame
 * lists (frame_list_list -> mid pages -> leaves, each by machine frame number),
 * or with p2m_tools=list the virtual list (p2m_cr3 -> our page tables -> leaves).
 */
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"

/* Map a machine frame the only way a guest can: through the m2p and its direct map. */
static const void *map_own_mfn(mfn_t mfn, void *ctx)
{
    pfn_t pfn = m2p_lookup(mfn, NULL);

    (void)ctx;
    return pfn_valid_value(pfn) ? pfn_to_virt(pfn) : NULL;
}

/* The virtual list, walked from p2m_cr3 through our own page tables as the saver walks them. */
static int read_list(const shared_info_t *si, uint64_t *out, uint64_t capacity, uint64_t *nr)
{
    uint64_t bytes = (capacity / P2M_PER_LEAF + 1) * sizeof(uint64_t), *leaves = env_buffer_alloc(bytes);
    int rc;

    if (!leaves)
        return -XEN_ENOMEM;
    rc = p2m_list_read(si, map_own_mfn, NULL, out, capacity, leaves, nr);
    env_buffer_free(leaves, bytes);
    return rc;
}

void wl_suite_p2m(const struct wl_options *opt)
{
    uint64_t pfn, nr = env_nr_pages(), disagree = 0, differ = 0, read_nr = 0;
    shared_info_t *si = env_shared_info();
    uint64_t capacity, bytes, *readback;
    int rc;

    (void)opt;
    for (pfn = 0; pfn < nr; pfn++) {
        enum m2p_status status;
        mfn_t mfn = p2m_lookup(_pfn(pfn));

        if (!mfn_valid_value(mfn) || m2p_lookup(mfn, &status).pfn != pfn || status != M2P_OK)
            disagree++;
    }
    wl_check(!disagree, "p2m-m2p-agree", "%llu of %llu pfns disagree", (unsigned long long)disagree,
             (unsigned long long)nr);

    rc = p2m_publish(si);
    /* As big as the guest: a toolstack reads every pfn the guest publishes, so do we. */
    capacity = si->arch.max_pfn > nr ? si->arch.max_pfn : nr;
    bytes = capacity * sizeof(uint64_t);
    readback = env_buffer_alloc(bytes);
    if (!readback) {
        wl_check(false, "p2m-frame-lists-read-back", "no %llu KiB buffer to read %llu pfns back into",
                 (unsigned long long)bytes / 1024, (unsigned long long)capacity);
        return;
    }
    if (!rc && p2m_tools_format() == P2M_TOOLS_LIST)
        rc = read_list(si, readback, capacity, &read_nr);
    else if (!rc)
        rc = p2m_frame_list_read(si, map_own_mfn, NULL, readback, capacity, &read_nr);
    for (pfn = 0; !rc && pfn < read_nr; pfn++)
        differ += readback[pfn] != mfn_x(p2m_lookup(_pfn(pfn)));
    wl_check(!rc && read_nr >= nr && !differ, "p2m-frame-lists-read-back",
             "publish/read returned %d, max_pfn %llu (nr_pages %llu), %llu entries differ", rc,
             (unsigned long long)read_nr, (unsigned long long)nr, (unsigned long long)differ);
    wl_stat("p2m_frame_list_pfns", read_nr);
    env_buffer_free(readback, bytes);
}
