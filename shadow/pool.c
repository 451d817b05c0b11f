/*S:200 The host's frames, and why they are set aside once.
 *
 * lguest never had to ask which frames are the host's: the guest's memory was
 * one range of the Launcher's address space, and everything outside it was
 * the host's.  We share one frame allocator with whatever carries us, so the
 * same pfn could be a guest's data page today and one of our shadow tables
 * tomorrow.  That is how shadow pagers get broken: a stale shadow entry (a
 * guest that shares one table between two roots and tells us about the change
 * through only one of them leaves the other stale, and that is the guest's own
 * business) keeps pointing at a frame that has meanwhile become a shadow table,
 * and the guest can now write the tables the hardware walks.
 *
 * So the host takes every frame it will ever use up front: a pool for shadow
 * tables, plus the bitmap that remembers which frames are the host's.  A frame
 * is the host's for the host's whole life; a shadow entry is only made for a
 * frame that is not, so no entry, stale or fresh, can ever reach the host.  The
 * price is memory that is spoken for whether or not it is used (docs/shadow.md
 * has the sums); the pool is also what bounds the cache (cache.c). :*/
/*M:970 The pool is taken whole at shadow_init, so its memory is spent whether
 * the guest runs one process or a hundred, and the host-frame bitmap stops at
 * 8 GiB of guest.  Growing the pool later is safe only with frames that were
 * never the guest's (the reason for the pool in the first place), which a
 * carrier with its own memory could hand over; a sparse bitmap would lift the
 * size limit. :*/
/*M:975 Finding the shadow table below an upper shadow entry asks the m2p,
 * because the entry holds a machine frame.  On bare metal that is the
 * identity and costs nothing; hosted it is a read and a p2m check per level
 * per walk.  A pool-indexed back-pointer would make it one load anywhere. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

#define BITS_PER_FRAME (PAGE_SIZE * 8)
#define BITMAP_FRAMES (SHADOW_GUEST_PFNS_MAX / BITS_PER_FRAME)

static pfn_t pool[SHADOW_POOL_MAX];     /* every frame of the pool */
static pfn_t free_stack[SHADOW_POOL_MAX];
static unsigned pool_size, nr_free;
static pfn_t bitmap[BITMAP_FRAMES];
static unsigned nr_bitmap;
static uint64_t bitmap_pfns;            /* how many pfns the bitmap covers */

static uint8_t *bitmap_byte(pfn_t pfn)
{
    uint64_t bit = pfn_x(pfn);

    return (uint8_t *)pfn_to_virt(bitmap[bit / BITS_PER_FRAME]) + (bit % BITS_PER_FRAME) / 8;
}

bool shadow_is_host_frame(pfn_t pfn)
{
    if (pfn_x(pfn) >= bitmap_pfns)
        return false;
    return *bitmap_byte(pfn) & (1u << (pfn_x(pfn) % 8));
}

static void mark_host(pfn_t pfn)
{
    if (pfn_x(pfn) < bitmap_pfns)
        *bitmap_byte(pfn) |= (uint8_t)(1u << (pfn_x(pfn) % 8));
}

int shadow_reserve_host_frame(pfn_t pfn)
{
    if (pfn_x(pfn) >= bitmap_pfns) {
        pvmmu_error("shadow_reserve_host_frame(pfn 0x%llx): outside the guest's %llu pfns, "
                    "so never the guest's anyway", (unsigned long long)pfn_x(pfn),
                    (unsigned long long)bitmap_pfns);
        return -XEN_EINVAL;
    }
    mark_host(pfn);
    /* A shadow entry made before today may map it: none of them can stay. */
    shadow_clear_all();
    return 0;
}

static int bitmap_init(uint64_t guest_pfns)
{
    uint64_t i, frames = (guest_pfns + BITS_PER_FRAME - 1) / BITS_PER_FRAME;

    if (frames > BITMAP_FRAMES) {
        pvmmu_error("shadow_init: a guest of %llu pfns is more than the host-frame bitmap "
                    "covers (%llu)", (unsigned long long)guest_pfns,
                    (unsigned long long)SHADOW_GUEST_PFNS_MAX);
        return -XEN_EINVAL;
    }
    for (i = 0; i < frames; i++) {
        bitmap[i] = frame_alloc();
        if (!pfn_valid_value(bitmap[i])) {
            pvmmu_error("shadow_init: out of frames for the host-frame bitmap (%llu of %llu)",
                        (unsigned long long)i, (unsigned long long)frames);
            return -XEN_ENOMEM;
        }
        nr_bitmap = (unsigned)i + 1;
    }
    bitmap_pfns = guest_pfns;
    for (i = 0; i < frames; i++)
        mark_host(bitmap[i]);
    return 0;
}

int spool_init(unsigned frames, uint64_t guest_pfns)
{
    int rc = bitmap_init(guest_pfns);

    if (rc)
        return rc;
    for (pool_size = 0; pool_size < frames; pool_size++) {
        pool[pool_size] = frame_alloc();
        if (!pfn_valid_value(pool[pool_size])) {
            pvmmu_error("shadow_init: out of frames for the shadow pool (%u of %u)", pool_size,
                        frames);
            return -XEN_ENOMEM;
        }
        mark_host(pool[pool_size]);
        free_stack[pool_size] = pool[pool_size];
    }
    nr_free = pool_size;
    return 0;
}

void spool_shutdown(void)
{
    unsigned i;

    for (i = 0; i < pool_size; i++)
        frame_free(pool[i]);
    for (i = 0; i < nr_bitmap; i++)
        frame_free(bitmap[i]);
    pool_size = nr_free = nr_bitmap = 0;
    bitmap_pfns = 0;
    mem_set(bitmap, 0, sizeof(bitmap));
}

/* A zeroed shadow table, or INVALID_PFN: callers make room first (cache.c). */
pfn_t spool_alloc(void)
{
    pfn_t spfn;

    if (!nr_free)
        return INVALID_PFN;
    spfn = free_stack[--nr_free];
    mem_set(stable(spfn), 0, PAGE_SIZE);
    shadow_counts.tables_allocated++;
    return spfn;
}

void spool_free(pfn_t spfn)
{
    free_stack[nr_free++] = spfn;
}

unsigned shadow_pool_free(void)
{
    return nr_free;
}

mpte_t *stable(pfn_t spfn)
{
    return pfn_to_virt(spfn);
}

/*
 * The shadow table an upper shadow entry points at.  The entry holds an mfn (it
 * is for the hardware); the m2p gives the pfn back, and the frame had better be
 * one of the pool's, or the host has corrupted its own tables.
 */
pfn_t stable_below(mpte_t sentry)
{
    enum m2p_status status;
    pfn_t spfn = m2p_lookup(mpte_mfn(sentry), &status);

    /* The bitmap covers the guest's range; a pool frame above it is the host's by position. */
    if (status != M2P_OK || (pfn_x(spfn) < bitmap_pfns && !shadow_is_host_frame(spfn))) {
        pvmmu_error("shadow: entry 0x%llx should point at a shadow table, but mfn 0x%llx is %s",
                    (unsigned long long)sentry.v, (unsigned long long)mfn_x(mpte_mfn(sentry)),
                    status != M2P_OK ? m2p_status_name(status) : "not a host frame");
        return INVALID_PFN;
    }
    return spfn;
}
