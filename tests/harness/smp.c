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
#include <xen/pvmmu/platform.h>
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

/*
 * The call-function hook, sequentially: each target vcpu runs fn in turn (the
 * model's current vcpu is the target while it does), then the caller carries
 * on.  A test may have something happen first, "while the IPIs are in
 * flight" (harness_during_next_call_function): a concurrent switch, say.
 */
static void (*in_flight)(void);
static unsigned long targets_run;

void harness_during_next_call_function(void (*fn)(void))
{
    in_flight = fn;
}

unsigned long harness_call_function_targets(void)
{
    return targets_run;
}

void platform_call_function(unsigned long vcpumask, void (*fn)(void *data), void *data)
{
    unsigned me = model_current_vcpu();
    void (*first)(void) = in_flight;

    if (vcpumask & (1UL << me) || vcpumask >> model_vcpus()) {
        fprintf(stderr, "harness: platform_call_function(mask %#lx) on vcpu %u of %u: "
                "the mask names the caller or a vcpu that is not up\n", vcpumask, me, model_vcpus());
        abort();
    }
    in_flight = NULL;
    if (first) {
        first();
        model_set_current_vcpu(me);
    }
    for (unsigned v = 0; v < model_vcpus(); v++)
        if (vcpumask & (1UL << v)) {
            model_set_current_vcpu(v);
            fn(data);
            targets_run++;
        }
    model_set_current_vcpu(me);
}
