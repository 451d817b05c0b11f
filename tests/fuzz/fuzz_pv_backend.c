/*
 * The PV backend on arbitrary operation sequences, with Xen (the model) answering
 * honestly: tests/fuzz/pv_ops.c drives it and keeps the reference map of every
 * page.  Here nothing may fail but what pvmmu itself refuses, and a refusal must
 * say why and change nothing: every page keeps the frame and protection it had.
 */
#include <stdio.h>
#include <xen/pvmmu/report.h>
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pv_ops.h"

static void arm_nothing(struct cursor *c)
{
    (void)c;
}

static void refusals_say_why(int rc, unsigned long errors_before, char *why, size_t len)
{
    /* Rule 5 of multicall.h: an earlier, reported failure may be returned again by a later flush. */
    if (rc && pvmmu_error_count() == errors_before && !errors_before)
        snprintf(why, len, "an operation failed (%d) and said nothing", rc);
}

void fuzz_pv_backend(const uint8_t *data, size_t size)
{
    static const struct pv_hooks honest_xen = {
        .target = "pv_backend", .failures_expected = false, .arm = arm_nothing, .judge = refusals_say_why,
    };

    pv_ops_run(&honest_xen, data, size);
}
