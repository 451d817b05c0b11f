/*
 * Every hook: what the portable core needs from whoever carries it.
 *
 * The core never includes arch code.  The kernel it is built into (or the hosted
 * test harness and the model of Xen) defines these functions, and libpvmmu.a's
 * undefined symbols are exactly this list (tools/check-public-api.sh checks it).
 * None is called before the embedder calls into the layer; none may call back
 * into pvmmu (pvmmu_platform_call_function's function aside); all run on the
 * calling vCPU.  On several vCPUs they are called from any of them at once, and
 * (pvmmu_platform_call_function aside) possibly with pvmmu's spinlocks held
 * (docs/smp-locks.md): a hook must be safe to call concurrently (frame_alloc /
 * frame_free need a lock of their own) and must never wait for another vCPU.
 * docs/embedding.md says in what order to bring the layer up around them.
 */
#ifndef PVMMU_PLATFORM_H
#define PVMMU_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>

/* --- the hypercalls: the narrow waist ---------------------------------------- */
/*
 * The only hypercalls the core makes, each issued as Xen defines it (the PV
 * kernel goes through Xen's hypercall page; the hosted tests through the model of
 * Xen's PV MMU rules).  Each returns what Xen returns, unchanged: 0 or a negative
 * errno value (-XEN_EINVAL, ...); `done` (may be NULL) as Xen writes it back.  The
 * core checks every result, so a hook must not retry, log or swallow errors.
 */
long pvmmu_hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom);
long pvmmu_hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom);
long pvmmu_hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long pvmmu_hv_multicall(multicall_entry_t *calls, unsigned int count);
long pvmmu_hv_memory_op(unsigned int cmd, void *arg);

/* --- the direct map ------------------------------------------------------------ */
/*
 * The kernel's direct map: every pseudo-physical frame the core is given (tables,
 * p2m leaves) at a fixed virtual address, writable until the core makes it a
 * pinned table.  pvmmu_pfn_to_virt of a pfn the embedder never gave is never asked;
 * pvmmu_virt_to_pfn is only asked about addresses pvmmu_pfn_to_virt returned.  Functions, not
 * macros: the embedder's own pvmmu_pfn_to_virt may be a macro of the same short name.
 * A kernel at virtual 0 (Mini-OS's layout) may map pfn 0 at NULL: the core never tests
 * pvmmu_pfn_to_virt's result against NULL.
 */
void *pvmmu_pfn_to_virt(pvmmu_pfn_t pfn);
pvmmu_pfn_t pvmmu_virt_to_pfn(const void *va);

/*
 * The machine address of the l1e that maps `pfn` in the kernel's direct map.
 * Pinning flips this entry to read-only while the frame is a page table (Xen
 * refuses a writable alias of a table frame), and back when it is released.
 */
uint64_t pvmmu_direct_map_l1e_maddr(pvmmu_pfn_t pfn);

/* --- frames ---------------------------------------------------------------------- */
/*
 * Frames for page tables and p2m leaves: zeroed, mapped in the direct map,
 * writable, and the core's until pvmmu_frame_free; PVMMU_INVALID_PFN when memory is out (the
 * core reports and returns -XEN_ENOMEM: it never retries).
 */
pvmmu_pfn_t pvmmu_frame_alloc(void);
void pvmmu_frame_free(pvmmu_pfn_t pfn);

/* --- the m2p ---------------------------------------------------------------------- */
/*
 * Read the hypervisor's m2p entry for `mfn` WITHOUT DYING if that part of the
 * table is a hole: Xen's read-only m2p is sparse and the read faults there, so
 * the embedder must make it a read that survives a fault (an exception-table
 * fixup, as Linux's __get_user, or a probe).  False when the read faulted, and
 * when mfn is beyond the table (MACH2PHYS_NR_ENTRIES on Xen): the bound is checked
 * here, inside, because boot and resume code reads start_info's mfns through this
 * before the m2p's own size (pvmmu_m2p_init) is known.  This is the only read the core
 * makes that may fault.
 */
