/*S:800 The other side: a guest kernel on a shadow host.
 *
 * Everything so far was the host.  This is what a guest kernel does to live on
 * it, written against the same MMU API the PV backend serves (backend.h), so
 * the same workloads and the same tests drive both.  Its tables are ordinary
 * memory holding what it means (pte_t: pfn | flags); nobody validates them and
 * nothing is read-only, which makes this side much simpler than mmu/.  The
 * price is the bargain of update.c: every entry it writes, it reports, naming
 * the root and the address (a new table hooked in is an upper entry changed
 * too), so the host can drop the shadow of exactly that.
 *
 * Each address space is one L4: the user half its own, the kernel half (slots
 * 272..511) copied from the guest kernel's root, so every root points at the
 * same kernel tables.  A 64-bit PV guest needs a separate user root because Xen
 * runs its kernel in ring 3; here the shadow's USER bits keep user mode out of
 * the kernel, so `user_root` is the same L4. :*/
/*M:900 Every entry the guest writes is one call into the host, and on real
 * hardware each would be a trap.  lguest queued them in a 64-entry ring in
 * lazy MMU mode and let the host drain it at the next trap; a range operation
 * here could do the same, or report one whole L1 when it rewrites most of it.
 * Hosted, a call costs nothing, so nothing here measures it yet. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

#define GUEST_SPACES 1024

static struct aspace spaces[GUEST_SPACES];
static struct aspace *gkernel, *gcurrent;

struct aspace *shadow_guest_kernel(void)
{
    return gkernel;
}

struct aspace *shadow_guest_current(void)
{
    return gcurrent;
}

void shadow_guest_set_current(struct aspace *as)
{
    gcurrent = as;
}

bool shadow_guest_is_space(const struct aspace *as)
{
    return as >= spaces && as < spaces + GUEST_SPACES && as->state != AS_FREE;
}

struct aspace *shadow_guest_space_take(void)
{
    unsigned i;

    for (i = 0; i < GUEST_SPACES; i++)
        if (spaces[i].state == AS_FREE) {
            spaces[i] = (struct aspace){ .state = AS_LIVE, .id = i };
            spaces[i].root = spaces[i].user_root = frame_alloc();
            if (pfn_valid_value(spaces[i].root))
                return &spaces[i];
            spaces[i].state = AS_FREE;
            pvmmu_error("shadow guest: out of frames for the root of address space %u", i);
            return NULL;
        }
    pvmmu_error("shadow guest: all %u address spaces are in use", GUEST_SPACES);
    return NULL;
}

void shadow_guest_space_put(struct aspace *as)
{
    frame_free(as->root);
    as->state = AS_FREE;
}

/* Tell the host that the level-`level` entry for va in root changed. */
static void report_upper(pfn_t root, uint64_t va, int level)
{
    static void (*const report[])(pfn_t, uint64_t) = {
        NULL, NULL, shadow_set_pmd, shadow_set_pud, shadow_set_pgd,
    };

    report[level](root, va);
}

pte_t *shadow_guest_entry(const struct aspace *as, uint64_t va, int level)
{
    pfn_t table = as->root;
    int l;

    for (l = PT_LEVELS; l > level; l--) {
        pte_t e = gtable(table)[pt_index(va, l)];

        if (!pte_present(e))
            return NULL;
        table = pte_pfn(e);
    }
    return &gtable(table)[pt_index(va, level)];
}

/* The entry for va at `level`, hooking in (and reporting) any table missing above it. */
pte_t *shadow_guest_entry_alloc(struct aspace *as, uint64_t va, int level)
{
    pfn_t table = as->root;
    int l;

    for (l = PT_LEVELS; l > level; l--) {
        pte_t *slot = &gtable(table)[pt_index(va, l)];

        if (!pte_present(*slot)) {
            pfn_t fresh = frame_alloc();

            if (!pfn_valid_value(fresh)) {
                pvmmu_error("shadow guest: map of va 0x%llx in address space %u: out of frames "
                            "for an L%d table", (unsigned long long)va, as->id, l - 1);
                return NULL;
            }
            *slot = pte_make(fresh, TABLE_FLAGS);
            report_upper(as->root, va, l);
        }
        table = pte_pfn(*slot);
    }
    return &gtable(table)[pt_index(va, level)];
}

