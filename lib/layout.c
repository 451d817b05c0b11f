/*T:010 The layout: whose slot is whose.
 *
 * Everything pvmmu does to an address space (walk it, pin it, copy it, free it,
 * map a range in it) first asks which L4 slots are the space's own.  The answer
 * is the embedder's: pvmmu's own kernel lives in the top slots, as Linux does,
 * with a user-mode root beside every kernel-mode one; Mini-OS lives at virtual 0
 * with one root.  So the answer is a small table set once, at boot, before the
 * kernel's tables are adopted, and fixed from then on: a space made under one
 * layout and walked under another would be walked wrong.
 *
 * Xen's slots (256..271) are never the guest's, whatever the layout says. :*/
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "lib/layout_int.h"

/* An initializer, not a const object: ISO C initializes a static only from constants (clang insists). */
#define DEFAULT_LAYOUT { .kernel_first_slot = L4_KERNEL_FIRST, .kernel_last_slot = L4_KERNEL_LAST, .user_root = true }
static const struct pvmmu_layout default_layout = DEFAULT_LAYOUT;
static struct pvmmu_layout layout = DEFAULT_LAYOUT;
static bool layout_fixed;   /* the kernel's tables were adopted under it */

static bool slot_is_kernel(const struct pvmmu_layout *l, unsigned slot)
{
    return slot >= l->kernel_first_slot && slot <= l->kernel_last_slot;
}

/* What is wrong with `l`, or NULL. */
static const char *layout_fault(const struct pvmmu_layout *l)
{
    if (l->kernel_first_slot > l->kernel_last_slot)
        return "the kernel's first slot is after its last";
    if (l->kernel_last_slot >= PT_ENTRIES)
        return "the kernel's slots reach past slot 511";
    if (l->kernel_first_slot <= L4_XEN_LAST && l->kernel_last_slot >= L4_XEN_FIRST)
        return "the kernel's slots overlap Xen's (256..271)";
    return NULL;
}

int layout_init(const struct pvmmu_layout *l)
{
    const char *fault = layout_fault(l);

    if (layout_fixed) {
        pvmmu_error("layout_init: the kernel's tables were adopted already; the layout is fixed");
        return -XEN_EBUSY;
    }
    if (fault) {
        pvmmu_error("layout_init: kernel slots %u..%u: %s", l->kernel_first_slot, l->kernel_last_slot, fault);
        return -XEN_EINVAL;
    }
    layout = *l;
    return 0;
}

struct pvmmu_layout layout_get(void)
{
    return layout;
}

bool layout_slot_is_space(unsigned slot)
{
    return slot < PT_ENTRIES && !l4_slot_is_xen(slot) && !slot_is_kernel(&layout, slot);
}

bool layout_slot_is_kernel(unsigned slot)
{
    return slot_is_kernel(&layout, slot);
}

bool layout_has_user_root(void)
{
    return layout.user_root;
}

/*
 * The range must sit in one canonical half (the hole between them is no address
 * at all), and the count is checked against the room left in that half before it
 * is multiplied: 2^52 pages of 4 KiB wrap to zero in 64 bits, and a count that
 * wraps must not pass for an empty range.
 */
bool layout_va_range_in_space(uint64_t va, uint64_t count)
{
    uint64_t room, last;
    unsigned slot;

    if (va & (PAGE_SIZE - 1))
        return false;
    if (va <= USER_HALF_END)
        room = USER_HALF_END - va;
    else if (va == va_canonical(va))
        room = -va;                     /* up to 2^64: the top of the upper half */
    else
        return false;
    if (count > room / PAGE_SIZE)
        return false;
    if (count == 0)
        return true;
    last = va + (count - 1) * PAGE_SIZE;
    for (slot = pt_index(va, 4); slot <= pt_index(last, 4); slot++)
        if (!layout_slot_is_space(slot))
            return false;
    return true;
}

void layout_fix(void)
{
    layout_fixed = true;
}

void layout_forget(void)
{
    layout = default_layout;
    layout_fixed = false;
}
