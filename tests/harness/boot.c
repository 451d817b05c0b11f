/*
 * Booting a hosted guest, the way Xen's domain builder boots a PV kernel.
 *
 * The builder (libxenguest's xc_dom_*) gives the domain its memory in an order
 * of its own choosing, so a guest's pfns and the machine frames behind them
 * have nothing to do with each other.  We shuffle on purpose: a core that
 * confuses the two must fail here, not on the first real machine.  It then
 * writes the initial page tables straight into the guest's frames (the domain
 * is not running yet, so no hypercall is needed), sets the m2p, and the kernel
 * starts with its L4 pinned and loaded.  We do that last part through the
 * model's hypercalls, so the tree is validated by the same rules as everything
 * the core will build later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "../model/model.h"
#include "harness_int.h"

struct harness_state harness;

static void harness_die(const char *what)
{
    fprintf(stderr, "harness: %s\n", what);
    abort();
}

static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        harness_die("out of memory");
    return p;
}

/* A page-aligned zeroed page: what Xen's shared_info is to a guest. */
static void *page_alloc(void)
{
    _Static_assert(sizeof(shared_info_t) <= PAGE_SIZE, "shared_info fits a page");
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (!p)
        harness_die("out of memory");
    return memset(p, 0, PAGE_SIZE);
}

/* xorshift64*: small, deterministic, and the seed comes from PVMMU_SHUFFLE_SEED. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void rng_seed(void)
{
    const char *s = getenv("PVMMU_SHUFFLE_SEED");
    rng_state = s ? strtoull(s, NULL, 0) : 0x9e3779b97f4a7c15ULL;
    if (!rng_state)
        rng_state = 1;
}

/* Every machine frame past Xen's, in an order drawn from `next` (Fisher-Yates). */
void harness_shuffled_frames(uint64_t *pool, unsigned long n, uint64_t (*next)(void))
{
    for (unsigned long i = 0; i < n; i++)
        pool[i] = MODEL_XEN_FRAMES + i;
    for (unsigned long i = n - 1; i > 0; i--) {
        unsigned long j = next() % (i + 1);
        uint64_t t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
    }
}

/*
 * Every machine frame past Xen's, in random order: the first nr_pages go to the
 * guest, then the foreign domain's, then the spare (free) ones.  No guest pfn
 * lands on the mfn of the same number.
 */
static void assign_frames(unsigned long total)
{
    unsigned long n = total - MODEL_XEN_FRAMES;
    uint64_t *pool = zalloc(n, sizeof(*pool));

    harness_shuffled_frames(pool, n, rng_next);
    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++) {
        if (pool[pfn] == pfn) {   /* swap with the neighbour: pool values are distinct */
            unsigned long other = pfn + 1 < n ? pfn + 1 : pfn - 1;
            uint64_t t = pool[pfn];
            pool[pfn] = pool[other];
            pool[other] = t;
        }
    }

    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++) {
        harness.mfn_list[pfn] = pool[pfn];
        harness.pfn_of_mfn[pool[pfn]] = pfn;
        model_set_owner(_mfn(pool[pfn]), MODEL_OWNER_GUEST);
        model_m2p_set(_mfn(pool[pfn]), pfn);
    }
    for (unsigned int i = 0; i < HARNESS_FOREIGN_FRAMES; i++) {
        harness.foreign[i] = _mfn(pool[harness.nr_pages + i]);
        model_set_owner(harness.foreign[i], MODEL_OWNER_FOREIGN);
        model_m2p_set(harness.foreign[i], 0x1000 + i);   /* the other guest's pfns */
    }
    for (unsigned int i = 0; i < HARNESS_SPARE_FRAMES; i++)
        harness.spare[i] = _mfn(pool[harness.nr_pages + HARNESS_FOREIGN_FRAMES + i]);
    free(pool);
}

/*
 * The boot tables take the first pfns, as the builder puts them right after
 * the kernel image: [L4][L3][L2 x nr_l2][L1 x nr_l1].  One L1 maps 512 pfns of
 * the direct map, one L2 512 L1s, and the single L3 512 L2s (512 GiB).
 */
struct layout {
    unsigned long nr_l1, nr_l2;
    pfn_t l4, l3, l2_first, l1_first;
};

static struct layout plan(unsigned long nr_pages)
{
    struct layout l;
    l.nr_l1 = (nr_pages + PT_ENTRIES - 1) / PT_ENTRIES;
    l.nr_l2 = (l.nr_l1 + PT_ENTRIES - 1) / PT_ENTRIES;
    l.l4 = _pfn(0);
    l.l3 = _pfn(1);
    l.l2_first = _pfn(2);
    l.l1_first = _pfn(2 + l.nr_l2);
    return l;
}

static uint64_t *table_of(pfn_t pfn)
{
    return model_frame_bytes(harness_pfn_to_mfn(pfn));
}

static uint64_t upper_entry(pfn_t target)
{
    return mfn_to_maddr(harness_pfn_to_mfn(target)) |
           _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
}

