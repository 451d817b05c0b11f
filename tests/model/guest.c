/*
 * What Xen reads of the guest itself: addresses it accepts, memory it copies
 * in (copy_from_guest), and the vcpus a vcpumask names.
 *
 * In a hosted test the guest's memory is this process's memory: a pointer the
 * core hands to a hypercall is a host pointer.  Xen's copy_from_guest() first
 * refuses an address in its own range (access_ok), then lets the copy fault;
 * the model has the kernel do the copy (through a pipe: write() answers
 * EFAULT for memory that is not there, with no privilege needed), so a
 * pointer to nothing fails as it would in Xen instead of crashing the test.
 *
 * The guest has max_vcpus vcpus (1 unless a test says otherwise); the first
 * nr_vcpus of them run, vcpu i on pCPU i (vcpus.c); the others are not
 * running anywhere, so no CPU holds their TLB entries (their dirty_cpu is
 * VCPU_CPU_CLEAN).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "model_int.h"

/* HYPERVISOR_VIRT_END (xen/arch/x86/include/asm/config.h): L4 slots 256..271 are Xen's. */
#define MODEL_HYPERVISOR_VIRT_END 0xffff880000000000ULL

/* is_canonical_address() (xen/arch/x86/include/asm/x86_64/page.h). */
bool model_canonical(uint64_t va)
{
    return ((int64_t)va >> 47) == ((int64_t)va >> 63);
}

/* __addr_ok() (asm/x86_64/uaccess.h): the guest's lower half, or above Xen's range. */
bool model_addr_ok(uint64_t va)
{
    return va < (1ULL << 47) || va >= MODEL_HYPERVISOR_VIRT_END;
}

/*
 * Xen reads guest memory while the guest's other vcpus may be writing it (a
 * vcpumask the guest keeps live, as pvmmu's loaded_on): x86 reads each aligned
 * word whole, so the model reads aligned words with atomic loads, and tells
 * ThreadSanitizer that the probe (a write() to a pipe, which survives a fault)
 * is such a read, not a race.
 */
#if defined(__SANITIZE_THREAD__)
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define GUEST_READS_BEGIN() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define GUEST_READS_END() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define GUEST_READS_BEGIN() do { } while (0)
#define GUEST_READS_END() do { } while (0)
#endif

/* copy_from_guest(): false where Xen's copy would fail (-EFAULT). */
bool model_copy_from_guest(void *to, uint64_t from, size_t len)
{
    int pipe_fd[2];
    if (!model_addr_ok(from) || !model_addr_ok(from + len - 1))
        return false;
    if (pipe2(pipe_fd, O_CLOEXEC) != 0)
        abort();
    GUEST_READS_BEGIN();
    bool ok = write(pipe_fd[1], (const void *)(uintptr_t)from, len) == (ssize_t)len &&
              read(pipe_fd[0], to, len) == (ssize_t)len;
    GUEST_READS_END();
    if (ok && from % 8 == 0 && len % 8 == 0)
        for (size_t i = 0; i < len / 8; i++)
            ((uint64_t *)to)[i] = __atomic_load_n((const uint64_t *)(uintptr_t)from + i, __ATOMIC_RELAXED);
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    return ok;
}

void model_set_max_vcpus(unsigned int n)
{
    model.max_vcpus = n ? n : 1;
}

/*
 * vcpumask_to_pcpumask() (xen/arch/x86/mm.c): read the mask one unsigned long
 * at a time, only as many as max_vcpus needs, stopping at the first bit past
 * the last vcpu.  Each vcpu named adds the pCPU it is dirty on (v->dirty_cpu;
 * here: its own number while it runs, none if it is not running).  An empty
 * mask names no pCPU and flushes nothing.  A copy that fails clears the mask
 * and answers -EFAULT (the caller decides what the guest sees: -EINVAL from
 * mmuext_op, -EFAULT from update_va_mapping).
 */
int model_vcpumask_to_pcpumask(uint64_t bmap, model_cpumask_t *pmask)
{
    *pmask = 0;
    for (unsigned int offs = 0;; offs++) {
        unsigned int bias = offs * 64;
        uint64_t vmask;
        if (bias >= model.max_vcpus)
            return 0;
        if (!model_copy_from_guest(&vmask, bmap + offs * sizeof(vmask), sizeof(vmask))) {
            *pmask = 0;
            return -XEN_EFAULT;
        }
        for (; vmask; vmask &= vmask - 1) {
            unsigned int vcpu = bias + (unsigned int)__builtin_ctzll(vmask);
            if (vcpu >= model.max_vcpus)
                return 0;
            if (vcpu < model.nr_vcpus)   /* is_vcpu_dirty_cpu(v->dirty_cpu) */
                *pmask |= (model_cpumask_t)1 << vcpu;
        }
    }
}
