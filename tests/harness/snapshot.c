/*
 * A photograph of the machine, put back in a fraction of a boot.
 *
 * A fuzzer runs thousands of short guests a second, and booting each one costs
 * more than running it: a fresh memfd, a host mapping per direct-map page, the
 * kernel's tables validated from scratch.  Yet every input starts from the same
 * booted machine.  So a fuzzer boots once, takes a snapshot, and after each
 * input puts the machine back exactly as it was: every byte of machine memory,
 * every frame's owner, type, count and pin, the vCPU's base pointers, the TLB,
 * and the harness around it (which frames are handed out, and in what order
 * they will be handed out next, so an input allocates the same pfns on its own
 * as after a thousand others).
 *
 * The one thing that is not data is the direct map: each pfn's host page is a
 * mapping that follows the guest's l1e for it.  Pages whose l1e the input
 * changed (pinning flips a table's alias read-only) are mapped again, and only
 * those.  The p2m window is not saved: only p2m_init maps it, and a snapshot is
 * taken after that.
 *
 * The model's state is the model's own (model_int.h): this file reads it as a
 * whole and writes it back as a whole, and interprets none of it.  The core's
 * variables live in the host process and are not the machine's: the caller
 * resets those (mmu_forget_state, shadow_shutdown).
 */
#include <stdlib.h>
#include <string.h>

#include <xen/pvmmu/platform.h>

#include "../model/model_int.h"
#include "harness_int.h"

struct harness_snapshot {
    unsigned long generation;      /* the machine it is of */
    struct model_state model;      /* the scalars, and the pointers (same machine) */
    struct model_frame *frames;
    uint8_t *memory;
    struct harness_state harness;
    pfn_t *free_stack;
    bool *allocated;
    uint64_t *direct_map_l1e;      /* by pfn: what each host page was made to follow */
};

static void *copy_of(const void *from, size_t bytes)
{
    void *to = malloc(bytes ? bytes : 1);

    if (!to)
        abort();
    return memcpy(to, from, bytes);
}

static uint64_t direct_map_l1e_now(pfn_t pfn)
{
    uint64_t ma = direct_map_l1e_maddr(pfn);

    return ((const uint64_t *)model_frame_bytes(maddr_to_mfn(ma)))[(ma & (PAGE_SIZE - 1)) / 8];
}

struct harness_snapshot *harness_snapshot_take(void)
{
    struct harness_snapshot *s = calloc(1, sizeof(*s));

    if (!s)
        abort();
    s->generation = harness_machine_generation();
    s->model = model;
    s->frames = copy_of(model.frames, model.nr_frames * sizeof(*model.frames));
    s->memory = copy_of(model.mem, model.nr_frames << PAGE_SHIFT);
    s->harness = harness;
    s->free_stack = copy_of(harness.free_stack, harness.nr_pages * sizeof(pfn_t));
    s->allocated = copy_of(harness.allocated, harness.nr_pages * sizeof(bool));
    s->direct_map_l1e = calloc(harness.nr_pages, sizeof(uint64_t));
    if (!s->direct_map_l1e)
        abort();
    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++)
        s->direct_map_l1e[pfn] = direct_map_l1e_now(_pfn(pfn));
    return s;
}

/* The pfns whose host page follows an l1e other than the photographed one. */
static unsigned long direct_map_moved(const struct harness_snapshot *s, pfn_t *moved)
{
    unsigned long n = 0;

    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++)
        if (direct_map_l1e_now(_pfn(pfn)) != s->direct_map_l1e[pfn])
            moved[n++] = _pfn(pfn);
    return n;
}

bool harness_snapshot_restore(const struct harness_snapshot *s)
{
    pfn_t *moved;
    unsigned long n;

    if (!s || s->generation != harness_machine_generation())
        return false;
    moved = malloc(harness.nr_pages * sizeof(*moved));
    if (!moved)
        abort();
    n = direct_map_moved(s, moved);
    model = s->model;
    memcpy(model.frames, s->frames, model.nr_frames * sizeof(*model.frames));
    memcpy(model.mem, s->memory, model.nr_frames << PAGE_SHIFT);
    harness = s->harness;
    memcpy(harness.free_stack, s->free_stack, harness.nr_pages * sizeof(pfn_t));
    memcpy(harness.allocated, s->allocated, harness.nr_pages * sizeof(bool));
    for (unsigned long i = 0; i < n; i++)
        harness_direct_map_refollow(moved[i]);
    free(moved);
    return true;
}

void harness_snapshot_free(struct harness_snapshot *s)
{
    if (!s)
        return;
    free(s->frames);
    free(s->memory);
    free(s->free_stack);
    free(s->allocated);
    free(s->direct_map_l1e);
    free(s);
}
