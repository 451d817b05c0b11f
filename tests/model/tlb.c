/*
 * The TLBs: what each vcpu's CPU remembers after the tables have changed.
 *
 * Xen validates what goes into the tables, but it is the guest's job to flush
 * what the CPUs cached from them (MMUEXT_INVLPG_*, MMUEXT_TLB_FLUSH_*, the
 * UVMF_* flags of update_va_mapping).  Forgetting is the quiet bug of every
 * MMU layer: a page made read-only stays writable through the stale entry
 * until something happens to flush it.  On SMP it is quieter still: the
 * vcpu that changed the entry may have flushed its own TLB, while another
 * vcpu that has the same tables loaded keeps using the old translation until
 * a shootdown reaches it.
 *
 * So every running vcpu has a small TLB of its own (vcpus.c), filled by its
 * accesses (model_touch for the current vcpu, model_vcpu_touch for any), and
 * emptied only by flushes whose pCPU mask names it.  Nothing else updates it:
 * a change to a pte is not reflected in a vcpu's cached entry.  An access
 * that hits a cached entry uses it as the CPU would; when that entry grants
 * more than the tables now do, the stale-TLB detector records it.
 *
 * Simplifications: a flush empties the whole TLB or one page of it; a root
 * load drops everything, global entries too, as Xen's write_ptbase does for a
 * PV guest.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model_int.h"

static uint64_t page_of(uint64_t va)
{
    return va & ~(uint64_t)(PAGE_SIZE - 1);
}

static struct model_tlb_entry *cached(struct model_vcpu *v, mfn_t root, uint64_t va)
{
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
        if (v->tlb[i].valid && mfn_eq(v->tlb[i].root, root) && v->tlb[i].va == page_of(va))
            return &v->tlb[i];
    return NULL;
}

void model_tlb_fill(struct model_vcpu *v, mfn_t root, uint64_t va, const struct model_xlat *x)
{
    struct model_tlb_entry *e = cached(v, root, va);

    if (!e)
        e = &v->tlb[v->tlb_next++ % MODEL_TLB_SIZE];
    *e = (struct model_tlb_entry){ .valid = true, .root = root, .va = page_of(va), .x = *x };
}

void model_vcpu_tlb_clear(struct model_vcpu *v)
{
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
        v->tlb[i].valid = false;
}

static void invlpg_one(struct model_vcpu *v, uint64_t page)
{
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
        if (v->tlb[i].va == page)
            v->tlb[i].valid = false;
}

/* The running vcpus a pCPU mask reaches (a vcpu that is not running has no TLB). */
static model_cpumask_t reached(model_cpumask_t mask)
{
    return mask & model_dirty_cpumask();
}

/*
 * flush_tlb_mask() / flush_tlb_local(): do_tlb_flush() toggles CR4.PGE,
 * globals go too.  One flush op, however many TLBs it reaches.
 */
void model_tlb_flush_mask(model_cpumask_t mask)
{
    mask = reached(mask);
    if (!mask)
        return;
    model.counters.tlb_flushes++;
    model.counters.tlb_flush_vcpus += (unsigned long)__builtin_popcountll(mask);
    for (unsigned int cpu = 0; cpu < model.nr_vcpus; cpu++)
        if (mask & ((model_cpumask_t)1 << cpu))
            model_vcpu_tlb_clear(&model.vcpu[cpu]);
}

/* flush_tlb_one_mask() / paging_invlpg(): the page in every TLB the mask reaches. */
void model_tlb_flush_va_mask(model_cpumask_t mask, uint64_t va)
{
    uint64_t page = page_of(model_guest_va(va));

    mask = reached(mask);
    if (!mask)
        return;
    model.counters.invlpgs++;
    model.counters.invlpg_vcpus += (unsigned long)__builtin_popcountll(mask);
    for (unsigned int cpu = 0; cpu < model.nr_vcpus; cpu++)
        if (mask & ((model_cpumask_t)1 << cpu))
            invlpg_one(&model.vcpu[cpu], page);
}

