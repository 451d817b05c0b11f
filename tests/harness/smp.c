/*
 * The hosted kernel's vcpus.  The harness runs one thread of control, so SMP
 * is sequential interleaving: a test brings up N vcpus and says which one the
 * next operations run on; every hypercall the core makes from then on is that
 * vcpu's (the model's "current"), and so is every access a test makes with
 * model_touch().  One vcpu, vcpu 0, unless a test asks.
 *
 * Bringing a vcpu up is done twice, as a kernel does it: the model starts it
 * on vcpu 0's kernel root (VCPUOP_initialise), and the core is told on that
 * vcpu (aspace_vcpu_up), so the kernel space's loaded_on names it.  Taking one
 * down tells the core first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <xen/pvmmu/aspace.h>
#include "tests/harness/harness.h"
#include "tests/model/model.h"

static void on_each(unsigned from, unsigned to, int (*fn)(void), const char *what)
{
    unsigned me = model_current_vcpu();

    for (unsigned v = from; v < to; v++) {
        model_set_current_vcpu(v);
        if (fn()) {
            fprintf(stderr, "harness: %s on vcpu %u failed\n", what, v);
            abort();
        }
    }
    model_set_current_vcpu(me);
}

void harness_set_vcpus(unsigned int n)
{
    unsigned before = model_vcpus();

    if (n < before && aspace_kernel())
        on_each(n, before, aspace_vcpu_down, "aspace_vcpu_down");
    model_set_vcpus(n);
    if (n > before && aspace_kernel())
        on_each(before, n, aspace_vcpu_up, "aspace_vcpu_up");
}

unsigned int harness_vcpus(void)
{
    return model_vcpus();
}

void harness_on_vcpu(unsigned int vcpu)
{
    model_set_current_vcpu(vcpu);
}

unsigned int harness_current_vcpu(void)
{
    return model_current_vcpu();
}
