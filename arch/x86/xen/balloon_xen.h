/*
 * The balloon driver's kernel side: memory/target in xenstore, followed by the
 * portable balloon (balloon/, include/xen/pvmmu/balloon.h).
 */
#ifndef PVMMU_ARCH_BALLOON_XEN_H
#define PVMMU_ARCH_BALLOON_XEN_H

#include <stdbool.h>
#include "xenstore/xenstore.h"

#define BALLOON_WATCH_TOKEN "balloon"

/* Start the balloon over the frame allocator's pfns and watch memory/target.  0 or error. */
int balloon_xen_start(struct xs_conn *xs);
/* Watch memory/target again (a resumed domain has a new xenstore connection). */
int balloon_xen_rewatch(struct xs_conn *xs);
/* Is this watch event ours? */
bool balloon_xen_event(const struct xs_event *ev);
/*
 * Read memory/target and follow it.  1: a step was taken (the size changed, or a
 * malformed value was refused by name, changing nothing; reported and checked),
 * 0: nothing to do (no key, or the size it is already), <0: xenstore failed.
 */
int balloon_xen_follow_target(struct xs_conn *xs);
/* After a resume: the pages given back before the save are still holes.  No-op when none are out. */
void balloon_xen_check_after_resume(unsigned cycle);

#endif
