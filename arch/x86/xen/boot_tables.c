/*A:400 Adopting the bootstrap page tables Xen's builder made for us.
 *
 * They are already pinned and loaded, so there is nothing to validate: we only
 * learn where they are (start_info's pt_base and nr_pt_frames) and which frames
 * they are, so that the direct map can map them read-only, and we give the
 * builder's padding back to the allocator. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "boot.h"
#include "console.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "arch/x86/common/traps.h"

struct boot boot;

extern char _image_end[];

int mmu_update_checked(mmu_update_t *reqs, unsigned n, const char *what)
{
    unsigned done = 0;
    long rc = hv_mmu_update(reqs, n, &done, DOMID_SELF);

    if (rc) {
        const mmu_update_t *bad = done < n ? &reqs[done] : &reqs[n - 1];

        pvmmu_error("%s: mmu_update of %u requests failed at #%u (ptr 0x%llx val 0x%llx): %ld",
                    what, n, done, (unsigned long long)bad->ptr, (unsigned long long)bad->val, rc);
    }
    return (int)rc;
}

int mmuext_checked(unsigned cmd, uint64_t arg, const char *what)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg };
    long rc = hv_mmuext_op(&op, 1, NULL, DOMID_SELF);

    if (rc)
        pvmmu_error("%s: mmuext_op %s (arg 0x%llx) failed: %ld", what, mmuext_cmd_name(cmd),
                    (unsigned long long)arg, rc);
    return (int)rc;
}

static uint64_t va_to_boot_pfn(uint64_t va)
{
    return (va - VIRT_BASE) >> PAGE_SHIFT;
}

/*
 * A bootstrap table by mfn.  The m2p says which pfn it is; the builder maps
 * every bootstrap pfn (tables included, read-only) at VIRT_BASE + pfn * 4096.
 */
uint64_t *boot_table(mfn_t mfn)
{
    uint64_t pfn;

    if (!m2p_read_raw(mfn, &pfn) || pfn < boot.pt_first || pfn >= boot.pt_first + boot.nr_pt)
        return NULL;
    return (uint64_t *)(VIRT_BASE + (pfn << PAGE_SHIFT));
}

/* The machine address of the bootstrap l1e that maps `va`, or 0 if there is none. */
static uint64_t boot_l1e_maddr(uint64_t va)
{
    uint64_t *table = boot_table(boot_pfn_to_mfn(boot.l4));
    int level;

    for (level = 4; level > 1 && table; level--) {
        uint64_t e = table[pt_index(va, level)];

        if (!(e & _PAGE_PRESENT))
            return 0;
        if (level == 2) {
            uint64_t l1 = e & PTE_ADDR_MASK;

            return boot_table(maddr_to_mfn(l1)) ? l1 + pt_index(va, 1) * 8 : 0;
        }
        table = boot_table(maddr_to_mfn(e & PTE_ADDR_MASK));
    }
    return 0;
}

/*
 * One past the builder's bootstrap region, from start_info alone: the page
 * tables at pt_base, nr_pt_frames of them, then a one-page stack.  False when
 * the fields make no sense: pt_base below VIRT_BASE, or a region that does not
 * end within nr_pages, checked before the sum is made (a nr_pt_frames near
 * 2^64 wraps it: found by the start_info fuzzer).  console.c asks it too,
 * before anything else of start_info has been believed.
 */
bool boot_region_end(const start_info_t *si, uint64_t *end)
{
    uint64_t pt_first;

    if (si->pt_base < VIRT_BASE || si->nr_pt_frames >= si->nr_pages)
        return false;
    pt_first = va_to_boot_pfn(si->pt_base);
    if (pt_first >= si->nr_pages - si->nr_pt_frames)
        return false;
    *end = pt_first + si->nr_pt_frames + 1;
    return true;
}

int boot_tables_adopt(const start_info_t *si)
{
    uint64_t end = 0;
    uint64_t image_pages = va_to_boot_pfn((uint64_t)(uintptr_t)_image_end);

    boot.si = si;
    boot.initdomain = si->flags & SIF_INITDOMAIN;
    boot.nr_pages = si->nr_pages;
    boot.mfn_list = (const uint64_t *)si->mfn_list;
    boot.pt_first = va_to_boot_pfn(si->pt_base);
    boot.nr_pt = si->nr_pt_frames;
    boot.l4 = _pfn(boot.pt_first);
    /* The region must end below nr_pages: the kernel's own pages are [0, kernel_end). */
    if (!boot_region_end(si, &end) || end == boot.nr_pages || boot.pt_first < image_pages ||
        boot.nr_pt == 0) {
        pvmmu_error("boot: start_info makes no sense: pt_base 0x%llx (pfn 0x%llx) nr_pt_frames %llu, "
                    "image ends at pfn 0x%llx, nr_pages %llu",
                    (unsigned long long)si->pt_base, (unsigned long long)boot.pt_first,
                    (unsigned long long)boot.nr_pt, (unsigned long long)image_pages,
                    (unsigned long long)boot.nr_pages);
        return -XEN_EINVAL;
    }
    boot.kernel_end = end;
    if (!boot_table(boot_pfn_to_mfn(boot.l4))) {
        pvmmu_error("boot: the L4 at pt_base (pfn 0x%llx, mfn 0x%llx) is not where the m2p says",
                    (unsigned long long)pfn_x(boot.l4),
                    (unsigned long long)mfn_x(boot_pfn_to_mfn(boot.l4)));
        return -XEN_EINVAL;
    }
    return 0;
}

/*
 * Zap the 1:1 mappings of [kernel_end, boot_end): batches of up to 512 entries,
 * each entry addressed by the machine address of its l1e.  boot_end is where
 * the builder's mapping stops (the first pfn without an l1e).
 */
int boot_tables_release(void)
{
    static mmu_update_t reqs[512];
    uint64_t pfn = boot.kernel_end;
    unsigned n = 0;
    int rc = 0;

    for (; pfn < boot.nr_pages && !rc; pfn++) {
        uint64_t l1e = boot_l1e_maddr(VIRT_BASE + (pfn << PAGE_SHIFT));
        uint64_t *entry;

        if (!l1e)
            break;
        entry = boot_table(maddr_to_mfn(l1e)) + (l1e & (PAGE_SIZE - 1)) / 8;
        if (!(*entry & _PAGE_PRESENT))
            break;
        reqs[n++] = (mmu_update_t){ .ptr = l1e | MMU_NORMAL_PT_UPDATE, .val = 0 };
        if (n == ARRAY_SIZE(reqs)) {
            rc = mmu_update_checked(reqs, n, "boot: unmapping the builder's padding");
            n = 0;
        }
    }
    if (n && !rc)
        rc = mmu_update_checked(reqs, n, "boot: unmapping the builder's padding");
    boot.boot_end = pfn;
    boot.released = pfn - boot.kernel_end;
    /* mmu_update leaves the TLB alone: forget the old translations now. */
    return rc ? rc : mmuext_checked(MMUEXT_TLB_FLUSH_LOCAL, 0, "boot: flushing the TLB");
}
