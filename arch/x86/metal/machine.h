/*
 * The machine as the boot found it, and the host's own memory.
 *
 * QEMU's PVH start_info carries the e820-style memory map; RAM from it is the
 * guest's memory, pfn for pfn (the p2m is the identity: pfn == machine frame),
 * except for what the host keeps.  Before the frame allocator exists, the host
 * takes frames for its own tables straight after the image ("early" frames).
 */
#ifndef PVMMU_METAL_MACHINE_H
#define PVMMU_METAL_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/frame.h>

#define MACHINE_RAM_RANGES 32
#define MACHINE_CMDLINE_MAX 256

struct ram_range {
    uint64_t first_pfn, end_pfn;   /* [first, end) */
};

struct machine {
    struct ram_range ram[MACHINE_RAM_RANGES];
    unsigned nr_ram;
    uint64_t top_pfn;              /* one past the highest RAM frame */
    uint64_t ram_pages;
    uint64_t image_first_pfn, image_end_pfn;
    uint64_t early_next_pfn;       /* the next early frame */
    char cmdline[MACHINE_CMDLINE_MAX];
};
extern struct machine machine;

/* Read QEMU's hvm_start_info (physical address `info`).  NULL, or what is wrong with it. */
const char *machine_probe(uint64_t info);
bool pfn_is_ram(uint64_t pfn);
/* A zeroed frame after the image, for the host's boot-time tables; INVALID_PFN when out. */
pfn_t early_frame(void);

/* directmap.c: the host's L4 (slot 256: every RAM frame at HOST_BASE + its address). */
const char *direct_map_build(void);
pfn_t host_l4(void);
/* The entry for va at `level` in the host's tables, allocating tables with alloc (NULL: none). */
uint64_t *host_entry(uint64_t va, int level, pfn_t (*alloc)(void));

/* frames.c: the allocator behind frame_alloc / frame_free (platform.h). */
void frames_init(uint64_t first_pfn);
uint64_t frames_free_count(void);
bool frame_in_use(uint64_t pfn);

#endif
