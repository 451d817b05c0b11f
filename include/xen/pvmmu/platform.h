/*
 * What the portable core needs from whoever carries it.
 *
 * The core never includes arch code.  Instead, the kernel it is built into (or
 * the hosted test harness) provides these few functions at link time.
 */
#ifndef PVMMU_PLATFORM_H
#define PVMMU_PLATFORM_H

#include <stdbool.h>
#include <xen/pvmmu/frame.h>

/* The kernel's direct map: every pseudo-physical frame at a fixed virtual address. */
void *pfn_to_virt(pfn_t pfn);
pfn_t virt_to_pfn(const void *va);

/*
 * The machine address of the l1e that maps `pfn` in the kernel's direct map.
 * Pinning flips this entry to read-only while the frame is a page table (Xen
 * refuses a writable alias of a table frame), and back when it is released.
 */
uint64_t direct_map_l1e_maddr(pfn_t pfn);

/* Frames for page tables and p2m leaves: zeroed, or INVALID_PFN when memory is out. */
pfn_t frame_alloc(void);
void frame_free(pfn_t pfn);

/*
 * Read the hypervisor's m2p entry for `mfn` without dying if that part of the
 * table is a hole (it faults there).  False when the read faulted, and when mfn
 * is beyond the table (MACH2PHYS_NR_ENTRIES on Xen): the bound is checked here,
 * inside, because boot and resume code reads start_info's mfns through this
 * before the m2p's own size (m2p_init) is known.
 */
bool m2p_read_raw(mfn_t mfn, uint64_t *pfn_out);

/*
 * The p2m's linear table lives in a virtual window so that a lookup is one load:
 * every page of the window is backed either by a real leaf frame or by one shared,
 * read-only "missing" leaf.  The platform reserves the window and (re)maps its
 * pages; `va` is page aligned and inside the window.  0 or a negative XEN_E* value.
 */
void *p2m_window_reserve(uint64_t bytes);
int p2m_window_map(void *va, pfn_t pfn, bool writable);

/* One line of diagnostics (no newline needed). */
void platform_log(const char *line);

/*
 * The vCPU this code runs on (Linux's smp_processor_id()), below 64: the bit
 * that stands for it in a Xen vcpumask.  0 while only vCPU 0 runs.
 */
unsigned platform_vcpu_id(void);

#endif