/*
 * The flushes Xen does without being asked, not counted as the guest's:
 *
 * write_ptbase() -> switch_cr3_cr4() (xen/arch/x86/flushtlb.c), what
 * MMUEXT_NEW_BASEPTR ends in, on the calling vcpu's CPU only.  A 64-bit PV
 * guest runs with CR4.PGE (global user mappings, pv_make_cr4) or with
 * CR4.PCIDE, never both.  With PGE, switch_cr3_cr4 clears it before the CR3
 * write and sets it again after: global entries are flushed with the rest.
 * With PCIDE it ends in invpcid_flush_all_nonglobals(), and there are no
 * global entries then.  Either way nothing survives.  (Only the kernel/user
 * toggle on a guest's syscall return, _toggle_guest_pt, keeps globals; the
 * model has no such toggle.)
 *
 * do_mmu_update's flush_linear_pt: after a list that changed an L2..L4
 * entry, a FLUSH_TLB to every dirty CPU of the page-table owner.
 */
void model_tlb_flush_by_xen(model_cpumask_t mask)
{
    mask = reached(mask);
    for (unsigned int cpu = 0; cpu < model.nr_vcpus; cpu++)
        if (mask & ((model_cpumask_t)1 << cpu))
            model_vcpu_tlb_clear(&model.vcpu[cpu]);
}

/*
 * _get_page_type(), when a frame takes a type other than its last: "It is
 * vital that no other CPUs are left with mappings of a frame which is about to
 * become writeable to the guest", so Xen flushes every dirty CPU that has not
 * flushed since the frame's type count last fell to zero (tlbflush_timestamp).
 * Only such a CPU can hold a translation to the frame from before, so the
 * model drops exactly those: every running vcpu's entries that map the frame.
 * (Xen's flush is whole-TLB; the model's narrower one hides nothing a guest
 * could rely on.)
 */
void model_tlb_flush_frame_by_xen(mfn_t mfn)
{
    for (unsigned int cpu = 0; cpu < model.nr_vcpus; cpu++)
        for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
            if (model.vcpu[cpu].tlb[i].valid && mfn_eq(model.vcpu[cpu].tlb[i].x.mfn, mfn))
                model.vcpu[cpu].tlb[i].valid = false;
}

static struct model_vcpu *running(unsigned int vcpu)
{
    if (vcpu >= model.nr_vcpus) {
        fprintf(stderr, "model: vcpu %u is not running (%u run)\n", vcpu, model.nr_vcpus);
        abort();
    }
    return &model.vcpu[vcpu];
}

static bool lookup_in(struct model_vcpu *v, mfn_t l4, uint64_t va, struct model_xlat *out)
{
    const struct model_tlb_entry *e = cached(v, l4, va);
    if (!e)
        return model_translate(l4, va, out);
    if (out)
        *out = e->x;
    return true;
}

/* What the current vcpu's CPU would use for va: the cached translation if any, else the tables. */
bool model_tlb_lookup(mfn_t l4, uint64_t va, struct model_xlat *out)
{
    return lookup_in(model_current(), l4, va, out);
}

bool model_vcpu_tlb_lookup(unsigned int vcpu, uint64_t va, struct model_xlat *out)
{
    struct model_vcpu *v = running(vcpu);
    return lookup_in(v, v->kernel_base, va, out);
}

/* Does the cached entry allow something the tables no longer do? */
static bool grants_more(const struct model_tlb_entry *e, const char **what)
{
    struct model_xlat now;
    if (!model_translate(e->root, e->va, &now))
        *what = "is no longer mapped";
    else if (!mfn_eq(now.mfn, e->x.mfn))
        *what = "now maps another frame";
    else if (e->x.rw && !now.rw)
        *what = "is now read-only";
    else if (e->x.user && !now.user)
        *what = "is no longer user-accessible";
    else if (!e->x.nx && now.nx)
        *what = "is now no-execute";
    else
        return false;
    return true;
}

