/*B:100 Multicalls: the b->
 *
 * One batch per vCPU, indexed by the vCPU's id, with its own lazy depth,
 * callbacks and counts: two vCPUs batching at once never mix entries, and a
 * lazy section is a property of the vCPU that entered it.  The batch holds up to MC_MAX_ENTRIES
 * multicall entries and an argument area where the request arrays live.  The
 * trick that makes batching pay is merging: while the newest entry is an
 * mmu_update whose request array ends exactly where the free space begins, a new
 * request is appended to that array and the entry's count goes up by one.  So a
 * thousand PTE writes become one entry, not a thousand.
 *
 * Xen runs every entry of a multicall whatever happens to the others, and tells
 * us about each one only through its `result` field.  We keep, beside each entry,
 * a `done` counter that Xen fills in for mmu_update and mmuext_op, so when an
 * entry fails we can name the exact request that failed, with its arguments. :*/
#include <xen/pvmmu/platform.h>
#include "multicalls/multicalls_int.h"
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/report.h>

enum mc_kind { MC_MMU_UPDATE, MC_MMUEXT, MC_UPDATE_VA_MAPPING };

#define MC_MAX_FLUSHES 8
struct mc_flush_req {
    const unsigned long *mask;   /* live: an address space's loaded_on */
    uint64_t va;                 /* one page, or MC_FLUSH_ALL */
    unsigned long sent_to;       /* at issue: the mask as it was read (rechecks) */
};

struct mc_entry_info {
    enum mc_kind kind;
    const unsigned long *flush_mask;   /* update_va_mapping: whose TLBs its flush must reach (or NULL) */
    void *requests;        /* start of this entry's request array in `args` */
    unsigned int count;    /* requests in it */
    unsigned int done;     /* written by Xen: requests that succeeded */
};

struct mc_batch {
    multicall_entry_t entries[MC_MAX_ENTRIES];
    struct mc_entry_info info[MC_MAX_ENTRIES];
    unsigned int nr_entries;
    _Alignas(8) unsigned char args[MC_ARG_BYTES];
    unsigned int args_used;
    struct { mc_callback_fn fn; void *data; } callbacks[MC_MAX_CALLBACKS];
    unsigned int nr_callbacks;
    unsigned int lazy_depth;
    unsigned int issuing;  /* inside before_issue: a flush from there is forced, not the caller's */
    int sticky_error;      /* rule 5: the first failure the caller has not been told of yet */
    struct mc_flush_req flushes[MC_MAX_FLUSHES];   /* B:150: decided at issue */
    unsigned int nr_flushes;
    struct mc_flush_req recheck[MC_MAX_FLUSHES + MC_MAX_ENTRIES];   /* sent to fewer than all: look again after */
    unsigned int nr_recheck;
    struct mc_stats stats;
};

/*
 * One batch per vCPU, chosen by platform_vcpu_id() on every call: two vCPUs
 * queueing at once each fill their own, and a batch is only ever touched by
 * the vCPU it belongs to (no lock: a call-function that reaches a vCPU runs
 * between its pvmmu calls, docs/smp-locks.md).
 */
static struct mc_batch batches[PVMMU_MAX_VCPUS];

static struct mc_batch *here(void)
{
    return &batches[vcpu_slot()];
}
static mc_hook_fn before_issue;

/* Set again and again, from any vCPU, always to the same function: atomic, so a reader sees it whole. */
void mc_set_before_issue(mc_hook_fn fn)
{
    __atomic_store_n(&before_issue, fn, __ATOMIC_RELEASE);
}

/* Lazy mode lives in lazy.c; it needs to see the depth and flush. */
unsigned int *mc_lazy_depth_slot(void);
unsigned int *mc_lazy_depth_slot(void)
{
    struct mc_batch *const b = here();
    return &b->lazy_depth;
}

static unsigned int requests_in_batch(void)
{
    struct mc_batch *const b = here();
    unsigned int i, n = 0;

    for (i = 0; i < b->nr_entries; i++)
        n += b->info[i].count;
    return n;
}

/* Room for one request, keeping room for the flushes decided at issue (one mmuext entry). */
static bool room_for(unsigned int arg_bytes, bool new_entry)
{
    struct mc_batch *const b = here();
    unsigned int reserved_entries = b->nr_flushes ? 1 : 0;

    if (new_entry && b->nr_entries + reserved_entries >= MC_MAX_ENTRIES)
        return false;
    return b->args_used + arg_bytes + b->nr_flushes * sizeof(struct mmuext_op) <= MC_ARG_BYTES;
}

