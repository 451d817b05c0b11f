/*
 * Busy: MMU work that goes on while the toolstack copies the guest (a live
 * migration's pre-copy rounds), so that log-dirty sees data pages AND page-table
 * pages change under it, and what arrives on the other side is checked bit for bit.
 *
 * The workload keeps up to BUSY_SLOTS address spaces over a pool of BUSY_FRAMES
 * data frames, and a model of them: which pool frame each page maps and with
 * which protection, and what every word of every pool frame holds.  One step is
 * one operation, picked by a deterministic generator: create (pinned or not),
 * fork, destroy, write whole frames, remap a page to another frame, protect,
 * unmap, map back, load one and touch it through its own mappings, pin or unpin.
 * Every operation's result is checked; the first one that fails is reported
 * and ends the workload (its model would no longer be the truth).
 *
 * wl_busy_check compares everything with the model: each page's translation
 * (frame, present, writable) and each pool frame's 512 words, read through the
 * kernel's direct map.  Pool frames are never freed, so a page mapping a frame
 * twice (fork shares them) is no ownership puzzle: destroy drops tables only.
 */
#include <xen/pvmmu/backend.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

#define BUSY_SLOTS 8
#define BUSY_FRAMES 256
#define BUSY_GROUPS 4               /* each in its own L2 and L1 table */
#define BUSY_GROUP_PAGES 16
#define BUSY_PAGES (BUSY_GROUPS * BUSY_GROUP_PAGES)
#define BUSY_VA (WL_VA + (1ULL << 39) * 2)  /* two L4 slots above the other workloads' pages */
#define GROUP_STRIDE ((1ULL << 30) + (1ULL << 21))
#define WORDS (PAGE_SIZE / 8)
#define UNMAPPED 0xffffu

struct busy_page {
    uint16_t frame;                 /* pool index, or UNMAPPED */
    uint8_t prot;                   /* enum mmu_prot */
};

static struct {
    struct aspace *as;
    bool pinned;
    struct busy_page page[BUSY_PAGES];
} slot[BUSY_SLOTS];

static struct {
    pfn_t pfn;
    uint32_t generation;            /* what its words hold: contents(index, generation, word) */
} pool[BUSY_FRAMES];

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static bool broken;
static unsigned long steps_done;
static struct wl_busy_counts counts;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static uint64_t page_va(unsigned page)
{
    return BUSY_VA + (page / BUSY_GROUP_PAGES) * GROUP_STRIDE + (uint64_t)(page % BUSY_GROUP_PAGES) * PAGE_SIZE;
}

static uint64_t contents(unsigned frame, uint32_t generation, unsigned word)
{
    return wl_pattern(generation << 8 | frame, word);
}

/* The first failure is the one reported; after it the model is not the truth, so busy stops. */
static bool fail(const char *what, int rc)
{
    wl_check(false, "busy-step", "step %lu: %s failed (%d)", steps_done, what, rc);
    broken = true;
    return false;
}

/* --- the model's queries --------------------------------------------------------- */

static int pick_slot(bool used)
{
    unsigned start = rnd(BUSY_SLOTS), i;

    for (i = 0; i < BUSY_SLOTS; i++) {
        unsigned s = (start + i) % BUSY_SLOTS;

        if (!!slot[s].as == used)
            return (int)s;
    }
    return -1;
}

static unsigned slots_used(void)
{
    unsigned s, n = 0;

    for (s = 0; s < BUSY_SLOTS; s++)
        n += !!slot[s].as;
    return n;
}

/* --- the operations ------------------------------------------------------------------ */

/* Rewrite a pool frame's 512 words with its next generation, through the direct map. */
static bool write_frame(unsigned frame)
{
    uint64_t va = env_direct_map_va(pool[frame].pfn.pfn);
    unsigned w;

    pool[frame].generation++;
    for (w = 0; w < WORDS; w++)
        if (!env_write64(va + 8 * w, contents(frame, pool[frame].generation, w)))
            return fail("a write through the direct map", -1);
    counts.frames_written++;
    return true;
}

/* The same, through the loaded address space's own mapping of it at `va`: the CPU dirties it. */
static bool write_through(uint64_t va, unsigned frame)
{
    unsigned w;

    pool[frame].generation++;
    for (w = 0; w < WORDS; w++)
        if (!env_write64(va + 8 * w, contents(frame, pool[frame].generation, w)))
            return false;
    counts.frames_written++;
    return true;
}

/* Map `n` pages from `first` (one group at most) to random pool frames, read-write. */
static bool map_pages(unsigned s, unsigned first, unsigned n)
{
    pfn_t pfns[BUSY_GROUP_PAGES];
    uint16_t frames[BUSY_GROUP_PAGES];
    unsigned i;
    int rc;

    for (i = 0; i < n; i++) {
        frames[i] = (uint16_t)rnd(BUSY_FRAMES);
        pfns[i] = pool[frames[i]].pfn;
    }
    rc = wl_mmu->ops->map_range(slot[s].as, page_va(first), pfns, n, _PAGE_RW | _PAGE_USER);
    if (rc)
        return fail("map_range", rc);
    for (i = 0; i < n; i++)
        slot[s].page[first + i] = (struct busy_page){ .frame = frames[i], .prot = PROT_READ_WRITE };
    counts.pages_mapped += n;
    return true;
}

