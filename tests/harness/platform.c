/*
 * The platform the core runs on in hosted tests (include/xen/pvmmu/platform.h),
 * apart from the direct map, which has its own file (direct_map.c).
 *
 * The p2m window is where "the same frame at another address" really matters:
 * the core maps its p2m leaves (and one shared read-only "missing" leaf, many
 * times over) into a virtual range, and a lookup is one load.  We do it with
 * mmap(MAP_FIXED) of the model's memfd on top of a PROT_NONE reservation, so a
 * write through a read-only window page faults as it would in the kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "../model/model.h"
#include "harness_int.h"

#define MAX_WINDOWS 8
#define LOG_LINES 64
#define LOG_LINE_LEN 256

/*
 * Each window page remembers which pfn it shows (0: none, else (pfn + 1) << 1 |
 * writable), so that after a restore it can be shown again from the new machine.
 */
static struct { uint8_t *base; size_t len; uint64_t *shows; } windows[MAX_WINDOWS];
static char log_ring[LOG_LINES][LOG_LINE_LEN];
static unsigned long log_count;

/* --- frames for the core -------------------------------------------------------- */

static bool alloc_should_fail(void)
{
    if (harness.fail_alloc_now)
        return true;
    if (!harness.fail_alloc_in || --harness.fail_alloc_in)
        return false;
    harness.fail_alloc_now = harness.fail_alloc_sticky;
    return true;
}

/*
 * The frame hooks and the log are called from any vcpu at once (threaded tests):
 * they take the model's lock (recursive, and never held by pvmmu while it waits).
 */
static pfn_t frame_alloc_locked(void)
{
    harness.frame_allocs++;
    if (alloc_should_fail() || !harness.nr_free)
        return INVALID_PFN;
    pfn_t pfn = harness.free_stack[--harness.nr_free];
    harness.allocated[pfn_x(pfn)] = true;
    memset(model_frame_bytes(harness_pfn_to_mfn(pfn)), 0, PAGE_SIZE);
    return pfn;
}

pfn_t frame_alloc(void)
{
    pfn_t pfn;

    model_lock();
    pfn = frame_alloc_locked();
    model_unlock();
    return pfn;
}

static void frame_free_locked(pfn_t pfn)
{
    if (pfn_x(pfn) >= harness.nr_pages || !harness.allocated[pfn_x(pfn)]) {
        fprintf(stderr, "harness: frame_free(%#llx): not allocated (double free?)\n",
                (unsigned long long)pfn_x(pfn));
        abort();
    }
    mfn_t mfn = harness_pfn_to_mfn(pfn);
    if (model_frame_pinned(mfn) || model_frame_type(mfn) >= MODEL_TYPE_L1) {
        char line[128];
        snprintf(line, sizeof(line), "frame_free: pfn %#llx is still a page table (type %d%s)",
                 (unsigned long long)pfn_x(pfn), model_frame_type(mfn),
                 model_frame_pinned(mfn) ? ", pinned" : "");
        platform_log(line);
        harness.frees_while_typed++;
    }
    if (!harness_direct_map_writable(pfn)) {
        char line[128];
        snprintf(line, sizeof(line), "frame_free: pfn %#llx is still read-only (or unmapped) "
                 "in the direct map", (unsigned long long)pfn_x(pfn));
        platform_log(line);
        harness.frees_while_read_only++;
    }
    harness.allocated[pfn_x(pfn)] = false;
    harness.free_stack[harness.nr_free++] = pfn;
}

void frame_free(pfn_t pfn)
{
    model_lock();
    frame_free_locked(pfn);
    model_unlock();
}

bool harness_frame_in_use(pfn_t pfn)
{
    if (pfn_x(pfn) >= harness.nr_pages)
        return false;
    return harness_pfn_is_boot_table(pfn) || harness.allocated[pfn_x(pfn)];
}

void harness_fail_frame_alloc(unsigned long nth, bool sticky)
{
    harness.fail_alloc_in = nth;
    harness.fail_alloc_sticky = sticky;
    harness.fail_alloc_now = false;
}

unsigned long harness_frames_free(void) { return harness.nr_free; }
unsigned long harness_frame_allocs(void) { return harness.frame_allocs; }
unsigned long harness_frees_while_typed(void) { return harness.frees_while_typed; }
unsigned long harness_frees_while_read_only(void) { return harness.frees_while_read_only; }

/* --- the m2p ------------------------------------------------------------------ */

bool m2p_read_raw(mfn_t mfn, uint64_t *pfn_out)
{
    return model_m2p_read(mfn, pfn_out);
}

/* --- the p2m window ------------------------------------------------------------- */