/*
 * Make room for one request of `kind` taking `arg_bytes`, issuing the batch first
 * if it is full (rule 3 of multicall.h: a forced flush keeps lazy mode).  Returns
 * the entry to extend or fill, or NULL (with *err set) if the forced flush failed
 * — the new request is then not queued, so nothing is lost silently.
 */
static struct mc_entry_info *entry_for(enum mc_kind kind, unsigned int arg_bytes, int *err)
{
    struct mc_batch *const b = here();
    struct mc_entry_info *last = b->nr_entries ? &b->info[b->nr_entries - 1] : NULL;
    bool can_merge = last && last->kind == kind && kind != MC_UPDATE_VA_MAPPING &&
                     (unsigned char *)last->requests + (size_t)last->count * arg_bytes ==
                         b->args + b->args_used;

    *err = 0;
    if (!room_for(arg_bytes, !can_merge)) {
        b->stats.forced_flushes++;
        *err = mc_flush();
        if (*err)
            return NULL;
        can_merge = false;
    }
    if (can_merge) {
        b->stats.merged++;
        return last;
    }
    last = &b->info[b->nr_entries];
    *last = (struct mc_entry_info){ .kind = kind, .requests = b->args + b->args_used };
    b->entries[b->nr_entries] = (multicall_entry_t){ 0 };
    b->nr_entries++;
    return last;
}

static void *append_request(struct mc_entry_info *e, unsigned int bytes)
{
    struct mc_batch *const b = here();
    void *slot = b->args + b->args_used;

    b->args_used += bytes;
    e->count++;
    return slot;
}

int mc_mmu_update(uint64_t ptr, uint64_t val)
{
    int err;
    struct mc_entry_info *e = entry_for(MC_MMU_UPDATE, sizeof(mmu_update_t), &err);
    mmu_update_t *req;

    if (!e)
        return err;
    req = append_request(e, sizeof(*req));
    req->ptr = ptr;
    req->val = val;
    return 0;
}

int mc_mmuext(const struct mmuext_op *op)
{
    int err;
    struct mc_entry_info *e = entry_for(MC_MMUEXT, sizeof(*op), &err);

    if (!e)
        return err;
    mem_copy(append_request(e, sizeof(*op)), op, sizeof(*op));
    return 0;
}

int mc_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    struct mc_batch *const b = here();
    int err;
    struct mc_entry_info *e = entry_for(MC_UPDATE_VA_MAPPING, 0, &err);
    multicall_entry_t *mc;

    if (!e)
        return err;
    mc = &b->entries[e - b->info];
    mc->args[0] = va;
    mc->args[1] = val;
    mc->args[2] = flags;
    e->count = 1;
    return 0;
}

/*B:150 Shootdowns, decided when the batch is issued.
 *
 * A change to an address space must leave the TLBs of the vCPUs that have it
 * loaded (its loaded_on), and of no others.  But a batch may sit in a lazy
 * section for a while, and on several vCPUs the set can change meanwhile: a
 * vCPU that loads the space after the change was queued walks the old tables
 * until the batch is issued, and must be flushed too.  So the range operations
 * queue a *request* (which mask, which page or all), and the batch turns it
 * into a flush only at issue, after every other request, reading the mask then:
 *
 *   - nobody: no flush at all, counted as avoided;
 *   - this vCPU alone: TLB_FLUSH_LOCAL / INVLPG_LOCAL;
 *   - others: TLB_FLUSH_MULTI / INVLPG_MULTI with a pointer to the live mask,
 *     which Xen reads after it has applied the updates before it, in the same
 *     multicall.
 *
 * The first two leave a window: a vCPU that sets its bit after the read and
 * loads the space (filling its TLB from the old tables) before Xen applies the
 * update.  Its bit was set before it could fill its TLB, so it is in the mask
 * when the hypercall returns: the batch reads the mask again then and flushes
 * any such latecomer with one more trap (counted as late; none in a test that
 * does not provoke it).  update_va_mapping's own flush is decided the same way,
 * in its flags (UVMF_MULTI with the live mask, or local).  One request per
 * mask per batch: a second one for another page widens it to the whole TLB. :*/
