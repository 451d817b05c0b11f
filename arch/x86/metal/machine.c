/*
 * What QEMU tells us about the machine, read once at boot through the boot
 * tables' high mapping of the first GiB (everything QEMU writes is down there).
 */
#include <xen/pvmmu/abi.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "lib/lib_int.h"
#include "layout.h"
#include "machine.h"

#define E820_RAM 1
#define BOOT_MAPPED_PFNS (1ULL << (30 - PAGE_SHIFT))   /* head.S maps the first GiB */

struct machine machine;

static const void *boot_phys(uint64_t pa)
{
    return (const void *)(HOST_BASE + pa);
}

extern char _image_start[], _image_end[];   /* kernel.lds: both in the direct map */

static void add_ram(uint64_t addr, uint64_t size)
{
    uint64_t first = (addr + PAGE_SIZE - 1) >> PAGE_SHIFT, end = (addr + size) >> PAGE_SHIFT;

    if (end <= first || machine.nr_ram == MACHINE_RAM_RANGES)
        return;
    machine.ram[machine.nr_ram++] = (struct ram_range){ first, end };
    machine.ram_pages += end - first;
    if (end > machine.top_pfn)
        machine.top_pfn = end;
}

const char *machine_probe(uint64_t info)
{
    const struct hvm_start_info *si = boot_phys(info);
    const struct hvm_memmap_table_entry *map;
    unsigned i;

    if (!info || info >= (BOOT_MAPPED_PFNS << PAGE_SHIFT) || si->magic != XEN_HVM_START_MAGIC_VALUE)
        return "no hvm_start_info (not started through the PVH entry?)";
    if (si->version < 1 || !si->memmap_entries)
        return "hvm_start_info has no memory map (version 0)";
    map = boot_phys(si->memmap_paddr);
    for (i = 0; i < si->memmap_entries; i++)
        if (map[i].type == E820_RAM)
            add_ram(map[i].addr, map[i].size);
    if (si->cmdline_paddr) {
        const char *c = boot_phys(si->cmdline_paddr);

        for (i = 0; i < MACHINE_CMDLINE_MAX - 1 && c[i]; i++)
            machine.cmdline[i] = c[i];
    }
    machine.image_first_pfn = ((uint64_t)(uintptr_t)_image_start - HOST_BASE) >> PAGE_SHIFT;
    machine.image_end_pfn = ((uint64_t)(uintptr_t)_image_end - HOST_BASE) >> PAGE_SHIFT;
    machine.early_next_pfn = machine.image_end_pfn;
    if (!pfn_is_ram(machine.image_first_pfn) || !pfn_is_ram(machine.image_end_pfn))
        return "the memory map does not show RAM where the image was loaded";
    return NULL;
}

bool pfn_is_ram(uint64_t pfn)
{
    unsigned i;

    for (i = 0; i < machine.nr_ram; i++)
        if (pfn >= machine.ram[i].first_pfn && pfn < machine.ram[i].end_pfn)
            return true;
    return false;
}

/* Until the host's own direct map is loaded, only the first GiB is mapped, hence the limit. */
pfn_t early_frame(void)
{
    uint64_t pfn = machine.early_next_pfn;

    if (!pfn_is_ram(pfn) || pfn >= BOOT_MAPPED_PFNS)
        return INVALID_PFN;
    machine.early_next_pfn++;
    mem_set((void *)(HOST_BASE + (pfn << PAGE_SHIFT)), 0, PAGE_SIZE);
    return _pfn(pfn);
}
