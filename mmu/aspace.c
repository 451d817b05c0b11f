/*E:500 Address spaces: birth, copies, switching and death.
 *
 * A new address space starts as two empty roots, or one under a one-root layout
 * (lib/layout.c).  The kernel-mode root gets the kernel's slots of the
 * kernel's own L4, copied entry for entry, so the kernel stays mapped whichever
 * address space is loaded; Xen's slots are left empty, for Xen fills them itself
 * when it validates the root.
 *
 * Switching loads both roots (NEW_BASEPTR and NEW_USER_BASEPTR) in one batch;
 * with one root, the user-mode one loaded is none.
 * Xen takes a reference on a root it loads, and it will only take one on a
 * validated tree, so an address space is pinned before it is first loaded.
 *
 * Destroying unpins first.  After that the tables are plain memory again, and
 * freeing them is a walk that costs no hypercalls at all. :*/
#include <xen/pvmmu/platform.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "mmu/table_owner.h"
#include "mmu/mmu_int.h"
#include "multicalls/multicalls_int.h"
#include "lib/spinlock.h"

static struct aspace pool[ASPACE_MAX];

/* This vCPU's bit in a vcpumask. */
static unsigned long this_vcpu(void)
{
    return 1UL << vcpu_slot();
}

/*
 * A slot's state is read by any vCPU (aspace_exists) and written by the one
 * creating or destroying it; a slot becomes or stops being free only under the
 * registry lock, so two vCPUs never take the same one.
 */
static enum aspace_state state_of(const struct aspace *as)
{
    return __atomic_load_n(&as->state, __ATOMIC_ACQUIRE);
}

static void set_state(struct aspace *as, enum aspace_state state)
{
    __atomic_store_n(&as->state, state, __ATOMIC_RELEASE);
}

static struct aspace *pool_take(void)
{
    unsigned i;

    registry_lock();
    for (i = 0; i < ASPACE_MAX; i++)
        if (state_of(&pool[i]) == AS_FREE) {
            pool[i] = (struct aspace){ .id = i };
            set_state(&pool[i], AS_CONSTRUCTING);
            registry_unlock();
            return &pool[i];
        }
    registry_unlock();
    pvmmu_error("aspace_create: all %u address spaces are in use", ASPACE_MAX);
    return NULL;
}

static void pool_give_back(struct aspace *as)
{
    registry_lock();
    set_state(as, AS_FREE);
    registry_unlock();
}

bool aspace_exists(const struct aspace *as)
{
    return as >= pool && as < pool + ASPACE_MAX && state_of(as) != AS_FREE;
}

pfn_t aspace_root(const struct aspace *as)
{
    return aspace_exists(as) ? as->root : INVALID_PFN;
}

bool aspace_is_pinned(const struct aspace *as)
{
    return aspace_exists(as) && as->pinned;
}

int aspace_adopt_kernel(pfn_t kernel_l4)
{
    struct aspace *as;

    if (aspace_kernel()) {
        pvmmu_error("aspace_adopt_kernel: the kernel's tables were adopted already (root pfn 0x%llx)",
                    (unsigned long long)pfn_x(aspace_kernel()->root));
        return -XEN_EEXIST;
    }
    as = pool_take();
    if (!as)
        return -XEN_ENOMEM;
    /* Xen's domain builder pinned these tables and loaded them: we found them that way. */
    layout_fix();
    as->root = as->user_root = kernel_l4;
    as->is_kernel = true;
    as->pinned = true;
    as->loaded_on = this_vcpu();
    set_state(as, AS_LIVE);
    registry_vcpu_up(this_vcpu());
    registry_set_kernel(as);
    registry_set_current(as);
    registry_add(as);
    return 0;
}

static void copy_kernel_slots(pfn_t root)
{
    unsigned slot;

    for (slot = 0; slot < PT_ENTRIES; slot++)
        if (layout_slot_is_kernel(slot))
            *table_entry(root, slot) = *table_entry(aspace_kernel()->root, slot);
}

/* The user-mode root: a frame of its own, or the one root under a one-root layout. */
static pfn_t user_root_for(pfn_t root)
{
    return layout_has_user_root() ? frame_alloc() : root;
}

static void free_root(pfn_t root)
{
    if (!pfn_valid_value(root))
        return;
    table_owner_release(root);
    frame_free(root);
}

