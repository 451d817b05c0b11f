/*
 * Serving save/restore: after the suites, a domU started with `saves=N` stays up
 * and lets the toolstack save and restore it N times (xl save, xl restore),
 * checking after each resume that every address space came back as it left.
 */
#ifndef PVMMU_ARCH_SAVES_H
#define PVMMU_ARCH_SAVES_H

#include "arch/x86/common/options.h"

/* Serve `saves` save cycles; returns how the domain is to shut down (what the toolstack asked). */
unsigned serve_saves(const struct kernel_options *opt);

#endif
