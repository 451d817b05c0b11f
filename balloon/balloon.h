/*
 * Ballooning: giving frames back to Xen when the toolstack lowers the guest's
 * memory/target (`xl mem-set`), and taking them back when it raises it.
 *
 * The portable part (balloon/): which pfns go (frames the frame allocator holds
 * free, never one in use), the order of the steps, the bookkeeping, the checks.
 * The kernel reads memory/target from xenstore and calls balloon_set_target().
 *
 * The record of what is ballooned out is the p2m itself: within the balloon's
 * range, a pfn whose p2m entry is INVALID is one we gave back (nothing else in
 * pvmmu writes INVALID over RAM).  So the record survives a save and restore
 * with no extra state: the toolstack saves INVALID entries as holes and restores
 * them as holes.
 */
#ifndef PVMMU_BALLOON_H
#define PVMMU_BALLOON_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/frame.h>

/* Extents per hypercall: the arrays of one batch live on the stack. */
#define BALLOON_BATCH 64

/*
 * Start ballooning over pfns [first, end): the frames the frame allocator owns.
 * boot_pages is how many pages the guest booted with, the most it will hold
 * again (pfns beyond its direct map are not mapped: see docs/balloon.md).  Pfns in
 * the range whose p2m is INVALID already count as ballooned out.  0 or -XEN_EINVAL.
 */
int balloon_init(pfn_t first, pfn_t end, uint64_t boot_pages);

/*
 * memory/target's value: a decimal count of KiB, nothing else (no sign, no
 * spaces, no suffix, no overflow).  0 or -XEN_EINVAL with a report naming the
 * value.
 */
int balloon_parse_target_kib(const char *value, uint64_t *kib);
/* KiB -> pages, rounding down (a target is a ceiling). */
uint64_t balloon_kib_to_pages(uint64_t kib);

struct balloon_report {
    uint64_t target_pages;     /* what was asked (after capping at boot_pages) */
    bool capped;               /* the target was above boot_pages */
    uint64_t asked;            /* pages the step had to give back (or take back) */
    uint64_t given_back;       /* decrease_reservation's done, summed */
    uint64_t brought_back;     /* populate_physmap's done, summed */
    uint64_t verified;         /* brought-back pages written and read back through their new mapping */
    uint64_t now_pages;        /* pages held afterwards */
    bool short_of_target;      /* a step did less than asked (reported) */
};

/*
 * Give frames back or take them back until the guest holds target_pages (at most
 * boot_pages).  Each batch: frames from frame_alloc(), their direct-map entries
 * cleared, p2m_set(INVALID), XENMEM_decrease_reservation; or
 * XENMEM_populate_physmap, the m2p (MMU_MACHPHYS_UPDATE), the direct map and
 * p2m_set(mfn), a write and read back, frame_free().  A partial `done` puts the
 * rest back as it was and stops, with short_of_target set and a report; so does
 * an allocator with nothing left to give.  0, or -XEN_E* for a hypercall that
 * failed outright (reported).
 */
int balloon_set_target(uint64_t target_pages, struct balloon_report *out);

/* Pages held now (boot_pages less those given back), and those given back. */
uint64_t balloon_pages_now(void);
uint64_t balloon_pages_out(void);

/*
 * Are the pages given back really gone?  Every pfn counted as ballooned has no
 * p2m entry; the count of such pfns in the range equals balloon_pages_out().
 * 0, or how many pfns disagree (each reported, the first few by number).
 */
uint64_t balloon_check_holes(void);

#endif