bool pvmmu_m2p_read_raw(pvmmu_mfn_t mfn, uint64_t *pfn_out);

/* --- the p2m's window ------------------------------------------------------------- */
/*
 * The p2m's linear table lives in a virtual window so that a lookup is one load:
 * every page of the window is backed either by a real leaf frame or by one shared,
 * read-only "missing" leaf.  The platform reserves the window once (pvmmu_p2m_init asks
 * for `bytes`, page aligned; NULL: no room) and (re)maps its pages; `va` is page
 * aligned and inside the window.  0 or a negative XEN_E* value.
 *
 * The window is read with whatever address space is loaded, so it must lie in the
 * kernel's L4 slots (copied into every space; <xen/pvmmu/layout.h>).  These two hooks
 * and pvmmu_frame_alloc are called from inside pvmmu_p2m_init, before the table
 * exists: until it returns, the embedder's own pfn -> mfn answers (for the window's
 * own tables, say) must still come from the list Xen gave at boot.
 *
 * This table becomes THE p2m: after pvmmu_p2m_init the embedder's kernel must read
 * pfn -> mfn through pvmmu_p2m_lookup (or pvmmu_p2m_linear) and not through the list Xen gave
 * at boot, and after a restore it must switch any pointer it kept to pvmmu's
 * table: the restorer rewrites only the frames that the published frame lists name.
 */
void *pvmmu_p2m_window_reserve(uint64_t bytes);
int pvmmu_p2m_window_map(void *va, pvmmu_pfn_t pfn, bool writable);

/* --- diagnostics -------------------------------------------------------------------- */
/* One line of diagnostics (no newline in it; the hook adds its own).  May drop lines. */
void pvmmu_platform_log(const char *line);

/* --- the vCPU --------------------------------------------------------------------------- */
/*
 * The vCPU this code runs on (Linux's smp_processor_id()), below
 * PVMMU_MAX_VCPUS: the bit that stands for it in a Xen vcpumask, and the index
 * of its per-vCPU state (its multicall batch, lazy depth, loaded address
 * space).  0 while only vCPU 0 runs.  It must not change during a pvmmu call
 * (the embedder does not migrate a thread between vCPUs inside one); an id
 * past the limit is reported and traps.
 */
#define PVMMU_MAX_VCPUS 16
unsigned pvmmu_platform_vcpu_id(void);

/*
 * Run fn(data) on every vCPU of `vcpumask` (bit n: vCPU n; never the caller's
 * own bit, never a vCPU that is not up) and return once every one of them has
 * returned from it: Linux's smp_call_function_many(mask, fn, data, wait=1),
 * over an IPI (an event channel on Xen).  pvmmu uses it to make other vCPUs let
 * go of an address space before unpinning or destroying it (their
 * xen_drop_mm_ref): fn switches that vCPU to the kernel's space and issues its
 * batch, so fn calls into pvmmu on the target.
 *
 * pvmmu calls it with none of its locks held.  On the target, fn must run
 * between two pvmmu calls of that vCPU, or while it waits in this hook itself,
 * never in the middle of a pvmmu call (mask the IPI during pvmmu calls, or
 * defer it to their end).  While waiting, the caller must itself answer
 * call-functions sent to it, or two vCPUs dropping each other's references
 * would wait for each other for ever.
 */
void pvmmu_platform_call_function(unsigned long vcpumask, void (*fn)(void *data), void *data);

/* --- the C library -------------------------------------------------------------------- */
/*
 * The core is freestanding, but gcc emits calls to memcpy and memset for struct
 * copies and clears, so the embedder must define them, with their ISO C meaning
 * and their standard names (not declared here: the embedder's own declarations
 * stand).  They are the only undefined symbols without the pvmmu_ prefix.
 */

#endif