static bool op_create(void)
{
    int s = pick_slot(false);
    unsigned g;

    if (s < 0)
        return true;
    slot[s].as = wl_mmu->ops->create();
    if (!slot[s].as)
        return fail("create", -1);
    for (g = 0; g < BUSY_PAGES; g++)
        slot[s].page[g].frame = UNMAPPED;
    for (g = 0; g < BUSY_GROUPS; g++)
        if (!map_pages(s, g * BUSY_GROUP_PAGES, BUSY_GROUP_PAGES))
            return false;
    slot[s].pinned = false;
    if (rnd(2)) {
        int rc = wl_mmu->ops->pin(slot[s].as);

        if (rc)
            return fail("pin of a new address space", rc);
        slot[s].pinned = true;
    }
    counts.created++;
    return true;
}

static bool op_fork(void)
{
    int parent = pick_slot(true), child = pick_slot(false);

    if (parent < 0 || child < 0)
        return true;
    slot[child].as = wl_mmu->ops->fork(slot[parent].as);
    if (!slot[child].as)
        return fail("fork", -1);
    for (unsigned p = 0; p < BUSY_PAGES; p++)
        slot[child].page[p] = slot[parent].page[p];
    slot[child].pinned = false;  /* the copy starts unpinned (mmu/aspace.c) */
    counts.forked++;
    return true;
}

static bool op_destroy(void)
{
    int s = slots_used() > 2 ? pick_slot(true) : -1, rc;

    if (s < 0)
        return true;
    rc = wl_mmu->ops->destroy(slot[s].as);
    if (rc)
        return fail("destroy", rc);
    slot[s].as = NULL;
    counts.destroyed++;
    return true;
}

static bool op_write(void)
{
    unsigned i;

    for (i = 0; i < 4; i++)
        if (!write_frame(rnd(BUSY_FRAMES)))
            return false;
    return true;
}

static bool op_remap(void)
{
    int s = pick_slot(true);

    return s < 0 || map_pages(s, rnd(BUSY_PAGES), 1);
}

static bool op_protect(void)
{
    int s = pick_slot(true), rc;
    unsigned group = rnd(BUSY_GROUPS), first = group * BUSY_GROUP_PAGES + rnd(BUSY_GROUP_PAGES), n, i;
    enum mmu_prot prot = (enum mmu_prot)rnd(3);

    if (s < 0)
        return true;
    n = 1 + rnd((group + 1) * BUSY_GROUP_PAGES - first);
    rc = wl_mmu->ops->protect_range(slot[s].as, page_va(first), n, prot);
    if (rc)
        return fail("protect_range", rc);
    /* Holes stay holes: protect changes the permissions of mappings only. */
    for (i = 0; i < n; i++)
        slot[s].page[first + i].prot = (uint8_t)prot;
    counts.protected_pages += n;
    return true;
}

static bool op_unmap(void)
{
    int s = pick_slot(true), rc;
    unsigned group = rnd(BUSY_GROUPS), first = group * BUSY_GROUP_PAGES + rnd(BUSY_GROUP_PAGES), n, i;

    if (s < 0)
        return true;
    n = 1 + rnd((group + 1) * BUSY_GROUP_PAGES - first);
    rc = wl_mmu->ops->unmap_range(slot[s].as, page_va(first), n);
    if (rc)
        return fail("unmap_range", rc);
    for (i = 0; i < n; i++)
        slot[s].page[first + i].frame = UNMAPPED;
    counts.pages_unmapped += n;
    return true;
}

/* Fill the holes of one group again. */
static bool op_map_back(void)
{
    int s = pick_slot(true);
    unsigned first, p;

    if (s < 0)
        return true;
    first = rnd(BUSY_GROUPS) * BUSY_GROUP_PAGES;
    for (p = first; p < first + BUSY_GROUP_PAGES; p++)
        if (slot[s].page[p].frame == UNMAPPED && !map_pages(s, p, 1))
            return false;
    return true;
}

/*
 * Load one and go through its own mappings, as the CPU does: a readable page reads
 * its frame's words, a no-access one faults, and the first writable one met is
 * rewritten whole (its frame's next generation) through that mapping.
 * The address space loaded before is loaded again after: the other workloads rely on it.
 */
