/*
 * The guest kernel's direct map, made real in the host process.
 *
 * A PV kernel reaches pfn p at 0xffff880000000000 + p * 4096, through l1es
 * that Xen has checked: a page table's alias there is read-only, and a write
 * to it faults.  A hosted process cannot map anything at 0xffff88..., so the
 * harness keeps its own direct map at a host address: one page per pfn, in pfn
 * order, each a MAP_SHARED mapping of the machine frame behind it (the model's
 * memfd), with the rights of the guest's l1e for that page.  When a hypercall
 * changes one of those l1es, the model's store hook tells us and the host page
 * follows: made read-only, unmapped, or pointed at another frame.
 *
 * So when the core writes through pfn_to_virt into a frame that is a page
 * table, it faults here as it would on real Xen (where the guest has not asked
 * for writable page tables), instead of silently corrupting a validated table
 * behind the model's back.  harness_writable() lets a test ask first.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "../model/model.h"
#include "harness_int.h"

static uint8_t *dm_base;
static size_t dm_len;

static pfn_t first_l1(void)
{
    unsigned long nr_l1 = (harness.nr_pages + PT_ENTRIES - 1) / PT_ENTRIES;
    return _pfn(harness.nr_boot_tables - nr_l1);
}

/* Make the host page of `pfn` what the guest's l1e `e` says it is. */
static void follow(pfn_t pfn, uint64_t e)
{
    uint8_t *va = dm_base + (pfn_x(pfn) << PAGE_SHIFT);
    mfn_t target = mpte_mfn((mpte_t){ e });

    if (!(e & _PAGE_PRESENT) || mfn_x(target) >= model_nr_frames()) {
        if (mprotect(va, PAGE_SIZE, PROT_NONE) != 0)
            abort();
        return;
    }
    int prot = PROT_READ | ((e & _PAGE_RW) ? PROT_WRITE : 0);
    if (mmap(va, PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED, model_memfd(),
             (off_t)mfn_to_maddr(target)) == MAP_FAILED) {
        perror("harness: direct map");
        abort();
    }
}

/*
 * The guest's direct map is also the harness's record of which frame backs a pfn:
 * when a balloon maps a newly populated frame there, that frame is the pfn's now.
 * (Unmapping changes nothing: a ballooned pfn keeps its stale mfn here, and only
 * the p2m says it is gone.)
 */
static void note_backing(pfn_t pfn, uint64_t e)
{
    mfn_t target = mpte_mfn((mpte_t){ e }), old = _mfn(harness.mfn_list[pfn_x(pfn)]);

    if (!(e & _PAGE_PRESENT) || mfn_x(target) >= model_nr_frames() || mfn_eq(target, old))
        return;
    if (mfn_x(old) < model_nr_frames() && harness.pfn_of_mfn[mfn_x(old)] == pfn_x(pfn))
        harness.pfn_of_mfn[mfn_x(old)] = INVALID_PFN_RAW;
    harness.mfn_list[pfn_x(pfn)] = mfn_x(target);
    harness.pfn_of_mfn[mfn_x(target)] = pfn_x(pfn);
}

/* The model stored an entry: was it one of the direct map's l1es? */
static void store_hook(mfn_t table, unsigned int slot, uint64_t val)
{
    pfn_t tpfn = harness_mfn_to_pfn(table);
    if (!pfn_valid_value(tpfn) || pfn_x(tpfn) < pfn_x(first_l1()) ||
        pfn_x(tpfn) >= harness.nr_boot_tables)
        return;
    unsigned long pfn = (pfn_x(tpfn) - pfn_x(first_l1())) * PT_ENTRIES + slot;
    if (pfn < harness.nr_pages) {
        note_backing(_pfn(pfn), val);
        follow(_pfn(pfn), val);
    }
}

uint64_t direct_map_l1e_maddr(pfn_t pfn)
{
    pfn_t l1 = _pfn(pfn_x(first_l1()) + pfn_x(pfn) / PT_ENTRIES);
    return mfn_to_maddr(harness_pfn_to_mfn(l1)) + (pfn_x(pfn) % PT_ENTRIES) * sizeof(uint64_t);
}

static uint64_t direct_map_l1e(pfn_t pfn)
{
    uint64_t ma = direct_map_l1e_maddr(pfn);
    return ((uint64_t *)model_frame_bytes(maddr_to_mfn(ma)))[(ma & (PAGE_SIZE - 1)) / 8];
}

void *pfn_to_virt(pfn_t pfn)
{
    if (pfn_x(pfn) >= harness.nr_pages) {
        fprintf(stderr, "harness: pfn_to_virt(%#llx): no such pfn (guest has %lu)\n",
                (unsigned long long)pfn_x(pfn), harness.nr_pages);
        abort();
    }
    return dm_base + (pfn_x(pfn) << PAGE_SHIFT);
}

pfn_t virt_to_pfn(const void *va)
{
    uintptr_t p = (uintptr_t)va, base = (uintptr_t)dm_base;
    if (!dm_base || p < base || p - base >= dm_len)
        return INVALID_PFN;
    return _pfn((p - base) >> PAGE_SHIFT);
}

uint64_t harness_guest_va(const void *host_va)
{
    pfn_t pfn = virt_to_pfn(host_va);
    if (!pfn_valid_value(pfn))
        return (uint64_t)(uintptr_t)host_va;
    return HARNESS_DIRECT_MAP_VA + ((uintptr_t)host_va - (uintptr_t)dm_base);
}

static uint64_t to_guest_va(uint64_t va)
{
    return harness_guest_va((const void *)(uintptr_t)va);
}

bool harness_direct_map_writable(pfn_t pfn)
{
    uint64_t e = direct_map_l1e(pfn);
    return (e & _PAGE_PRESENT) && (e & _PAGE_RW);
}

/* --- asking whether a write would fault ----------------------------------------- */

static sigjmp_buf probe_env;

static void probe_fault(int sig)
{
    siglongjmp(probe_env, sig);
}

bool harness_writable(void *va)
{
    struct sigaction sa = { .sa_handler = probe_fault }, old_segv, old_bus;
    volatile uint8_t *p = va;
    bool ok = false;

    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    if (!sigsetjmp(probe_env, 1)) {
        uint8_t v = *p;
        *p = v;
        ok = true;
    }
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    return ok;
}

/* --- per boot --------------------------------------------------------------------- */

void harness_direct_map_init(void)
{
    dm_len = harness.nr_pages << PAGE_SHIFT;
    dm_base = mmap(NULL, dm_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (dm_base == MAP_FAILED) {
        perror("harness: direct map reservation");
        abort();
    }
    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++)
        follow(_pfn(pfn), direct_map_l1e(_pfn(pfn)));
    model_set_va_translator(to_guest_va);
    model_set_store_hook(store_hook);
}

/*
 * After a restore the guest is on a new machine: the same pfns at the same host
 * addresses, each page now the frame its (localised) l1e names, and the model
 * (a new one) told again how to reach us.
 */
void harness_direct_map_rebind(void)
{
    for (unsigned long pfn = 0; pfn < harness.nr_pages; pfn++)
        follow(_pfn(pfn), direct_map_l1e(_pfn(pfn)));
    model_set_va_translator(to_guest_va);
    model_set_store_hook(store_hook);
}

void harness_direct_map_refollow(pfn_t pfn)
{
    follow(pfn, direct_map_l1e(pfn));
}

void harness_direct_map_fini(void)
{
    if (dm_base)
        munmap(dm_base, dm_len);
    dm_base = NULL;
    dm_len = 0;
}
