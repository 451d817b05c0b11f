/*E:400 Ranges: mapping, protecting and unmapping many pages at once.
 *
 * These are what a kernel's mmap, mprotect and munmap would call, and where the
 * batching earns its keep.  Each runs as one lazy section, so however many
 * entries it touches, it reaches Xen in as few traps as the batch allows, and a
 * caller's own lazy section can wrap several of them into fewer still.
 *
 * Two shortcuts make the big cases cheap:
 *  - mapping into a table that does not exist yet fills a fresh table with plain
 *    stores (mmu/fresh.c): 512 entries, no trap of their own;
 *  - unmapping a whole table's worth of pages unhooks the L1 with one update
 *    instead of clearing 512 entries (and a range that holds every present entry
 *    of an L2 unhooks the L2), and frees the tables once the batch is issued.
 *
 * A range operation READS entries before it writes them (is this page mapped?
 * what are its flags?), and an update queued in lazy mode is not in the table
 * yet.  So a range operation first issues whatever is queued, if anything is: a
 * read must see what was written. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "mmu/mmu_int.h"

/*
 * Levels, as this file names them.  A table's level (table_level) is 1 for an L1,
 * which maps pages, up to 4 for the root.  A slot's level (slot_level) is that of the
 * table it sits in, so a slot of slot_level links a table of slot_level - 1.  The
 * names are never mixed: what takes one takes no other.
 */

/* How a slot of each level is written (by its slot_level; L1 slots by set_pte). */
static int (*const set_slot[])(struct aspace *, mpte_t *, pte_t) = {
    NULL, set_pte, set_pmd, set_pud, set_pgd,
};

/* How many bytes one table of `table_level` covers: one slot of the level above. */
static uint64_t table_span(int table_level)
{
    return pt_entry_span(table_level + 1);
}

/*
 * The walk down to the slot of `slot_level` of `as` that translates `va`.  "No
 * entry" has two meanings that must not be confused:
 *  - a table above is not there: nothing is mapped at va (0, and *slot is NULL);
 *  - an entry above links a frame whose m2p entry is foreign or stale: the table
 *    below cannot be read, so whether va is mapped is unknown (-XEN_EINVAL).
 * An unmap or protect that took the second for the first would report success
 * and leave the page mapped read-write; so it is refused, by name.
 */
int entry_find(const struct aspace *as, uint64_t va, int slot_level, mpte_t **slot)
{
    pfn_t table = as->root;
    int table_level;

    *slot = NULL;
    for (table_level = 4; table_level > slot_level; table_level--) {
        mpte_t e = entry_read(table_entry(table, pt_index(va, table_level)));

        if (!mpte_present(e))
            return 0;
        table = mpte_linked_pfn(e);
        if (!pfn_valid_value(table)) {
            pvmmu_error("address space %u, va 0x%llx: its L%d entry 0x%llx links a frame that is "
                        "not ours, so the L%d table below cannot be read", as->id,
                        (unsigned long long)va, table_level, (unsigned long long)e.v, table_level - 1);
            return -XEN_EINVAL;
        }
    }
    *slot = table_entry(table, pt_index(va, slot_level));
    return 0;
}

mpte_t *entry_slot(const struct aspace *as, uint64_t va, int slot_level)
{
    mpte_t *slot;

    return entry_find(as, va, slot_level, &slot) ? NULL : slot;
}

/* Like entry_slot(), but grows the tree: missing tables above `slot_level` are allocated and hooked. */
static mpte_t *entry_slot_alloc(struct aspace *as, uint64_t va, int slot_level)
{
    pfn_t table = as->root;
    int table_level;

    for (table_level = 4; table_level > slot_level; table_level--) {
        mpte_t *slot = table_entry(table, pt_index(va, table_level));
        mpte_t e = entry_read(slot);

        if (!mpte_present(e)) {
            pfn_t fresh = frame_alloc();

            if (!pfn_valid_value(fresh)) {
                pvmmu_error("map of va 0x%llx in address space %u: out of frames for an L%d table",
                            (unsigned long long)va, as->id, table_level - 1);
                return NULL;
            }
            if (set_slot[table_level](as, slot, pte_make(fresh, TABLE_FLAGS))) {
                frame_free(fresh);
                return NULL;
            }
            fresh_table_owned(fresh);
            table = fresh;
            continue;
        }
        table = mpte_linked_pfn(e);
        if (!pfn_valid_value(table))
            return NULL;
    }
    return table_entry(table, pt_index(va, slot_level));
}

static int check_range(const char *op, const struct aspace *as, uint64_t va, uint64_t count)
{
    if (!aspace_exists(as)) {
        pvmmu_error("%s at va 0x%llx: %p is not an address space (destroyed?)", op,
                    (unsigned long long)va, (const void *)as);
        return -XEN_EINVAL;
    }
    if (!layout_va_range_in_space(va, count)) {
        pvmmu_error("%s of address space %u: range va 0x%llx + %llu pages is not page aligned "
                    "inside the address space's own L4 slots", op, as->id, (unsigned long long)va,
                    (unsigned long long)count);
        return -XEN_EINVAL;
    }
    return 0;
}