void shadow_guest_free_subtree(pfn_t table, int level)
{
    unsigned i;

    for (i = 0; level > 1 && i < PT_ENTRIES; i++)
        if (pte_present(gtable(table)[i]))
            shadow_guest_free_subtree(pte_pfn(gtable(table)[i]), level - 1);
    frame_free(table);
}

/* A copy of a table and the tables below it; the pages they map are shared. */
pfn_t shadow_guest_copy_subtree(pfn_t from, int level)
{
    pfn_t to = frame_alloc();
    unsigned i;

    if (!pfn_valid_value(to))
        return INVALID_PFN;
    for (i = 0; i < PT_ENTRIES; i++) {
        pte_t e = gtable(from)[i];

        if (level > 1 && pte_present(e)) {
            pfn_t child = shadow_guest_copy_subtree(pte_pfn(e), level - 1);

            if (!pfn_valid_value(child)) {
                gtable(to)[i] = PTE_NONE;
                shadow_guest_free_subtree(to, level);
                return INVALID_PFN;
            }
            e = pte_make(child, pte_flags(e));
        }
        gtable(to)[i] = e;
    }
    return to;
}

int shadow_guest_init(void)
{
    if (gkernel) {
        pvmmu_error("shadow_guest_init: the guest kernel's root exists already (pfn 0x%llx)",
                    (unsigned long long)pfn_x(gkernel->root));
        return -XEN_EEXIST;
    }
    gkernel = shadow_guest_space_take();
    if (!gkernel)
        return -XEN_ENOMEM;
    gkernel->is_kernel = true;
    return 0;
}

/*
 * A kernel page, in every address space.  A new L4 kernel entry is copied into
 * every root (each has its own L4), and the host told once: a kernel-half
 * change reaches every cached shadow root anyway.
 */
int shadow_guest_map_kernel(uint64_t va, pfn_t pfn, uint64_t flags)
{
    bool had_l3 = gkernel && pte_present(gtable(gkernel->root)[pt_index(va, PT_LEVELS)]);
    pte_t *gpte;
    unsigned i;

    if (!gkernel || !va_is_kernel_half(va) || va_canonical(va) != va || (va & (PAGE_SIZE - 1))) {
        pvmmu_error("shadow_guest_map_kernel(va 0x%llx): %s", (unsigned long long)va,
                    !gkernel ? "no guest kernel yet (shadow_guest_init)"
                             : "not a page-aligned kernel-half address");
        return -XEN_EINVAL;
    }
    gpte = shadow_guest_entry_alloc(gkernel, va, 1);
    if (!gpte)
        return -XEN_ENOMEM;
    for (i = 0; !had_l3 && i < GUEST_SPACES; i++)
        if (spaces[i].state != AS_FREE && &spaces[i] != gkernel)
            gtable(spaces[i].root)[pt_index(va, PT_LEVELS)] =
                gtable(gkernel->root)[pt_index(va, PT_LEVELS)];
    *gpte = pte_make(pfn, flags | _PAGE_PRESENT);
    shadow_set_pte(gkernel->root, va, *gpte);
    return 0;
}

void shadow_guest_copy_kernel_half(pfn_t root)
{
    unsigned slot;

    for (slot = L4_KERNEL_FIRST; slot <= L4_KERNEL_LAST; slot++)
        gtable(root)[slot] = gtable(gkernel->root)[slot];
}

void shadow_guest_forget(void)
{
    mem_set(spaces, 0, sizeof(spaces));
    gkernel = gcurrent = NULL;
}
