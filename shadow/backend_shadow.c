/*S:850 The guest's MMU operations, as one const table.
 *
 * Creating, forking and destroying an address space touch tables no shadow
 * root has seen yet (a new root) or will see again (a dead one: the host is
 * told to forget it, so a frame reused as a new root starts clean).  Mapping,
 * protecting and unmapping write entries of a live tree, and each write is
 * reported to the host as it happens.  Unmapping a whole L1's worth unhooks the
 * L1 with one reported L2 entry instead of 512 reported PTEs.
 *
 * Protection changes keep Accessed and Dirty, as a PV guest does with
 * MMU_PT_UPDATE_PRESERVE_AD: a page that was touched stays touched, and that is
 * also what lets the host put the new entry straight in (update.c). :*/
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

static struct aspace *sh_create(void)
{
    struct aspace *as = shadow_guest_kernel() ? shadow_guest_space_take() : NULL;

    if (!shadow_guest_kernel())
        pvmmu_error("shadow guest: create before shadow_guest_init");
    if (as)
        shadow_guest_copy_kernel_half(as->root);
    return as;
}

static bool check_space(const char *op, const struct aspace *as)
{
    if (shadow_guest_is_space(as))
        return true;
    pvmmu_error("shadow guest: %s of %p: not an address space (destroyed already?)", op,
                (const void *)as);
    return false;
}

static struct aspace *sh_fork(struct aspace *parent)
{
    struct aspace *child;
    unsigned slot;

    if (!check_space("fork", parent))
        return NULL;
    child = sh_create();
    for (slot = L4_USER_FIRST; child && slot <= L4_USER_LAST; slot++) {
        pte_t e = gtable(parent->root)[slot];
        pfn_t l3;

        if (!pte_present(e))
            continue;
        l3 = shadow_guest_copy_subtree(pte_pfn(e), PT_LEVELS - 1);
        if (!pfn_valid_value(l3)) {
            pvmmu_error("shadow guest: fork of address space %u: out of frames at L4 slot %u",
                        parent->id, slot);
            shadow_backend.destroy(child);
            return NULL;
        }
        gtable(child->root)[slot] = pte_make(l3, pte_flags(e));
    }
    return child;
}

static int sh_destroy(struct aspace *as)
{
    unsigned slot;

    if (!check_space("destroy", as))
        return -XEN_EINVAL;
    if (as->is_kernel || as == shadow_guest_current()) {
        pvmmu_error("shadow guest: destroy of address space %u: %s", as->id,
                    as->is_kernel ? "it is the kernel's" : "it is current (switch away first)");
        return -XEN_EINVAL;
    }
    shadow_forget_root(as->root);
    for (slot = L4_USER_FIRST; slot <= L4_USER_LAST; slot++)
        if (pte_present(gtable(as->root)[slot]))
            shadow_guest_free_subtree(pte_pfn(gtable(as->root)[slot]), PT_LEVELS - 1);
    shadow_guest_space_put(as);
    return 0;
}

static int sh_switch(struct aspace *as)
{
    int rc;

    if (!check_space("switch", as))
        return -XEN_EINVAL;
    rc = shadow_new_root(as->root);
    if (!rc)
        shadow_guest_set_current(as);
    return rc;
}

static int sh_pin(struct aspace *as)
{
    int rc;

    if (!check_space("pin", as))
        return -XEN_EINVAL;
    rc = shadow_hold_root(as->root);
    as->pinned = !rc;
    return rc;
}

static int sh_unpin(struct aspace *as)
{
    if (!check_space("unpin", as))
        return -XEN_EINVAL;
    shadow_release_root(as->root);
    as->pinned = false;
    return 0;
}

static int check_range(const char *op, const struct aspace *as, uint64_t va, uint64_t count)
{
    if (!check_space(op, as))
        return -XEN_EINVAL;
    if (va_range_in_user_half(va, count))
        return 0;
    pvmmu_error("shadow guest: %s of address space %u: va 0x%llx + %llu pages is not page "
                "aligned inside the user half", op, as->id, (unsigned long long)va,
                (unsigned long long)count);
    return -XEN_EINVAL;
}

/* Write one L1 entry and tell the host. */
static void write_pte(struct aspace *as, pte_t *gpte, uint64_t va, pte_t val)
{
    *gpte = val;
    shadow_set_pte(as->root, va, val);
}

