/*
 * The frame allocator: the frames Xen gave us that the kernel does not use.
 * frame_alloc / frame_free themselves are declared in include/xen/pvmmu/platform.h.
 */
#ifndef PVMMU_ARCH_FRAMES_H
#define PVMMU_ARCH_FRAMES_H

#include <stdint.h>
#include <xen/pvmmu/frame.h>

/*
 * Hand [first, boot.nr_pages) to the allocator (its bitmap takes the first few).  Its
 * bitmap covers up to boot.span: a frame the balloon populates there may be freed into it.
 * 0 or error.
 */
int frames_init(uint64_t first);
/* The first pfn the allocator hands out: [frames_first(), boot.nr_pages) are its. */
uint64_t frames_first(void);
uint64_t frames_free_count(void);
uint64_t frames_total(void);
/* n frames with consecutive pfns (one buffer in the direct map), or INVALID_PFN. */
pfn_t frames_alloc_run(uint64_t n);
void frames_free_run(pfn_t first, uint64_t n);
/* Frames frame_alloc refused to hand out because they were still read-only (a core bug). */
uint64_t frames_quarantined(void);

#endif
