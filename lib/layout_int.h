/*
 * Private to pvmmu's core: the half of lib/layout.c that is not the embedder's
 * (<xen/pvmmu/layout.h> is).  The layout is fixed when the kernel's tables are
 * adopted; a hosted test's new machine forgets it, back to the default.
 */
#ifndef PVMMU_LAYOUT_INT_H
#define PVMMU_LAYOUT_INT_H

#include <stdbool.h>
#include <xen/pvmmu/layout.h>
#include "lib/lib_int.h"

bool layout_slot_is_kernel(unsigned l4_slot);
bool layout_has_user_root(void);
void layout_fix(void);
void layout_forget(void);

#endif
