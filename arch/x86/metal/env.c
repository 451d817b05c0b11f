/*
 * What the MMU workloads (workloads/) need from the kernel that carries them,
 * on bare x86: accesses through whatever shadow root is loaded, which may take
 * real page faults (traps.c), output on COM1, and a few facts.  The accesses,
 * the output and the direct map are the PV kernel's too:
 * arch/x86/common/workload_env.c.
 */
#include "lib/lib_int.h"
#include <xen/pvmmu/shadow.h>
#include "workloads/workloads.h"
#include "console.h"
#include "layout.h"
#include "machine.h"

/*
 * The benchmark workloads mark their phases for Xen's trace.  There is no
 * trace here, but the same cut says where the shadow's faults go: each phase's
 * demand faults are printed as a stat when the next phase begins.
 */
static const struct {
    unsigned id;
    const char *name;
} phases[] = {
    { 0x11, "w1" },           { 0x22, "w2_touch" },          { 0x23, "w2_mprotect_ro" },
    { 0x24, "w2_mprotect_rw" }, { 0x25, "w2_retouch" },       { 0x26, "w2_munmap" },
    { 0x31, "w1_demand" },    { 0x42, "w2_demand_touch" },   { 0x45, "w2_demand_retouch" },
};
static unsigned open_phase;
static unsigned long faults_at_open;

void env_marker(unsigned id)
{
    unsigned i;

    for (i = 0; open_phase && i < sizeof(phases) / sizeof(phases[0]); i++)
        if (phases[i].id == open_phase) {
            char name[64];
            unsigned n;

            for (n = 0; phases[i].name[n]; n++)
                name[n] = phases[i].name[n];
            mem_copy(name + n, "_shadow_faults", sizeof("_shadow_faults"));
            wl_stat(name, shadow_stats()->demand_faults - faults_at_open);
        }
    open_phase = id;
    faults_at_open = shadow_stats()->demand_faults;
}

/* There is no Xen, so no shared_info: only the p2m suite asks, and it does not run here. */
void *env_shared_info(void)
{
    return NULL;
}

uint64_t env_nr_pages(void)
{
    return machine.top_pfn;
}

/* No hypercalls here, so nothing to inject into: the inject suite does not run here. */
void env_fail_nth(bool entry, unsigned long nth)
{
    (void)entry;
    (void)nth;
}

unsigned long env_mmu_calls(bool entry)
{
    (void)entry;
    return 0;
}

void env_log_quiet(bool quiet)
{
    (void)quiet;
}

/* Only the p2m suite asks for a buffer, and it does not run here. */
void *env_buffer_alloc(uint64_t bytes)
{
    (void)bytes;
    return NULL;
}

void env_buffer_free(void *buffer, uint64_t bytes)
{
    (void)buffer;
    (void)bytes;
}
