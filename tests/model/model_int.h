/*
 * The model's insides, shared by its .c files and by nothing else.
 */
#ifndef PVMMU_TEST_MODEL_INT_H
#define PVMMU_TEST_MODEL_INT_H

#include <stdarg.h>
#include <xen/pvmmu/pte.h>
#include "model.h"

/* Xen's page_info, reduced: the type half of it (general refs are not modelled). */
struct model_frame {
    enum model_owner owner;
    enum model_type type;
    unsigned long type_count;
    bool validated;
    bool pinned;
    long linear_pt_count;   /* > 0: linear entries it holds; < 0: linear entries naming it */
    bool m2p_hole;
    uint64_t m2p;
};

/* One cached translation, as a TLB holds it: for a root, a page, some rights. */
struct model_tlb_entry {
    bool valid;
    mfn_t root;
    uint64_t va;        /* page aligned guest va */
    struct model_xlat x;
};

#define MODEL_TLB_SIZE 64

/*
 * One vCPU of the guest, as the model runs it: on a pCPU of its own (vCPU i on
 * pCPU i, never moving), so its TLB is that pCPU's and a flush to a pCPU mask
 * reaches the vCPUs with those numbers.  Its loaded roots are Xen's
 * v->arch.guest_table and guest_table_user.
 */
struct model_vcpu {
    mfn_t kernel_base, user_base;
    struct model_tlb_entry tlb[MODEL_TLB_SIZE];
    unsigned int tlb_next;
};

/* A set of pCPUs (= running vCPUs), Xen's cpumask_t: bit i is pCPU i. */
typedef uint64_t model_cpumask_t;

/* The stale-TLB detector's record (tlb.c). */
struct model_stale_reads {
    unsigned long count;
    char first[320];
};

struct model_state {
    unsigned long nr_frames;
    int memfd;
    uint8_t *mem;                    /* all of machine memory, mapped once */
    struct model_frame *frames;
    struct model_counters counters;
    unsigned long fail_call_in, fail_entry_in;
    long fail_call_err, fail_entry_err;
    char refusal[256];
    bool crashed;
    char crash_reason[256];
    uint64_t (*va_to_guest)(uint64_t va);
    void (*store_hook)(mfn_t table, unsigned int slot, uint64_t val);
    uint64_t l1tf_addr_mask, l1tf_safe_maddr;   /* l1tf_calculations() (entries.c) */
    bool pv_linear_pt;               /* Xen's pv-linear-pt option (linear.c) */
    unsigned int max_vcpus;          /* d->max_vcpus (guest.c) */
    unsigned int nr_vcpus;           /* of those, running: vcpu[0 .. nr_vcpus-1] (vcpus.c) */
    /* (Xen's `current`, the vcpu issuing hypercalls, is per thread: model_cur_vcpu, vcpus.c.) */
    struct model_vcpu vcpu[MODEL_MAX_VCPUS];
    struct model_stale_reads stale;
    unsigned long max_pages;         /* d->max_pages for populate_physmap (0: no limit) */
    unsigned long reservation_limit; /* the next decrease/populate does at most this many... */
    bool reservation_limited;        /* ...if armed (reservation.c) */
};

extern struct model_state model;

/* domains.c: what a hypercall's domain argument names. */
enum model_dom {
    MODEL_DOM_NONE,    /* no such domain (or the guest's own number: get_pg_owner) */
    MODEL_DOM_SELF,    /* the guest */
    MODEL_DOM_IO,      /* dom_io */
    MODEL_DOM_XEN,     /* dom_xen */
    MODEL_DOM_OTHER,   /* dom0 */
};
enum model_dom model_pg_owner(domid_t dom);        /* get_pg_owner() */
enum model_dom model_domain_by_id(domid_t dom);    /* rcu_lock_domain_by_id() */
bool model_xsm_target_ok(enum model_dom target);  /* xsm_default_action(XSM_TARGET) */
const char *model_dom_name(enum model_dom d);

/* guest.c: guest addresses, guest memory, vcpumasks. */
bool model_canonical(uint64_t va);                     /* is_canonical_address */
bool model_addr_ok(uint64_t va);                       /* __addr_ok */
bool model_copy_from_guest(void *to, uint64_t from, size_t len);
int model_vcpumask_to_pcpumask(uint64_t bmap, model_cpumask_t *pmask);

