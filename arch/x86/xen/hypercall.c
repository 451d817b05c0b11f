/*A:500 Typed hypercall wrappers: the MMU layer's five (include/xen/pvmmu/platform.h,
 * served in hosted tests by the model of Xen) and the kernel's own.
 *
 * They only translate types; checking the result is the caller's job, because
 * only the caller knows what the call was for and can say so in its report. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/multicall.h>
#include "fault_inject.h"
#include "hypercall_arch.h"
#include "hypercall_raw.h"

/*
 * The requests fault injection hands Xen instead of the real ones (fault_inject.h).
 * Each is refused before Xen does anything: a page-table update of a frame that
 * does not exist, an extended op with no such command, a mapping inside Xen's own
 * range, a multicall list Xen cannot read, a multicall entry with no such
 * hypercall.
 */
#define NO_SUCH_MFN ((1ULL << 40) - 1)
#define NO_SUCH_MMUEXT_CMD 0xffffu
#define NO_SUCH_HYPERCALL 63
#define XEN_RANGE_VA 0xffff800000000000ULL

long hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    if (fault_inject_hypercall_due()) {
        mmu_update_t bad = { .ptr = NO_SUCH_MFN << 12 | MMU_NORMAL_PT_UPDATE, .val = 0 };

        return hypercall4(__HYPERVISOR_mmu_update, &bad, 1, done, dom);
    }
    return hypercall4(__HYPERVISOR_mmu_update, reqs, count, done, dom);
}

long hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom)
{
    if (fault_inject_hypercall_due()) {
        struct mmuext_op bad = { .cmd = NO_SUCH_MMUEXT_CMD };

        return hypercall4(__HYPERVISOR_mmuext_op, &bad, 1, done, dom);
    }
    return hypercall4(__HYPERVISOR_mmuext_op, ops, count, done, dom);
}

long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    if (fault_inject_hypercall_due())
        return hypercall3(__HYPERVISOR_update_va_mapping, XEN_RANGE_VA, 0, 0);
    return hypercall3(__HYPERVISOR_update_va_mapping, va, val, flags);
}

/* A copy of the list with one entry's hypercall replaced; its results go back to the caller's. */
static long multicall_with_bad_entry(multicall_entry_t *calls, unsigned int count, unsigned int bad)
{
    multicall_entry_t copy[MC_MAX_ENTRIES];
    unsigned int i;
    long rc;

    if (count > MC_MAX_ENTRIES)
        return hypercall2(__HYPERVISOR_multicall, calls, count);   /* not ours: not injected */
    mem_copy(copy, calls, count * sizeof(copy[0]));
    copy[bad].op = NO_SUCH_HYPERCALL;
    rc = hypercall2(__HYPERVISOR_multicall, copy, count);
    for (i = 0; i < count; i++)
        calls[i].result = copy[i].result;
    return rc;
}

long hv_multicall(multicall_entry_t *calls, unsigned int count)
{
    int bad_entry;

    if (fault_inject_hypercall_due()) {
        fault_inject_entry_due(count);
        return hypercall2(__HYPERVISOR_multicall, (multicall_entry_t *)XEN_RANGE_VA, count);
    }
    bad_entry = fault_inject_entry_due(count);
    if (bad_entry >= 0)
        return multicall_with_bad_entry(calls, count, (unsigned int)bad_entry);
    return hypercall2(__HYPERVISOR_multicall, calls, count);
}

long hv_memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

long hv_console_io(unsigned int cmd, unsigned int count, const char *buf)
{
    return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

long hv_sched_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

long hv_event_channel_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

long hv_set_trap_table(const trap_info_t *table)
{
    return hypercall1(__HYPERVISOR_set_trap_table, table);
}

long hv_xen_version(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

long hv_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

long hv_vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

long hv_suspend(uint64_t start_info_mfn)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };

    return hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &sd, start_info_mfn);
}

_Noreturn void hv_shutdown(unsigned int reason)
{
    struct sched_shutdown sd = { .reason = reason };

    for (;;) {
        hv_sched_op(SCHEDOP_shutdown, &sd);
        /* Only a refused shutdown gets here: there is nothing better to do than ask again. */
        hv_sched_op(SCHEDOP_yield, 0);
    }
}
