/*A:420 A bitmap allocator, one bit per pfn (set: free), kept in frames of its own.
 *
 * The bitmap is what lets frame_free catch a double free or a frame that was
 * never ours, instead of silently corrupting a free list.  A cursor remembers
 * where the last allocation was, so handing out frames in order costs a load or
 * two; frees go anywhere.
 *
 * Every frame is zeroed on the way out, through the direct map.  A frame still
 * mapped read-only there is a page table someone freed too early: zeroing it
 * would fault, and handing it out would give one frame two owners, so it is
 * reported and set aside instead.
 *
 * Every vCPU allocates and frees, the core's calls included (the frame hooks,
 * possibly with core locks held: platform.h), so the bitmap, the counts and
 * the cursor are under one lock of the kernel's (smp.h), taken by nothing else:
 * it is held only here, where nothing calls back into the core but a report. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "boot.h"
#include "directmap.h"
#include "frames.h"
#include "smp.h"

#define BITS_PER_FRAME (PAGE_SIZE * 8)

static uint64_t *bitmap;   /* in the direct map */
static uint64_t first_free, nr_free, nr_total, cursor, quarantined;
static struct smp_lock lock = SMP_LOCK_INIT;

static bool is_free(uint64_t pfn) { return bitmap[pfn / 64] & (1ULL << (pfn % 64)); }
static void set_free(uint64_t pfn) { bitmap[pfn / 64] |= 1ULL << (pfn % 64); }
static void set_used(uint64_t pfn) { bitmap[pfn / 64] &= ~(1ULL << (pfn % 64)); }

int frames_init(uint64_t first)
{
    uint64_t n = boot.nr_pages, bitmap_frames = (boot.span + BITS_PER_FRAME - 1) / BITS_PER_FRAME, pfn;

    /* pfns [nr_pages, span) are not ours yet: not free until the balloon populates and frees them. */
    if (first + bitmap_frames >= n) {
        pvmmu_error("frames: no memory left for the allocator (first free pfn 0x%llx of %llu)",
                    (unsigned long long)first, (unsigned long long)n);
        return -XEN_ENOMEM;
    }
    bitmap = pfn_to_virt(_pfn(first));
    mem_set(bitmap, 0, bitmap_frames * PAGE_SIZE);
    first_free = first + bitmap_frames;
    for (pfn = first_free; pfn < n; pfn++)
        set_free(pfn);
    nr_free = nr_total = n - first_free;
    cursor = first_free;
    return 0;
}

uint64_t frames_first(void) { return first_free; }
uint64_t frames_free_count(void) { return nr_free; }
uint64_t frames_total(void) { return nr_total; }
uint64_t frames_quarantined(void) { return quarantined; }

/* Is the direct map's entry for pfn writable?  Read from the L1 itself (readable, not writable). */
static bool direct_map_writable(pfn_t pfn)
{
    uint64_t maddr = direct_map_l1e_maddr(pfn);
    uint64_t l1_pfn = direct_map.first_table + 1 + direct_map.nr_l2 + pfn_x(pfn) / PT_ENTRIES;
    const uint64_t *l1 = pfn_to_virt(_pfn(l1_pfn));

    return l1[(maddr & (PAGE_SIZE - 1)) / 8] & _PAGE_RW;
}

static uint64_t find_free(void)
{
    uint64_t scanned, pfn = cursor;

    for (scanned = 0; scanned < boot.span; scanned++, pfn++) {
        if (pfn >= boot.span)
            pfn = first_free;
        if (pfn % 64 == 0 && !bitmap[pfn / 64] && pfn + 64 <= boot.span) {
            scanned += 63;   /* a whole word of used frames */
            pfn += 63;
            continue;
        }
        if (is_free(pfn))
            return pfn;
    }
    return INVALID_PFN_RAW;
}

pfn_t frame_alloc(void)
{
    pfn_t got = INVALID_PFN;

    smp_lock_take(&lock);
    while (nr_free) {
        uint64_t pfn = find_free();

        if (pfn == INVALID_PFN_RAW)
            break;
        set_used(pfn);
        nr_free--;
        cursor = pfn + 1;
        if (!direct_map_writable(_pfn(pfn))) {
            pvmmu_error("frame_alloc: pfn 0x%llx was freed while still read-only (a page table?): set aside",
                        (unsigned long long)pfn);
            quarantined++;
            continue;
        }
        got = _pfn(pfn);
        break;
    }
    smp_lock_give(&lock);
    /* The frame is this caller's now: zeroing it needs no lock. */
    if (pfn_valid_value(got))
        mem_set(pfn_to_virt(got), 0, PAGE_SIZE);
    return got;
}

/*
 * n frames with consecutive pfns, so that the direct map shows them as one
 * buffer (the p2m check reads the whole frame-list tree into one).  First fit
 * from the top, where the one-at-a-time allocations have not reached yet.
 */
pfn_t frames_alloc_run(uint64_t n)
{
    uint64_t end = boot.nr_pages, run = 0, pfn;
    pfn_t got = INVALID_PFN;

    smp_lock_take(&lock);
    for (pfn = end; n && pfn-- > first_free;) {
        run = is_free(pfn) && direct_map_writable(_pfn(pfn)) ? run + 1 : 0;
        if (run == n) {
            for (end = pfn + n; pfn < end; pfn++)
                set_used(pfn);
            nr_free -= n;
            got = _pfn(end - n);
            break;
        }
    }
    smp_lock_give(&lock);
    if (pfn_valid_value(got))
        mem_set(pfn_to_virt(got), 0, n * PAGE_SIZE);
    return got;
}

void frames_free_run(pfn_t first, uint64_t n)
{
    uint64_t i;

    for (i = 0; i < n; i++)
        frame_free(_pfn(pfn_x(first) + i));
}

void frame_free(pfn_t pfn)
{
    uint64_t n = pfn_x(pfn);

    if (n < first_free || n >= boot.span) {
        pvmmu_error("frame_free: pfn 0x%llx is not the allocator's (it has 0x%llx..0x%llx)",
                    (unsigned long long)n, (unsigned long long)first_free,
                    (unsigned long long)boot.span - 1);
        return;
    }
    smp_lock_take(&lock);
    if (is_free(n)) {
        smp_lock_give(&lock);
        pvmmu_error("frame_free: pfn 0x%llx is free already (double free)", (unsigned long long)n);
        return;
    }
    set_free(n);
    nr_free++;
    smp_lock_give(&lock);
}
