/*
 * The bare-metal kernel's virtual address space, by L4 slot.
 *
 * The shadow backend gives the guest everything but L4 slots 256..271, which
 * it copies into every shadow root as "the host's" (shadow_set_host_l4e).  So
 * everything the host needs while the guest runs (its code, stack, IDT, the
 * tables it builds, the shadow tables themselves) lives there:
 *
 *   0..255   the guest's user half (the workloads' address spaces; in linear
 *            mode, every guest page at va == its physical address)
 *   256      the host's direct map: physical address p at HOST_BASE + p.  The
 *            kernel image is linked inside it, at HOST_BASE + where it is loaded
 *   257      the p2m window (the core's linear pfn -> mfn table)
 *   272..511 the guest kernel's half (shared by every guest address space)
 *
 * Shared by C and assembly, so plain numbers only.
 */
#ifndef PVMMU_METAL_LAYOUT_H
#define PVMMU_METAL_LAYOUT_H

#define HOST_BASE        0xffff800000000000
#define P2M_WINDOW_BASE  0xffff808000000000
#define P2M_WINDOW_SIZE  0x0000008000000000   /* one L4 slot */
#define HOST_SLOT_DIRECT 256
#define HOST_SLOT_P2M    257

/* Where QEMU loads the image (physical), and so where it is linked: HOST_BASE above it. */
#define IMAGE_PHYS       0x100000

#define KERNEL_STACK_SIZE 65536

/* Selectors of our GDT (head.S). */
#define GDT_CODE64 0x08
#define GDT_DATA   0x10

#endif
