/*
 * The hardware, for the shadow backend's hosted tests: an x86_64 MMU that walks
 * the shadow tables from CR3 (shadow_cr3()) in machine memory, as the CPU would,
 * and raises #PF into the host's handler (shadow_demand_page) exactly where the
 * CPU would, with the error code the CPU would push.  It knows nothing of the
 * shadow core's own bookkeeping, so it judges the core from outside.
 *
 * Every walk also checks the rule the core lives by: the tables the hardware
 * walks are the host's (pool frames), and what a translation ends at is the
 * guest's memory, never the host's.
 *
 * It has a TLB, as the CPU does: translations it walked are used again without
 * a walk until a flush, which comes only when the carrier would flush: CR3
 * loaded with a new value, or the host asking (shadow_tlb_flush_needed) before
 * the return to the guest.  A fault drops the faulting address's entry, as on
 * x86, and x86 never caches a not-present translation.  So a core that drops a
 * shadow entry without asking for a flush lets the old translation live on, and
 * the tests see it.
 */
#ifndef PVMMU_TEST_SHADOW_HW_H
#define PVMMU_TEST_SHADOW_HW_H

#include "pvmmu_test.h"
#include <xen/pvmmu/shadow.h>

#define HW_READ 0u
#define HW_WRITE PF_WRITE
#define HW_USER PF_USER
#define HW_FETCH PF_INSTR

enum hw_outcome { HW_OK, HW_GUEST_FAULT, HW_GUEST_KILLED };

/* Said before every complaint of the hardware's: a test's replay instructions, for one. */
static char hw_context[160];

struct hw_xlat {
    mfn_t mfn;
    unsigned faults;   /* demand faults the access took */
};

#define HW_TLB_ENTRIES 1024   /* 2^10: the hash below keeps 10 bits */

struct hw_tlb_entry {
    bool valid;
    uint64_t page;
    mfn_t mfn;
    bool rw, user, nx;
};

static struct hw_tlb_entry hw_tlb[HW_TLB_ENTRIES];
static uint64_t hw_loaded_cr3 = INVALID_MFN_RAW;
static unsigned long hw_tlb_hits;

static inline void hw_tlb_flush(void)
{
    memset(hw_tlb, 0, sizeof(hw_tlb));
}

/* What the carrier does on its way back into the guest: load CR3, flush if asked. */
static inline void hw_enter_guest(void)
{
    bool asked = shadow_tlb_flush_needed();

    if (asked || mfn_x(shadow_cr3()) != hw_loaded_cr3)
        hw_tlb_flush();
    hw_loaded_cr3 = mfn_x(shadow_cr3());
}

static inline struct hw_tlb_entry *hw_tlb_slot(uint64_t va)
{
    /* Hashed, so that pages 512 GiB apart do not share a slot. */
    return &hw_tlb[((va >> PAGE_SHIFT) * 0x9E3779B97F4A7C15ULL) >> 54];
}

/* A shadow entry may hold only what the hardware accepts without a reserved-bit fault. */
#define HW_ENTRY_OK_BITS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                          _PAGE_NX | PTE_ADDR_MASK)

static inline const uint64_t *hw_table(mfn_t mfn)
{
    pfn_t pfn = harness_mfn_to_pfn(mfn);

    if (!pfn_valid_value(pfn) || !shadow_is_host_frame(pfn))
        fail_msg("%shardware: walked into mfn 0x%llx, which is not a host frame (pfn 0x%llx)",
                 hw_context, (unsigned long long)mfn_x(mfn), (unsigned long long)pfn_x(pfn));
    return model_frame_bytes(mfn);
}

