/*
 * The executable model of Xen's PV MMU rules, for hosted tests.
 *
 * The portable core talks to Xen through include/xen/pvmmu/platform.h.  In a
 * hosted test binary those five functions are served by this model: a small
 * machine (N frames of real, mmap'ed memory) plus the bookkeeping Xen 4.17 keeps
 * for a 64-bit PV guest (xen/arch/x86/mm.c): who owns each frame, which type it
 * holds and how many references keep that type, whether it is pinned, and the
 * m2p.  The rules are Xen's, enforced for real: a refused update changes nothing
 * and returns Xen's error.  It is a test oracle, not a substitute: whatever passes
 * here still has to pass on real Xen in the rig.
 *
 * Reading order: machine.c (frames, owners, m2p), types.c (type counts,
 * validation: the heart), entries.c (the per-entry checks and mod_lN_entry),
 * linear.c (entries naming a table of their own level), domains.c (what a
 * domain argument names), guest.c (guest memory, vcpumasks), mmu_update.c,
 * mmuext.c, va_mapping.c, multicall.c, hardware.c (what the MMU would do with
 * the tables), vcpus.c (who runs, who calls), tlb.c (what each vcpu remembers
 * until a flush), invariants.c (the global rules, recomputed).
 * docs/model.md tells the story and lists what is not modelled.
 */
#ifndef PVMMU_TEST_MODEL_H
#define PVMMU_TEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>

/* Who a machine frame belongs to.  The guest may only reference its own frames. */
enum model_owner {
    MODEL_OWNER_NONE,     /* free machine memory: nobody's */
    MODEL_OWNER_GUEST,    /* the PV guest under test (domain MODEL_GUEST_DOMID) */
    MODEL_OWNER_XEN,      /* Xen's own frames (what its L4 slots 256..271 point at) */
    MODEL_OWNER_FOREIGN,  /* another domain's memory */
};

/* Xen's PGT_* types, reduced to what a PV MMU layer meets. */
enum model_type {
    MODEL_TYPE_NONE,
    MODEL_TYPE_WRITABLE,
    MODEL_TYPE_L1,
    MODEL_TYPE_L2,
    MODEL_TYPE_L3,
    MODEL_TYPE_L4,
};

#define MODEL_GUEST_DOMID 1
/* The one other domain that exists (every Xen host has a dom0): not the guest's to act on. */
#define MODEL_DOM0_DOMID 0
/*
 * Xen's _PAGE_GUEST_KERNEL: bit 52 of an l1e, set (with USER) by Xen in every
 * kernel mapping it accepts from a 64-bit PV guest (adjust_guest_l1e).
 */
#define MODEL_PAGE_GUEST_KERNEL (1ULL << 52)
/* Xen-owned frames the model keeps for the entries Xen writes into L4 slots 256..271. */
#define MODEL_XEN_FRAMES 16

/* --- the machine ------------------------------------------------------------ */

/* A fresh machine of nr_frames frames, all free (plus MODEL_XEN_FRAMES owned by Xen). */
void model_create(unsigned long nr_frames);
void model_destroy(void);
unsigned long model_nr_frames(void);

void model_set_owner(mfn_t mfn, enum model_owner owner);
enum model_owner model_frame_owner(mfn_t mfn);
/* The type a frame holds while its type count is non-zero; MODEL_TYPE_NONE otherwise. */
enum model_type model_frame_type(mfn_t mfn);
unsigned long model_frame_type_count(mfn_t mfn);
bool model_frame_pinned(mfn_t mfn);
/* Validated (its contents checked) and in use (type count > 0). */
bool model_frame_validated(mfn_t mfn);
/* The frame's 4096 bytes, as Xen sees them (writes here bypass every rule). */
void *model_frame_bytes(mfn_t mfn);
/* The memfd backing machine memory: frame `mfn` is at offset mfn << PAGE_SHIFT. */
int model_memfd(void);
/* The i-th Xen-owned frame (i < MODEL_XEN_FRAMES). */
mfn_t model_xen_frame(unsigned int i);
/* The value promote_l4_table writes into Xen slot `slot` (256..271) of L4 `l4`. */
uint64_t model_xen_l4e(mfn_t l4, unsigned int slot);

/* What MMUEXT_NEW_BASEPTR / NEW_USER_BASEPTR last installed on the current vcpu (INVALID_MFN: none). */
mfn_t model_kernel_base(void);
mfn_t model_user_base(void);

/* --- the m2p (Xen's, read-only to the guest) --------------------------------- */

/* False when the entry lies in a hole (there the real table faults) or past its end. */
bool model_m2p_read(mfn_t mfn, uint64_t *pfn_out);
/* Xen's side (the domain builder, a test): no ownership check. */
void model_m2p_set(mfn_t mfn, uint64_t pfn);
void model_m2p_set_hole(mfn_t first, unsigned long count, bool hole);

