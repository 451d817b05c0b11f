/*
 * The example's memory, the Mini-OS way: one root, and everything of the kernel's
 * in L4 slot 0.
 *
 * Xen's domain builder maps the image and its bootstrap pages (start_info, the
 * rings, the boot p2m list, the page tables and some padding) at virtual = pfn *
 * 4096, because the image is linked at 0.  The direct map is that same mapping
 * carried on to the last pfn: mm_init fills the bootstrap L1's empty tail and adds
 * an L1 per 2 MiB (and an L2 per GiB) after it, each prepared while it is still
 * plain memory, made read-only in the direct map, then linked into the pinned tree
 * in the same mmu_update, where Xen validates it.  Its frames come from the bottom
 * of the memory already mapped, so each new L1 maps far more than it costs.
 *
 * Tables are remembered by pfn, never by mfn: a restore moves every frame.
 */
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include "embed.h"

#define TABLE_FLAGS (PVMMU_PAGE_PRESENT | PVMMU_PAGE_RW | PVMMU_PAGE_USER | PVMMU_PAGE_ACCESSED)
#define DATA_FLAGS (PVMMU_PAGE_PRESENT | PVMMU_PAGE_RW | PVMMU_PAGE_ACCESSED | PVMMU_PAGE_DIRTY)
#define RO_FLAGS (PVMMU_PAGE_PRESENT | PVMMU_PAGE_ACCESSED)

struct boot_info boot;

static uint64_t l1_pfn[MAX_PAGES / 512];   /* the direct map's L1 for each 2 MiB */
static uint64_t next_table;                /* mm_init's frames for tables: the lowest mapped ones */
static uint64_t bitmap[MAX_PAGES / 64];    /* the allocator: a bit per pfn, set when free */
static uint64_t nr_free, cursor;
static uint64_t window_next = P2M_WINDOW_BASE;

pvmmu_mfn_t pfn_to_mfn(pvmmu_pfn_t pfn)
{
    if (boot.p2m_handed_over)
        return pvmmu_p2m_lookup(pfn);
    if (pvmmu_pfn_x(pfn) >= boot.nr_pages)
        return PVMMU_INVALID_MFN;
    return pvmmu_mfn(((const uint64_t *)boot.si->mfn_list)[pvmmu_pfn_x(pfn)]);
}

static uint64_t maddr(uint64_t pfn)
{
    return pvmmu_mfn_to_maddr(pfn_to_mfn(pvmmu_pfn(pfn)));
}

static uint64_t *table_of(uint64_t pfn)
{
    return (uint64_t *)(pfn << PAGE_SHIFT);
}

/* The pfn an entry of one of our tables links, by Xen's m2p (false: none, or not ours). */
static bool linked_pfn(uint64_t entry, uint64_t *pfn)
{
    if (!(entry & PVMMU_PAGE_PRESENT))
        return false;
    if (boot.p2m_handed_over) {
        *pfn = pvmmu_pfn_x(pvmmu_m2p_lookup(pvmmu_maddr_to_mfn(entry & PVMMU_PTE_ADDR_MASK), NULL));
        return *pfn != PVMMU_INVALID_PFN_RAW;
    }
    return pvmmu_m2p_read_raw(pvmmu_maddr_to_mfn(entry & PVMMU_PTE_ADDR_MASK), pfn) && *pfn < boot.nr_pages;
}

static int update(mmu_update_t *reqs, unsigned n, const char *what)
{
    unsigned done = 0;
    long rc = hv_mmu_update(reqs, n, &done, DOMID_SELF);

    if (rc)
        print("pvmmu: mm: %s: mmu_update failed at request %u of %u: %ld", what, done, n, rc);
    return (int)rc;
}

/*
 * Link the zeroed-or-filled frame `pfn` as a table at entry `index` of table
 * `parent`: read-only in the direct map first, then the link, in one hypercall.
 */
static int link_table(uint64_t parent, unsigned index, uint64_t pfn, const char *what)
{
    mmu_update_t reqs[2] = {
        { pvmmu_direct_map_l1e_maddr(pvmmu_pfn(pfn)) | MMU_NORMAL_PT_UPDATE, maddr(pfn) | RO_FLAGS },
        { (maddr(parent) + index * 8) | MMU_NORMAL_PT_UPDATE, maddr(pfn) | TABLE_FLAGS },
    };

    return update(reqs, 2, what);
}