/* One walk, no faults taken: true and the frame, or false and the #PF error code. */
static inline bool hw_walk(mfn_t cr3, uint64_t va, unsigned access, mfn_t *out, unsigned *errcode)
{
    mfn_t table = cr3;
    bool rw = true, user = true, nx = false;
    int l;

    for (l = PT_LEVELS; l >= 1; l--) {
        uint64_t e = hw_table(table)[pt_index(va, l)];

        if (!(e & _PAGE_PRESENT)) {
            *errcode = access;
            return false;
        }
        if (e & ~HW_ENTRY_OK_BITS)
            fail_msg("%shardware: L%d shadow entry 0x%llx for va 0x%llx has bits 0x%llx set",
                     hw_context, l, (unsigned long long)e, (unsigned long long)va,
                     (unsigned long long)(e & ~HW_ENTRY_OK_BITS));
        rw = rw && (e & _PAGE_RW);
        user = user && (e & _PAGE_USER);
        nx = nx || (e & _PAGE_NX);
        table = _mfn((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
    }
    if (((access & HW_WRITE) && !rw) || ((access & HW_USER) && !user) ||
        ((access & HW_FETCH) && nx)) {
        *errcode = access | PF_PROT;
        return false;
    }
    *out = table;
    if (mfn_x(cr3) == hw_loaded_cr3)
        *hw_tlb_slot(va) = (struct hw_tlb_entry){ true, va >> PAGE_SHIFT, table, rw, user, nx };
    return true;
}

/* The TLB's answer for va: -1 no entry, 1 allowed (frame in *out), 0 a fault (entry dropped). */
static inline int hw_tlb_lookup(uint64_t va, unsigned access, mfn_t *out)
{
    struct hw_tlb_entry *e = hw_tlb_slot(va);

    if (!e->valid || e->page != va >> PAGE_SHIFT)
        return -1;
    if (((access & HW_WRITE) && !e->rw) || ((access & HW_USER) && !e->user) ||
        ((access & HW_FETCH) && e->nx)) {
        e->valid = false;
        return 0;
    }
    *out = e->mfn;
    hw_tlb_hits++;
    return 1;
}

static inline void hw_check_guest_frame(mfn_t mfn, uint64_t va)
{
    pfn_t pfn = harness_mfn_to_pfn(mfn);

    if (!pfn_valid_value(pfn) || shadow_is_host_frame(pfn))
        fail_msg("%shardware: va 0x%llx reaches mfn 0x%llx, which is not the guest's (pfn 0x%llx)",
                 hw_context, (unsigned long long)va, (unsigned long long)mfn_x(mfn),
                 (unsigned long long)pfn_x(pfn));
}

/*
 * One access, as the CPU makes it: walk; on a fault, the host's handler; if it
 * fixed the fault, the retry must succeed (one fault per access, never a loop).
 */
static inline enum hw_outcome hw_access(uint64_t va, unsigned access, struct hw_xlat *x)
{
    unsigned errcode;

    x->faults = 0;
    hw_enter_guest();
    for (;;) {
        int cached = hw_tlb_lookup(va, access, &x->mfn);

        if (cached == 1)
            return HW_OK;
        if (cached == 0)
            errcode = access | PF_PROT;
        else if (hw_walk(shadow_cr3(), va, access, &x->mfn, &errcode)) {
            hw_check_guest_frame(x->mfn, va);
            return HW_OK;
        }
        if (x->faults++)
            fail_msg("%shardware: va 0x%llx access %u faults again (error code %u) after the host "
                     "said it fixed it", hw_context, (unsigned long long)va, access, errcode);
        switch (shadow_demand_page(va, errcode)) {
        case SHADOW_FIXED:
            hw_enter_guest();
            continue;
        case SHADOW_REFLECT:
            return HW_GUEST_FAULT;
        case SHADOW_KILLED:
            return HW_GUEST_KILLED;
        }
    }
}

/* A hosted guest on a shadow host: the PV boot (for the p2m), the host, the guest kernel. */
static inline void shadow_boot(unsigned long nr_pages, const struct shadow_config *base)
{
    struct shadow_config cfg = *base;
    unsigned long pfn;

    boot_guest(nr_pages);
    shadow_guest_forget();
    cfg.guest_pfns = nr_pages;
    assert_int_equal(shadow_init(&cfg), 0);
    /* The PV kernel's own tables are the host's, as far as this guest is concerned. */
    for (pfn = 0; pfn < nr_pages; pfn++)
        if (harness_pfn_is_boot_table(_pfn(pfn)))
            assert_int_equal(shadow_reserve_host_frame(_pfn(pfn)), 0);
    assert_int_equal(shadow_guest_init(), 0);
    hw_tlb_flush();
    hw_loaded_cr3 = INVALID_MFN_RAW;
    shadow_reset_stats();
    pvmmu_clear_errors();
}

static inline void shadow_halt(void)
{
    shadow_shutdown();
    shadow_guest_forget();
    teardown_guest(NULL);
}

#endif
