/*S:300 What we accept from a guest entry.
 *
 * Everything the guest's tables say is a claim.  Before a claim becomes a
 * shadow entry, the frame it names must be the guest's: below the guest's
 * memory limit (lguest's pfn_limit), backed by a machine frame, and not one
 * of the host's (pool.c).  That last check is the one lguest did not need and
 * we cannot do without.  The same goes for the frames of the guest's tables
 * themselves, before we read them or write Accessed and Dirty into them: a guest
 * that calls one of our shadow tables its L2 would otherwise have us write
 * into it.
 *
 * Then the flags.  lguest refused PSE in a PTE and anything but the plain table
 * flags in a PGD entry.  We refuse:
 *   - PSE in an L2 or L3 entry: no superpages here; a shadow of a 1 GiB page
 *     would be 262144 entries, and the guest can map 4 KiB pages like everyone
 *     else;
 *   - PWT, PCD and (in an L1) PAT, at every level: the guest's memory is
 *     ordinary write-back RAM that the host maps write-back too, and x86 does
 *     not promise coherence between two mappings of one frame with different
 *     memory types.  The guest has no device memory to want them for;
 *   - GLOBAL in an upper entry, where it means nothing and is reserved on some
 *     CPUs.
 * GLOBAL in an L1 entry is not refused but dropped, as lguest did: a global
 * translation survives CR3 loads, and we load a different shadow root for every
 * guest root, so a global entry would leak one address space into the next.
 * The software bits (9..11, 52..62) are the guest's business and are not copied:
 * bits 59..62 are protection keys to a CPU with PKE. :*/
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

/* The flags an entry may carry, per level; anything else kills the guest. */
#define SW_BITS (0x0000000000000e00ULL | 0x7ff0000000000000ULL)
#define L1_ALLOWED (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                    _PAGE_GLOBAL | _PAGE_NX | SW_BITS)
#define UPPER_ALLOWED (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                       _PAGE_NX | SW_BITS)
/* What a shadow entry keeps of the guest's: the permissions and Accessed / Dirty. */
#define SHADOW_KEPT (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                     _PAGE_NX)

pte_t *gtable(pfn_t gpfn)
{
    return pfn_to_virt(gpfn);
}

bool va_is_kernel_half(uint64_t va)
{
    return pt_index(va, 4) >= L4_KERNEL_FIRST;
}

bool va_is_host_slot(uint64_t va)
{
    return l4_slot_is_xen(pt_index(va, 4));
}

static bool beyond_the_guest(pfn_t pfn)
{
    return pfn_x(pfn) >= shadow_cfg.guest_pfns;
}

/* Why the guest may not name pfn, a pfn below its limit, or NULL if it may. */
static const char *frame_refusal(pfn_t pfn)
{
    if (shadow_is_host_frame(pfn))
        return "which is the host's";
    if (!mfn_valid_value(p2m_lookup(pfn)))
        return "which has no memory behind it";
    return NULL;
}

bool sguest_frame_ok(pfn_t pfn, const char *what, uint64_t va)
{
    const char *why;

    if (beyond_the_guest(pfn)) {
        shadow_kill_guest("%s for va 0x%llx names pfn 0x%llx, beyond the guest's %llu pfns", what,
                          (unsigned long long)va, (unsigned long long)pfn_x(pfn),
                          (unsigned long long)shadow_cfg.guest_pfns);
        return false;
    }
    why = frame_refusal(pfn);
    if (why)
        shadow_kill_guest("%s for va 0x%llx names pfn 0x%llx, %s", what, (unsigned long long)va,
                          (unsigned long long)pfn_x(pfn), why);
    return !why;
}

static const char *const level_name[] = { "", "L1 entry", "L2 entry", "L3 entry", "L4 entry" };

static uint64_t refused_flags(pte_t gentry, int level)
{
    uint64_t bad = pte_flags(gentry) & ~(level == 1 ? L1_ALLOWED : UPPER_ALLOWED);

    return bad;
}

static const char *flag_name(uint64_t bad, int level)
{
    if (bad & _PAGE_PSE)
        return level == 1 ? "PAT (a memory type)" : "PSE (a superpage)";
    if (bad & (_PAGE_PWT | _PAGE_PCD))
        return "PWT/PCD (a memory type)";
    if (bad & _PAGE_GLOBAL)
        return "GLOBAL in a table entry";
    return "a reserved bit";
}

/* A present guest entry at `level` that we are about to follow or copy. */
bool sguest_entry_ok(pte_t gentry, int level, uint64_t va)
{
    uint64_t bad = refused_flags(gentry, level);

    if (bad) {
        shadow_kill_guest("%s 0x%llx for va 0x%llx has %s (flags 0x%llx refused)",
                          level_name[level], (unsigned long long)gentry.v, (unsigned long long)va,
                          flag_name(bad, level), (unsigned long long)bad);
        return false;
    }
    return sguest_frame_ok(pte_pfn(gentry), level_name[level], va);
}

/*
 * The same judgement, kept to ourselves: for an entry the guest has not made
 * the hardware walk (a prefetch neighbour, demand.c).  The guest may keep a
 * bad entry it never uses; the hardware would never have looked at it, so
 * neither do we, and the touch that does use it kills as it always did.
 */
bool sguest_entry_fits(pte_t gentry, int level)
{
    return !refused_flags(gentry, level) && !beyond_the_guest(pte_pfn(gentry)) &&
           !frame_refusal(pte_pfn(gentry));
}

/*S:340 Turning a guest entry into a shadow one.  The flags are (almost) the
 * guest's; the frame is the machine frame behind the guest's pfn, because the
 * hardware walks machine frames (on bare metal the p2m is the identity and
 * this costs a load).  `writable` is false when the guest's entry is writable
 * but not yet Dirty: see demand.c for why we would rather take one more
 * fault than lose a Dirty bit.  Callers have checked the entry. :*/
mpte_t gpte_to_spte(pte_t gpte, bool writable)
{
    uint64_t flags = pte_flags(gpte) & SHADOW_KEPT;

    if (!writable)
        flags &= ~_PAGE_RW;
    return mpte_make(p2m_lookup(pte_pfn(gpte)), flags);
}

/*
 * An upper shadow entry: our table below, with the guest's permissions, so that
 * the hardware ANDs read-only and supervisor-only down the levels exactly as it
 * would have in the guest's tables.
 */
mpte_t gtable_to_sentry(pfn_t spfn, pte_t gentry)
{
    return mpte_make(p2m_lookup(spfn), (pte_flags(gentry) & SHADOW_KEPT) | _PAGE_ACCESSED);
}
