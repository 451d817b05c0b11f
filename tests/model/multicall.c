/*
 * HYPERVISOR_multicall, memory_op, and what every hypercall does on entry.
 *
 * A multicall is the batching primitive: n hypercalls for the price of one
 * trap.  Unlike mmu_update's list it does NOT stop when an entry fails
 * (xen/common/multicall.c runs them all); each entry's `result` is the only
 * report, so a caller that does not read every result is blind.
 *
 * Every hv_* call passes model_enter_hypercall() first: that is where traps are
 * counted and where an injected fault strikes, before anything is done.
 */
#include <string.h>

#include "model_int.h"

static bool countdown(unsigned long *in)
{
    if (!*in)
        return false;
    return --*in == 0;
}

/*
 * What another vcpu does while this trap is on its way into Xen (a test's
 * stand-in for true concurrency): run once, at the next trap, before Xen
 * applies anything of it, on whichever vcpu fn chooses; the caller's vcpu is
 * current again afterwards.
 */
static void (*on_next_trap)(void);

void model_on_next_trap(void (*fn)(void))
{
    on_next_trap = fn;
}

bool model_enter_hypercall(long *injected)
{
    void (*fn)(void) = on_next_trap;

    if (fn) {
        unsigned int me = model_cur_vcpu;

        on_next_trap = NULL;
        fn();
        model_cur_vcpu = me;
    }
    model.counters.traps++;
    if (!countdown(&model.fail_call_in))
        return false;
    model.counters.injected_faults++;
    *injected = model.fail_call_err;
    return true;
}

void model_fail_hypercall(unsigned long nth, long err)
{
    model.fail_call_in = nth;
    model.fail_call_err = err;
}

void model_fail_multicall_entry(unsigned long nth, long err)
{
    model.fail_entry_in = nth;
    model.fail_entry_err = err;
}

/*
 * mmu_update's and mmuext_op's shared shape, once their domain arguments
 * passed: run the list in order, stop at the first failure, and say in *done
 * how many completed.
 */
long model_run_list(const void *list, unsigned int count, unsigned int *done,
                    unsigned long *attempted, model_item_fn one, void *ctx)
{
    unsigned int i = 0;
    long rc = 0;

    for (; i < count; i++) {
        ++*attempted;
        rc = one(ctx, list, i);
        if (rc)
            break;
    }
    if (done)
        *done = i;
    return rc;
}

const struct model_counters *model_counters(void) { return &model.counters; }

void model_reset_counters(void)
{
    model.counters = (struct model_counters){ 0 };
    model.refusal[0] = '\0';
}

/*
 * XENMEM_machphys_mapping (arch_memory_op, xen/arch/x86/mm.c): where the
 * read-only m2p is, and how far it may go.  Only the hardware domain (without
 * memory hotplug) is told max_page - 1; a domU like the guest is told the
 * whole virtual range, MACH2PHYS_VIRT_START..END, and MACH2PHYS_NR_ENTRIES - 1.
 * Past the frames that exist the table has holes: reads there fault.
 */
long model_memory_op(unsigned int cmd, void *arg)
{
    model.counters.memory_op_calls++;
    if (cmd == XENMEM_decrease_reservation || cmd == XENMEM_populate_physmap)
        return model_reservation_op(cmd, arg);
    if (cmd != XENMEM_machphys_mapping)
        return model_refuse(-XEN_ENOSYS, "memory_op: command %u is not modelled", cmd);

    struct xen_machphys_mapping *m = arg;
    m->v_start = MACH2PHYS_VIRT_START;
    m->v_end = MACH2PHYS_VIRT_END;
    m->max_mfn = MACH2PHYS_NR_ENTRIES - 1;
    return 0;
}

static long hv_memory_op_unlocked(unsigned int cmd, void *arg)
{
    long injected;
    if (model_enter_hypercall(&injected)) {
        model.counters.memory_op_calls++;
        return injected;
    }
    return model_memory_op(cmd, arg);
}

long hv_memory_op(unsigned int cmd, void *arg)
{
    long rc;

    model_lock();
    rc = hv_memory_op_unlocked(cmd, arg);
    model_unlock();
    return rc;
}

/*
 * do_multicall_call(): the entry's op and raw arguments, as the guest laid
 * them out, converted to the handlers' parameter types.  foreigndom is an
 * `unsigned int` in do_mmu_update and do_mmuext_op: 32 bits reach them, not a
 * domid_t's 16.
 */
static long run_entry(const multicall_entry_t *e)
{
    switch (e->op) {
    case __HYPERVISOR_mmu_update:
        return model_mmu_update((mmu_update_t *)(uintptr_t)e->args[0],
                                (unsigned int)e->args[1],
                                (unsigned int *)(uintptr_t)e->args[2], (unsigned int)e->args[3]);
    case __HYPERVISOR_mmuext_op:
        return model_mmuext_op((struct mmuext_op *)(uintptr_t)e->args[0],
                               (unsigned int)e->args[1],
                               (unsigned int *)(uintptr_t)e->args[2], (unsigned int)e->args[3]);
    case __HYPERVISOR_update_va_mapping:
        return model_update_va_mapping(e->args[0], e->args[1], e->args[2]);
    case __HYPERVISOR_memory_op:
        return model_memory_op((unsigned int)e->args[0], (void *)(uintptr_t)e->args[1]);
    default:
        return model_refuse(-XEN_ENOSYS, "multicall: op %llu is not modelled",
                            (unsigned long long)e->op);
    }
}

/*
 * Debug builds of Xen deliberately corrupt every entry after running it,
 * leaving only `result`: a caller must not read its arguments back.  The model
 * does the same, so a caller that does is caught here rather than in the rig.
 */
static void scribble(multicall_entry_t *e)
{
    memset(e, 0xaa, sizeof(*e));
}

static long hv_multicall_unlocked(multicall_entry_t *calls, unsigned int count)
{
    long injected;
    model.counters.multicall_calls++;
    if (model_enter_hypercall(&injected))
        return injected;

    for (unsigned int i = 0; i < count; i++) {
        long rc;
        model.counters.multicall_entries++;
        if (countdown(&model.fail_entry_in)) {
            model.counters.injected_faults++;
            rc = model.fail_entry_err;
        } else {
            rc = run_entry(&calls[i]);
        }
        scribble(&calls[i]);
        calls[i].result = (xen_ulong_t)rc;
    }
    return 0;
}

long hv_multicall(multicall_entry_t *calls, unsigned int count)
{
    long rc;

    model_lock();
    rc = hv_multicall_unlocked(calls, count);
    model_unlock();
    return rc;
}
