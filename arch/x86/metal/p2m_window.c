/*
 * The p2m window: L4 slot 257, where the core keeps its linear pfn -> mfn
 * table (p2m/table.c).  The core reserves a range and points each page of it
 * at a frame, read-only or writable; here that is a plain store into the
 * host's tables, which every shadow root shares (the slot is one of the
 * host's), and an invlpg.
 */
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "cpu.h"
#include "layout.h"
#include "machine.h"

static uint64_t window_next = P2M_WINDOW_BASE;

void *p2m_window_reserve(uint64_t bytes)
{
    uint64_t len = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    void *va = (void *)window_next;

    if (len > P2M_WINDOW_BASE + P2M_WINDOW_SIZE - window_next) {
        pvmmu_error("p2m_window_reserve(%llu bytes): the window has %llu left",
                    (unsigned long long)bytes,
                    (unsigned long long)(P2M_WINDOW_BASE + P2M_WINDOW_SIZE - window_next));
        return NULL;
    }
    window_next += len ? len : PAGE_SIZE;
    return va;
}

int p2m_window_map(void *va, pfn_t pfn, bool writable)
{
    uint64_t v = (uint64_t)(uintptr_t)va, *pte;

    if ((v & (PAGE_SIZE - 1)) || v < P2M_WINDOW_BASE || v >= window_next ||
        !pfn_is_ram(pfn_x(pfn))) {
        pvmmu_error("p2m_window_map(%p, pfn 0x%llx): not a page of the window, or not RAM", va,
                    (unsigned long long)pfn_x(pfn));
        return -XEN_EINVAL;
    }
    pte = host_entry(v, 1, frame_alloc);
    if (!pte) {
        pvmmu_error("p2m_window_map(%p): out of frames for the window's tables", va);
        return -XEN_ENOMEM;
    }
    *pte = (pfn_x(pfn) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX |
           (writable ? _PAGE_RW | _PAGE_DIRTY : 0);
    invlpg(v);
    return 0;
}
