/*
 * Every result Xen could hand back, chosen by the input.  Before each operation
 * of the pv_ops driver (tests/fuzz/pv_ops.c), one byte says what goes wrong
 * during it: nothing; the nth hypercall returning an error without doing
 * anything (so its `done` count stays where the work stopped: at 0); the nth
 * entry of a multicall failing alone while the others run; or the nth frame
 * allocation finding no memory.  The error is one Xen really returns from
 * mmu_update, mmuext_op, update_va_mapping and multicall (xen/arch/x86/mm.c,
 * common/multicall.c).
 *
 * The core must report every failure it was handed, and lose nothing: after
 * the operation, every page of every address space holds either the state it
 * had or the one the operation meant to give it, never a third (the reference
 * in pv_ops.c checks that); the model's invariants hold; no request it sent
 * afterwards is one Xen refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pv_ops.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

static const long xen_errors[] = {
    -XEN_EINVAL, -XEN_ENOMEM, -XEN_EFAULT, -XEN_EPERM, -XEN_EBUSY, -XEN_ESRCH, -XEN_EAGAIN, -XEN_ENOSYS,
};

static unsigned long faults_before, errors_at_arm, injected_now;

/* One byte: the low two bits say what fails, the next three the error, the top three which one. */
static void arm_a_failure(struct cursor *c)
{
    unsigned b = next(c), nth = 1 + (b >> 5);
    long err = xen_errors[(b >> 2) & 7];

    model_fail_hypercall(0, 0);
    model_fail_multicall_entry(0, 0);
    harness_fail_frame_alloc(0, false);
    switch (b & 3) {
    case 1: model_fail_hypercall(nth, err); break;
    case 2: model_fail_multicall_entry(nth, err); break;
    case 3: harness_fail_frame_alloc(nth, false); break;
    }
    injected_now = b & 3;
    if (getenv("PVMMU_FUZZ_TRACE") && injected_now)
        fprintf(stderr, "arm: %s #%u fails with %ld\n",
                (const char *[]){ "", "hypercall", "multicall entry", "frame allocation" }[injected_now], nth, err);
    faults_before = model_counters()->injected_faults;
    errors_at_arm = pvmmu_error_count();
}

static void every_failure_reported(int rc, unsigned long errors_before, char *why, size_t len)
{
    bool injected = model_counters()->injected_faults != faults_before;
    bool reported = pvmmu_error_count() != errors_before;

    model_fail_hypercall(0, 0);
    model_fail_multicall_entry(0, 0);
    harness_fail_frame_alloc(0, false);
    /*
     * A failure is reported once, when it happens; the batch keeps it and the
     * outermost leave (or the next flush outside lazy mode) returns it again
     * (rule 5 of multicall.h).  So silence is only wrong when nothing failed before.
     */
    if (rc && !reported && !errors_before)
        snprintf(why, len, "an operation failed (%d) and said nothing", rc);
    else if (injected && !reported)
        snprintf(why, len, "Xen failed a call (injection %lu) and nobody reported it", injected_now);
}

/*
 * A refusal is allowed only after an injected failure that the core reported,
 * and only of the requests pinning/reconcile.c sends to drive a space to one
 * state: unpins of roots that may not be pinned, pins that may already be, and
 * the flips of table frames back to writable, which Xen refuses while a root
 * is still pinned (when the injected failure hit the reconcile's own unpin).
 */
static bool reconcile_refusal(const char *refusal)
{
    return model_counters()->injected_faults != faults_before && pvmmu_error_count() != errors_at_arm &&
           (strstr(refusal, " not pinned") || strstr(refusal, " already pinned") ||
            strstr(refusal, "writable alias of mfn"));
}

void fuzz_hypercalls(const uint8_t *data, size_t size)
{
    static const struct pv_hooks failing_xen = {
        .target = "hypercalls", .failures_expected = true, .arm = arm_a_failure, .judge = every_failure_reported,
        .refusal_expected = reconcile_refusal,
    };

    pv_ops_run(&failing_xen, data, size);
}