/*
 * The guest's vcpus (d->max_vcpus, 1 by default): how many bits of a vcpumask
 * Xen reads.  Of those, the first model_vcpus() are running (1 by default).
 */
void model_set_max_vcpus(unsigned int n);

/*
 * SMP (vcpus.c, docs/model-smp.md).  Up to MODEL_MAX_VCPUS vcpus run, vcpu i on
 * pCPU i, each with its own loaded roots and its own TLB.  One of them is
 * "current": it issues every hypercall (Xen's `current`), so a LOCAL flush or
 * a NEW_BASEPTR is its alone.  model_set_vcpus(n) brings vcpus up to n (a new
 * one starts with vcpu 0's kernel root loaded, no user root, an empty TLB: what
 * VCPUOP_initialise with that cr3 leaves) or takes them down to n (their roots'
 * references dropped); d->max_vcpus grows to n if smaller.  n is 1..MAX.
 */
#define MODEL_MAX_VCPUS 8
void model_set_vcpus(unsigned int n);
unsigned int model_vcpus(void);
void model_set_current_vcpu(unsigned int vcpu);
unsigned int model_current_vcpu(void);
mfn_t model_vcpu_kernel_base(unsigned int vcpu);
mfn_t model_vcpu_user_base(unsigned int vcpu);

/*
 * The host CPU's widths behind Xen's L1TF rule (l1tf_calculations): CPUID's
 * paddr_bits and the L1D's l1d_maxphysaddr.  model_create() sets 46 and 46 (a
 * Skylake-SP server: the L1D no wider than CPUID, so only the top quarter of
 * the address space is safe); a desktop part has paddr_bits 39, l1d 46.
 */
#define MODEL_DEFAULT_PADDR_BITS 46
#define MODEL_DEFAULT_L1D_MAXPHYSADDR 46
void model_set_l1tf_widths(unsigned int paddr_bits, unsigned int l1d_maxphysaddr);
/* The lowest address a non-present entry may hold, other than 0 (l1tf_safe_maddr). */
uint64_t model_l1tf_safe_maddr(void);

/* Xen's pv-linear-pt option (on by default, as in Xen): linear page tables allowed. */
void model_set_pv_linear_pt(bool on);

/* --- ballooning: XENMEM_decrease_reservation / populate_physmap (reservation.c) --- */

/* d->max_pages: populate_physmap stops when the guest holds this many (0: no limit, the default). */
void model_set_max_pages(unsigned long n);
/* The guest's frames (d->tot_pages). */
unsigned long model_guest_pages(void);
/* The next decrease or populate does at most k extents (one shot): a Xen that did less than asked. */
void model_limit_next_reservation(unsigned long k);

/* --- counters: performance is counted, not timed ----------------------------- */

struct model_counters {
    unsigned long traps;                /* each hv_* call is one; a multicall is one */
    unsigned long mmu_update_calls;     /* per-hypercall counts include multicall entries */
    unsigned long mmuext_op_calls;
    unsigned long update_va_mapping_calls;
    unsigned long multicall_calls;
    unsigned long memory_op_calls;
    unsigned long mmu_update_reqs;      /* requests attempted (including a failing one) */
    unsigned long mmuext_ops;           /* ops attempted */
    unsigned long multicall_entries;
    unsigned long validations;          /* frames validated as L1..L4 */
    unsigned long devalidations;
    unsigned long pins;
    unsigned long unpins;
    unsigned long tlb_flushes;          /* flush ops that reached some TLB */
    unsigned long invlpgs;
    unsigned long tlb_flush_vcpus;      /* vcpu TLBs those reached (a shootdown's width) */
    unsigned long invlpg_vcpus;
    unsigned long injected_faults;
};

const struct model_counters *model_counters(void);
void model_reset_counters(void);

/* --- fault injection ------------------------------------------------------------ */

/*
 * The nth hypercall from now (1 = the next; a multicall counts once, its entries
 * not at all) returns `err` (e.g. -XEN_ENOMEM) without doing anything.  0 disarms.
 */
void model_fail_hypercall(unsigned long nth, long err);
/*
 * Threads: the model applies one hypercall, or one access through a TLB, at a
 * time, under this recursive lock (the harness's frame hooks take it too).  The
 * current vcpu (model_set_current_vcpu) is per thread.
 */
void model_lock(void);
void model_unlock(void);
/* Run fn once at the next trap, before Xen applies it: another vcpu acting while that trap is on its way. */
void model_on_next_trap(void (*fn)(void));
/* The nth multicall entry from now gets result `err` without running.  0 disarms. */
void model_fail_multicall_entry(unsigned long nth, long err);