static int sh_map_range(struct aspace *as, uint64_t va, const pfn_t *pfns, uint64_t count,
                        uint64_t flags)
{
    uint64_t i;
    int rc = check_range("map", as, va, count);

    for (i = 0; !rc && i < count; i++) {
        uint64_t at = va + i * PAGE_SIZE;
        pte_t *gpte = shadow_guest_entry_alloc(as, at, 1);

        if (!gpte)
            return -XEN_ENOMEM;
        write_pte(as, gpte, at, pte_make(pfns[i], flags | _PAGE_PRESENT));
    }
    return rc;
}

/* Unhook a whole L1 (512 pages) with one reported L2 entry. */
static void unmap_whole_l1(struct aspace *as, uint64_t va)
{
    pte_t *gpmd = shadow_guest_entry(as, va, 2);
    pfn_t l1;

    if (!gpmd || !pte_present(*gpmd))
        return;
    l1 = pte_pfn(*gpmd);
    *gpmd = PTE_NONE;
    shadow_set_pmd(as->root, va);
    shadow_guest_free_subtree(l1, 1);
}

static int sh_unmap_range(struct aspace *as, uint64_t va, uint64_t count)
{
    uint64_t end = va + count * PAGE_SIZE, l1_span = pt_entry_span(2);
    int rc = check_range("unmap", as, va, count);

    while (!rc && va < end) {
        pte_t *gpte;

        if ((va & (l1_span - 1)) == 0 && end - va >= l1_span) {
            unmap_whole_l1(as, va);
            va += l1_span;
            continue;
        }
        gpte = shadow_guest_entry(as, va, 1);
        if (gpte && gpte->v)
            write_pte(as, gpte, va, PTE_NONE);
        va += PAGE_SIZE;
    }
    return rc;
}

/* The entry with new permissions; the frame, and Accessed / Dirty, are kept. */
static pte_t reprotect(pte_t gpte, enum mmu_prot prot)
{
    static const uint64_t prot_flags[] = {
        [PROT_NOACCESS] = _PAGE_AVAIL0,
        [PROT_READ_ONLY] = _PAGE_PRESENT,
        [PROT_READ_WRITE] = _PAGE_PRESENT | _PAGE_RW,
    };
    uint64_t kept = pte_flags(gpte) & ~(_PAGE_PRESENT | _PAGE_RW | _PAGE_AVAIL0);

    return pte_make(pte_pfn(gpte), kept | prot_flags[prot]);
}

static int sh_protect_range(struct aspace *as, uint64_t va, uint64_t count, enum mmu_prot prot)
{
    uint64_t i;
    int rc = check_range("protect", as, va, count);

    if (!rc && !mmu_prot_valid(prot)) {
        pvmmu_error("shadow guest: protect of address space %u at va 0x%llx: prot %d is not "
                    "PROT_NOACCESS, PROT_READ_ONLY or PROT_READ_WRITE", as->id,
                    (unsigned long long)va, (int)prot);
        rc = -XEN_EINVAL;
    }
    for (i = 0; !rc && i < count; i++) {
        uint64_t at = va + i * PAGE_SIZE;
        pte_t *gpte = shadow_guest_entry(as, at, 1);

        /* A mapping is present, or a no-access page keeping its frame (AVAIL0). */
        if (gpte && (pte_present(*gpte) || (pte_flags(*gpte) & _PAGE_AVAIL0)))
            write_pte(as, gpte, at, reprotect(*gpte, prot));
    }
    return rc;
}

static int sh_lookup(const struct aspace *as, uint64_t va, pte_t *out)
{
    const pte_t *gpte;

    if (!check_space("lookup", as))
        return -XEN_EINVAL;
    gpte = shadow_guest_entry(as, va, 1);
    *out = gpte ? *gpte : PTE_NONE;
    return 0;
}

static int sh_flush_tlb(void)
{
    shadow_flush_user();
    return 0;
}

static int sh_invlpg(uint64_t va)
{
    shadow_invlpg(va);
    return 0;
}

const struct mmu_backend shadow_backend = {
    .name = "shadow",
    .create = sh_create,
    .fork = sh_fork,
    .destroy = sh_destroy,
    .switch_to = sh_switch,
    .pin = sh_pin,
    .unpin = sh_unpin,
    .map_range = sh_map_range,
    .unmap_range = sh_unmap_range,
    .protect_range = sh_protect_range,
    .lookup = sh_lookup,
    .flush_tlb = sh_flush_tlb,
    .invlpg = sh_invlpg,
};