/*
 * Every frame of a map is checked before the first entry is written: a range
 * holding one frame the p2m cannot translate is refused whole, not left half
 * mapped.  One p2m lookup per page, a few instructions each.
 */
static int check_frames(const struct aspace *as, uint64_t va, const pfn_t *pfns, uint64_t count)
{
    uint64_t i;

    for (i = 0; i < count; i++)
        if (!mfn_valid_value(p2m_lookup(pfns[i]))) {
            pvmmu_error("map of address space %u at va 0x%llx: pfn 0x%llx (page %llu of %llu) "
                        "has no machine frame; nothing of the range was mapped", as->id,
                        (unsigned long long)(va + i * PAGE_SIZE), (unsigned long long)pfn_x(pfns[i]),
                        (unsigned long long)(i + 1), (unsigned long long)count);
            return -XEN_EINVAL;
        }
    return 0;
}

/* A read must see what was written: issue anything queued before reading tables. */
static int sync_view(void)
{
    return mc_pending() ? lazy_mmu_flush() : 0;
}

/*
 * The end of every range operation: changes to an address space must leave
 * the TLB of every vCPU that has it loaded (one flush, in the same batch;
 * none if no vCPU has it loaded), then the lazy section ends.
 * Only a change that took away something present can be stale in it: x86
 * caches no translation, nor paging-structure entry, for a non-present entry,
 * so a map that only filled empty entries has nothing to flush (`stale` false).
 */
static int end_range(const struct aspace *as, int rc, bool stale, uint64_t va, uint64_t count)
{
    if (!rc && stale)
        rc = mmu_flush_space(as, count == 1 ? va : MC_FLUSH_ALL);
    return lazy_mmu_leave_after(rc);
}

int mmu_map_range(struct aspace *as, uint64_t va, const pfn_t *pfns, uint64_t count, uint64_t flags)
{
    bool replaced_present = false;   /* a remap: the old translation may be in the TLB */
    uint64_t i;
    int rc = check_range("map", as, va, count);

    if (!rc)
        rc = check_frames(as, va, pfns, count);
    if (rc)
        return rc;
    lazy_mmu_enter();
    for (i = 0; i < count && !rc; i++) {
        mpte_t *l1e = entry_slot_alloc(as, va + i * PAGE_SIZE, 1);

        if (!l1e) {
            rc = -XEN_ENOMEM;
            break;
        }
        replaced_present |= mpte_present(entry_read(l1e));
        rc = set_pte(as, l1e, pte_make(pfns[i], flags | _PAGE_PRESENT));
    }
    return end_range(as, rc, replaced_present, va, count);
}

int mmu_map(struct aspace *as, uint64_t va, pfn_t pfn, uint64_t flags)
{
    return mmu_map_range(as, va, &pfn, 1, flags);
}

/*
 * Tables unhooked by an unmap are freed once the batch that unhooks them has been
 * issued (and only if it went through: a refused unhook leaves them in the tree).
 * One list and one callback per batch, however many tables go.
 */
#define DOOMED_MAX 1024

/* Per vCPU, as the batch whose issue frees them is. */
struct doomed_list {
    pfn_t pfn[DOOMED_MAX];
    unsigned n;
};
static struct doomed_list doomed_on[PVMMU_MAX_VCPUS];

static void free_doomed(void *list, int result)
{
    struct doomed_list *d = list;

    while (d->n) {
        d->n--;
        if (!result)
            frame_free(d->pfn[d->n]);
    }
}

static int doom(pfn_t table, int table_level, void *list)
{
    struct doomed_list *d = list;

    (void)table_level;
    d->pfn[d->n++] = table;
    return 0;
}

/*
 * Unhook the table that `slot` (of `slot_level`) links, with everything below it,
 * and free them all: at once if the tree is plain memory, after the batch if Xen
 * holds it.
 */
static int unmap_subtree(struct aspace *as, mpte_t *slot, int slot_level)
{
    pfn_t table = mpte_linked_pfn(entry_read(slot));
    int table_level = slot_level - 1;
    struct doomed_list *d = &doomed_on[vcpu_slot()];
    unsigned before;
    int rc;

    if (!pfn_valid_value(table))
        return -XEN_EINVAL;
    if (d->n + PT_ENTRIES + 1 > DOOMED_MAX && (rc = lazy_mmu_flush()))
        return rc;
    if (!d->n && as->pinned && (rc = mc_callback(free_doomed, d)))
        return rc;
    before = d->n;
    rc = pt_walk_subtree(table, table_level, doom, d);
    if (rc) {               /* a table below links a frame not ours: unhook nothing */
        d->n = before;
        return rc;
    }
    rc = set_slot[slot_level](as, slot, PTE_NONE);
    if (!as->pinned)
        free_doomed(d, rc);
    return rc;
}

