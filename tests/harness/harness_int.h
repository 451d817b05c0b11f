/*
 * The harness's insides, shared by boot.c and platform.c only.
 */
#ifndef PVMMU_TEST_HARNESS_INT_H
#define PVMMU_TEST_HARNESS_INT_H

#include "harness.h"

struct harness_state {
    unsigned long nr_pages;
    uint64_t *mfn_list;          /* pfn -> mfn, the boot-time assignment */
    uint64_t *pfn_of_mfn;        /* the inverse, over all machine frames */
    mfn_t foreign[HARNESS_FOREIGN_FRAMES];
    mfn_t spare[HARNESS_SPARE_FRAMES];
    pfn_t kernel_l4;
    unsigned long nr_boot_tables;  /* pfns 0 .. nr_boot_tables-1 */
    shared_info_t *shared_info;

    pfn_t *free_stack;           /* frame_alloc's pool */
    unsigned long nr_free;
    bool *allocated;             /* by pfn: handed out and not freed */
    unsigned long fail_alloc_in;
    unsigned long frame_allocs;   /* frame_alloc calls since boot, failed ones included */
    bool fail_alloc_sticky;
    bool fail_alloc_now;
    unsigned long frees_while_typed;
    unsigned long frees_while_read_only;
};

extern struct harness_state harness;

/* boot.c: pool[0..n) = every frame past Xen's, shuffled by `next` (also for a restore's new machine). */
void harness_shuffled_frames(uint64_t *pool, unsigned long n, uint64_t (*next)(void));
/* platform.c */
void harness_platform_init(void);
void harness_platform_fini(void);
/* direct_map.c */
void harness_direct_map_init(void);
void harness_direct_map_fini(void);
/* After a restore (sr_machine.c): the same host addresses, the new machine's frames. */
void harness_direct_map_rebind(void);
/* platform.c */
void harness_windows_rebind(void);
/* direct_map.c: the host page of pfn follows its l1e again (after a snapshot's restore). */
void harness_direct_map_refollow(pfn_t pfn);
/* boot.c: the machine was replaced or went (a snapshot of it is void). */
void harness_machine_replaced(void);

#endif
