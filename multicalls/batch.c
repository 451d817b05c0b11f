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

struct mc_entry_info {
    enum mc_kind kind;
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

void mc_set_before_issue(mc_hook_fn fn)
{
    before_issue = fn;
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

static bool room_for(unsigned int arg_bytes, bool new_entry)
{
    struct mc_batch *const b = here();
    if (new_entry && b->nr_entries == MC_MAX_ENTRIES)
        return false;
    return b->args_used + arg_bytes <= MC_ARG_BYTES;
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
    if (before_issue) {
        b->issuing++;
        before_issue();
        b->issuing--;
    }
    nr_callbacks = b->nr_callbacks;
    if (b->nr_entries)
        result = issue_entries();

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
    return b->nr_entries || b->nr_callbacks;
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