/* vcpus.c: who is running, and the calling one. */
struct model_vcpu *model_current(void);           /* current */
model_cpumask_t model_this_cpu(void);             /* cpumask_of(smp_processor_id()) */
model_cpumask_t model_dirty_cpumask(void);        /* d->dirty_cpumask */

/* machine.c */
struct model_frame *model_frame(mfn_t mfn);          /* NULL past the end of memory */
uint64_t *model_table(mfn_t mfn);                     /* the frame as 512 entries */
bool model_guest_owns(mfn_t mfn);
/* Every store a hypercall makes into a frame goes through here (and the hook). */
void model_store_entry(mfn_t table, unsigned int slot, uint64_t val);
/* Record why Xen would refuse, return rc (negative): `return model_refuse(...)`. */
long model_refuse(long rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void model_crash(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* types.c: get_page_type / put_page_type, and the validation they trigger. */
int model_get_type(mfn_t mfn, enum model_type type);
void model_put_type(mfn_t mfn);
enum model_type model_type_for_level(int level);

/* entries.c: one entry of a level-`level` table, as Xen checks it. */
uint64_t model_disallow_mask(int level);
bool model_l1tf_safe(int level, uint64_t e);
/* get_page_from_lNe / put_page_from_lNe, for entry `e` of `table` */
int model_get_entry_ref(mfn_t table, int level, uint64_t e);
void model_put_entry_ref(mfn_t table, int level, uint64_t e);

/* linear.c: entries naming a table of their own level (get_lN_linear_pagetable). */
bool model_get_linear(mfn_t table, int level, uint64_t e);
bool model_put_linear(mfn_t table, uint64_t e);       /* false: not a linear entry */
uint64_t model_adjust_guest(int level, uint64_t e);     /* adjust_guest_lNe */
int model_mod_entry(mfn_t table, unsigned int slot, int level, uint64_t nval, bool preserve_ad,
                    enum model_dom pg_owner);

/* tlb.c: flushing (and counting the flushes the guest asked for). */
void model_tlb_fill(struct model_vcpu *v, mfn_t root, uint64_t va, const struct model_xlat *x);
/* flush_tlb_mask(): every TLB in `mask`, whole; counted once if it reaches any. */
void model_tlb_flush_mask(model_cpumask_t mask);
/* flush_tlb_one_mask(): one page of every TLB in `mask` (va as given: host pointers too). */
void model_tlb_flush_va_mask(model_cpumask_t mask, uint64_t va);
/* A flush Xen does unasked (a root load, flush_linear_pt): not counted. */
void model_tlb_flush_by_xen(model_cpumask_t mask);
/* _get_page_type's flush when a frame changes type: no TLB keeps a translation to it. */
void model_tlb_flush_frame_by_xen(mfn_t mfn);
void model_vcpu_tlb_clear(struct model_vcpu *v);
/* hardware.c: walk, mark A/D, and cache the translation in v's TLB. */
enum model_touch model_touch_fill(struct model_vcpu *v, mfn_t l4, uint64_t va, bool write);

/* multicall.c: counting and fault injection, shared by every hypercall. */
bool model_enter_hypercall(long *injected);           /* true: fail with *injected */

/*
 * The hypercalls' bodies, without the trap: hv_* = enter + body; a multicall
 * entry runs the body alone (its trap is the multicall's).  The domain
 * argument is Xen's `unsigned int foreigndom`: all 32 bits of it.
 */
typedef int (*model_item_fn)(void *ctx, const void *list, unsigned int i);
long model_run_list(const void *list, unsigned int count, unsigned int *done,
                    unsigned long *attempted, model_item_fn one, void *ctx);
long model_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done,
                      unsigned int foreigndom);
long model_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done,
                     unsigned int foreigndom);
long model_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long model_memory_op(unsigned int cmd, void *arg);
/* reservation.c: XENMEM_decrease_reservation, XENMEM_populate_physmap. */
long model_reservation_op(unsigned int cmd, void *arg);

/*
 * Threads (docs/model-smp.md): the vcpu a thread runs is its own, and the model
 * applies one hypercall (or one access through a TLB) at a time, under one
 * recursive lock that every hv_* entry, model_vcpu_touch and the harness's frame
 * hooks take.  Xen is finer-grained; one at a time is a legal schedule of it.
 */
extern _Thread_local unsigned int model_cur_vcpu;

#endif