struct aspace *aspace_create(void)
{
    struct aspace *as;

    if (!aspace_kernel()) {
        pvmmu_error("aspace_create: no kernel address space yet (aspace_adopt_kernel first)");
        return NULL;
    }
    as = pool_take();
    if (!as)
        return NULL;
    as->root = frame_alloc();
    as->user_root = pfn_valid_value(as->root) ? user_root_for(as->root) : INVALID_PFN;
    if (!pfn_valid_value(as->root) || !pfn_valid_value(as->user_root) || table_owner_claim(as, as->root, 4) ||
        (aspace_has_user_root(as) && table_owner_claim(as, as->user_root, 4))) {
        pvmmu_error("aspace_create: out of frames for the roots of address space %u", as->id);
        if (aspace_has_user_root(as))
            free_root(as->user_root);
        free_root(as->root);
        pool_give_back(as);
        return NULL;
    }
    copy_kernel_slots(as->root);
    registry_add(as);
    return as;
}

static int free_table(pfn_t table, int level, void *ctx)
{
    (void)level;
    (void)ctx;
    table_owner_release(table);
    frame_free(table);
    return 0;
}

/*
 * Copy one table of the parent, and the tables below it, into fresh frames.
 * A copy that fails part way leaves nothing behind: the frames are zeroed when
 * allocated, so the partial copy links exactly the tables copied so far, and
 * walking it frees them all.
 */
static int copy_subtree(const struct aspace *child_as, pfn_t from, int level, pfn_t *out)
{
    pfn_t to = frame_alloc();
    unsigned i;
    int rc = 0;

    if (!pfn_valid_value(to)) {
        pvmmu_error("aspace_fork: out of frames for a copy of an L%d table", level);
        return -XEN_ENOMEM;
    }
    rc = table_owner_claim(child_as, to, level);
    for (i = 0; i < PT_ENTRIES && !rc; i++) {
        mpte_t e = entry_read(table_entry(from, i));
        pte_t link;
        pfn_t child;

        if (level > 1 && mpte_present(e)) {
            rc = mpte_to_pte(e, &link);     /* a link that is not ours: reported */
            if (!rc)
                rc = copy_subtree(child_as, pte_pfn(link), level - 1, &child);
            if (rc)
                break;
            e = mpte_make(p2m_lookup(child), mpte_flags(e));
        }
        *table_entry(to, i) = e;
    }
    if (rc) {
        pt_walk_subtree(to, level, free_table, NULL);
        return rc;
    }
    *out = to;
    return 0;
}

/*
 * Fork-style duplication: the child gets its own copy of every table and shares
 * the data frames, mapped as the parent maps them.  The child starts unpinned.
 */
struct aspace *aspace_fork(struct aspace *parent)
{
    struct aspace *child;
    unsigned slot;

    if (!aspace_exists(parent)) {
        pvmmu_error("aspace_fork: %p is not an address space", (void *)parent);
        return NULL;
    }
    /* The copy reads the parent's tables: updates still queued must be in them first. */
    if (mc_pending() && lazy_mmu_flush())
        return NULL;
    child = aspace_create();
    if (!child)
        return NULL;
    for (slot = 0; slot < PT_ENTRIES; slot++) {
        mpte_t e = entry_read(table_entry(parent->root, slot));
        pte_t link;
        pfn_t l3;

        if (!layout_slot_is_space(slot) || !mpte_present(e))
            continue;
        if (mpte_to_pte(e, &link) || copy_subtree(child, pte_pfn(link), 3, &l3)) {
            pvmmu_error("aspace_fork of address space %u: the copy failed at L4 slot %u; "
                        "nothing of it is kept", parent->id, slot);
            aspace_destroy(child);
            return NULL;
        }
        e = mpte_make(p2m_lookup(l3), mpte_flags(e));
        *table_entry(child->root, slot) = e;
        if (aspace_has_user_root(child))
            *table_entry(child->user_root, slot) = e;
    }
    return child;
}

/*
 * Under the space's lock from the check to the end, so a switch to it on
 * another vCPU comes before (and is refused by the "loaded" check) or after
 * (and finds it gone).
 */
