/*
 * The operation driver the PV backend's fuzz targets share (tests/fuzz/pv_ops.c):
 * arbitrary operation sequences against the model of Xen, and beside them a
 * reference of what every page of every address space should map.
 *
 * fuzz_pv_backend runs it with Xen answering honestly; fuzz_hypercalls lets the
 * input choose what Xen answers.  Each target supplies hooks around every
 * operation: arm() before it (reads its own bytes from the cursor), judge()
 * after it, once the operation and any flush are over.
 */
#ifndef PVMMU_FUZZ_PV_OPS_H
#define PVMMU_FUZZ_PV_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor { const uint8_t *p, *end; };

static inline unsigned next(struct cursor *c)
{
    return c->p < c->end ? *c->p++ : 0;
}

struct pv_hooks {
    const char *target;
    /*
     * Failures are the input's doing (injected): an operation that failed may
     * have done part of its work, so each page it touched may hold its old state
     * or its new one.  Without this, a refusal must leave every page as it was.
     */
    bool failures_expected;
    void (*arm)(struct cursor *c);
    /*
     * A request the model refused that is no bug (NULL: none is): when Xen failed
     * a pin or unpin, pinning/reconcile.c drives the space to one state with
     * requests harmless if already true, which Xen may refuse as "not pinned".
     */
    bool (*refusal_expected)(const char *refusal);
    /* After the operation: "" when it behaved, else why not (into why). */
    void (*judge)(int rc, unsigned long errors_before, char *why, size_t len);
};

void pv_ops_run(const struct pv_hooks *hooks, const uint8_t *data, size_t size);

#endif
