/*
 * What each kernel gives the code both share (arch/x86/common/): the PV kernel
 * (arch/x86/xen/) and the bare-metal one (arch/x86/metal/) each define these
 * their own way, and the common files call them without knowing which kernel
 * they are in.  The rest they rely on is the core's platform
 * (include/xen/pvmmu/platform.h: pfn_to_virt and friends).
 */
#ifndef PVMMU_ARCH_CARRIER_H
#define PVMMU_ARCH_CARRIER_H

#include <stdint.h>

/* One line of output on the kernel's console (console.c: Xen's ring, or COM1). */
void kputs(const char *line);
/* kprintf.c: one formatted line through kputs. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Frames the kernel's allocator can still hand out (frames.c). */
uint64_t frames_free_count(void);

#endif
