/*
 * Where QEMU starts us: the PVH entry.
 *
 * QEMU's -kernel loads an ELF that carries a XEN_ELFNOTE_PHYS32_ENTRY note the
 * way Xen's PVH builder would: every PT_LOAD at its physical address, then a
 * jump to the note's address in 32-bit protected mode, flat segments, paging
 * off, %ebx holding the physical address of a struct hvm_start_info.  No boot
 * loader, no multiboot header, no real mode.
 *
 * From there to C is four steps: page tables that map the first GiB twice
 * (1:1, for the instruction after paging goes on, and at HOST_BASE, where the
 * rest of the image is linked); long mode with NX (the guest's entries may
 * carry it, and without EFER.NXE bit 63 is a reserved bit) and CR0.WP (a
 * supervisor write to a read-only page must fault: the workloads run in ring 0
 * and count on it); a 64-bit code segment; and a jump up to HOST_BASE.  The
 * boot tables are static data, filled in by the assembler: nothing here
 * writes memory before C does.
 */
#include <xen/elfnote.h>
#include "layout.h"

    .pushsection .note.Xen, "a", @note
    .p2align 2
    .long 4                     /* name size: "Xen" and its NUL */
    .long 4                     /* descriptor size: a 32-bit address */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .p2align 2
    .long pvh_start
    .popsection

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

    .section .boot.text, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl %ebx, %esi             /* struct hvm_start_info *, physical: metal_main's argument */
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $boot_l4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PE | CR0_WP | CR0_PG), %eax
    movl %eax, %cr0
    lgdt boot_gdt_ptr32
    ljmp $GDT_CODE64, $boot_long_mode

    .code64
boot_long_mode:
    movl $GDT_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movabsq $high_entry, %rax
    jmp *%rax

    .section .boot.data, "aw"
    /* One L3 serves both slot 0 and slot 256: its L2 maps the first GiB in 2 MiB pages. */
    .p2align 12
boot_l4:
    .quad boot_l3 + 3
    .fill 255, 8, 0
    .quad boot_l3 + 3
    .fill 255, 8, 0
boot_l3:
    .quad boot_l2 + 3
    .fill 511, 8, 0
boot_l2:
    .set frame, 0
    .rept 512
    .quad (frame << 21) + 0x83  /* present, writable, 2 MiB */
    .set frame, frame + 1
    .endr

    /* null, 64-bit code, data: the three descriptors long mode needs. */
    .p2align 3
    .globl boot_gdt
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
boot_gdt_end:
boot_gdt_ptr32:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .text
    /*
     * Up here the 1:1 half of the boot tables is no longer needed.  The GDT is
     * reloaded through its high address, since the host's own tables (C builds
     * them) will not map low memory at all, and iretq reads the GDT.
     */
high_entry:
    lgdt boot_gdt_ptr64(%rip)
    leaq boot_stack_top(%rip), %rsp
    movl %esi, %edi
    call metal_main
1:  hlt
    jmp 1b

    .data
    .p2align 3
boot_gdt_ptr64:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt + HOST_BASE

    .bss
    .p2align 12
boot_stack:
    .fill KERNEL_STACK_SIZE, 1, 0
    .globl boot_stack_top
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
