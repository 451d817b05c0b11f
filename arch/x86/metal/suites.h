/*
 * What the bare-metal kernel runs: its own linear-mode checks, then the MMU
 * workloads over the shadow backend, minus the suites that test Xen.
 */
#ifndef PVMMU_METAL_SUITES_H
#define PVMMU_METAL_SUITES_H

#include "arch/x86/common/options.h"

/* The guest kernel's root, loaded: the end of linear mode, with the linear checks around it when asked. */
void guest_start(const struct kernel_options *opt);
/* The workloads opt->suites names ("all": every one that can run here), with a skip line for the rest. */
void suites_run(const struct kernel_options *opt);
/* The shadow's counters and the host's, as stat lines. */
void print_shadow_stats(void);

#endif
