/*A:620 What the MMU workloads (workloads/) need from the kernel that carries them:
 * memory accesses through the current address space that may fault, demand
 * paging on real page faults, output, and a few facts.  In hosted tests
 * tests/unit/test_workloads.c plays the same part against the model.  The part
 * the bare-metal kernel gives the same way (the accesses, output, the direct
 * map) is arch/x86/common/workload_env.c. :*/
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"
#include "boot.h"
#include "console.h"
#include "fault_inject.h"
#include "frames.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "shared.h"
#include "suites.h"
#include "arch/x86/common/traps.h"

/*
 * A phase marker for xentrace: sched_op with an unknown command is refused
 * (-ENOSYS) but appears in Xen's trace, cutting the phases exactly.  So here a
 * refusal is the expected answer and anything else would be news.
 */
void env_marker(unsigned id)
{
    long rc = hv_sched_op(0x7e00 | id, NULL);

    if (rc != -XEN_ENOSYS)
        kprintf("log: marker %u: sched_op(0x%x) returned %ld, expected -ENOSYS", id, 0x7e00 | id, rc);
}

void *env_shared_info(void)
{
    return xen_shared;
}

uint64_t env_nr_pages(void)
{
    return boot.nr_pages;
}

static uint64_t frames_for(uint64_t bytes)
{
    return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

void *env_buffer_alloc(uint64_t bytes)
{
    pfn_t first = frames_alloc_run(frames_for(bytes));

    return pfn_valid_value(first) ? pfn_to_virt(first) : NULL;
}

void env_buffer_free(void *buffer, uint64_t bytes)
{
    frames_free_run(virt_to_pfn(buffer), frames_for(bytes));
}

void env_fail_nth(bool entry, unsigned long nth)
{
    fault_inject_arm(entry, nth);
}

unsigned long env_mmu_calls(bool entry)
{
    return fault_inject_count(entry);
}

void env_log_quiet(bool quiet)
{
    platform_log_quiet(quiet);
}

/* Real page faults drive the workloads' demand paging. */
void workloads_attach(void)
{
    traps_set_page_fault_hook(wl_demand_fault);
}
