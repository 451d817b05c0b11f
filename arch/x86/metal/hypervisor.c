/*
 * The core's hypercalls (include/xen/pvmmu/platform.h), where there is no Xen.
 *
 * The shadow backend makes none: it is the host, and the guest's calls into it
 * are function calls (host.c).  But the kernel links the whole core, PV
 * backend included (the workloads' default table points at it), and one
 * question the p2m asks at boot does have an answer here: how far the m2p
 * goes (XENMEM_machphys_mapping), which is the top of RAM, since pfn == mfn.
 * Everything else is a PV backend's request to a hypervisor that is not there:
 * it is refused, by name, so a suite that strays into the PV backend fails
 * saying so instead of appearing to work.
 */
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "machine.h"

static long no_hypervisor(const char *call)
{
    pvmmu_error("%s: there is no hypervisor on bare metal (a PV backend call on the shadow kernel)",
                call);
    return -XEN_ENOSYS;
}

long hv_memory_op(unsigned int cmd, void *arg)
{
    struct xen_machphys_mapping *m = arg;

    if (cmd != XENMEM_machphys_mapping)
        return no_hypervisor("memory_op");
    /* No table is mapped anywhere: platform.c computes each entry. */
    m->v_start = m->v_end = 0;
    m->max_mfn = machine.top_pfn - 1;
    return 0;
}

long hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    (void)reqs, (void)count, (void)done, (void)dom;
    return no_hypervisor("mmu_update");
}

long hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom)
{
    (void)ops, (void)count, (void)done, (void)dom;
    return no_hypervisor("mmuext_op");
}

long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    (void)va, (void)val, (void)flags;
    return no_hypervisor("update_va_mapping");
}

long hv_multicall(multicall_entry_t *calls, unsigned int count)
{
    (void)calls, (void)count;
    return no_hypervisor("multicall");
}
