/*
 * Batching: many MMU requests, one trap.
 *
 * Every entry into Xen costs a trap, and a PV kernel that updates page tables one
 * entry at a time spends most of its life in those traps.  So requests are queued
 * in a per-vCPU batch (indexed by pvmmu_platform_vcpu_id(): two vCPUs batching at
 * once never mix entries, and lazy mode is per vCPU too) and issued together with
 * one multicall:
 *
 *   - consecutive mmu_update requests are MERGED into one multicall entry (its
 *     request array grows by one, its count by one), and so are consecutive
 *     mmuext_op requests; a new entry is started only when the kind changes;
 *   - a batch holding a single entry skips the multicall wrapper and issues that
 *     hypercall directly (same trap count, less work in Xen);
 *   - after the batch is issued, every entry's result is checked, and a failure is
 *     reported with the operation and its arguments (for mmu_update, the exact
 *     request that failed, thanks to the `done` count Xen writes back);
 *   - callbacks queued with pvmmu_mc_callback() run after the batch that holds the
 *     requests queued before them, and learn whether it succeeded.
 *
 * Lazy MMU mode (pvmmu_lazy_mmu_enter / pvmmu_lazy_mmu_leave) decides WHEN the batch is issued:
 * outside it, every request is issued at once (pvmmu_mc_issue() flushes); inside it, the
 * batch is issued only when the outermost section is left, when pvmmu_lazy_mmu_flush() is
 * called, or when the batch is full.  The rules, each tested in
 * tests/unit/test_multicall.c:
 *
 *   1. Sections nest.  Entering while already lazy only deepens the nesting; only
 *      the leave that matches the OUTERMOST enter issues the batch.  (Linux PV
 *      crashed as late as 2026 when an inner section's leave ended the outer one.)
 *   2. A leave without a matching enter is an error: reported, nothing changes.
 *   3. A full batch is issued on the spot (a "forced flush"); the mode stays lazy,
 *      the nesting depth is unchanged, and queued callbacks run at that flush.
 *   4. pvmmu_lazy_mmu_flush() issues the batch now and stays lazy: the way to make queued
 *      updates visible (reading a table entry back, a fault handler that needs its
 *      mapping now).  Until then, an update queued in lazy mode is NOT in the table.
 *   5. A failure is never lost to a flush the caller does not see.  A batch that
 *      fails while a section is open (forced, or pvmmu_lazy_mmu_flush()), or a flush
 *      forced while the batch is being issued (a deferred hook that no longer
 *      fit), keeps its error: the outermost leave, or the next flush outside lazy
 *      mode, returns it even if its own batch went through.  Each failure is still
 *      reported once, when it happens.
 *
 * The sizes are tuned parameters, chosen from counted traps (docs/batching.md):
 * 1,024 mmu_update requests fit in one trap, so 1,000 updates in a lazy section
 * cost one trap, and pinning a 64-frame address space (64 read-only flips plus the
 * pins) costs one.  The price is ~25 KiB per vCPU and a longer stay in Xen per
 * trap (Xen preempts long batches itself, with continuations).
 */
#ifndef PVMMU_MULTICALL_H
#define PVMMU_MULTICALL_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>

#define PVMMU_MC_MAX_ENTRIES 32            /* multicall entries per batch */
#define PVMMU_MC_ARG_BYTES (16 * 1024)     /* room for 1,024 mmu_update requests */
#define PVMMU_MC_MAX_CALLBACKS 16

/* Queue one request.  0, or the error of a forced flush that had to happen first. */
int pvmmu_mc_mmu_update(uint64_t ptr, uint64_t val);
int pvmmu_mc_mmuext(const struct mmuext_op *op);
int pvmmu_mc_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);

/* Run fn(data, result) once the requests queued so far have been issued. */
typedef void (*pvmmu_mc_callback_fn)(void *data, int result);
int pvmmu_mc_callback(pvmmu_mc_callback_fn fn, void *data);

/* Issue the batch now.  0, or the first failing entry's error (all are reported). */
int pvmmu_mc_flush(void);
/* Issue the batch unless in lazy mode: what a single MMU operation calls at its end. */
int pvmmu_mc_issue(void);
/* Whether requests are queued and not issued yet. */
bool pvmmu_mc_pending(void);

/*
 * Lazy MMU mode, the rules above: enter deepens the nesting; the leave matching the
 * outermost enter issues the batch and returns its error (or one kept from a flush
 * inside the section); a leave without an enter is -XEN_EINVAL, reported.
 */
void pvmmu_lazy_mmu_enter(void);
int pvmmu_lazy_mmu_leave(void);
/* Leave a section the caller entered, returning its own error `rc` first, else the leave's. */
int pvmmu_lazy_mmu_leave_after(int rc);
/* Issue the batch now and stay lazy (rule 4). */
int pvmmu_lazy_mmu_flush(void);
bool pvmmu_lazy_mmu_active(void);
unsigned pvmmu_lazy_mmu_depth(void);

/* What this vCPU's batching did, for `stat:` lines and benchmarks (each vCPU counts its own). */
struct pvmmu_mc_stats {
    uint64_t traps;            /* hypercalls issued: a multicall counts as one */
    uint64_t multicalls;       /* of which multicalls */
    uint64_t direct_calls;     /* of which single entries issued without the wrapper */
    uint64_t entries;          /* multicall entries issued (or direct calls) */
    uint64_t mmu_requests;     /* mmu_update requests issued */
    uint64_t mmuext_requests;  /* mmuext_op requests issued */
    uint64_t merged;           /* requests that extended an entry instead of adding one */
    uint64_t forced_flushes;   /* flushes caused by a full batch */
    uint64_t failures;         /* entries whose result was an error */
    uint64_t largest_batch;    /* most requests carried by one trap */
};
const struct pvmmu_mc_stats *pvmmu_mc_stats(void);
void pvmmu_mc_stats_reset(void);

/*
 * Forget everything this vCPU has queued and leave its lazy mode (after a failed
 * hypercall has been handled, or in tests).  Other vCPUs' batches are theirs.
 */
void pvmmu_mc_reset(void);

/* A request in words, for reports: "PIN_L4_TABLE mfn=0x1234". */
const char *pvmmu_mmuext_cmd_name(unsigned int cmd);

#endif
