/*
 * Private to pvmmu: the few freestanding helpers the portable core uses, and the
 * short names the project's own code calls the public API by (lib/short_names.h).
 * Not installed; an embedder never sees these names.
 *
 * Built-ins, so the same code compiles into the kernel (which supplies
 * memcpy/memset/memcmp, the hooks of include/xen/pvmmu/platform.h) and into hosted
 * tests (where libc supplies them).
 */
#ifndef PVMMU_LIB_INT_H
#define PVMMU_LIB_INT_H

#include <stddef.h>
#include "lib/short_names.h"

#define mem_copy(d, s, n) __builtin_memcpy((d), (s), (n))
#define mem_set(d, c, n) __builtin_memset((d), (c), (n))
#define mem_cmp(a, b, n) __builtin_memcmp((a), (b), (n))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

/* This vCPU's index in per-vCPU state: platform_vcpu_id(), checked (lib/vcpu.c). */
unsigned vcpu_slot(void);

/* Errors are Xen's own numbering (XEN_EINVAL, ...), returned negated, as Xen does. */
#include <xen/errno.h>

#endif