/* The direct map's leaves: page tables read-only (Xen insists), the rest RW. */
static void fill_l1s(const struct layout *l)
{
    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++) {
        uint64_t *l1 = table_of(_pfn(pfn_x(l->l1_first) + pfn / PT_ENTRIES));
        uint64_t flags = _PAGE_PRESENT | _PAGE_ACCESSED;
        if (pfn >= harness.nr_boot_tables)
            flags |= _PAGE_RW | _PAGE_DIRTY;
        l1[pfn % PT_ENTRIES] = mfn_to_maddr(harness_pfn_to_mfn(_pfn(pfn))) | flags;
    }
}

static void build_tables(const struct layout *l)
{
    for (unsigned long i = 0; i < harness.nr_boot_tables; i++)
        memset(table_of(_pfn(i)), 0, PAGE_SIZE);

    fill_l1s(l);
    for (unsigned long i = 0; i < l->nr_l1; i++) {
        uint64_t *l2 = table_of(_pfn(pfn_x(l->l2_first) + i / PT_ENTRIES));
        l2[i % PT_ENTRIES] = upper_entry(_pfn(pfn_x(l->l1_first) + i));
    }
    uint64_t *l3 = table_of(l->l3);
    for (unsigned long i = 0; i < l->nr_l2; i++)
        l3[i] = upper_entry(_pfn(pfn_x(l->l2_first) + i));
    table_of(l->l4)[pt_index(HARNESS_DIRECT_MAP_VA, 4)] = upper_entry(l->l3);
}

/* Pin and load the kernel L4: Xen validates the whole tree right here. */
static void pin_and_load(pfn_t l4)
{
    struct mmuext_op ops[2] = {
        { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = mfn_x(harness_pfn_to_mfn(l4)) },
        { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mfn_x(harness_pfn_to_mfn(l4)) },
    };
    unsigned int done = 0;
    long rc = hv_mmuext_op(ops, 2, &done, DOMID_SELF);
    if (rc) {
        fprintf(stderr, "harness: boot tables refused (rc %ld after %u ops): %s\n", rc, done,
                model_last_refusal());
        abort();
    }
}

void harness_boot(unsigned long nr_pages)
{
    harness_shutdown();
    if (nr_pages < 16)
        nr_pages = 16;
    if (nr_pages > HARNESS_MAX_PAGES)
        harness_die("guest larger than HARNESS_MAX_PAGES (one host mapping per page)");
    unsigned long total = MODEL_XEN_FRAMES + nr_pages + HARNESS_FOREIGN_FRAMES +
                          HARNESS_SPARE_FRAMES;

    rng_seed();
    model_create(total);
    harness.nr_pages = nr_pages;
    harness.mfn_list = zalloc(nr_pages, sizeof(uint64_t));
    harness.pfn_of_mfn = zalloc(total, sizeof(uint64_t));
    memset(harness.pfn_of_mfn, 0xff, total * sizeof(uint64_t));
    assign_frames(total);

    struct layout l = plan(nr_pages);
    harness.nr_boot_tables = 2 + l.nr_l2 + l.nr_l1;
    if (harness.nr_boot_tables >= nr_pages)
        harness_die("guest too small for its own page tables");
    harness.kernel_l4 = l.l4;
    build_tables(&l);
    pin_and_load(l.l4);

    harness.shared_info = page_alloc();
    harness_platform_init();
    model_reset_counters();
}

void harness_shutdown(void)
{
    harness_platform_fini();
    free(harness.mfn_list);
    free(harness.pfn_of_mfn);
    free(harness.shared_info);
    memset(&harness, 0, sizeof(harness));
    model_destroy();
    harness_machine_replaced();
}

static unsigned long machine_generation;

void harness_machine_replaced(void) { machine_generation++; }
unsigned long harness_machine_generation(void) { return machine_generation; }

const uint64_t *harness_mfn_list(void) { return harness.mfn_list; }
unsigned long harness_nr_pages(void) { return harness.nr_pages; }
pfn_t harness_kernel_l4(void) { return harness.kernel_l4; }
mfn_t harness_kernel_l4_mfn(void) { return harness_pfn_to_mfn(harness.kernel_l4); }
shared_info_t *harness_shared_info(void) { return harness.shared_info; }

mfn_t harness_pfn_to_mfn(pfn_t pfn)
{
    if (pfn_x(pfn) >= harness.nr_pages)
        return INVALID_MFN;
    return _mfn(harness.mfn_list[pfn_x(pfn)]);
}

pfn_t harness_mfn_to_pfn(mfn_t mfn)
{
    if (mfn_x(mfn) >= model_nr_frames())
        return INVALID_PFN;
    return _pfn(harness.pfn_of_mfn[mfn_x(mfn)]);
}

bool harness_pfn_is_boot_table(pfn_t pfn)
{
    return pfn_x(pfn) < harness.nr_boot_tables;
}

mfn_t harness_foreign_mfn(unsigned int i) { return harness.foreign[i % HARNESS_FOREIGN_FRAMES]; }
mfn_t harness_spare_mfn(unsigned int i) { return harness.spare[i % HARNESS_SPARE_FRAMES]; }
