/*
 * What Xen handed us, and what we made of it at boot.
 *
 * Xen's domain builder lays the first pfns out in this order (the start_info
 * comment in <xen/xen.h>), all of them mapped 1:1 at VIRT_BASE + pfn * 4096:
 *
 *     kernel image | [initrd] | mfn_list | start_info | [xenstore, console] |
 *     bootstrap page tables (pt_base, nr_pt_frames) | bootstrap stack | padding
 *
 * Everything up to the stack is the kernel's for good (kernel_end).  The padding
 * after it, up to boot_end, is free memory that happens to be mapped in the
 * image's slot; boot_tables_release() unmaps it so those frames can become page
 * tables like any other.  Then the direct map (directmap.c) takes the next
 * frames for its own tables, and the allocator (frames.c) gets the rest.
 */
#ifndef PVMMU_ARCH_BOOT_H
#define PVMMU_ARCH_BOOT_H

#include <stdbool.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>
#include <xen/pvmmu/p2m.h>

struct boot {
    const start_info_t *si;
    bool initdomain;          /* started by Xen itself (SIF_INITDOMAIN), no toolstack */
    uint64_t nr_pages;
    uint64_t span;            /* pfns the direct map and the allocator cover: nr_pages, or up to
                                 Xen's max_pages for us when maxmem > memory (balloon growth) */
    const uint64_t *mfn_list; /* pfn -> mfn, as Xen built us (start_info's mfn_list) */
    pfn_t l4;                 /* the bootstrap L4: pinned and loaded by the builder */
    uint64_t pt_first;        /* the bootstrap tables are pfns [pt_first, pt_first + nr_pt) */
    uint64_t nr_pt;
    uint64_t kernel_end;      /* first pfn past the kernel's own (image .. bootstrap stack) */
    uint64_t boot_end;        /* first pfn past the builder's 1:1 mapping */
    uint64_t released;        /* pfns unmapped from the image slot by boot_tables_release */
    bool p2m_ready;           /* the core's p2m is complete: boot_pfn_to_mfn asks it from now on */
};
extern struct boot boot;

/* Record start_info's facts.  0, or -XEN_EINVAL with a report if they make no sense. */
int boot_tables_adopt(const start_info_t *si);
/* One past the bootstrap region start_info describes (page tables, then the stack); false if it makes no sense. */
bool boot_region_end(const start_info_t *si, uint64_t *end);
/* Unmap [kernel_end, boot_end) from the image's slot.  0 or the hypercall's error. */
int boot_tables_release(void);

/*
 * pfn -> mfn for the kernel's own use.  Until the core's p2m is set up, the list
 * Xen built us with; from then on the core's p2m, which is the one a restore
 * rewrites (start_info's list is stale after a restore: every frame moves).
 */
static inline mfn_t boot_pfn_to_mfn(pfn_t pfn)
{
    if (boot.p2m_ready)
        return p2m_lookup(pfn);
    return pfn_x(pfn) < boot.nr_pages ? _mfn(boot.mfn_list[pfn_x(pfn)]) : INVALID_MFN;
}

/* A table entry as written by Xen (flags + mfn) from a table reachable in the image slot. */
uint64_t *boot_table(mfn_t mfn);

/* Issue `n` mmu_update requests, reporting `what` and the failing request if any. */
int mmu_update_checked(mmu_update_t *reqs, unsigned n, const char *what);
/* One mmuext_op, reported on failure. */
int mmuext_checked(unsigned cmd, uint64_t arg, const char *what);

#endif
