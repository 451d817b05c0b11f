/*
 * The kernel's virtual address space, by L4 slot (see include/xen/pvmmu/pte.h):
 *
 *   0..255   user half: free for the address spaces the MMU workloads build
 *   256..271 Xen's (the read-only m2p at slot 256, ...)
 *   272      the direct map: pfn p at DIRECT_MAP_BASE + p * 4096
 *   273      the p2m window: the core's linear pfn -> mfn table
 *   511      the kernel image, linked at VIRT_BASE (the top 2 GiB, -mcmodel=kernel)
 *
 * Shared by C and assembly, so plain numbers only.
 */
#ifndef PVMMU_ARCH_LAYOUT_H
#define PVMMU_ARCH_LAYOUT_H

#define VIRT_BASE        0xffffffff80000000
#define DIRECT_MAP_BASE  0xffff880000000000
#define P2M_WINDOW_BASE  0xffff888000000000
#define P2M_WINDOW_SIZE  0x0000008000000000   /* one L4 slot: 512 GiB of window */

#define KERNEL_STACK_SIZE 65536

#endif
