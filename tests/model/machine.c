/*
 * The machine: frames of real memory, who owns them, and the m2p.
 *
 * Machine memory is one memfd, mapped once here.  Using a memfd rather than
 * malloc is what lets the harness map the very same frame a second time at
 * another address (the guest's direct map, the p2m window), just as a real
 * frame can be reached through several virtual addresses at once.  A write
 * through one mapping is seen through all of them, and that is the point.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model_int.h"

struct model_state model = { .memfd = -1 };

static void model_die(const char *what)
{
    fprintf(stderr, "model: %s: %s\n", what, strerror(errno));
    abort();
}

void model_create(unsigned long nr_frames)
{
    model_destroy();
    if (nr_frames <= MODEL_XEN_FRAMES)
        nr_frames = MODEL_XEN_FRAMES + 1;

    size_t bytes = nr_frames << PAGE_SHIFT;
    model.memfd = memfd_create("pvmmu-machine", MFD_CLOEXEC);
    if (model.memfd < 0)
        model_die("memfd_create");
    if (ftruncate(model.memfd, (off_t)bytes) != 0)
        model_die("ftruncate");
    model.mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, model.memfd, 0);
    if (model.mem == MAP_FAILED)
        model_die("mmap");

    model.frames = calloc(nr_frames, sizeof(*model.frames));
    if (!model.frames)
        model_die("calloc");
    model.nr_frames = nr_frames;
    for (unsigned long i = 0; i < nr_frames; i++)
        model.frames[i].m2p = INVALID_PFN_RAW;

    /* Xen's own frames come first: it was here before any domain. */
    for (unsigned int i = 0; i < MODEL_XEN_FRAMES; i++)
        model.frames[i].owner = MODEL_OWNER_XEN;

    for (unsigned int i = 0; i < MODEL_MAX_VCPUS; i++)
        model.vcpu[i].kernel_base = model.vcpu[i].user_base = INVALID_MFN;
    model.nr_vcpus = 1;
    model.max_vcpus = 1;
    model.pv_linear_pt = true;
    model_set_l1tf_widths(MODEL_DEFAULT_PADDR_BITS, MODEL_DEFAULT_L1D_MAXPHYSADDR);
}

void model_destroy(void)
{
    if (model.mem)
        munmap(model.mem, model.nr_frames << PAGE_SHIFT);
    if (model.memfd >= 0)
        close(model.memfd);
    free(model.frames);
    memset(&model, 0, sizeof(model));
    model_cur_vcpu = 0;
    model.memfd = -1;
    for (unsigned int i = 0; i < MODEL_MAX_VCPUS; i++)
        model.vcpu[i].kernel_base = model.vcpu[i].user_base = INVALID_MFN;
    model.nr_vcpus = 1;
}

unsigned long model_nr_frames(void) { return model.nr_frames; }
int model_memfd(void) { return model.memfd; }

struct model_frame *model_frame(mfn_t mfn)
{
    return mfn_x(mfn) < model.nr_frames ? &model.frames[mfn_x(mfn)] : NULL;
}

uint64_t *model_table(mfn_t mfn)
{
    return (uint64_t *)model_frame_bytes(mfn);
}

void *model_frame_bytes(mfn_t mfn)
{
    if (mfn_x(mfn) >= model.nr_frames) {
        fprintf(stderr, "model: frame %#llx is past the end of memory (%lu frames)\n",
                (unsigned long long)mfn_x(mfn), model.nr_frames);
        abort();
    }
    return model.mem + (mfn_x(mfn) << PAGE_SHIFT);
}

bool model_guest_owns(mfn_t mfn)
{
    const struct model_frame *f = model_frame(mfn);
    return f && f->owner == MODEL_OWNER_GUEST;
}

void model_set_owner(mfn_t mfn, enum model_owner owner)
{
    struct model_frame *f = model_frame(mfn);
    if (f)
        f->owner = owner;
}

enum model_owner model_frame_owner(mfn_t mfn)
{
    const struct model_frame *f = model_frame(mfn);
    return f ? f->owner : MODEL_OWNER_NONE;
}

enum model_type model_frame_type(mfn_t mfn)
{
    const struct model_frame *f = model_frame(mfn);
    return f && f->type_count ? f->type : MODEL_TYPE_NONE;
}

unsigned long model_frame_type_count(mfn_t mfn)
{
    const struct model_frame *f = model_frame(mfn);
    return f ? f->type_count : 0;
}

bool model_frame_pinned(mfn_t mfn)
{
    const struct model_frame *f = model_frame(mfn);
    return f && f->pinned;
}

/* Validated and in use: a frame nobody references has nothing to be valid for. */
bool model_frame_validated(mfn_t mfn)
{
    const struct model_frame *f = model_frame(mfn);
    return f && f->type_count && f->validated;
}

mfn_t model_xen_frame(unsigned int i)
{
    return _mfn(i % MODEL_XEN_FRAMES);
}


/*
 * The m2p.  The guest sees it read-only at MACH2PHYS_VIRT_START, and parts of it
 * may be unmapped (memory hot-plug leaves holes): reading there faults, which is
 * why the platform's m2p_read_raw is fault-tolerant.  A test makes holes here.
 */
bool model_m2p_read(mfn_t mfn, uint64_t *pfn_out)
{
    const struct model_frame *f = model_frame(mfn);
    if (!f || f->m2p_hole)
        return false;
    *pfn_out = f->m2p;
    return true;
}

void model_m2p_set(mfn_t mfn, uint64_t pfn)
{
    struct model_frame *f = model_frame(mfn);
    if (f)
        f->m2p = pfn;
}

void model_m2p_set_hole(mfn_t first, unsigned long count, bool hole)
{
    for (unsigned long i = 0; i < count; i++) {
        struct model_frame *f = model_frame(_mfn(mfn_x(first) + i));
        if (f)
            f->m2p_hole = hole;
    }
}

/*
 * Xen logs a refusal with gdprintk and returns an errno.  Two refusals often
 * share an errno (a PSE bit and a foreign frame are both -EINVAL in an L2), so
 * the model also keeps the sentence, and a test can tell which check fired.
 */
long model_refuse(long rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(model.refusal, sizeof(model.refusal), fmt, ap);
    va_end(ap);
    return rc;
}

const char *model_last_refusal(void) { return model.refusal; }

void model_crash(const char *fmt, ...)
{
    if (model.crashed)
        return;   /* the first reason is the one that matters */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(model.crash_reason, sizeof(model.crash_reason), fmt, ap);
    va_end(ap);
    model.crashed = true;
}

bool model_domain_crashed(void) { return model.crashed; }
const char *model_crash_reason(void) { return model.crash_reason; }

void model_set_va_translator(uint64_t (*to_guest)(uint64_t va))
{
    model.va_to_guest = to_guest;
}

uint64_t model_guest_va(uint64_t va)
{
    return model.va_to_guest ? model.va_to_guest(va) : va;
}

void model_set_store_hook(void (*hook)(mfn_t table, unsigned int slot, uint64_t val))
{
    model.store_hook = hook;
}

void model_store_entry(mfn_t table, unsigned int slot, uint64_t val)
{
    model_table(table)[slot] = val;
    if (model.store_hook)
        model.store_hook(table, slot, val);
}
