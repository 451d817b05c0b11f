/*A:430 The p2m window: L4 slot 273, where the core keeps its linear p2m table.
 *
 * The core asks for a range of virtual addresses (p2m_window_reserve) and then
 * points each page of it at a frame, read-only or writable (p2m_window_map);
 * the same shared "missing" leaf may back many pages.  The window's own page
 * tables are built like every table here: a zeroed frame, made read-only in the
 * direct map, then linked into its (pinned) parent, where Xen validates it.
 *
 * The window's L3 is linked into the kernel's L4 when the first range is
 * reserved, i.e. at boot, before any address space exists: address spaces copy
 * the kernel half of the kernel's L4 when they are created, so everything the
 * window grows later is below an L3 they already share. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "boot.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "p2m_window.h"
#include "smp.h"

#define UPPER_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

static uint64_t window_next = P2M_WINDOW_BASE;
static pfn_t window_l3 = { INVALID_PFN_RAW };
static uint64_t window_tables;

static uint64_t maddr_of(pfn_t pfn)
{
    return mfn_to_maddr(boot_pfn_to_mfn(pfn));
}

/*
 * A new, empty table linked at `slot_maddr` (the machine address of the parent
 * entry): read-only in the direct map first, then the link, in one mmu_update.
 */
static pfn_t new_table(uint64_t slot_maddr, const char *what)
{
    pfn_t pfn = frame_alloc();
    mmu_update_t reqs[2];

    if (!pfn_valid_value(pfn)) {
        pvmmu_error("p2m window: no frame left for a %s table", what);
        return INVALID_PFN;
    }
    reqs[0] = (mmu_update_t){ direct_map_l1e_maddr(pfn) | MMU_NORMAL_PT_UPDATE,
                              maddr_of(pfn) | _PAGE_PRESENT | _PAGE_ACCESSED };
    reqs[1] = (mmu_update_t){ slot_maddr | MMU_NORMAL_PT_UPDATE, maddr_of(pfn) | UPPER_FLAGS };
    if (mmu_update_checked(reqs, 2, what)) {
        /* The link failed; undo the flip (harmless if it never happened) and give the frame back. */
        reqs[0].val |= _PAGE_RW | _PAGE_DIRTY;
        mmu_update_checked(reqs, 1, "p2m window: making an unused table frame writable again");
        frame_free(pfn);
        return INVALID_PFN;
    }
    window_tables++;
    return pfn;
}

void *p2m_window_reserve(uint64_t bytes)
{
    uint64_t len = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    void *va;

    if (len > P2M_WINDOW_BASE + P2M_WINDOW_SIZE - window_next) {
        pvmmu_error("p2m_window_reserve(%llu bytes): the window has %llu left",
                    (unsigned long long)bytes,
                    (unsigned long long)(P2M_WINDOW_BASE + P2M_WINDOW_SIZE - window_next));
        return NULL;
    }
    if (!pfn_valid_value(window_l3)) {
        window_l3 = new_table(maddr_of(boot.l4) + pt_index(P2M_WINDOW_BASE, 4) * 8,
                              "p2m window: linking its L3 into L4 slot 273");
        if (!pfn_valid_value(window_l3))
            return NULL;
    }
    va = (void *)window_next;
    window_next += len ? len : PAGE_SIZE;
    return va;
}

/* The table below entry `index` of table `parent` (level `level`), made if missing. */
static pfn_t child(pfn_t parent, unsigned index, int level)
{
    const uint64_t *entries = pfn_to_virt(parent);
    uint64_t e = entries[index], pfn;

    if (e & _PAGE_PRESENT) {
        if (!m2p_read_raw(maddr_to_mfn(e & PTE_ADDR_MASK), &pfn)) {
            pvmmu_error("p2m window: L%d entry 0x%llx names an mfn the m2p does not know", level,
                        (unsigned long long)e);
            return INVALID_PFN;
        }
        return _pfn(pfn);
    }
    return new_table(maddr_of(parent) + index * 8,
                     level == 3 ? "p2m window: new L2" : "p2m window: new L1");
}

int p2m_window_map(void *va, pfn_t pfn, bool writable)
{
    uint64_t v = (uint64_t)(uintptr_t)va, pte;
    pfn_t l2, l1;
    long rc;

    if ((v & (PAGE_SIZE - 1)) || v < P2M_WINDOW_BASE || v >= window_next ||
        !mfn_valid_value(boot_pfn_to_mfn(pfn))) {
        pvmmu_error("p2m_window_map(%p, pfn 0x%llx): not a page of the window, or not our pfn", va,
                    (unsigned long long)pfn_x(pfn));
        return -XEN_EINVAL;
    }
    l2 = child(window_l3, pt_index(v, 3), 3);
    l1 = pfn_valid_value(l2) ? child(l2, pt_index(v, 2), 2) : INVALID_PFN;
    if (!pfn_valid_value(l1))
        return -XEN_ENOMEM;

    pte = maddr_of(pfn) | _PAGE_PRESENT | _PAGE_ACCESSED | (writable ? _PAGE_RW | _PAGE_DIRTY : 0);
    /*
     * Every address space shares the window's tables (the kernel half is copied),
     * so once secondaries run, any of them may hold the old translation: flush
     * the page everywhere (UVMF_ALL), not only here.
     */
    rc = hv_update_va_mapping(v, pte, UVMF_INVLPG | (smp_vcpus_up() > 1 ? UVMF_ALL : UVMF_LOCAL));
    if (rc)
        pvmmu_error("p2m_window_map: update_va_mapping(%p, pte 0x%llx for pfn 0x%llx, %s) failed: %ld",
                    va, (unsigned long long)pte, (unsigned long long)pfn_x(pfn),
                    writable ? "rw" : "ro", rc);
    return (int)rc;
}

uint64_t p2m_window_tables(void)
{
    return window_tables;
}
