/*P:250 The virtual linear list: the p2m as a toolstack past 512 GiB reads it.
 *
 * The frame-list tree (frame_list.c) stops at 512^3 pfns.  Xen's newer answer
 * (arch-x86/xen.h, struct arch_shared_info) is to let the toolstack read the
 * guest's own linear table, by walking the guest's page tables:
 *
 *   p2m_vaddr       where the array of mfns starts, in the guest's virtual space
 *   p2m_cr3         the root of an address space that maps it: xen_pfn_to_cr3
 *                   of that L4's mfn; non-zero is what tells libxenguest "list"
 *   p2m_generation  odd while the guest is changing the mapping, bumped before
 *                   and after each change, so a reader can tell whether what it
 *                   mapped is still what the guest means
 *   max_pfn         as for the tree, a count
 *
 * and pfn_to_mfn_frame_list_list = ~0: "no tree, use the list".
 *
 * We already have such an array: the window of p2m/table.c is a virtually
 * contiguous run of leaf pages, each page a leaf of its own or the shared
 * missing (or identity) leaf, mapped as often as there are holes.  So the list
 * costs nothing but these four fields: no page is allocated for it.  The
 * toolstack's walk (xg_sr_save_x86_pv.c, map_p2m_list) reads every page-table
 * entry from p2m_cr3 down to the leaves, checks each mfn is in 1..max_mfn,
 * then every leaf mfn against the m2p and the p2m it has just mapped, exactly
 * as for the tree's leaves.
 *
 * A restore moves every frame: the root L4 gets a new mfn, and the restorer
 * copies the old shared_info's arch fields into the new one (a stale p2m_cr3)
 * and zeroes the tree's anchor.  So p2m_publish() after a resume rewrites all
 * of it, from pfn terms, as it does the tree. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include "p2m/p2m_int.h"
#include <xen/pvmmu/report.h>

/* The ABI's "no tree here" value of pfn_to_mfn_frame_list_list. */
#define NO_FRAME_LIST_LIST (~(xen_pfn_t)0)

static struct {
    enum p2m_tools_format format;
    pfn_t root;
    uint64_t generation;        /* the count, kept here too: shared_info may be remapped */
    shared_info_t *published;   /* where the list was last published, or NULL */
} list = { P2M_TOOLS_TREE, { INVALID_PFN_RAW }, 0, NULL };

void p2m_tools_choose(enum p2m_tools_format format, pfn_t root)
{
    list.format = format;
    list.root = root;
    list.published = NULL;
}

void p2m_list_reset(void)
{
    p2m_tools_choose(P2M_TOOLS_TREE, INVALID_PFN);
    list.generation = 0;
}

enum p2m_tools_format p2m_tools_format(void) { return list.format; }

const char *p2m_tools_format_name(enum p2m_tools_format format)
{
    return format == P2M_TOOLS_LIST ? "list" : "tree";
}

uint64_t p2m_list_generation(void) { return list.generation; }

/*P:260 The generation protocol.  Linux bumps the count, wmb(), changes the
 * mapping, wmb(), bumps it again.  A release fence is the portable wmb(): no
 * store before it may be seen after a store that follows it.  The count is
 * written with a plain 64-bit atomic store: the toolstack reads it from dom0
 * while we run. :*/
static void generation_store(void)
{
    if (list.published)
        __atomic_store_n(&list.published->arch.p2m_generation, list.generation, __ATOMIC_RELAXED);
}

void p2m_generation_begin(void)
{
    list.generation++;
    generation_store();
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

void p2m_generation_end(void)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    list.generation++;
    generation_store();
}

/*P:270 Publishing.  Everything but p2m_cr3 first, p2m_cr3 last and with release
 * ordering: a reader that sees p2m_cr3 sees the rest. :*/
int p2m_list_publish(shared_info_t *si)
{
    mfn_t root = p2m_lookup(list.root);

    if (!p2m_nr_leaves() || !p2m_linear.entries) {
        pvmmu_error("p2m_list_publish(si %p): the p2m is not initialised", (void *)si);
        return -XEN_EINVAL;
    }
    if (!mfn_valid_value(root)) {
        pvmmu_error("p2m_list_publish: the root table (pfn 0x%llx) that maps the window has no mfn",
                    (unsigned long long)pfn_x(list.root));
        return -XEN_EINVAL;
    }
    if (list.generation & 1) {
        pvmmu_error("p2m_list_publish: generation %llu is odd: a change of the window is under way",
                    (unsigned long long)list.generation);
        return -XEN_EINVAL;
    }
    si->arch.max_pfn = p2m_extent();
    si->arch.p2m_vaddr = (unsigned long)(uintptr_t)p2m_linear.entries;
    si->arch.p2m_generation = list.generation;
    si->arch.pfn_to_mfn_frame_list_list = NO_FRAME_LIST_LIST;
    __atomic_store_n(&si->arch.p2m_cr3, xen_pfn_to_cr3(mfn_x(root)), __ATOMIC_RELEASE);
    list.published = si;
    p2m_note_published(si);
    return 0;
}
