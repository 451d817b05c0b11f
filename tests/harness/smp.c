/*
 * The hosted kernel's vcpus.  A test brings up N vcpus and says which one the
 * next operations run on; every hypercall the core makes from then on is that
 * vcpu's (the model's "current", kept per thread), and so is every access a
 * test makes with model_touch().  One vcpu, vcpu 0, unless a test asks.  Most
 * tests interleave vcpus sequentially on one thread; test_smp_threads runs one
 * thread per vcpu (harness_threads), and the model takes one hypercall at a time.
 *
 * Bringing a vcpu up is done twice, as a kernel does it: the model starts it
 * on vcpu 0's kernel root (VCPUOP_initialise), and the core is told on that
 * vcpu (aspace_vcpu_up), so the kernel space's loaded_on names it.  Taking one
 * down tells the core first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
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

/*
 * Threaded (harness_threads(true), one thread per vcpu): a mailbox per vcpu,
 * as an IPI.  The caller posts to each target and waits, answering its own
 * mailbox meanwhile (platform.h's rule); a target answers between its pvmmu
 * calls, when its thread calls harness_poll_calls().
 */
static bool threaded;
static struct mailbox {
    void (*fn)(void *data);
    void *data;
    int pending;            /* atomic: posted, not yet run */
} mailbox[MODEL_MAX_VCPUS];

void harness_threads(bool on)
{
    threaded = on;
}

void harness_poll_calls(void)
{
    struct mailbox *m = &mailbox[model_current_vcpu()];

    if (__atomic_load_n(&m->pending, __ATOMIC_ACQUIRE)) {
        m->fn(m->data);
        __atomic_fetch_add(&targets_run, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&m->pending, 0, __ATOMIC_RELEASE);
    }
}

static void call_threaded(unsigned long vcpumask, void (*fn)(void *data), void *data)
{
    static pthread_mutex_t posting = PTHREAD_MUTEX_INITIALIZER;
    bool waiting = true;

    for (unsigned v = 0; v < MODEL_MAX_VCPUS; v++) {
        if (!(vcpumask & (1UL << v)))
            continue;
        /* One call in a mailbox at a time: wait for the previous one, answering ours. */
        for (;;) {
            pthread_mutex_lock(&posting);
            if (!__atomic_load_n(&mailbox[v].pending, __ATOMIC_ACQUIRE)) {
                mailbox[v].fn = fn;
                mailbox[v].data = data;
                __atomic_store_n(&mailbox[v].pending, 1, __ATOMIC_RELEASE);
                pthread_mutex_unlock(&posting);
                break;
            }
            pthread_mutex_unlock(&posting);
            harness_poll_calls();
            sched_yield();
        }
    }
    while (waiting) {
        waiting = false;
        for (unsigned v = 0; v < MODEL_MAX_VCPUS; v++)
            if ((vcpumask & (1UL << v)) && __atomic_load_n(&mailbox[v].pending, __ATOMIC_ACQUIRE)
                && mailbox[v].data == data)
                waiting = true;
        if (waiting) {
            harness_poll_calls();
            sched_yield();
        }
    }
}

void platform_call_function(unsigned long vcpumask, void (*fn)(void *data), void *data)
{
    unsigned me = model_current_vcpu();
    void (*first)(void) = in_flight;

    if (threaded) {
        call_threaded(vcpumask, fn, data);
        return;
    }

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
