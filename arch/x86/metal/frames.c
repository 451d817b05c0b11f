/*
 * The frame allocator: one bit per frame below the top of RAM, set when the
 * frame is taken.  Everything that is not RAM, and everything the host took
 * before the allocator existed, starts taken and is never handed out; so "in
 * use" at the moment the guest starts is exactly "the host's" (main.c
 * reserves those frames in the shadow backend then).
 *
 * The bitmap catches what a free list would silently swallow: a double free,
 * or a free of a frame that was never handed out.
 */
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "machine.h"

static uint64_t *taken;   /* bit pfn: in use */
static uint64_t nr_free, next, first;   /* below first: the host's, never handed out */

static bool bit(uint64_t pfn) { return taken[pfn / 64] >> (pfn % 64) & 1; }
static void take(uint64_t pfn) { taken[pfn / 64] |= 1ULL << (pfn % 64); }
static void give(uint64_t pfn) { taken[pfn / 64] &= ~(1ULL << (pfn % 64)); }

/* The bitmap goes into early frames; then frames from first_pfn up that are RAM are free. */
void frames_init(uint64_t first_pfn)
{
    uint64_t words = (machine.top_pfn + 63) / 64, frames = (words * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t i, pfn;

    for (i = 0; i < frames; i++) {
        pfn_t f = early_frame();

        if (!i)
            taken = pfn_to_virt(f);
    }
    if (first_pfn < machine.early_next_pfn)
        first_pfn = machine.early_next_pfn;
    mem_set(taken, 0xff, words * 8);
    for (pfn = first_pfn; pfn < machine.top_pfn; pfn++)
        if (pfn_is_ram(pfn)) {
            give(pfn);
            nr_free++;
        }
    next = first = first_pfn;
}

uint64_t frames_free_count(void)
{
    return nr_free;
}

bool frame_in_use(uint64_t pfn)
{
    return pfn >= machine.top_pfn || bit(pfn);
}

pfn_t frame_alloc(void)
{
    uint64_t scanned, pfn = next;

    for (scanned = 0; nr_free && scanned < machine.top_pfn; scanned++, pfn++) {
        if (pfn >= machine.top_pfn)
            pfn = 0;
        if (pfn % 64 == 0 && taken[pfn / 64] == ~0ULL && pfn + 64 <= machine.top_pfn) {
            scanned += 63;   /* a whole word taken: skip it */
            pfn += 63;
            continue;
        }
        if (!bit(pfn)) {
            take(pfn);
            nr_free--;
            next = pfn + 1;
            mem_set(pfn_to_virt(_pfn(pfn)), 0, PAGE_SIZE);
            return _pfn(pfn);
        }
    }
    return INVALID_PFN;
}

void frame_free(pfn_t pfn)
{
    uint64_t n = pfn_x(pfn);

    if (n < first || n >= machine.top_pfn || !pfn_is_ram(n) || !bit(n)) {
        pvmmu_error("frame_free: pfn 0x%llx is %s", (unsigned long long)n,
                    n < first || n >= machine.top_pfn || !pfn_is_ram(n) ? "not one the allocator hands out" : "free already (double free)");
        return;
    }
    give(n);
    nr_free++;
}
