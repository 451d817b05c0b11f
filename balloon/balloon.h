/*
 * Ballooning: giving frames back to Xen when the toolstack lowers the guest's
 * memory/target (`xl mem-set`), and taking them back when it raises it.
 *
 * The portable part (balloon/): which pfns go (frames the frame allocator holds
 * free, never one in use), the order of the steps, the bookkeeping, the checks.
 * The kernel reads memory/target from xenstore and calls balloon_set_target().
 *
 * The record of what is ballooned out is the balloon's own: one bit per pfn of
 * its range, set when Xen took the frame and cleared when a new one came back.
 * A hole in the p2m is not proof of anything: other code makes holes too (a
 * frame renamed to a high pfn leaves one where it was), and such a pfn is not
 * the balloon's to fill.  The bitmap is guest memory, so it survives a save and
 * restore as it is (and the toolstack saves the holes as holes).
 */
#ifndef PVMMU_BALLOON_H
#define PVMMU_BALLOON_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/frame.h>

/* Extents per hypercall: the arrays of one batch live on the stack. */
#define BALLOON_BATCH 64

/* Words of bitmap balloon_init needs for pfns [first, end): one bit each. */
uint64_t balloon_bitmap_words(pfn_t first, pfn_t end);

/*
 * Start ballooning over pfns [first, end): the frames the frame allocator owns.
 * boot_pages is how many pages the guest booted with (pfns [0, boot_pages) are
 * populated).  An `end` past boot_pages is room to grow (maxmem > memory): pfns
 * [boot_pages, end) start out recorded as not held, and the most the guest will
 * hold is end pages; otherwise boot_pages.  The caller must have direct-map
 * entries and allocator room for every pfn below end (docs/balloon.md).
 * `bitmap` (at least balloon_bitmap_words(first, end) words, the caller's memory,
 * kept for as long as the balloon runs) is where it records the pfns it gave back;
 * it starts with only the room to grow in it: nothing populated is out, whatever
 * holes the p2m has.  0 or -XEN_EINVAL.
 */
int balloon_init(pfn_t first, pfn_t end, uint64_t boot_pages, uint64_t *bitmap, uint64_t bitmap_words);

/*
 * memory/target's value: a decimal count of KiB, nothing else (no sign, no
 * spaces, no suffix, no overflow).  0 or -XEN_EINVAL with a report naming the
 * value.
 */
int balloon_parse_target_kib(const char *value, uint64_t *kib);
/* KiB -> pages, rounding down (a target is a ceiling). */
uint64_t balloon_kib_to_pages(uint64_t kib);

struct balloon_report {
    uint64_t target_pages;     /* what was asked (after capping at the ceiling) */
    bool capped;               /* the target was above balloon_ceiling() */
    uint64_t asked;            /* pages the step had to give back (or take back) */
    uint64_t given_back;       /* decrease_reservation's done, summed */
    uint64_t brought_back;     /* populate_physmap's done, summed */
    uint64_t verified;         /* brought-back pages written and read back through their new mapping */
    uint64_t now_pages;        /* pages held afterwards */
    bool short_of_target;      /* a step did less than asked (reported) */
};

/*
 * Give frames back or take them back until the guest holds target_pages (at most
 * balloon_ceiling()).  Each batch: frames from frame_alloc(), their direct-map entries
 * cleared, p2m_set(INVALID), XENMEM_decrease_reservation; or
 * XENMEM_populate_physmap, the m2p (MMU_MACHPHYS_UPDATE), the direct map and
 * p2m_set(mfn), a write and read back, frame_free().  A partial `done` puts the
 * rest back as it was and stops, with short_of_target set and a report; so does
 * an allocator with nothing left to give.  0, or -XEN_E* for a hypercall that
 * failed outright (reported).
 */
int balloon_set_target(uint64_t target_pages, struct balloon_report *out);

/* The most it will hold (max(boot_pages, end)); pages held now (that, less those out); those out. */
uint64_t balloon_ceiling(void);
uint64_t balloon_pages_now(void);
uint64_t balloon_pages_out(void);

/* Did the balloon give pfn back (and not yet bring it back)? */
bool balloon_gave_back(pfn_t pfn);

/*
 * Are the pages given back really gone?  Every pfn the bitmap records has no
 * p2m entry and no direct-map entry, and the bitmap holds balloon_pages_out()
 * pfns.  0, or how many pfns disagree (each reported, the first few by number).
 */
uint64_t balloon_check_holes(void);

#endif
