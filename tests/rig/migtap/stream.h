/*
 * Reading a live migration's stream as it passes (tests/rig/migtap): how many
 * pre-copy rounds the sender made and how many pages each round sent.
 *
 * xl's sender hides libxenguest's progress during `xl migrate`, so the rounds are
 * read off the stream itself, which the tap copies from the sender to
 * `xl migrate-receive` unchanged.  Its layers (Xen's docs/specs/
 * libxl-migration-stream.pandoc and libxc-migration-stream.pandoc):
 *
 *   xl's save-file header (magic, four u32s, optional data: the config)
 *   libxl's stream header (ident "Xenlibxl", version, options; big-endian)
 *   libxl records {type, length, body padded to 8}; LIBXC_CONTEXT (1) is followed
 *     by libxenguest's stream inline:
 *       image header (marker ~0, id "XENF", ...; big-endian, 24 bytes)
 *       domain header (12 bytes)
 *       records {type, length, body padded to 8} up to END (0); PAGE_DATA (1) is
 *         {count, reserved, pfn[count] (type in bits 60..63), the pages with data}
 *
 * A round sends its dirty pfns in ascending order (the sender scans its bitmap),
 * so a batch whose first pfn is not above the last one sent starts a new round;
 * the last round is the one sent after the guest suspended.
 *
 * Fed bytes in whatever pieces they arrive: the parser never blocks and never
 * changes a byte.  A stream it cannot follow stops the parse (why says why),
 * not the copy.
 */
#ifndef PVMMU_MIGTAP_STREAM_H
#define PVMMU_MIGTAP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define MIGTAP_MAX_ROUNDS 64
#define MIGTAP_MAX_BATCH 1024        /* libxenguest's MAX_BATCH_SIZE: pfns in one PAGE_DATA */

enum migtap_state {
    MT_XL_HEADER, MT_LIBXL_HEADER, MT_LIBXL_RECORD, MT_IMAGE_HEADER, MT_DOMAIN_HEADER,
    MT_RECORD, MT_PAGE_HEADER, MT_PAGE_PFNS, MT_SKIP, MT_DONE, MT_BROKEN,
};

struct migtap {
    enum migtap_state state, after_skip;
    uint8_t buf[MIGTAP_MAX_BATCH * 8];
    size_t need, got;
    uint64_t skip;
    uint32_t batch;                  /* pfns in the PAGE_DATA record being read */
    uint64_t record_length;
    /* What was seen. */
    unsigned rounds;
    uint64_t round_pages[MIGTAP_MAX_ROUNDS];   /* the last entry also counts any rounds beyond */
    uint64_t pages, data_pages, last_pfn, bytes;
    const char *why;                 /* MT_BROKEN: what did not match */
};

void migtap_init(struct migtap *t);
void migtap_feed(struct migtap *t, const uint8_t *bytes, size_t n);

#endif