static void zero_page(uint64_t pfn)
{
    uint64_t *p = table_of(pfn);
    unsigned i;

    for (i = 0; i < 512; i++)
        p[i] = 0;
}

/* The direct map's entries for chunk c (2 MiB), into an L1 that is still writable. */
static void fill_l1(uint64_t *l1, uint64_t c)
{
    uint64_t i, pfn;

    for (i = 0; i < 512; i++) {
        pfn = c * 512 + i;
        l1[i] = pfn < boot.nr_pages ? maddr(pfn) | DATA_FLAGS : 0;
    }
}

/* The bootstrap L1 of chunk c may end early: map the rest of its pfns, by hypercall (it is a table). */
static int complete_l1(uint64_t c)
{
    static mmu_update_t reqs[512];
    const uint64_t *l1 = table_of(l1_pfn[c]);
    unsigned n = 0, i;

    for (i = 0; i < 512 && c * 512 + i < boot.nr_pages; i++)
        if (!(l1[i] & PVMMU_PAGE_PRESENT))
            reqs[n++] = (mmu_update_t){ (maddr(l1_pfn[c]) + i * 8) | MMU_NORMAL_PT_UPDATE,
                                        maddr(c * 512 + i) | DATA_FLAGS };
    return n ? update(reqs, n, "completing a bootstrap L1") : 0;
}

static int build_direct_map(void)
{
    uint64_t chunks = (boot.nr_pages + 511) / 512, c, l3, l2 = 0, pfn;
    const uint64_t *l4 = table_of(pvmmu_pfn_x(boot.l4));
    int rc = 0;

    if (!linked_pfn(l4[0], &l3)) {
        print("pvmmu: mm: L4 slot 0 maps nothing: is the image linked at 0?");
        return -XEN_EINVAL;
    }
    for (c = 0; c < chunks && !rc; c++) {
        if (c % 512 == 0 && !linked_pfn(table_of(l3)[c / 512], &l2)) {
            l2 = next_table++;
            zero_page(l2);
            rc = link_table(l3, (unsigned)(c / 512), l2, "linking a direct-map L2");
            if (rc)
                break;
        }
        if (linked_pfn(table_of(l2)[c % 512], &pfn)) {
            l1_pfn[c] = pfn;
            rc = complete_l1(c);
        } else {
            l1_pfn[c] = next_table++;
            fill_l1(table_of(l1_pfn[c]), c);
            rc = link_table(l2, (unsigned)(c % 512), l1_pfn[c], "linking a direct-map L1");
        }
    }
    /* mmu_update leaves the TLB as it was. */
    if (!rc) {
        struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
        rc = (int)pvmmu_hv_mmuext_op(&op, 1, NULL, DOMID_SELF);
    }
    return rc;
}

int mm_init(start_info_t *si)
{
    uint64_t pfn, l4 = si->pt_base >> PAGE_SHIFT;

    boot.si = si;
    boot.nr_pages = si->nr_pages;
    boot.l4 = pvmmu_pfn(l4);
    if (boot.nr_pages > MAX_PAGES) {
        print("pvmmu: mm: %llu pages, this example handles %lu: using those",
              (unsigned long long)boot.nr_pages, MAX_PAGES);
        boot.nr_pages = MAX_PAGES;
    }
    /* After the bootstrap tables, Xen's one-page bootstrap stack; then the padding. */
    next_table = l4 + si->nr_pt_frames + 1;
    if (next_table >= boot.nr_pages)
        return -XEN_EINVAL;
    {
        int rc = build_direct_map();
        if (rc)
            return rc;
    }
    boot.first_free = next_table;
    for (pfn = boot.first_free; pfn < boot.nr_pages; pfn++)
        bitmap[pfn / 64] |= 1ULL << (pfn % 64);
    nr_free = boot.nr_pages - boot.first_free;
    cursor = boot.first_free;
    return 0;
}