static int destroy_locked(struct aspace *as)
{
    int rc;

    if (!aspace_exists(as) || as->freed || as->is_kernel || as == aspace_current()) {
        pvmmu_error("aspace_destroy: %s",
                    !aspace_exists(as) || as->freed ? "not an address space (destroyed twice?)"
                    : as->is_kernel ? "the kernel's address space cannot be destroyed"
                                    : "it is the current address space (switch away first)");
        return -XEN_EINVAL;
    }
    set_state(as, AS_TEARING_DOWN);
    if (as->pinned) {
        rc = aspace_unpin_locked(as);
        if (rc)
            return rc;
    }
    /* Unpinned: the tables are plain memory, and freeing them costs no trap. */
    rc = pt_walk(as, free_table, NULL);
    registry_remove(as);
    /* Not back in the pool yet: its lock is still held (aspace_destroy gives the slot back). */
    as->freed = true;
    return rc;
}

/*E:550 Letting go on the other vCPUs first (Linux's xen_drop_mm_ref).
 *
 * Xen holds a reference on every root a vCPU has loaded, so a space another
 * vCPU has loaded cannot be unpinned (its frames stay typed, and making them
 * writable again fails) or freed.  Before an unpin or destroy, every other vCPU
 * in its loaded_on is asked, through the platform's call-function, to let go:
 * on the target, drop_here switches to the kernel's space if the space is its
 * current one, and issues its batch, so that the switch (or a switch away that
 * was still queued) reaches Xen and switch_settled clears its bit.
 *
 * The race with a switch to the space on a third vCPU is settled by the space's
 * lock: the unpin marks the space `dropping` under it before it calls anyone,
 * and a switch checks that mark and sets its own bit under it.  A switch that
 * took the lock first has its bit set, so it is asked like the others; one that
 * comes after is refused with -XEN_EBUSY until the unpin is done.  So once the
 * calls return, no bit but this vCPU's can appear, and the unpin goes on under
 * the lock.  No lock is held during the calls: a target may be waiting for one.
 * This vCPU's own bit is no obstacle: if the space is its current one the unpin
 * is refused as before, and a switch away still queued here goes to Xen before
 * the unpin, in the same batch. :*/
static void drop_here(void *data)
{
    struct aspace *as = data;

    if (aspace_current() == as)
        aspace_switch(aspace_kernel());
    if (__atomic_load_n(&as->loaded_on, __ATOMIC_SEQ_CST) & this_vcpu())
        mc_flush();
}

#define DROP_ROUNDS 2

static int drop_others(struct aspace *as, const char *what)
{
    unsigned long others = 0;
    unsigned round;

    if (spin_holding_any())
        pvmmu_error("%s of address space %u: a lock is held while calling other vCPUs", what, as->id);
    for (round = 0; round <= DROP_ROUNDS; round++) {
        others = __atomic_load_n(&as->loaded_on, __ATOMIC_SEQ_CST) & ~this_vcpu();
        if (!others || round == DROP_ROUNDS)
            break;
        mmu_note_drop(others);
        platform_call_function(others, drop_here, as);
    }
    if (!others)
        return 0;
    pvmmu_error("%s of address space %u: vCPUs (mask 0x%lx) still have it loaded after they were "
                "asked to let go", what, as->id, others);
    return -XEN_EBUSY;
}

/*
 * Mark `as` dropping and make the others let go; then, under the lock again,
 * `finish` (the unpin or the destroy).  A refusal that needs no one's help
 * (not pinned, the current space, ...) goes straight to `finish`, which reports it.
 */
static bool refused_anyway(const struct aspace *as)
{
    return !aspace_exists(as) || as->is_kernel || as == aspace_current();
}

static int after_others_let_go(struct aspace *as, bool only_if_pinned, const char *what,
                               int (*finish)(struct aspace *as))
{
    bool needs_them;
    int rc = 0;

    aspace_lock(as);
    needs_them = !refused_anyway(as) && (as->pinned || !only_if_pinned);
    if (needs_them && as->dropping) {
        pvmmu_error("%s of address space %u: another vCPU is unpinning or destroying it", what, as->id);
        aspace_unlock(as);
        return -XEN_EBUSY;
    }
    if (needs_them) {
        as->dropping = true;
        aspace_unlock(as);
        rc = drop_others(as, what);
        aspace_lock(as);
        as->dropping = false;
    }
    if (!rc)
        rc = finish(as);
    aspace_unlock(as);
    return rc;
}

