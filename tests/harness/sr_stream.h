/*
 * The save/restore harness's insides, shared by the sr_*.c files only: the
 * image (the records of libxc's migration stream v3 that matter to the MMU,
 * docs/specs/libxc-migration-stream.pandoc) and the helpers both sides use.
 */
#ifndef PVMMU_TEST_SR_STREAM_H
#define PVMMU_TEST_SR_STREAM_H

#include <stdint.h>
#include "saverestore.h"

struct sr_page {
    enum sr_type type;
    bool pinned;          /* XEN_DOMCTL_PFINFO_LPINTAB */
    uint8_t *data;        /* PAGE_SIZE bytes; NULL for SR_XTAB */
};

struct sr_image {
    uint64_t max_pfn;       /* the highest pfn covered (inclusive, as libxenguest keeps it) */
    uint64_t *p2m_pfns;     /* X86_PV_P2M_FRAMES: the p2m's leaf frames, by pfn */
    uint64_t nr_p2m_frames;
    struct sr_page *pages;  /* PAGE_DATA, by pfn, max_pfn + 1 of them */
    uint8_t shared_info[PAGE_SIZE];   /* SHARED_INFO, the whole page */
    /* X86_PV_VCPU_BASIC of vcpu0, normalised: %rdx, CR3 and the user CR3 (ctrlreg[1]). */
    uint64_t start_info_pfn;
    uint64_t cr3_pfn;
    uint64_t cr1_pfn;       /* INVALID_PFN_RAW: no user page tables loaded */
    /* Not in the stream: the saver's mapping of the p2m leaves, by mfn, from setup on. */
    uint64_t *leaf_mfns;
    /*
     * Not in the stream: the frames the pfns had when saved.  The harness uses
     * it to move every frame on restore, so no stale mfn can pass by luck.
     */
    uint64_t *old_mfn;
};

/* Record why the toolstack gave up, and return rc (negative): `return sr_error(...)`. */
int sr_error(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sr_error_clear(void);

/*
 * The toolstack's view of a domain's memory: the p2m it read (pfn -> mfn) and
 * the machine's m2p.  mfn_in_pseudophysmap(): the mfn is the domain's by both.
 */
struct sr_physmap {
    const uint64_t *p2m;    /* max_pfn + 1 entries */
    uint64_t max_pfn;       /* inclusive */
    uint64_t max_mfn;       /* inclusive: the machine's last frame */
};

struct sr_physmap sr_physmap_of_machine(const uint64_t *p2m, uint64_t max_pfn);
bool sr_in_pseudophysmap(const struct sr_physmap *pm, uint64_t mfn);
uint64_t sr_mfn_to_pfn(uint64_t mfn);
/* Map a frame of the guest as the toolstack does (foreign mapping): NULL if not the guest's. */
uint64_t *sr_map_guest_frame(uint64_t mfn);

/*
 * sr_p2m_tree.c: find the p2m through shared_info, as map_p2m_tree() does at
 * setup (max_pfn, leaf_mfns, p2m_pfns); then read the leaves as they are now.
 */
int sr_map_p2m(const shared_info_t *si, struct sr_image *img);
int sr_read_p2m_leaves(const struct sr_image *img, uint64_t *p2m);

/* Entries per page, in a p2m leaf and in the frame lists above it. */
#define SR_FPP 512ULL

/* Entries of a page-table page: bits 12..51 are the frame, the rest are flags. */
#define SR_FRAME_MASK 0x000ffffffffff000ULL
static inline uint64_t sr_pte_frame(uint64_t pte) { return (pte & SR_FRAME_MASK) >> PAGE_SHIFT; }
static inline uint64_t sr_pte_merge(uint64_t pte, uint64_t frame)
{
    return (pte & ~SR_FRAME_MASK) | (frame << PAGE_SHIFT);
}

/* sr_machine.c: the new host. */
int sr_machine_create(const struct sr_image *img, uint64_t *new_p2m);
void sr_machine_adopt(void);

#endif