static bool op_touch(void)
{
    int s = pick_slot(true), rc;
    struct aspace *before = wl_mmu->current();
    unsigned p, wrong = 0, written = 0;

    if (s < 0)
        return true;
    rc = wl_mmu->ops->switch_to(slot[s].as);
    if (rc)
        return fail("switch_to a busy address space", rc);
    slot[s].pinned = true;   /* a loaded address space is pinned: switch_to pins it */
    for (p = rnd(4); p < BUSY_PAGES; p += 4) {
        struct busy_page pg = slot[s].page[p];
        uint64_t value = 0, word = rnd(WORDS);
        bool readable;

        if (pg.frame == UNMAPPED)
            continue;
        readable = env_read64(page_va(p) + 8 * word, &value);
        if (readable != (pg.prot != PROT_NOACCESS) ||
            (readable && value != contents(pg.frame, pool[pg.frame].generation, (unsigned)word)))
            wrong++;
        else if (pg.prot == PROT_READ_WRITE && !written++)
            wrong += !write_through(page_va(p), pg.frame);
        counts.pages_touched++;
    }
    rc = wl_mmu->ops->switch_to(before);
    if (rc)
        return fail("switch_to the address space loaded before", rc);
    if (wrong) {
        wl_check(false, "busy-touch", "step %lu: %u pages of busy address space %d do not read through "
                 "their own mappings as the model says", steps_done, wrong, s);
        broken = true;
        return false;
    }
    return true;
}

static bool op_pin_toggle(void)
{
    int s = pick_slot(true), rc;

    if (s < 0 || slot[s].as == wl_mmu->current())
        return true;
    rc = slot[s].pinned ? wl_mmu->ops->unpin(slot[s].as) : wl_mmu->ops->pin(slot[s].as);
    if (rc)
        return fail(slot[s].pinned ? "unpin" : "pin", rc);
    slot[s].pinned = !slot[s].pinned;
    counts.pin_toggles++;
    return true;
}

static bool (*const ops[])(void) = {
    op_create, op_fork, op_destroy, op_write, op_write, op_remap, op_remap, op_protect, op_unmap,
    op_map_back, op_touch, op_pin_toggle,
};

/* --- the interface -------------------------------------------------------------------- */

/* From nothing: a carrier that boots again (a hosted test) starts a new model. */
bool wl_busy_setup(void)
{
    unsigned f;

    mem_set(slot, 0, sizeof(slot));
    mem_set(&counts, 0, sizeof(counts));
    broken = false;
    steps_done = 0;
    for (f = 0; f < BUSY_FRAMES; f++) {
        pool[f].pfn = frame_alloc();
        if (!pfn_valid_value(pool[f].pfn))
            return fail("frame_alloc for the pool", -1);
        pool[f].generation = 0;
        if (!write_frame(f))
            return false;
    }
    while (slots_used() < BUSY_SLOTS / 2)
        if (!op_create())
            return false;
    return true;
}

bool wl_busy_step(void)
{
    if (broken)
        return false;
    steps_done++;
    return ops[rnd(sizeof(ops) / sizeof(ops[0]))]();
}

unsigned long wl_busy_steps(void)
{
    return steps_done;
}

const struct wl_busy_counts *wl_busy_counts(void)
{
    return &counts;
}

pfn_t wl_busy_frame(unsigned index)
{
    return index < BUSY_FRAMES ? pool[index].pfn : _pfn(INVALID_PFN_RAW);
}

/* Whether page p of slot s translates as the model says. */
static bool translates_as_modelled(unsigned s, unsigned p)
{
    struct busy_page pg = slot[s].page[p];
    pte_t pte;

    if (wl_mmu->ops->lookup(slot[s].as, page_va(p), &pte))
        return false;
    if (pg.frame == UNMAPPED)
        return !pte_present(pte) && !(pte_flags(pte) & _PAGE_AVAIL0);
    return pte_pfn(pte).pfn == pool[pg.frame].pfn.pfn &&
           pte_present(pte) == (pg.prot != PROT_NOACCESS) &&
           !!(pte_flags(pte) & _PAGE_RW) == (pg.prot == PROT_READ_WRITE) &&
           (pte_present(pte) || (pte_flags(pte) & _PAGE_AVAIL0));
}

unsigned wl_busy_check(void)
{
    unsigned s, p, f, w, wrong_maps = 0, wrong_frames = 0;

    for (s = 0; s < BUSY_SLOTS; s++)
        for (p = 0; slot[s].as && p < BUSY_PAGES; p++)
            wrong_maps += !translates_as_modelled(s, p);
    for (f = 0; f < BUSY_FRAMES; f++) {
        uint64_t va = env_direct_map_va(pool[f].pfn.pfn), value;

        for (w = 0; w < WORDS; w++)
            if (!env_read64(va + 8 * w, &value) || value != contents(f, pool[f].generation, w)) {
                wrong_frames++;
                break;
            }
    }
    if (wrong_maps || wrong_frames)
        pvmmu_error("busy: %u mappings and %u frames differ from what the workload did", wrong_maps,
                    wrong_frames);
    return wrong_maps + wrong_frames;
}
