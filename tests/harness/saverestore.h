/*
 * xl save / xl restore, played hosted: the toolstack's half of the suspend and
 * resume contract, so that the guest's half (pin_all, republishing the p2m,
 * unpin_all) can be tested without Xen.
 *
 * harness_save() is what libxenguest's saver does to a paused 64-bit PV domain
 * (tools/libs/guest/xg_sr_save_x86_pv.c): it finds the guest's p2m through
 * shared_info's frame lists, copies every page, and rewrites machine frame
 * numbers into pfns in every page Xen has typed as a page table at that moment.
 * A table frame Xen has no type for is copied raw, machine frame numbers and
 * all: that is the trap pin_all() exists for.
 *
 * harness_restore() is the restorer (xg_sr_restore_x86_pv.c) on another host:
 * a NEW machine, every pfn in a new machine frame, the tables rewritten for the
 * new frames and pinned again through the model's own hypercalls (so the model
 * validates them), the guest's p2m leaves rewritten, and the anchor of the frame
 * lists zeroed, so the guest must publish them again.  The harness's own view of
 * the guest (pfn_to_virt, the p2m window) follows, so code running "in the
 * guest" afterwards finds its memory at the same addresses, as a restored PV
 * kernel does.
 *
 * docs/save-restore-model.md tells the story and lists what is not modelled.
 */
#ifndef PVMMU_TEST_SAVERESTORE_H
#define PVMMU_TEST_SAVERESTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>

/* What a page is in the stream: XEN_DOMCTL_PFINFO_{NOTAB,L1TAB..L4TAB,XTAB}. */
enum sr_type {
    SR_NOTAB,    /* plain data, copied raw (including a table Xen has no type for) */
    SR_L1TAB,
    SR_L2TAB,
    SR_L3TAB,
    SR_L4TAB,
    SR_XTAB,     /* no page: the p2m says INVALID, or the frame is not the guest's */
};

/* libxenguest pins on restore in batches of this many (MAX_PIN_BATCH). */
#define SR_PIN_BATCH 1024

/* The saved image: the migration stream's records, in pfn terms. */
struct sr_image;

/*
 * xl save, in its two halves.  harness_save_begin() is the saver's setup, done
 * while the guest still runs, before it is asked to suspend: it finds the p2m
 * through shared_info.  harness_save_finish() runs once the guest has called
 * SCHEDOP_shutdown(SHUTDOWN_suspend): `start_info` is the suspend record, the
 * mfn the guest put in %rdx.  Neither changes the domain (a cancelled suspend
 * simply goes on).  0, or a negative -XEN_E* with harness_sr_error() saying
 * what the saver refused and why.  The image is the caller's to free, finished
 * or not.  harness_save() is both at once, for a guest that is already paused;
 * on failure *out is NULL.
 */
int harness_save_begin(struct sr_image **out);
int harness_save_finish(struct sr_image *img, mfn_t start_info);
int harness_save(mfn_t start_info, struct sr_image **out);

/*
 * Restore `img` into a new machine and make it the harness's machine.  On
 * success *start_info is the new mfn of the start_info page (the restored
 * %rdx), whose store_mfn and console.domU.mfn are machine frames again, with new
 * event channels.  On failure the domain is dead, as after a failed xl restore.
 * Only guest frames are in the image, not the core's variables (they live in
 * the host process): restore an image right after the save that made it.
 */
int harness_restore(const struct sr_image *img, mfn_t *start_info);

void sr_image_free(struct sr_image *img);

/* What the saver or restorer last refused ("" if nothing since the last success). */
const char *harness_sr_error(void);

/* The stream, for tests: how a pfn was saved (pinned: recorded as pinned). */
enum sr_type sr_image_type(const struct sr_image *img, pfn_t pfn, bool *pinned);
/* The count of pfns the stream covers (libxenguest's max_pfn + 1). */
uint64_t sr_image_nr_pfns(const struct sr_image *img);
/* The event channels the restorer hands out for the store and the console. */
uint32_t harness_sr_store_evtchn(void);
uint32_t harness_sr_console_evtchn(void);

#endif
