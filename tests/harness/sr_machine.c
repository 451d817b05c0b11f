/*
 * The host a restore lands on: a new machine, and the harness moving onto it.
 *
 * A restored guest keeps its pfns and nothing else: every frame is a new one,
 * wherever the new host's allocator put it.  The new machine is twice the size
 * of the guest, so most frames land beyond the old machine's last mfn (a guest
 * that keeps its old m2p bound would misjudge them), and no pfn keeps its mfn,
 * nor lands on the mfn of its own number: a stale machine frame number left
 * anywhere cannot pass for a right one by luck.  The shuffle differs on every
 * restore; PVMMU_SHUFFLE_SEED varies them all.
 *
 * Then the harness follows, as the restored kernel's own mappings would: its
 * direct map and p2m window are host mappings of machine frames, so each is
 * mapped again, at the same host address, onto the frame that now backs it.
 */
#include <stdlib.h>
#include <string.h>

#include "../model/model.h"
#include "harness_int.h"
#include "sr_stream.h"

static unsigned long generation;
static uint64_t rng;

/* splitmix64: a new, well-mixed sequence from any seed, even consecutive ones. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(void)
{
    const char *s = getenv("PVMMU_SHUFFLE_SEED");

    rng = (s ? strtoull(s, NULL, 0) : 0x5eedULL) ^ (++generation << 32);
}

static unsigned long nr_populated(const struct sr_image *img)
{
    unsigned long n = 0;

    for (uint64_t pfn = 0; pfn <= img->max_pfn; pfn++)
        n += img->pages[pfn].type != SR_XTAB;
    return n;
}

static uint64_t *shuffled_pool(unsigned long n)
{
    uint64_t *pool = malloc(n * sizeof(*pool));

    if (pool)
        harness_shuffled_frames(pool, n, rng_next);
    return pool;
}

/* A frame may not stay where it was, nor land on the number of its own pfn. */
static bool unfit(uint64_t mfn, uint64_t pfn, const struct sr_image *img)
{
    return mfn == pfn || img->old_mfn[pfn] == mfn;
}

/* Take the next fit frame from the pool; each pfn has at most two unfit ones. */
static uint64_t take(uint64_t *pool, unsigned long *k, uint64_t pfn, const struct sr_image *img)
{
    unsigned long j = *k;
    uint64_t t;

    while (unfit(pool[j], pfn, img))
        j++;
    t = pool[j];
    pool[j] = pool[*k];
    pool[(*k)++] = t;
    return t;
}

/* The harness's bookkeeping (harness_int.h) now describes the new machine. */
static int harness_follow_assignment(const struct sr_image *img, const uint64_t *new_p2m,
                                     const uint64_t *pool, unsigned long k, unsigned long total)
{
    uint64_t *inverse = malloc(total * sizeof(*inverse));

    if (!inverse)
        return sr_error(-XEN_ENOMEM, "restore: no memory for the harness's m2p");
    memset(inverse, 0xff, total * sizeof(*inverse));
    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++) {
        harness.mfn_list[pfn] = pfn <= img->max_pfn ? new_p2m[pfn] : INVALID_MFN_RAW;
        if (harness.mfn_list[pfn] != INVALID_MFN_RAW)
            inverse[harness.mfn_list[pfn]] = pfn;
    }
    free(harness.pfn_of_mfn);
    harness.pfn_of_mfn = inverse;
    for (unsigned int i = 0; i < HARNESS_FOREIGN_FRAMES; i++) {
        harness.foreign[i] = _mfn(pool[k + i]);
        model_set_owner(harness.foreign[i], MODEL_OWNER_FOREIGN);
        model_m2p_set(harness.foreign[i], 0x1000 + i);
    }
    for (unsigned int i = 0; i < HARNESS_SPARE_FRAMES; i++)
        harness.spare[i] = _mfn(pool[k + HARNESS_FOREIGN_FRAMES + i]);
    return 0;
}

/*
 * populate_pfns(): a frame for every pfn the stream has a page for.  Xen sets
 * the m2p of a PV guest's frames as it hands them out; the p2m is the
 * toolstack's to keep (new_p2m) until it writes it into the guest.
 */
int sr_machine_create(const struct sr_image *img, uint64_t *new_p2m)
{
    unsigned long nr = nr_populated(img), k = 0;
    unsigned long n = 2 * nr + HARNESS_FOREIGN_FRAMES + HARNESS_SPARE_FRAMES;
    uint64_t *pool;
    int rc;

    rng_seed();
    pool = shuffled_pool(n);
    if (!pool)
        return sr_error(-XEN_ENOMEM, "restore: no memory for the new machine's frame pool");
    model_create(MODEL_XEN_FRAMES + n);
    harness_machine_replaced();
    for (uint64_t pfn = 0; pfn <= img->max_pfn; pfn++) {
        new_p2m[pfn] = INVALID_MFN_RAW;
        if (img->pages[pfn].type == SR_XTAB)
            continue;
        new_p2m[pfn] = take(pool, &k, pfn, img);
        model_set_owner(_mfn(new_p2m[pfn]), MODEL_OWNER_GUEST);
        model_m2p_set(_mfn(new_p2m[pfn]), pfn);
    }
    rc = harness_follow_assignment(img, new_p2m, pool, k, MODEL_XEN_FRAMES + n);
    free(pool);
    return rc;
}

void sr_machine_adopt(void)
{
    harness_direct_map_rebind();
    harness_windows_rebind();
}