/*
 * Whether [va, end) covers every present entry of the L2 that maps va; if so,
 * *whole is its L3 entry.  Unhooking the whole L2 then costs one update, and, on Xen 4.17, one
 * restart instead of one per L1: Xen defers dropping an unhooked table's type to a
 * restart of the hypercall (old_guest_table), one per unhooked table.  Found by
 * counting W2's munmap on real Xen (docs/bench.md).
 */
static int whole_l2(const struct aspace *as, uint64_t va, uint64_t end, mpte_t **whole)
{
    uint64_t base = va & ~(table_span(2) - 1);
    mpte_t *l3e;
    pfn_t l2;
    unsigned i;
    int rc = entry_find(as, va, 3, &l3e);

    *whole = NULL;
    if (rc || !l3e || !mpte_present(entry_read(l3e)))
        return rc;
    l2 = mpte_linked_pfn(entry_read(l3e));
    if (!pfn_valid_value(l2))
        return -XEN_EINVAL;    /* mpte_linked_pfn has said which frame */
    for (i = 0; i < PT_ENTRIES; i++) {
        uint64_t lo = base + i * table_span(1);

        if (mpte_present(entry_read(table_entry(l2, i))) && (lo < va || lo + table_span(1) > end))
            return 0;
    }
    *whole = l3e;
    return 0;
}

int mmu_unmap_range(struct aspace *as, uint64_t va, uint64_t count)
{
    uint64_t first = va, end = va + count * PAGE_SIZE;
    int rc = check_range("unmap", as, va, count);

    if (!rc)
        rc = sync_view();
    if (rc)
        return rc;
    lazy_mmu_enter();
    while (va < end && !rc) {
        uint64_t l1_span = table_span(1), l2_span = table_span(2);
        mpte_t *slot;

        rc = whole_l2(as, va, end, &slot);
        if (rc)
            break;
        if (slot) {
            rc = unmap_subtree(as, slot, 3);
            va = (va & ~(l2_span - 1)) + l2_span;
            continue;
        }
        if ((va & (l1_span - 1)) == 0 && end - va >= l1_span) {
            rc = entry_find(as, va, 2, &slot);
            if (!rc && slot && mpte_present(entry_read(slot)))
                rc = unmap_subtree(as, slot, 2);
            va += l1_span;
            continue;
        }
        rc = entry_find(as, va, 1, &slot);
        if (!rc && slot && entry_read(slot).v)
            rc = set_pte(as, slot, PTE_NONE);
        va += PAGE_SIZE;
    }
    return end_range(as, rc, true, first, count);
}

/* The same entry with new permissions; the frame (even of a no-access page) is kept. */
static pte_t with_prot(pte_t pte, enum mmu_prot prot)
{
    uint64_t flags = pte_flags(pte) & ~(_PAGE_PRESENT | _PAGE_RW | _PAGE_AVAIL0);

    switch (prot) {
    case PROT_NOACCESS:
        flags |= _PAGE_AVAIL0;
        break;
    case PROT_READ_ONLY:
        flags |= _PAGE_PRESENT;
        break;
    case PROT_READ_WRITE:
        flags |= _PAGE_PRESENT | _PAGE_RW;
        break;
    }
    return pte_make(pte_pfn(pte), flags);
}

static bool is_mapping(pte_t pte)
{
    return pte_present(pte) || (pte_flags(pte) & _PAGE_AVAIL0);
}

int mmu_protect_range(struct aspace *as, uint64_t va, uint64_t count, enum mmu_prot prot)
{
    uint64_t i;
    int rc = check_range("protect", as, va, count);

    if (!rc && !mmu_prot_valid(prot)) {
        pvmmu_error("protect of address space %u at va 0x%llx: prot %d is not PROT_NOACCESS, "
                    "PROT_READ_ONLY or PROT_READ_WRITE", as->id, (unsigned long long)va, (int)prot);
        rc = -XEN_EINVAL;
    }
    if (!rc)
        rc = sync_view();
    if (rc)
        return rc;
    lazy_mmu_enter();
    for (i = 0; i < count && !rc; i++) {
        mpte_t *l1e;
        pte_t pte;

        rc = entry_find(as, va + i * PAGE_SIZE, 1, &l1e);
        if (rc || !l1e)
            continue;
        rc = mpte_to_pte(entry_read(l1e), &pte);
        if (!rc && is_mapping(pte))
            rc = set_pte_preserve_ad(as, l1e, with_prot(pte, prot));
    }
    return end_range(as, rc, true, va, count);
}

int mmu_lookup(const struct aspace *as, uint64_t va, pte_t *out)
{
    mpte_t *l1e;
    int rc;

    if (!aspace_exists(as))
        return check_range("lookup", as, va, 0);    /* refused, and said why */
    rc = sync_view();
    if (rc)
        return rc;
    rc = entry_find(as, va, 1, &l1e);
    if (rc)
        return rc;
    if (!l1e) {
        *out = PTE_NONE;
        return 0;
    }
    return mpte_to_pte(entry_read(l1e), out);
}
