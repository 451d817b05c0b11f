/*P:280 Reading the virtual list back the toolstack's way (xg_sr_save_x86_pv.c,
 * map_p2m_list): from shared_info and machine frames only.  Start at the table
 * p2m_cr3 names, and for each level take the entries that cover
 * [p2m_vaddr, p2m_vaddr + max_pfn entries); each must name an mfn in
 * 1..max_mfn (the saver does not look at the present bit: a zero frame is
 * its "bad").  The last level's entries are the leaves, and every leaf must be
 * one of ours: the m2p names a pfn whose entry, in the list just read, is that
 * very leaf.  The generation is read before the walk and again after it: a
 * count that is odd, or that moved, means the mapping changed under us.
 *
 * The saver also trims trailing L2 entries that repeat one mfn; our window
 * gives every GiB an L1 of its own, so there is nothing to trim, and a walk
 * that does not trim reads the same. :*/
#include <xen/pvmmu/p2m.h>
#include "p2m/p2m_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>

#define LIST_LEVELS 4

struct list_walk {
    p2m_map_mfn_fn map_mfn;
    void *ctx;
    uint64_t vaddr, nr_pages;   /* the list: its first address and its pages */
    uint64_t *out;
};

static bool bad_frame(uint64_t mfn)
{
    return mfn == 0 || mfn > m2p_max_mfn();
}

/* The entry of `level` that maps va, read through the table frames from the root down. */
static int entry_at(const struct list_walk *w, uint64_t root_mfn, uint64_t va, int level, uint64_t *mfn_out)
{
    uint64_t mfn = root_mfn;
    int l;

    for (l = LIST_LEVELS; l >= level; l--) {
        const uint64_t *table = w->map_mfn(_mfn(mfn), w->ctx);
        uint64_t e;

        if (!table) {
            pvmmu_error("p2m list: cannot map the L%d table (mfn 0x%llx) on the way to va 0x%llx", l,
                        (unsigned long long)mfn, (unsigned long long)va);
            return -XEN_EFAULT;
        }
        e = table[(va >> (PAGE_SHIFT + 9 * (l - 1))) & 511];
        mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
        if (bad_frame(mfn)) {
            pvmmu_error("p2m list: bad mfn 0x%llx during the page table walk for va 0x%llx at level %d",
                        (unsigned long long)mfn, (unsigned long long)va, l);
            return -XEN_ERANGE;
        }
    }
    *mfn_out = mfn;
    return 0;
}

/* Every leaf, in order, copied out; then each checked against the copy. */
static int read_leaves(const struct list_walk *w, uint64_t root_mfn, uint64_t nr_pfns, uint64_t *leaf_mfns)
{
    uint64_t page, i;
    int rc;

    for (page = 0; page < w->nr_pages; page++) {
        const uint64_t *leaf;

        rc = entry_at(w, root_mfn, w->vaddr + page * PAGE_SIZE, 1, &leaf_mfns[page]);
        if (rc)
            return rc;
        leaf = w->map_mfn(_mfn(leaf_mfns[page]), w->ctx);
        if (!leaf) {
            pvmmu_error("p2m list: cannot map leaf %llu (mfn 0x%llx)", (unsigned long long)page,
                        (unsigned long long)leaf_mfns[page]);
            return -XEN_EFAULT;
        }
        for (i = 0; i < P2M_PER_LEAF && page * P2M_PER_LEAF + i < nr_pfns; i++)
            w->out[page * P2M_PER_LEAF + i] = leaf[i];
    }
    return 0;
}

static int check_leaves_are_ours(const struct list_walk *w, const uint64_t *leaf_mfns, uint64_t nr_pfns)
{
    uint64_t page, pfn;

    for (page = 0; page < w->nr_pages; page++) {
        if (!m2p_read_raw(_mfn(leaf_mfns[page]), &pfn) || pfn >= nr_pfns || w->out[pfn] != leaf_mfns[page]) {
            pvmmu_error("p2m list: leaf %llu (mfn 0x%llx) is not in the pseudo-physical map",
                        (unsigned long long)page, (unsigned long long)leaf_mfns[page]);
            return -XEN_ERANGE;
        }
    }
    return 0;
}

int p2m_list_read(const shared_info_t *si, p2m_map_mfn_fn map_mfn, void *ctx, uint64_t *out,
                  uint64_t capacity, uint64_t *leaf_mfns, uint64_t *nr_out)
{
    uint64_t cr3 = __atomic_load_n(&si->arch.p2m_cr3, __ATOMIC_ACQUIRE);
    uint64_t gen = __atomic_load_n(&si->arch.p2m_generation, __ATOMIC_ACQUIRE);
    uint64_t nr_pfns = si->arch.max_pfn;
    struct list_walk w = { map_mfn, ctx, si->arch.p2m_vaddr, (nr_pfns + P2M_PER_LEAF - 1) / P2M_PER_LEAF, out };
    int rc;

    if (!cr3 || bad_frame(xen_cr3_to_pfn(cr3))) {
        pvmmu_error("p2m list: p2m_cr3 0x%llx names no root table", (unsigned long long)cr3);
        return -XEN_ERANGE;
    }
    if (si->arch.pfn_to_mfn_frame_list_list != ~(xen_pfn_t)0 || nr_pfns == 0 || nr_pfns > capacity ||
        (w.vaddr & (PAGE_SIZE - 1))) {
        pvmmu_error("p2m list: frame_list_list 0x%llx (want ~0), max_pfn %llu (capacity %llu), p2m_vaddr 0x%llx",
                    (unsigned long long)si->arch.pfn_to_mfn_frame_list_list, (unsigned long long)nr_pfns,
                    (unsigned long long)capacity, (unsigned long long)w.vaddr);
        return -XEN_EINVAL;
    }
    if (gen & 1) {
        pvmmu_error("p2m list: p2m_generation %llu is odd: the guest is changing the list",
                    (unsigned long long)gen);
        return -XEN_EAGAIN;
    }
    rc = read_leaves(&w, xen_cr3_to_pfn(cr3), nr_pfns, leaf_mfns);
    if (!rc)
        rc = check_leaves_are_ours(&w, leaf_mfns, nr_pfns);
    if (!rc && __atomic_load_n(&si->arch.p2m_generation, __ATOMIC_ACQUIRE) != gen) {
        pvmmu_error("p2m list: p2m_generation moved from %llu to %llu during the walk",
                    (unsigned long long)gen, (unsigned long long)si->arch.p2m_generation);
        return -XEN_EAGAIN;
    }
    *nr_out = nr_pfns;
    return rc;
}
