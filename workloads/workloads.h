/*
 * The MMU workloads: what pvmmu runs to prove the core on real Xen.
 *
 * They are portable, like the core: the same suites run inside the PV kernel
 * (arch/x86/xen/, real hypercalls, real page faults) and in a hosted test against
 * the model (tests/unit/test_workloads.c).  Where they run supplies the few
 * things below that only a CPU can do: touch memory through the current address
 * space, and say whether that touch faulted.
 *
 * Output, per ../docs/workloads.md: `PASS name` or `FAIL name: why` per check,
 * `stat: NAME VALUE` per counter; the carrier prints the closing
 * `pvmmu: N passed, N failed`.
 */
#ifndef PVMMU_WORKLOADS_H
#define PVMMU_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/pvmmu/frame.h>

/* Sizes and counts, settable from the kernel command line (xl's extra=). */
struct wl_options {
    unsigned spaces;        /* address spaces in the "spaces" suite (>= 256 by default) */
    unsigned pages;         /* data pages per address space */
    unsigned storm_rounds;  /* map/unmap rounds in the "unmap" suite */
    unsigned storm_pages;   /* pages per round */
    const char *suites;     /* comma-separated suite names, or "all" */
    unsigned w1_iterations; /* W1: fork + map 4 MiB + touch + teardown, this many times */
    unsigned w2_pages;      /* W2: pages mapped, touched, protected, unmapped (16,384 = 64 MiB) */
    unsigned fault_around;  /* demand mode: pages mapped per page fault (a power of two) */
};

void wl_default_options(struct wl_options *opt);

/* --- what the carrier provides ------------------------------------------------ */

/*
 * Read or write 8 bytes at `va` through the CURRENT address space, as the CPU
 * would.  False if the access faulted (a page fault the workload expected: the
 * carrier catches it, counts it and returns here).
 */
bool env_write64(uint64_t va, uint64_t value);
bool env_read64(uint64_t va, uint64_t *value);
/*
 * A phase boundary of the benchmark workloads: the kernel issues sched_op with
 * cmd 0x7e00 | id, which Xen answers -ENOSYS but records in its trace, so phases
 * are cut exactly (../shared/xen-trace numbering).
 */
void env_marker(unsigned id);
/* One line of output, as is. */
void env_print(const char *line);
/* Frames the allocator still has (to check that teardown gives back what it took). */
unsigned long env_frames_free(void);
/* The virtual address at which the kernel's direct map shows frame `pfn`. */
uint64_t env_direct_map_va(uint64_t pfn);
/* Xen's shared_info page, where the p2m frame lists are published. */
void *env_shared_info(void);
/* How many pfns Xen gave the guest (start_info's nr_pages). */
uint64_t env_nr_pages(void);
/* A zeroed buffer of `bytes`, contiguous in the kernel's view, or NULL; and back. */
void *env_buffer_alloc(uint64_t bytes);
void env_buffer_free(void *buffer, uint64_t bytes);
/*
 * Fault injection (the inject suite): the nth MMU hypercall from now (entry: the
 * nth multicall entry) fails as Xen fails a bad request, having done nothing of
 * it; 0 disarms.  env_mmu_calls: how many were made so far.  env_log_quiet keeps
 * the expected reports off the console while a sweep runs.
 */
void env_fail_nth(bool entry, unsigned long nth);
unsigned long env_mmu_calls(bool entry);
void env_log_quiet(bool quiet);

/* --- the MMU they drive ---------------------------------------------------------- */

/*
 * The suites make address spaces through one backend table (backend.h), so the
 * same code runs over the PV backend (Xen validates our tables) and over the
 * shadow backend (the bare-metal kernel, arch/x86/metal/).  A table of ops is not
 * quite enough: a suite also needs the address space to go back to when it is
 * done, and the loaded one.  PV is the default; a carrier with another backend
 * points wl_mmu at its own before wl_run.
 */
struct aspace;
struct mmu_backend;
struct wl_mmu {
    const struct mmu_backend *ops;
    struct aspace *(*kernel)(void);    /* the kernel's own address space */
    struct aspace *(*current)(void);   /* the one loaded now */
    bool traps;                        /* updates are hypercalls: trap counters mean something */
};
extern const struct wl_mmu wl_pv_mmu;
extern const struct wl_mmu *wl_mmu;
/* A trap counter, printed only where updates trap into Xen (a 0 elsewhere would say nothing). */
void wl_stat_traps(const char *name, uint64_t traps);

