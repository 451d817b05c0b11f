/*
 * Private to pvmmu's core: between p2m/table.c and p2m/frame_list.c (not an
 * embedder's; include/xen/pvmmu/p2m.h is the p2m's API).
 */
#ifndef PVMMU_P2M_INT_H
#define PVMMU_P2M_INT_H

#include <xen/pvmmu/p2m.h>
#include "lib/lib_int.h"

/*
 * Between table.c and frame_list.c only: a leaf's backing is about to change
 * (prepare may allocate a mid page and may fail; nothing has changed yet), and
 * has changed (note: cannot fail).  Before the first p2m_publish() both are no-ops.
 */
int p2m_frame_list_prepare(uint64_t leaf);
void p2m_frame_list_note(uint64_t leaf);
/* The pfn of the frame backing window page `leaf` (a shared leaf's, for holes). */
pfn_t p2m_leaf_frame(uint64_t leaf);
pfn_t p2m_missing_leaf_frame(void);
uint64_t p2m_nr_leaves(void);
/* frame_list.c: forget every frame list (p2m_init); tell table.c where max_pfn lives. */
void p2m_frame_list_reset(void);
void p2m_note_published(shared_info_t *si);

/* p2m/virt_list.c: frame_list.c's p2m_publish() hands over to it in list mode. */
int p2m_list_publish(shared_info_t *si);
/* Around every repointing of a window page (table.c): odd while it changes. */
void p2m_generation_begin(void);
void p2m_generation_end(void);
/* p2m_init(): back to the tree, generation 0, nothing published. */
void p2m_list_reset(void);

#endif