int aspace_destroy(struct aspace *as)
{
    if (!aspace_exists(as)) {
        pvmmu_error("aspace_destroy: not an address space (destroyed twice?)");
        return -XEN_EINVAL;
    }
    int rc = after_others_let_go(as, false, "destroy", destroy_locked);

    /*
     * Only now, with the space's lock let go, may another vCPU take the slot:
     * given back under the lock, it could be taken and rewritten (pool_take)
     * while this vCPU still unlocks it (found by the threaded test of
     * create / fork / destroy on every vcpu at once, under ThreadSanitizer).
     * Only this vCPU reads `freed` here: no one else writes a slot until it is free.
     */
    if (as->freed)
        pool_give_back(as);
    return rc;
}

int aspace_unpin(struct aspace *as)
{
    return after_others_let_go(as, true, "unpin", aspace_unpin_locked);
}

/* What NEW_USER_BASEPTR loads for `as`: its user root, or none (mfn 0). */
static unsigned long user_baseptr(const struct aspace *as)
{
    return aspace_has_user_root(as) ? mfn_x(p2m_lookup(as->user_root)) : 0;
}

/* Load both roots of `as` now, directly: what a failed switch falls back to. */
static long load_roots_now(const struct aspace *as)
{
    struct mmuext_op ops[2] = {
        { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mfn_x(p2m_lookup(as->root)) },
        { .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = user_baseptr(as) },
    };
    unsigned done = 0;

    return hv_mmuext_op(ops, 2, &done, DOMID_SELF);
}

/*
 * `loaded_on` says which vCPUs may hold a space's TLB entries: a vCPU's bit is
 * set when it queues a switch to the space (before the batch loading it can
 * be issued, so a flush that Xen reads the mask for after an update cannot
 * miss it), and cleared only once the batch that switches it away has been
 * issued (until then the old root is still loaded there).  Atomic, because a
 * vCPU flushing the space reads the mask while others switch.
 */
static void mark_loaded(struct aspace *as)
{
    __atomic_fetch_or(&as->loaded_on, this_vcpu(), __ATOMIC_SEQ_CST);
}

static void unmark_loaded(struct aspace *as)
{
    __atomic_fetch_and(&as->loaded_on, ~this_vcpu(), __ATOMIC_SEQ_CST);
}

/*
 * A switch names its space current as soon as it is queued, so the rest of a
 * lazy section sees it; but the batch that loads it can still fail (its pin,
 * or the base-pointer loads themselves), and then the CPU is where it was.
 * One callback per batch remembers where that was and, if the batch failed,
 * loads it again (harmless if it never left) and says so: otherwise pvmmu would
 * believe another space loaded, and let the one really loaded be unpinned
 * (found by the hypercalls fuzzer).  It also settles the masks: every space
 * the batch switched from or to keeps this vCPU's bit only if it is the one
 * loaded now.  Per vCPU, as the batch is.
 */
#define SWITCHES_MAX 8

struct switch_state {
    struct aspace *before;                 /* loaded when this batch's first switch was queued */
    struct aspace *touched[SWITCHES_MAX];  /* switched from or to in this batch */
    unsigned nr_touched;
    bool queued;
};
static struct switch_state sw_on[PVMMU_MAX_VCPUS];

static void touch(struct switch_state *sw, struct aspace *as)
{
    unsigned i;

    for (i = 0; i < sw->nr_touched; i++)
        if (sw->touched[i] == as)
            return;
    sw->touched[sw->nr_touched++] = as;
}

static void switch_settled(void *data, int result)
{
    struct switch_state *sw = data;
    struct aspace *back = sw->before, *now;
    unsigned i;
    long rc;

    sw->queued = false;
    if (result && aspace_exists(back)) {
        rc = load_roots_now(back);
        pvmmu_error("switch to address space %u failed (%d): address space %u is loaded again%s",
                    aspace_current()->id, result, back->id,
                    rc ? " (but reloading it failed too)" : "");
        mark_loaded(back);
        registry_set_current(back);
    }
    now = aspace_current();
    for (i = 0; i < sw->nr_touched; i++)
        if (sw->touched[i] != now)
            unmark_loaded(sw->touched[i]);
    sw->nr_touched = 0;
}