/* --- what went wrong ---------------------------------------------------------- */

/* The last refusal, naming the Xen check that refused ("" if none since reset). */
const char *model_last_refusal(void);
/*
 * Xen crashes (rather than refuses) a PV guest that writes an L1TF-unsafe
 * non-present entry when it has no shadow paging to fall back on (Debian's Xen).
 * mm.c returns its internal -ERESTART there, which turns into a continuation the
 * dead domain never runs: a real guest never sees the call return.  The model
 * must return something, so it returns -MODEL_ECRASHED (that same 85, which
 * the public errno.h keeps to Xen itself) and records the crash here.
 */
#define MODEL_ECRASHED 85
bool model_domain_crashed(void);
const char *model_crash_reason(void);

/*
 * A hosted process cannot live at the guest kernel's virtual addresses, so the
 * harness's pfn_to_virt hands out host pointers instead.  When the core passes
 * such a pointer to update_va_mapping (as Linux does to flip a direct-map page
 * read-only), the model asks this translator for the guest address it stands
 * for; it returns the va unchanged when it is not one of its own.
 */
void model_set_va_translator(uint64_t (*to_guest)(uint64_t va));
/*
 * Called after every entry a hypercall stores (mmu_update, update_va_mapping),
 * so the harness can make its host mappings follow the guest's direct map.
 * Validation's own adjustments and model_touch's A/D bits do not call it.
 */
void model_set_store_hook(void (*hook)(mfn_t table, unsigned int slot, uint64_t val));
uint64_t model_guest_va(uint64_t va);

/* --- the hardware, for tests ---------------------------------------------------- */

struct model_xlat {
    mfn_t mfn;
    bool rw;     /* every level allows writes */
    bool user;   /* every level has USER */
    bool nx;     /* some level forbids execution */
};

/* Walk the tree rooted at L4 `l4` as the MMU would.  False: not mapped. */
bool model_translate(mfn_t l4, uint64_t va, struct model_xlat *out);

enum model_touch {
    MODEL_TOUCH_OK,
    MODEL_TOUCH_NOT_MAPPED,
    MODEL_TOUCH_READ_ONLY,   /* a write through a mapping without RW: a #PF */
};
/* Access `va`: set Accessed on every level, and Dirty in the l1e on a write. */
enum model_touch model_touch(mfn_t l4, uint64_t va, bool write);

/*
 * The TLB.  model_touch() caches the translation it used, as the CPU does; the
 * cache survives changes to the tables until a flush covers it (an INVLPG of
 * its address, a full flush, or loading a root, which Xen makes flush global
 * entries too).
 * Between a permission downgrade and its flush the CPU may still use the old
 * rights: model_tlb_stale() counts the cached entries that grant more than the
 * tables now do, and names the first in `why`.  A core that "forgot the flush"
 * is caught here.
 */
bool model_tlb_lookup(mfn_t l4, uint64_t va, struct model_xlat *out);
/* Over every running vcpu's TLB (with more than one vcpu, `why` names the vcpu). */
unsigned int model_tlb_stale(char *why, size_t why_len);

/*
 * Per vcpu (model_touch and model_tlb_lookup above are the current vcpu's):
 * an access by `vcpu` through its loaded kernel root, as its CPU makes it.  A
 * translation in its TLB is used as it is (the CPU does not re-walk), so a
 * change to the tables is NOT seen by a vcpu that cached the old entry until a
 * flush reaches it: that is how a missed shootdown becomes visible.
 *
 * The stale-TLB detector: an access that uses a cached translation granting
 * more than the tables now do (no longer mapped, another frame, no longer
 * writable / user / executable) is recorded as a stale read: the page-table
 * change plus the shootdown that should have followed it did not remove the
 * entry.  A test asserts model_stale_reads() == 0 after the core's operation
 * returned (every shootdown it owes has completed by then); the record names
 * the vcpu, the address, the stale and the current translation.
 */
enum model_touch model_vcpu_touch(unsigned int vcpu, uint64_t va, bool write);
bool model_vcpu_tlb_lookup(unsigned int vcpu, uint64_t va, struct model_xlat *out);
unsigned int model_vcpu_tlb_stale(unsigned int vcpu, char *why, size_t why_len);
unsigned long model_stale_reads(char *why, size_t why_len);
void model_reset_stale_reads(void);

/* --- the global invariants ------------------------------------------------------- */

/*
 * Recompute every type reference from scratch and compare; check that no table
 * frame is mapped writable by a validated L1, that pinned frames are typed, and
 * that validated L4s carry Xen's slots.  False (and the first violation in `why`)
 * when broken.
 */
bool model_check_invariants(char *why, size_t why_len);

#endif
