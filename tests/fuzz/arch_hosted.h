/*
 * Pre-included (-include) when a fuzz target builds kernel files of
 * arch/x86/xen/ to run hosted (tests/fuzz/fuzz.mk, FUZZ_ARCH_SRCS): the files
 * stay as the kernel has them, and the two fixed addresses they assume become
 * memory the fuzz target owns (tests/fuzz/arch_hosted.c):
 *
 *   - VIRT_BASE, where Xen's builder maps pfn p at VIRT_BASE + p * 4096: a
 *     region whose first FUZZ_IMAGE_PAGES pfns stand for the kernel image (they
 *     end at _image_end) and whose next FUZZ_BOOT_PAGES pfns are real memory;
 *   - MACH2PHYS_VIRT_START, Xen's read-only m2p: a table of FUZZ_M2P_ENTRIES
 *     copied from the model's m2p before each run.
 *
 * layout.h's guard is taken here, so its constants are these; <xen/xen.h> is
 * read first, so that its MACH2PHYS_VIRT_START can be replaced.
 */
#ifndef PVMMU_FUZZ_ARCH_HOSTED_H
#define PVMMU_FUZZ_ARCH_HOSTED_H

#include <stdint.h>
#include <xen/pvmmu/abi.h>

#define FUZZ_IMAGE_PAGES 16
#define FUZZ_BOOT_PAGES 512
#define FUZZ_M2P_ENTRIES 4096

extern char fuzz_boot_region[];     /* pfns FUZZ_IMAGE_PAGES .. + FUZZ_BOOT_PAGES */
extern uint64_t fuzz_m2p_table[];

#define PVMMU_ARCH_LAYOUT_H
#define VIRT_BASE ((uint64_t)(uintptr_t)fuzz_boot_region - FUZZ_IMAGE_PAGES * 4096ULL)
#define _image_end fuzz_boot_region
#define KERNEL_STACK_SIZE 65536

#undef MACH2PHYS_VIRT_START
#define MACH2PHYS_VIRT_START ((uintptr_t)fuzz_m2p_table)

#endif