/*
 * The checks, the pin and the mark happen under the space's lock: an unpin or
 * destroy on another vCPU sees either the mark (and drops this vCPU's
 * reference first, docs/smp-locks.md) or nothing yet (and this switch then
 * finds the space as that left it).
 */
static int switch_locked(struct switch_state *sw, struct aspace *as)
{
    struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR };
    int rc = 0;

    if (!aspace_exists(as) || state_of(as) == AS_TEARING_DOWN) {
        pvmmu_error("aspace_switch to address space %u: it is being destroyed", as->id);
        return -XEN_EINVAL;
    }
    if (as->dropping) {
        pvmmu_error("aspace_switch to address space %u: another vCPU is unpinning or destroying it",
                    as->id);
        return -XEN_EBUSY;
    }
    bool was_unpinned = !as->pinned;

    if (was_unpinned)
        rc = aspace_pin_locked(as);
    op.arg1.mfn = mfn_x(p2m_lookup(as->root));
    if (!rc)
        rc = mc_mmuext(&op);
    op.cmd = MMUEXT_NEW_USER_BASEPTR;
    op.arg1.mfn = user_baseptr(as);
    if (!rc)
        rc = mc_mmuext(&op);
    if (!rc) {
        mark_loaded(as);
        if (aspace_current())
            touch(sw, aspace_current());
        touch(sw, as);
        registry_set_current(as);
    }
    /* A pin made here must reach Xen before other vCPUs can see `pinned` (pinning/pin.c). */
    if (!rc && was_unpinned && registry_others_up())
        rc = lazy_mmu_flush();
    return rc;
}

int aspace_switch(struct aspace *as)
{
    struct switch_state *sw = &sw_on[vcpu_slot()];
    int rc = 0;

    if (!aspace_exists(as)) {
        pvmmu_error("aspace_switch: %p is not an address space", (void *)as);
        return -XEN_EINVAL;
    }
    lazy_mmu_enter();
    if (sw->nr_touched + 2 > SWITCHES_MAX)
        rc = lazy_mmu_flush();     /* settles the switches queued so far */
    if (!rc && !sw->queued) {
        sw->before = aspace_current();
        rc = mc_callback(switch_settled, sw);
        sw->queued = !rc;
    }
    if (!rc) {
        aspace_lock(as);
        rc = switch_locked(sw, as);
        aspace_unlock(as);
    }
    return lazy_mmu_leave_after(rc);
}

/*
 * A secondary vCPU comes up on the kernel's root (VCPUOP_initialise with the
 * kernel's cr3): from then on it may hold the kernel space's TLB entries, and
 * the kernel space is its current one.  Going down it must be on the kernel
 * space with nothing queued.
 */
int aspace_vcpu_up(void)
{
    if (!aspace_kernel() || aspace_current()) {
        pvmmu_error("aspace_vcpu_up on vCPU %u: %s", platform_vcpu_id(),
                    !aspace_kernel() ? "no kernel address space yet" : "this vCPU is up already");
        return -XEN_EINVAL;
    }
    mark_loaded(aspace_kernel());
    registry_set_current(aspace_kernel());
    registry_vcpu_up(this_vcpu());
    return 0;
}

int aspace_vcpu_down(void)
{
    if (!aspace_kernel() || aspace_current() != aspace_kernel() || mc_pending() || lazy_mmu_active()) {
        pvmmu_error("aspace_vcpu_down on vCPU %u: %s", platform_vcpu_id(),
                    aspace_current() != aspace_kernel() ? "not on the kernel's address space"
                                                        : "requests are still queued, or lazy mode is on");
        return -XEN_EINVAL;
    }
    unmark_loaded(aspace_kernel());
    registry_set_current(NULL);
    registry_vcpu_down(this_vcpu());
    return 0;
}

/*
 * The machine under the layer was replaced (a hosted test boots a new one for
 * every case): forget every address space, queued request and fresh table.
 */
void mmu_forget_state(void)
{
    unsigned i;

    for (i = 0; i < ASPACE_MAX; i++)
        set_state(&pool[i], AS_FREE);
    registry_forget();
    table_owner_forget();
    layout_forget();
    mem_set(sw_on, 0, sizeof(sw_on));
    fresh_forget();
    mc_reset_all();
}
