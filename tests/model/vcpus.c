/*
 * The guest's vcpus: which run, which one is calling, and where each runs.
 *
 * Xen tracks, per vcpu, the pCPU whose TLB may hold its translations
 * (v->dirty_cpu) and, per domain, the union of those (d->dirty_cpumask).  A
 * flush "to vcpus" is turned into a flush of those pCPUs
 * (vcpumask_to_pcpumask, guest.c).  The model pins vcpu i to pCPU i for its
 * whole life, so the two numberings agree and a pCPU's TLB is its vcpu's;
 * a vcpu that is not running (number >= nr_vcpus, below max_vcpus) is dirty
 * on no pCPU (VCPU_CPU_CLEAN), so nothing flushed "to" it reaches anything.
 *
 * Every hypercall is made by the current vcpu (Xen's `current`): the harness
 * chooses it, as a real kernel's code runs on one vcpu at a time.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pthread.h>
#include "model_int.h"

_Thread_local unsigned int model_cur_vcpu;

static pthread_mutex_t big_lock;
static pthread_once_t big_lock_once = PTHREAD_ONCE_INIT;

static void big_lock_init(void)
{
    pthread_mutexattr_t a;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&big_lock, &a);
}

void model_lock(void)
{
    pthread_once(&big_lock_once, big_lock_init);
    pthread_mutex_lock(&big_lock);
}

void model_unlock(void)
{
    pthread_mutex_unlock(&big_lock);
}

struct model_vcpu *model_current(void)
{
    return &model.vcpu[model_cur_vcpu];
}

model_cpumask_t model_this_cpu(void)
{
    return (model_cpumask_t)1 << model_cur_vcpu;
}

/* d->dirty_cpumask: every running vcpu's pCPU (each has run, so each may hold entries). */
model_cpumask_t model_dirty_cpumask(void)
{
    return model.nr_vcpus >= 64 ? ~(model_cpumask_t)0
                                : ((model_cpumask_t)1 << model.nr_vcpus) - 1;
}

static void die(const char *fmt, unsigned int n)
{
    fprintf(stderr, "model: ");
    fprintf(stderr, fmt, n, MODEL_MAX_VCPUS);
    fprintf(stderr, "\n");
    abort();
}

/* VCPUOP_initialise with vcpu 0's kernel root as cr3: an L4 reference, like NEW_BASEPTR's. */
static void bring_up(struct model_vcpu *v)
{
    mfn_t root = model.vcpu[0].kernel_base;

    *v = (struct model_vcpu){ .kernel_base = INVALID_MFN, .user_base = INVALID_MFN };
    if (mfn_valid_value(root) && model_get_type(root, MODEL_TYPE_L4) == 0)
        v->kernel_base = root;
}

static void take_down(struct model_vcpu *v)
{
    if (mfn_valid_value(v->kernel_base))
        model_put_type(v->kernel_base);
    if (mfn_valid_value(v->user_base))
        model_put_type(v->user_base);
    *v = (struct model_vcpu){ .kernel_base = INVALID_MFN, .user_base = INVALID_MFN };
}

void model_set_vcpus(unsigned int n)
{
    if (n < 1 || n > MODEL_MAX_VCPUS)
        die("model_set_vcpus(%u): between 1 and %u vcpus run", n);
    while (model.nr_vcpus < n)
        bring_up(&model.vcpu[model.nr_vcpus++]);
    while (model.nr_vcpus > n)
        take_down(&model.vcpu[--model.nr_vcpus]);
    if (model_cur_vcpu >= n)
        model_cur_vcpu = 0;
    if (model.max_vcpus < n)
        model.max_vcpus = n;
}

unsigned int model_vcpus(void) { return model.nr_vcpus; }

void model_set_current_vcpu(unsigned int vcpu)
{
    if (vcpu >= model.nr_vcpus)
        die("model_set_current_vcpu(%u): not a running vcpu (at most %u run)", vcpu);
    model_cur_vcpu = vcpu;
}

unsigned int model_current_vcpu(void) { return model_cur_vcpu; }

static const struct model_vcpu *running(unsigned int vcpu)
{
    if (vcpu >= model.nr_vcpus)
        die("vcpu %u is not running (at most %u run)", vcpu);
    return &model.vcpu[vcpu];
}

mfn_t model_vcpu_kernel_base(unsigned int vcpu) { return running(vcpu)->kernel_base; }
mfn_t model_vcpu_user_base(unsigned int vcpu) { return running(vcpu)->user_base; }
mfn_t model_kernel_base(void) { return model_current()->kernel_base; }
mfn_t model_user_base(void) { return model_current()->user_base; }
