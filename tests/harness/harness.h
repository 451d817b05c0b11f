/*
 * The hosted harness: the kernel that carries the portable core in tests.
 *
 * The core needs a platform and a hypervisor (both the hooks of
 * include/xen/pvmmu/platform.h).  The model of Xen (tests/model/) is the
 * hypervisor; this is the platform, plus what a PV kernel is handed at boot:
 * a guest of nr_pages frames whose pfn -> mfn assignment is shuffled (so a
 * pfn/mfn mix-up breaks tests instead of passing by luck), a start_info-style
 * mfn list, and a kernel page-table tree built as Xen's domain builder builds
 * it, pinned and loaded through the model's own hypercalls.
 *
 * Typical test:
 *     static int setup(void **s) { harness_boot(256); return 0; }
 *     static int teardown(void **s) { harness_shutdown(); return 0; }
 */
#ifndef PVMMU_TEST_HARNESS_H
#define PVMMU_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>

/* The guest kernel's direct map: L4 slot 272, pfn * 4096 above this address. */
#define HARNESS_DIRECT_MAP_VA 0xffff880000000000ULL
/* Frames the harness adds to the machine beyond the guest's (foreign, free). */
#define HARNESS_FOREIGN_FRAMES 8
#define HARNESS_SPARE_FRAMES 8
/*
 * The host direct map costs one mapping per page (the shuffle leaves no two
 * neighbours mergeable), and Linux allows 65530 per process by default.
 */
#define HARNESS_MAX_PAGES 49152UL

/*
 * A fresh machine and guest.  The kernel L4 maps every guest frame at
 * HARNESS_DIRECT_MAP_VA + pfn * 4096 (table frames read-only, the rest RW), is
 * pinned (MMUEXT_PIN_L4_TABLE) and loaded (MMUEXT_NEW_BASEPTR).  Counters are
 * reset afterwards, so a test counts only its own traps.  Seed the shuffle with
 * PVMMU_SHUFFLE_SEED in the environment (default: fixed).
 */
void harness_boot(unsigned long nr_pages);
void harness_shutdown(void);

const uint64_t *harness_mfn_list(void);       /* pfn -> mfn, as start_info's mfn_list */
unsigned long harness_nr_pages(void);
mfn_t harness_pfn_to_mfn(pfn_t pfn);          /* from the boot-time list */
pfn_t harness_mfn_to_pfn(mfn_t mfn);          /* its inverse; INVALID_PFN if not the guest's */
pfn_t harness_kernel_l4(void);
mfn_t harness_kernel_l4_mfn(void);
shared_info_t *harness_shared_info(void);     /* zeroed, stands in for Xen's */
unsigned long harness_frames_free(void);
/* Is pfn one of the boot page-table frames (never handed out by frame_alloc)? */
bool harness_pfn_is_boot_table(pfn_t pfn);
/* A foreign domain's frame, and a free (nobody's) frame, for refusal tests. */
mfn_t harness_foreign_mfn(unsigned int i);
mfn_t harness_spare_mfn(unsigned int i);

/*
 * The direct map in the host: pfn_to_virt(p) is one page per pfn, in pfn order,
 * mapping the machine frame with the rights of the guest's l1e for p, and it
 * follows every change a hypercall makes to that l1e.  A write through it to a
 * frame whose alias is read-only (every page table) faults, as on real Xen.
 */
uint64_t harness_guest_va(const void *host_va);   /* the guest va it stands for */
bool harness_direct_map_writable(pfn_t pfn);      /* the guest's l1e says P and RW */
bool harness_writable(void *va);                   /* would a write here fault? */

/*
 * SMP, sequentially interleaved (smp.c, docs/model-smp.md): bring up n vcpus
 * (1..MODEL_MAX_VCPUS; the new ones start on the kernel's root), and choose
 * the vcpu that makes the next hypercalls and accesses.  Boot leaves one
 * vcpu, vcpu 0, current.
 */
void harness_set_vcpus(unsigned int n);
unsigned int harness_vcpus(void);
void harness_on_vcpu(unsigned int vcpu);
unsigned int harness_current_vcpu(void);
/*
 * pvmmu_platform_call_function, sequentially: the target vcpus run the function
 * in turn.  fn (once, on the next call, before the targets run) plays what
 * another vcpu does while the IPIs are in flight.
 */
void harness_during_next_call_function(void (*fn)(void));
unsigned long harness_call_function_targets(void);   /* so far, in all */
/*
 * Threads: with harness_threads(true) each vcpu is a thread (harness_on_vcpu is
 * per thread) and the call-function hook posts to the targets' mailboxes; a
 * vcpu thread answers them when it calls harness_poll_calls(), between pvmmu calls.
 */
void harness_threads(bool on);
void harness_poll_calls(void);

/*
 * frame_alloc fault injection: the nth allocation from now (1 = the next)
 * returns INVALID_PFN; with `sticky`, every one after it too.  0 disarms.
 */
void harness_fail_frame_alloc(unsigned long nth, bool sticky);
/* frame_alloc calls since boot, failed ones included: the sites a sweep of the above covers. */
unsigned long harness_frame_allocs(void);
/* The virtual p2m list (p2m/virt_list.c): a call-back run inside every p2m_window_map() (the
 * moment a page of the list is repointed), and the machine frame behind one page of the window,
 * as a toolstack's walk from p2m_cr3 would find it (INVALID_MFN if the page was never mapped). */
void harness_on_window_map(void (*hook)(void *ctx), void *ctx);
mfn_t harness_window_frame(const void *va);
/* frame_free calls that freed a frame still typed or pinned: a core bug. */
unsigned long harness_frees_while_typed(void);
/* ... or still read-only in the direct map (its next user could not write it). */
unsigned long harness_frees_while_read_only(void);

/* Is pfn handed out (a boot table, or frame_alloc'ed and not freed)? */
bool harness_frame_in_use(pfn_t pfn);

/*
 * A snapshot of the machine and the harness around it (snapshot.c): fuzzers boot
 * once and put the booted machine back after every input, far cheaper than a
 * boot.  Restore answers false, changing nothing, when the machine is no longer
 * the one photographed (booted again, shut down, or restored from an image).
 * The core's own variables are not the machine's: reset them yourself.
 */
struct harness_snapshot;
struct harness_snapshot *harness_snapshot_take(void);
bool harness_snapshot_restore(const struct harness_snapshot *s);
void harness_snapshot_free(struct harness_snapshot *s);
/* Counts machines: changes whenever the harness's machine is replaced or goes. */
unsigned long harness_machine_generation(void);

/* platform_log, recorded: how many lines, and the last one ("" if none). */
unsigned long harness_log_count(void);
const char *harness_log_last(void);
bool harness_log_contains(const char *needle);

/*
 * Scratch page tables for tests of the model's rules, built the way a guest
 * must: a frame becomes a table candidate only once its direct-map alias is
 * read-only (one mmu_update), and entries of a table that is not yet typed are
 * plain memory.  These spend traps: reset the counters after building.
 */
mfn_t harness_table_frame(void);      /* zeroed, direct map read-only */
mfn_t harness_data_frame(void);       /* zeroed, direct map read-write */
uint64_t *harness_entries(mfn_t mfn); /* the frame as 512 entries (no rules apply) */
/* One hypercall each, DOMID_SELF; the return value is Xen's. */
long harness_pin(int level, mfn_t mfn);
long harness_unpin(mfn_t mfn);
long harness_update(mfn_t table, unsigned int slot, uint64_t val);
/* The machine address of entry `slot` of frame `table`. */
uint64_t harness_entry_maddr(mfn_t table, unsigned int slot);

#endif
