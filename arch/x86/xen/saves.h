/*
 * Serving save/restore: after the suites, a domU started with `saves=N` stays up
 * and lets the toolstack save and restore it N times (xl save, xl restore),
 * checking after each resume that every address space came back as it left.
 */
#ifndef PVMMU_ARCH_SAVES_H
#define PVMMU_ARCH_SAVES_H

#include <xen/pvmmu/abi.h>
#include "arch/x86/common/options.h"

/* Serve `saves` save cycles; returns how the domain is to shut down (what the toolstack asked). */
unsigned serve_saves(const struct kernel_options *opt);

/*
 * Read one xenstore key (relative to the domain's home) before the saves begin, on
 * the same connection serve_saves uses later: smp_boot's cpu/N/availability.  0, or
 * -XEN_ENODEV for the initial domain (no toolstack), or the read's error.
 */
int xenstore_read_early(const char *path, char *value, size_t size);

/* main.c: one line saying what shared_info tells the toolstack about the p2m, and when. */
void p2m_tools_report(const shared_info_t *sh, const char *when);

#endif