/* --- reporting ---------------------------------------------------------------- */

void wl_check(bool ok, const char *name, const char *why_fmt, ...) __attribute__((format(printf, 3, 4)));
void wl_stat(const char *name, uint64_t value);
unsigned wl_passed(void);
unsigned wl_failed(void);
void wl_reset_counts(void);
void wl_accept_errors(void);

/* --- the suites ---------------------------------------------------------------- */

void wl_suite_spaces(const struct wl_options *opt);
void wl_suite_fork(const struct wl_options *opt);
void wl_suite_protect(const struct wl_options *opt);
void wl_suite_inject(const struct wl_options *opt);
/* The inject suite's scenario, shared with the hosted fault-injection test: 3 spaces over 64 frames. */
#define WL_INJECT_SPACES 4          /* three created, the fourth a fork of the second */
#define WL_INJECT_FRAMES 64
void wl_inject_scenario(struct aspace *as[WL_INJECT_SPACES], const pfn_t data[WL_INJECT_FRAMES]);
void wl_suite_unmap(const struct wl_options *opt);
void wl_suite_hooks(const struct wl_options *opt);
void wl_suite_p2m(const struct wl_options *opt);
void wl_suite_errors(const struct wl_options *opt);
void wl_suite_w1(const struct wl_options *opt);
void wl_suite_w2(const struct wl_options *opt);
void wl_suite_w1_demand(const struct wl_options *opt);
void wl_suite_w2_demand(const struct wl_options *opt);

/*
 * Demand paging for the benchmark workloads: the carrier's page-fault handler
 * calls this first.  True if the fault was in a demand region and is now mapped
 * (the access is to be retried); false if it is not ours (a real fault).
 */
bool wl_demand_fault(uint64_t va, bool write);

/* Run the suites opt->suites names ("all": every one), then print the batching counters. */
void wl_run(const struct wl_options *opt);

/*
 * Save / restore (workloads/persist.c): address spaces in every state, recorded
 * before a save and compared after it.  setup once; then per cycle: check (the
 * number of pages that differ; with `quiet`, only whether each address space is
 * damaged), continue (new contents for the next cycle).
 */
bool wl_persist_setup(void);
unsigned wl_persist_check(unsigned cycle, bool quiet);
bool wl_persist_continue(unsigned cycle);

/*
 * Busy (workloads/busy.c): MMU work in a loop while the toolstack copies the guest
 * (a live migration's pre-copy).  setup once; step: one operation (create, fork,
 * destroy, write, remap, protect, unmap, map back, touch through the address
 * space, pin or unpin), false once one failed (reported; busy stops there);
 * check: how many mappings and frames differ from what the steps did (0: all as
 * modelled, every word of every frame).
 */
struct wl_busy_counts {
    unsigned long created, forked, destroyed, frames_written, pages_mapped, pages_unmapped,
                  protected_pages, pages_touched, pin_toggles;
};
bool wl_busy_setup(void);
bool wl_busy_step(void);
unsigned long wl_busy_steps(void);
const struct wl_busy_counts *wl_busy_counts(void);
unsigned wl_busy_check(void);
/* The busy pool's index'th data frame (an invalid pfn past the last): for the tests' negative controls. */
pfn_t wl_busy_frame(unsigned index);

/* Shared by the suites (workloads/common.c). */
struct aspace *wl_space_with_pages(uint64_t va, unsigned pages, bool pin);
/* Destroy an address space (switching away first if it is loaded) and free the data frames it mapped at va (pages of them). */
void wl_destroy_space(struct aspace *as, uint64_t va, unsigned pages);
uint64_t wl_pattern(unsigned space, unsigned page);
bool wl_write_pattern(unsigned space, uint64_t va, unsigned pages);
unsigned wl_check_pattern(unsigned space, uint64_t va, unsigned pages);

#define WL_VA 0x0000100000000000ULL   /* where the suites map their pages: L4 slot 32 */

#endif