void *p2m_window_reserve(uint64_t bytes)
{
    size_t len = (size_t)((bytes + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1));
    for (unsigned int i = 0; i < MAX_WINDOWS; i++) {
        if (windows[i].base)
            continue;
        void *p = mmap(NULL, len ? len : PAGE_SIZE, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        windows[i].shows = calloc((len ? len : PAGE_SIZE) / PAGE_SIZE, sizeof(uint64_t));
        if (!windows[i].shows) {
            munmap(p, len ? len : PAGE_SIZE);
            return NULL;
        }
        windows[i].base = p;
        windows[i].len = len ? len : PAGE_SIZE;
        return p;
    }
    return NULL;
}

/* The record of the window page at va; NULL if va is in no window. */
static uint64_t *window_page_of(uintptr_t va)
{
    for (unsigned int i = 0; i < MAX_WINDOWS; i++)
        if (windows[i].base && va >= (uintptr_t)windows[i].base &&
            va - (uintptr_t)windows[i].base < windows[i].len)
            return &windows[i].shows[(va - (uintptr_t)windows[i].base) >> PAGE_SHIFT];
    return NULL;
}

static int window_show(void *va, pfn_t pfn, bool writable)
{
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *p = mmap(va, PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED, model_memfd(),
                   (off_t)mfn_to_maddr(harness_pfn_to_mfn(pfn)));
    return p == MAP_FAILED ? -XEN_ENOMEM : 0;
}

static void (*window_map_hook)(void *ctx);
static void *window_map_hook_ctx;

void harness_on_window_map(void (*hook)(void *ctx), void *ctx)
{
    window_map_hook = hook;
    window_map_hook_ctx = ctx;
}

/* What a toolstack's page-table walk from p2m_cr3 would find behind one page of the window. */
mfn_t harness_window_frame(const void *va)
{
    uint64_t *shows = window_page_of((uintptr_t)va);
    return shows && *shows ? harness_pfn_to_mfn(_pfn((*shows >> 1) - 1)) : INVALID_MFN;
}

int p2m_window_map(void *va, pfn_t pfn, bool writable)
{
    mfn_t mfn = harness_pfn_to_mfn(pfn);
    uint64_t *shows = window_page_of((uintptr_t)va);
    if (((uintptr_t)va & (PAGE_SIZE - 1)) || !shows || !mfn_valid_value(mfn))
        return -XEN_EINVAL;
    if (window_map_hook)
        window_map_hook(window_map_hook_ctx);
    int rc = window_show(va, pfn, writable);
    if (!rc)
        *shows = (pfn_x(pfn) + 1) << 1 | writable;
    return rc;
}

/* After a restore: every window page shows its pfn again, from the new machine. */
void harness_windows_rebind(void)
{
    for (unsigned int i = 0; i < MAX_WINDOWS; i++)
        for (size_t page = 0; windows[i].base && page < windows[i].len / PAGE_SIZE; page++) {
            uint64_t shows = windows[i].shows[page];
            if (shows && window_show(windows[i].base + (page << PAGE_SHIFT),
                                     _pfn((shows >> 1) - 1), shows & 1)) {
                perror("harness: p2m window after restore");
                abort();
            }
        }
}

/* --- diagnostics ------------------------------------------------------------------ */

void platform_log(const char *line)
{
    model_lock();
    snprintf(log_ring[log_count % LOG_LINES], LOG_LINE_LEN, "%s", line);
    log_count++;
    model_unlock();
    if (getenv("PVMMU_VERBOSE"))
        fprintf(stderr, "pvmmu: %s\n", line);
}

/* The vcpu the harness runs the core on (smp.c): the model's current one. */
unsigned platform_vcpu_id(void)
{
    return model_current_vcpu();
}

unsigned long harness_log_count(void) { return log_count; }

const char *harness_log_last(void)
{
    return log_count ? log_ring[(log_count - 1) % LOG_LINES] : "";
}

bool harness_log_contains(const char *needle)
{
    unsigned long n = log_count < LOG_LINES ? log_count : LOG_LINES;
    for (unsigned long i = 0; i < n; i++)
        if (strstr(log_ring[i], needle))
            return true;
    return false;
}

/* --- per-boot setup ------------------------------------------------------------------ */

void harness_platform_init(void)
{
    harness.free_stack = calloc(harness.nr_pages, sizeof(pfn_t));
    harness.allocated = calloc(harness.nr_pages, sizeof(bool));
    if (!harness.free_stack || !harness.allocated)
        abort();
    /* Pushed high to low, so allocations come out in ascending pfn order. */
    for (unsigned long pfn = harness.nr_pages; pfn-- > harness.nr_boot_tables;)
        harness.free_stack[harness.nr_free++] = _pfn(pfn);
    log_count = 0;
    harness_direct_map_init();
}

void harness_platform_fini(void)
{
    harness_direct_map_fini();
    for (unsigned int i = 0; i < MAX_WINDOWS; i++) {
        if (windows[i].base)
            munmap(windows[i].base, windows[i].len);
        free(windows[i].shows);
        windows[i].shows = NULL;
        windows[i].base = NULL;
        windows[i].len = 0;
    }
    free(harness.free_stack);
    free(harness.allocated);
    harness.free_stack = NULL;
    harness.allocated = NULL;
    harness.nr_free = 0;
}
