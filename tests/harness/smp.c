/*
 * The hosted kernel's vcpus.  The harness runs one thread of control, so SMP
 * is sequential interleaving: a test brings up N vcpus and says which one the
 * next operations run on; every hypercall the core makes from then on is that
 * vcpu's (the model's "current"), and so is every access a test makes with
 * model_touch().  One vcpu, vcpu 0, unless a test asks.
 */
#include "tests/harness/harness.h"
#include "tests/model/model.h"

void harness_set_vcpus(unsigned int n)
{
    model_set_vcpus(n);
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