static unsigned int stale_in(unsigned int vcpu, bool name_vcpu, char *why, size_t why_len)
{
    const struct model_vcpu *v = &model.vcpu[vcpu];
    unsigned int n = 0;

    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++) {
        const char *what;
        if (!v->tlb[i].valid || !grants_more(&v->tlb[i], &what))
            continue;
        char whose[32] = "";
        if (name_vcpu)
            snprintf(whose, sizeof(whose), " of vcpu %u", vcpu);
        if (!n++ && why_len && !why[0])
            snprintf(why, why_len, "stale TLB entry%s: va %#llx (root mfn %#llx) %s", whose,
                     (unsigned long long)v->tlb[i].va,
                     (unsigned long long)mfn_x(v->tlb[i].root), what);
    }
    return n;
}

unsigned int model_tlb_stale(char *why, size_t why_len)
{
    unsigned int n = 0;
    if (why_len)
        why[0] = '\0';
    for (unsigned int vcpu = 0; vcpu < model.nr_vcpus; vcpu++)
        n += stale_in(vcpu, model.nr_vcpus > 1, why, why_len);
    return n;
}

unsigned int model_vcpu_tlb_stale(unsigned int vcpu, char *why, size_t why_len)
{
    running(vcpu);
    if (why_len)
        why[0] = '\0';
    return stale_in(vcpu, true, why, why_len);
}

/* --- the stale-TLB detector ---------------------------------------------------- */

static void describe(char *buf, size_t len, bool mapped, const struct model_xlat *x)
{
    if (!mapped)
        snprintf(buf, len, "not mapped");
    else
        snprintf(buf, len, "mfn %#llx %s%s%s", (unsigned long long)mfn_x(x->mfn),
                 x->rw ? "rw" : "ro", x->user ? " user" : "", x->nx ? " nx" : "");
}

static void record_stale_read(unsigned int vcpu, const struct model_tlb_entry *e, bool write,
                              const char *what)
{
    struct model_xlat now;
    bool mapped = model_translate(e->root, e->va, &now);
    char stale[64], current[64];

    if (model.stale.count++)
        return;   /* the first is the one to explain */
    describe(stale, sizeof(stale), true, &e->x);
    describe(current, sizeof(current), mapped, &now);
    snprintf(model.stale.first, sizeof(model.stale.first),
             "stale TLB %s: vcpu %u, va %#llx (root mfn %#llx) used the cached translation "
             "[%s], but the tables say [%s]: the entry %s and no shootdown reached vcpu %u",
             write ? "write" : "read", vcpu, (unsigned long long)e->va,
             (unsigned long long)mfn_x(e->root), stale, current, what, vcpu);
}

/*
 * An access by `vcpu` through its kernel root.  A cached entry that allows it
 * is used without a walk (and checked by the detector); one that does not
 * (an upgrade the TLB has not seen) faults, which drops it, and the retried
 * access walks the tables, as a spurious-fault handler makes it.
 */
static enum model_touch vcpu_touch(unsigned int vcpu, uint64_t va, bool write)
{
    struct model_vcpu *v = running(vcpu);
    struct model_tlb_entry *e;

    if (!mfn_valid_value(v->kernel_base))
        return MODEL_TOUCH_NOT_MAPPED;
    e = cached(v, v->kernel_base, va);
    if (e && (!write || e->x.rw)) {
        const char *what;
        if (grants_more(e, &what))
            record_stale_read(vcpu, e, write, what);
        return MODEL_TOUCH_OK;
    }
    if (e)
        e->valid = false;
    return model_touch_fill(v, v->kernel_base, va, write);
}

/* One access at a time (model_lock): a thread's access and another's hypercall never interleave. */
enum model_touch model_vcpu_touch(unsigned int vcpu, uint64_t va, bool write)
{
    enum model_touch t;

    model_lock();
    t = vcpu_touch(vcpu, va, write);
    model_unlock();
    return t;
}

unsigned long model_stale_reads(char *why, size_t why_len)
{
    unsigned long n;

    model_lock();
    if (why_len)
        snprintf(why, why_len, "%s", model.stale.first);
    n = model.stale.count;
    model_unlock();
    return n;
}

void model_reset_stale_reads(void)
{
    model.stale = (struct model_stale_reads){ 0 };
}
