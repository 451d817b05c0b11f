/*
 * Suspend and resume, the portable part (docs/suspend.md has the whole story,
 * with the toolstack's side).  The MMU layer's duties around a save are the same
 * on every PV kernel: pin every address space, publish the p2m, and afterwards
 * learn the new machine, republish, and unpin what it pinned.  What differs
 * (start_info, shared_info, console, xenstore, the hypercall itself) the kernel
 * supplies as steps.
 */
#ifndef PVMMU_SUSPEND_H
#define PVMMU_SUSPEND_H

#include <xen/pvmmu/abi.h>

struct pvmmu_suspend_steps {
    /* Before: rewrite start_info's store/console mfns as pfns, unmap shared_info. */
    int (*prepare)(void *ctx);
    /* SCHEDOP_shutdown(SHUTDOWN_suspend): 0 resumed in a new domain, 1 cancelled / checkpoint, <0 error. */
    long (*suspend_hypercall)(void *ctx);
    /* After a resume in a new domain: map the new shared_info, reconnect console and xenstore. */
    int (*resumed)(void *ctx);
    /* After a cancelled suspend (same domain): undo prepare(). */
    int (*cancelled)(void *ctx);
    /* The shared_info to publish the p2m into (valid after prepare's undo or resumed). */
    shared_info_t *(*shared_info)(void *ctx);
    void *ctx;
};

enum pvmmu_suspend_outcome { PVMMU_SUSPEND_FAILED, PVMMU_SUSPEND_RESUMED, PVMMU_SUSPEND_CANCELLED };

struct pvmmu_suspend_report {
    enum pvmmu_suspend_outcome outcome;
    unsigned long pin_all_traps;    /* batching traps spent in pvmmu_pin_all() */
    unsigned long unpin_all_traps;  /* and in pvmmu_unpin_all() */
    unsigned spaces_pinned;         /* address spaces pvmmu_pin_all() pinned for the save */
};

/*
 * For a PV kernel's prepare / cancelled steps (suspend/start_info.c): start_info's
 * store and console mfns as pfns, and back.  Both fields or neither: on an error
 * (named), start_info is as it was.
 */
int pvmmu_start_info_rings_to_pfns(start_info_t *si);
int pvmmu_start_info_rings_to_mfns(start_info_t *si);

/*
 * The whole sequence: quiesce (leave lazy mode, issue the batch), pvmmu_pin_all (unless
 * `skip_pin_all`: the negative control), publish the p2m, prepare, the hypercall,
 * then resumed (pvmmu_m2p_init, republish into the zeroed pointer, pvmmu_unpin_all) or
 * cancelled (undo, pvmmu_unpin_all).  0 or the first error, reported by name.
 */
int pvmmu_suspend_and_resume(const struct pvmmu_suspend_steps *steps, bool skip_pin_all, struct pvmmu_suspend_report *out);

#endif