static void count_shootdown(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static struct mc_shootdowns shootdowns;

int mc_flush_tlb_of(const unsigned long *mask, uint64_t va)
{
    struct mc_batch *const b = here();
    unsigned int i;
    int err;

    for (i = 0; i < b->nr_flushes; i++)
        if (b->flushes[i].mask == mask) {
            if (b->flushes[i].va != va)
                b->flushes[i].va = MC_FLUSH_ALL;
            return 0;
        }
    if (b->nr_flushes == MC_MAX_FLUSHES || !room_for(sizeof(struct mmuext_op), true)) {
        b->stats.forced_flushes++;
        err = mc_flush();
        if (err)
            return err;
    }
    b->flushes[b->nr_flushes++] = (struct mc_flush_req){ .mask = mask, .va = va };
    return 0;
}

int mc_update_va_mapping_of(uint64_t va, uint64_t val, uint64_t type, const unsigned long *mask)
{
    struct mc_batch *const b = here();
    int err = mc_update_va_mapping(va, val, type & UVMF_FLUSHTYPE_MASK);

    if (!err && (type & UVMF_FLUSHTYPE_MASK))
        b->info[b->nr_entries - 1].flush_mask = mask;
    return err;
}

/* Whom the mask names now, and how to flush them: nobody (0), this vCPU alone, or others. */
enum reach { REACH_NONE, REACH_LOCAL, REACH_MULTI };

static enum reach reach_of(const unsigned long *mask, unsigned long *seen)
{
    unsigned long me = 1UL << vcpu_slot();

    *seen = __atomic_load_n(mask, __ATOMIC_SEQ_CST);
    if (!*seen) {
        count_shootdown(&shootdowns.avoided);
        return REACH_NONE;
    }
    if (*seen == me) {
        count_shootdown(&shootdowns.local);
        return REACH_LOCAL;
    }
    count_shootdown(&shootdowns.multi);
    return REACH_MULTI;
}

static void recheck_later(struct mc_batch *b, const unsigned long *mask, uint64_t va, unsigned long seen)
{
    b->recheck[b->nr_recheck++] = (struct mc_flush_req){ .mask = mask, .va = va, .sent_to = seen };
}

/* At issue: the requests become flushes at the end of the batch (room was kept for them). */
static void queue_flushes(struct mc_batch *b)
{
    struct mc_flush_req todo[MC_MAX_FLUSHES];
    unsigned int i, n = b->nr_flushes;

    mem_copy(todo, b->flushes, sizeof(todo[0]) * n);
    b->nr_flushes = 0;
    for (i = 0; i < n; i++) {
        bool page = todo[i].va != MC_FLUSH_ALL;
        struct mmuext_op op = { .cmd = page ? MMUEXT_INVLPG_LOCAL : MMUEXT_TLB_FLUSH_LOCAL };
        unsigned long seen;
        enum reach r = reach_of(todo[i].mask, &seen);

        if (r != REACH_MULTI)
            recheck_later(b, todo[i].mask, todo[i].va, seen);
        if (r == REACH_NONE)
            continue;
        if (page) {
            op.arg1.linear_addr = todo[i].va;
            count_shootdown(&shootdowns.pages);
        }
        if (r == REACH_MULTI) {
            op.cmd = page ? MMUEXT_INVLPG_MULTI : MMUEXT_TLB_FLUSH_MULTI;
            op.arg2.vcpumask.p = (void *)todo[i].mask;
        }
        mc_mmuext(&op);
    }
}

/* update_va_mapping's flush, in its flags: the live mask (UVMF_MULTI), local, or none. */
static void seal_va_mapping_flush(struct mc_batch *b, multicall_entry_t *mc, struct mc_entry_info *e)
{
    uint64_t type = mc->args[2] & UVMF_FLUSHTYPE_MASK;
    unsigned long seen;
    enum reach r;

    if (!e->flush_mask)
        return;
    r = reach_of(e->flush_mask, &seen);
    if (type == UVMF_INVLPG && r != REACH_NONE)
        count_shootdown(&shootdowns.pages);
    if (r != REACH_MULTI)
        recheck_later(b, e->flush_mask, type == UVMF_INVLPG ? mc->args[0] : MC_FLUSH_ALL, seen);
    if (r == REACH_NONE)
        mc->args[2] = UVMF_NONE;
    else if (r == REACH_MULTI)
        mc->args[2] = type | UVMF_MULTI | (xen_ulong_t)(uintptr_t)e->flush_mask;
    else
        mc->args[2] = type | UVMF_LOCAL;
}

/* After the issue: a vCPU that joined a mask read as none or local is flushed now. */
static void flush_latecomers(struct mc_batch *b)
{
    unsigned int i, n = b->nr_recheck;
    unsigned long me = 1UL << vcpu_slot();

    b->nr_recheck = 0;
    for (i = 0; i < n; i++) {
        unsigned long now = __atomic_load_n(b->recheck[i].mask, __ATOMIC_SEQ_CST);
        bool page = b->recheck[i].va != MC_FLUSH_ALL;
        struct mmuext_op op = { .cmd = page ? MMUEXT_INVLPG_MULTI : MMUEXT_TLB_FLUSH_MULTI };
        unsigned int done = 0;
        long rc;

        if (!(now & ~(b->recheck[i].sent_to | me)))
            continue;
        count_shootdown(&shootdowns.late);
        op.arg1.linear_addr = page ? b->recheck[i].va : 0;
        op.arg2.vcpumask.p = (void *)b->recheck[i].mask;
        b->stats.traps++;
        rc = hv_mmuext_op(&op, 1, &done, DOMID_SELF);
        if (rc)
            pvmmu_error("late shootdown (%s, mask 0x%lx) failed (%ld)", mmuext_cmd_name(op.cmd), now, rc);
    }
}

const struct mc_shootdowns *mc_shootdowns(void)
{
    return &shootdowns;
}

void mc_shootdowns_reset(void)
{
    shootdowns = (struct mc_shootdowns){ 0 };
}

void mc_count_drop(unsigned vcpus)
{
    count_shootdown(&shootdowns.drop_calls);
    __atomic_fetch_add(&shootdowns.drop_vcpus, vcpus, __ATOMIC_RELAXED);
}

int mc_callback(mc_callback_fn fn, void *data)
{
    struct mc_batch *const b = here();
    if (b->nr_callbacks == MC_MAX_CALLBACKS) {
        int err = mc_flush();

        b->stats.forced_flushes++;
        if (err)
            return err;
    }
    b->callbacks[b->nr_callbacks].fn = fn;
    b->callbacks[b->nr_callbacks].data = data;
    b->nr_callbacks++;
    return 0;
}

/* Fill in the multicall entry's op and argument registers from its info. */
static void seal_entry(unsigned int i)
{
    struct mc_batch *const b = here();
    multicall_entry_t *mc = &b->entries[i];
    struct mc_entry_info *e = &b->info[i];

    e->done = 0;
    switch (e->kind) {
    case MC_MMU_UPDATE:
        mc->op = __HYPERVISOR_mmu_update;
        break;
    case MC_MMUEXT:
        mc->op = __HYPERVISOR_mmuext_op;
        break;
    case MC_UPDATE_VA_MAPPING:
        mc->op = __HYPERVISOR_update_va_mapping;
        seal_va_mapping_flush(b, mc, e);
        return; /* its arguments are already in args[0..2] */
    }
    mc->args[0] = (xen_ulong_t)(uintptr_t)e->requests;
    mc->args[1] = e->count;
    mc->args[2] = (xen_ulong_t)(uintptr_t)&e->done;
    mc->args[3] = DOMID_SELF;
}

/* A batch of one skips the multicall wrapper: same trap, less work for Xen. */
static long issue_single(void)
{
    struct mc_batch *const b = here();
    multicall_entry_t *mc = &b->entries[0];
    struct mc_entry_info *e = &b->info[0];

    switch (e->kind) {
    case MC_MMU_UPDATE:
        return hv_mmu_update(e->requests, e->count, &e->done, DOMID_SELF);
    case MC_MMUEXT:
        return hv_mmuext_op(e->requests, e->count, &e->done, DOMID_SELF);
    case MC_UPDATE_VA_MAPPING:
        return hv_update_va_mapping(mc->args[0], mc->args[1], mc->args[2]);
    }
    return -XEN_EINVAL;
}

static void report_failed_entry(unsigned int i, long result)
{
    struct mc_batch *const b = here();
    struct mc_entry_info *e = &b->info[i];
    const multicall_entry_t *mc = &b->entries[i];
    unsigned int bad = e->done < e->count ? e->done : e->count - 1;

    b->stats.failures++;
    switch (e->kind) {
    case MC_MMU_UPDATE: {
        const mmu_update_t *req = (const mmu_update_t *)e->requests + bad;
        pvmmu_error("mmu_update failed (%ld): request %u of %u, ptr=0x%llx val=0x%llx",
                    result, bad + 1, e->count, (unsigned long long)req->ptr,
                    (unsigned long long)req->val);
        break;
    }
    case MC_MMUEXT: {
        const struct mmuext_op *op = (const struct mmuext_op *)e->requests + bad;
        pvmmu_error("mmuext_op failed (%ld): request %u of %u, %s arg1=0x%llx", result,
                    bad + 1, e->count, mmuext_cmd_name(op->cmd),
                    (unsigned long long)op->arg1.mfn);
        break;
    }
    case MC_UPDATE_VA_MAPPING:
        pvmmu_error("update_va_mapping failed (%ld): va=0x%llx val=0x%llx flags=0x%llx", result,
                    (unsigned long long)mc->args[0], (unsigned long long)mc->args[1],
                    (unsigned long long)mc->args[2]);
        break;
    }
}

static void count_issued(void)
{
    struct mc_batch *const b = here();
    unsigned int i, n = requests_in_batch();

    b->stats.traps++;
    b->stats.entries += b->nr_entries;
    for (i = 0; i < b->nr_entries; i++) {
        if (b->info[i].kind == MC_MMU_UPDATE)
            b->stats.mmu_requests += b->info[i].count;
        else if (b->info[i].kind == MC_MMUEXT)
            b->stats.mmuext_requests += b->info[i].count;
    }
    if (n > b->stats.largest_batch)
        b->stats.largest_batch = n;
}

/* Issue the queued entries; returns the first failing entry's error. */
static int issue_entries(void)
{
    struct mc_batch *const b = here();
    unsigned int i;
    int first_error = 0;

    for (i = 0; i < b->nr_entries; i++)
        seal_entry(i);
    count_issued();
    if (b->nr_entries == 1) {
        b->stats.direct_calls++;
        b->entries[0].result = (xen_ulong_t)issue_single();
    } else {
        long rc = hv_multicall(b->entries, b->nr_entries);

        b->stats.multicalls++;
        if (rc) {
            /* The multicall itself was refused: none of its entries ran. */
            pvmmu_error("multicall of %u entries failed (%ld): nothing in it was done",
                        b->nr_entries, rc);
            b->stats.failures++;
            return (int)rc;
        }
    }
    for (i = 0; i < b->nr_entries; i++) {
        long result = (long)b->entries[i].result;

        if (result) {
            report_failed_entry(i, result);
            if (!first_error)
                first_error = (int)result;
        }
    }
    return first_error;
}

/*
 * Rule 5 of multicall.h.  A flush the caller sees the end of (outside lazy mode,
 * not nested in another issue) reports any failure kept since; one inside a
 * section, or forced from before_issue, keeps its failure for that moment.
 */
static int sticky(int result)
{
    struct mc_batch *const b = here();
    bool reaches_caller = !b->lazy_depth && !b->issuing;

    if (result && !b->sticky_error)
        b->sticky_error = result;
    if (!reaches_caller)
        return result;
    result = b->sticky_error;
    b->sticky_error = 0;
    return result;
}

int mc_flush(void)
{
    struct mc_batch *const b = here();
    struct { mc_callback_fn fn; void *data; } callbacks[MC_MAX_CALLBACKS];
    unsigned int i, nr_callbacks;
    int result = 0;

    /* Last-moment requests (tables/pending.c's deferred hooks) join the batch first. */
    mc_hook_fn hook = __atomic_load_n(&before_issue, __ATOMIC_ACQUIRE);

    if (hook) {
        b->issuing++;
        hook();
        b->issuing--;
    }
    queue_flushes(b);
    nr_callbacks = b->nr_callbacks;
    if (b->nr_entries)
        result = issue_entries();
    flush_latecomers(b);

    /* Empty the batch before the callbacks run: they may queue new requests. */
    mem_copy(callbacks, b->callbacks, sizeof(callbacks[0]) * nr_callbacks);
    b->nr_entries = 0;
    b->args_used = 0;
    b->nr_callbacks = 0;
    for (i = 0; i < nr_callbacks; i++)
        callbacks[i].fn(callbacks[i].data, result);
    return sticky(result);
}

int mc_issue(void)
{
    struct mc_batch *const b = here();
    return b->lazy_depth ? 0 : mc_flush();
}

bool mc_pending(void)
{
    struct mc_batch *const b = here();
    return b->nr_entries || b->nr_callbacks || b->nr_flushes;
}

const struct mc_stats *mc_stats(void)
{
    struct mc_batch *const b = here();
    return &b->stats;
}

void mc_stats_reset(void)
{
    struct mc_batch *const b = here();
    b->stats = (struct mc_stats){ 0 };
}

static void reset(struct mc_batch *b)
{
    b->nr_entries = 0;
    b->args_used = 0;
    b->nr_callbacks = 0;
    b->lazy_depth = 0;
    b->issuing = 0;
    b->sticky_error = 0;
    b->nr_flushes = 0;
    b->nr_recheck = 0;
}

/* This vCPU's batch only: another vCPU's may be in use right now. */
void mc_reset(void)
{
    reset(here());
}

void mc_reset_all(void)
{
    unsigned i;

    for (i = 0; i < PVMMU_MAX_VCPUS; i++)
        reset(&batches[i]);
}