/* --- the frame allocator, pvmmu's hooks ------------------------------------------------ */
pvmmu_pfn_t pvmmu_frame_alloc(void)
{
    uint64_t scanned, pfn = cursor;

    for (scanned = 0; nr_free && scanned < boot.nr_pages; scanned++, pfn++) {
        if (pfn >= boot.nr_pages)
            pfn = boot.first_free;
        if (bitmap[pfn / 64] & (1ULL << (pfn % 64))) {
            bitmap[pfn / 64] &= ~(1ULL << (pfn % 64));
            nr_free--;
            cursor = pfn + 1;
            zero_page(pfn);
            return pvmmu_pfn(pfn);
        }
    }
    return PVMMU_INVALID_PFN;
}

void pvmmu_frame_free(pvmmu_pfn_t pfn)
{
    uint64_t n = pvmmu_pfn_x(pfn);

    if (n < boot.first_free || n >= boot.nr_pages || (bitmap[n / 64] & (1ULL << (n % 64)))) {
        print("pvmmu: frame_free: pfn %#llx is not an allocated frame", (unsigned long long)n);
        return;
    }
    bitmap[n / 64] |= 1ULL << (n % 64);
    nr_free++;
}

uint64_t frames_free(void)
{
    return nr_free;
}

void *pvmmu_pfn_to_virt(pvmmu_pfn_t pfn)
{
    return (void *)(pvmmu_pfn_x(pfn) << PAGE_SHIFT);
}

pvmmu_pfn_t pvmmu_virt_to_pfn(const void *va)
{
    uint64_t pfn = (uint64_t)(uintptr_t)va >> PAGE_SHIFT;

    return pfn < boot.nr_pages ? pvmmu_pfn(pfn) : PVMMU_INVALID_PFN;
}

uint64_t pvmmu_direct_map_l1e_maddr(pvmmu_pfn_t pfn)
{
    uint64_t n = pvmmu_pfn_x(pfn);

    return maddr(l1_pfn[n / 512]) + (n % 512) * 8;
}

/* --- the p2m window: in slot 0 at 256 GiB, below the kernel's own L3 ---------------------- */
void *pvmmu_p2m_window_reserve(uint64_t bytes)
{
    uint64_t len = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    void *va = (void *)window_next;

    if (len > P2M_WINDOW_BASE + P2M_WINDOW_SIZE - window_next)
        return NULL;
    window_next += len ? len : PAGE_SIZE;
    return va;
}

/* The table below entry `index` of `parent`, a new one linked if there is none. */
static uint64_t child(uint64_t parent, unsigned index)
{
    uint64_t pfn;

    if (linked_pfn(table_of(parent)[index], &pfn))
        return pfn;
    pfn = pvmmu_pfn_x(pvmmu_frame_alloc());
    if (pfn == PVMMU_INVALID_PFN_RAW || link_table(parent, index, pfn, "p2m window: a new table"))
        return PVMMU_INVALID_PFN_RAW;
    return pfn;
}

int pvmmu_p2m_window_map(void *va, pvmmu_pfn_t pfn, bool writable)
{
    uint64_t v = (uint64_t)(uintptr_t)va, l3, l2, l1;
    uint64_t pte = maddr(pvmmu_pfn_x(pfn)) | RO_FLAGS | (writable ? PVMMU_PAGE_RW | PVMMU_PAGE_DIRTY : 0);

    if ((v & (PAGE_SIZE - 1)) || v < P2M_WINDOW_BASE || v >= window_next ||
        !pvmmu_mfn_valid_value(pfn_to_mfn(pfn)))
        return -XEN_EINVAL;
    if (!linked_pfn(table_of(pvmmu_pfn_x(boot.l4))[0], &l3))
        return -XEN_EINVAL;
    l2 = child(l3, pvmmu_pt_index(v, 3));
    l1 = l2 == PVMMU_INVALID_PFN_RAW ? l2 : child(l2, pvmmu_pt_index(v, 2));
    if (l1 == PVMMU_INVALID_PFN_RAW)
        return -XEN_ENOMEM;
    return (int)hv_update_va_mapping(v, pte, UVMF_INVLPG | UVMF_LOCAL);
}
