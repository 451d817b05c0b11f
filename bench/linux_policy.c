/* Linux's batching, for side-by-side counts (see linux_policy.h). */
#include <stdio.h>
#include <string.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include "tables/tables_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include "bench/linux_policy.h"

#define LX_ENTRIES 32
#define LX_ARG_BYTES 512

static multicall_entry_t entries[LX_ENTRIES];
static _Alignas(8) unsigned char args[LX_ARG_BYTES];
static unsigned nr_entries, args_used, last_kind, last_count;
static void *last_args;
static int failures;

enum { KIND_NONE, KIND_MMU, KIND_EXT, KIND_UVM };

void linux_flush(void)
{
    unsigned i;

    if (nr_entries == 1 && last_kind == KIND_MMU && entries[0].op == __HYPERVISOR_mmu_update)
        failures += hv_mmu_update((mmu_update_t *)entries[0].args[0], (unsigned)entries[0].args[1],
                                  NULL, DOMID_SELF) != 0;
    else if (nr_entries == 1 && entries[0].op == __HYPERVISOR_mmuext_op)
        failures += hv_mmuext_op((struct mmuext_op *)entries[0].args[0], (unsigned)entries[0].args[1],
                                 NULL, DOMID_SELF) != 0;
    else if (nr_entries == 1)
        failures += hv_update_va_mapping(entries[0].args[0], entries[0].args[1], entries[0].args[2]) != 0;
    else if (nr_entries) {
        failures += hv_multicall(entries, nr_entries) != 0;
        for (i = 0; i < nr_entries; i++)
            failures += entries[i].result != 0;
    }
    nr_entries = args_used = 0;
    last_kind = KIND_NONE;
}

/* Linux's __xen_mc_entry / xen_mc_extend_args: extend the last entry or start one. */
static void *queue(unsigned kind, unsigned op, unsigned bytes)
{
    void *slot;

    if (kind != KIND_UVM && last_kind == kind && args_used + bytes <= LX_ARG_BYTES) {
        slot = args + args_used;
        args_used += bytes;
        entries[nr_entries - 1].args[1] = ++last_count;
        return slot;
    }
    if (nr_entries == LX_ENTRIES || args_used + bytes > LX_ARG_BYTES)
        linux_flush();
    slot = args + args_used;
    args_used += bytes;
    entries[nr_entries] = (multicall_entry_t){ .op = op };
    entries[nr_entries].args[0] = (xen_ulong_t)(uintptr_t)slot;
    entries[nr_entries].args[1] = 1;
    entries[nr_entries].args[2] = 0;
    entries[nr_entries].args[3] = DOMID_SELF;
    nr_entries++;
    last_kind = kind;
    last_count = 1;
    last_args = slot;
    return slot;
}

void linux_mmu_update(uint64_t ptr, uint64_t val)
{
    mmu_update_t *req = queue(KIND_MMU, __HYPERVISOR_mmu_update, sizeof(*req));

    req->ptr = ptr;
    req->val = val;
}

static void linux_mmuext(unsigned cmd, pfn_t pfn)
{
    struct mmuext_op *op = queue(KIND_EXT, __HYPERVISOR_mmuext_op, sizeof(*op));

    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->arg1.mfn = mfn_x(p2m_lookup(pfn));
}

static void linux_uvm(pfn_t table, bool writable)
{
    multicall_entry_t *mc;
    uint64_t flags = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX | (writable ? _PAGE_RW : 0);

    queue(KIND_UVM, __HYPERVISOR_update_va_mapping, 0);
    mc = &entries[nr_entries - 1];
    mc->args[0] = (xen_ulong_t)(uintptr_t)pfn_to_virt(table);
    mc->args[1] = mpte_make(p2m_lookup(table), flags).v;
    mc->args[2] = 0;
}

static int pin_page(pfn_t table, int level, void *ctx)
{
    (void)ctx;
    linux_uvm(table, false);
    if (level == 1)
        linux_mmuext(MMUEXT_PIN_L1_TABLE, table);
    return 0;
}

static int unpin_page(pfn_t table, int level, void *ctx)
{
    (void)ctx;
    if (level == 1)
        linux_mmuext(MMUEXT_UNPIN_TABLE, table);
    linux_uvm(table, true);
    return 0;
}

/* xen_pgd_pin: walk (the roots come last in our walk, as Linux visits the pgd last), then pin both roots. */
int linux_pin(struct aspace *as)
{
    failures = 0;
    pt_walk(as, pin_page, NULL);
    linux_mmuext(MMUEXT_PIN_L4_TABLE, as->root);
    linux_mmuext(MMUEXT_PIN_L4_TABLE, as->user_root);
    linux_flush();
    as->pinned = failures == 0;
    return failures;
}

/* xen_pgd_unpin: unpin both roots, then walk unpinning L1s and making every frame writable. */
int linux_unpin(struct aspace *as)
{
    failures = 0;
    linux_mmuext(MMUEXT_UNPIN_TABLE, as->root);
    linux_mmuext(MMUEXT_UNPIN_TABLE, as->user_root);
    pt_walk(as, unpin_page, NULL);
    linux_flush();
    as->pinned = failures != 0;
    return failures;
}
