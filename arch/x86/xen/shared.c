/*A:150 shared_info, and the clock in it.
 *
 * Xen names the shared_info frame by its machine address; we map it over a
 * page of our own image with one update_va_mapping, and unmap it the same way
 * around a save.  Its vcpu_info holds the clock (system time and the TSC
 * scale) and a page fault's address, which a PV kernel cannot read from CR2. :*/
#include <stddef.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include "hypercall_arch.h"
#include "shared.h"

/* The page we give up to stand for shared_info: its own frame is simply never used. */
static uint8_t shared_page[4096] __attribute__((aligned(4096)));
shared_info_t *xen_shared;

long shared_info_map(uint64_t maddr)
{
    uint64_t pte = maddr | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    long rc = hv_update_va_mapping((uint64_t)(uintptr_t)shared_page, pte, UVMF_INVLPG | UVMF_LOCAL);

    if (rc == 0)
        xen_shared = (shared_info_t *)shared_page;
    return rc;
}

long shared_info_unmap(void)
{
    long rc = hv_update_va_mapping((uint64_t)(uintptr_t)shared_page, 0, UVMF_INVLPG | UVMF_LOCAL);

    if (rc == 0)
        xen_shared = NULL;
    return rc;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/*
 * Xen publishes (system_time, tsc_timestamp) and a scale; now is system_time
 * plus the TSC ticks since, scaled.  The version is odd while Xen is writing,
 * so read until we get a stable, even one.
 */
uint64_t xen_now_ns(void)
{
    const volatile struct vcpu_time_info *t;
    uint32_t version, mul;
    uint64_t base, stamp, delta;
    int8_t shift;

    if (!xen_shared)
        return 0;
    /* This vCPU's own record: Xen keeps each one against the TSC of the CPU it runs on. */
    t = &xen_shared->vcpu_info[platform_vcpu_id()].time;
    do {
        version = t->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        base = t->system_time;
        stamp = t->tsc_timestamp;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != t->version);

    delta = rdtsc() - stamp;
    delta = shift >= 0 ? delta << shift : delta >> -shift;
    return base + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}
