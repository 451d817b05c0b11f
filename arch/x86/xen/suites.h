/*
 * The in-guest test suites.  Output, line by line, is the contract with the rig:
 *
 *     PASS name                a check that held
 *     FAIL name: why           one that did not, and why
 *     stat: NAME VALUE         a counter
 *     pvmmu: N passed, N failed    the last line
 *
 * Checks and counters go through the workloads' wl_check / wl_stat
 * (workloads/report.c), so the kernel's own suites and the MMU workloads share
 * one tally.
 */
#ifndef PVMMU_ARCH_SUITES_H
#define PVMMU_ARCH_SUITES_H

#include "arch/x86/common/options.h"

/* Run the suites opt->suites names ("all": every one), in the table's order. */
void suites_run(const struct kernel_options *opt);

/* Whether opt->suites runs `name` (it is listed, or "all" is). */
bool suites_listed(const struct kernel_options *opt, const char *name);

/* The kernel's own suites. */
void suite_boot(const struct kernel_options *opt);
/*
 * Every vCPU at work (suite_smp.c); the same checks again after save `cycle`, named
 * "-after-save" after a resume in a new domain, "-after-checkpoint" after a cancelled
 * suspend (xl save -c: the same domain goes on).
 */
void suite_smp(const struct kernel_options *opt);
void suite_smp_after_save(const struct kernel_options *opt, unsigned cycle, bool new_domain);
/*
 * With busy=1, around the wait for save `cycle`'s request (a live migration copies
 * the guest meanwhile): every secondary does private rounds until stopped, and the
 * stop checks they all did some without an error ("smp-busy-during-save").
 */
void suite_smp_copy_start(void);
void suite_smp_copy_stop(unsigned cycle);

/* TLB shootdowns measured on four vCPUs: bench-xen's W3 (suite_w3.c). */
void suite_w3(const struct kernel_options *opt);

/* Hook the workloads' demand paging to real page faults. */
void workloads_attach(void);

#endif
