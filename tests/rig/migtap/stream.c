/* The migration stream parser of stream.h: a state machine over header-sized pieces. */
#include <string.h>
#include "tests/rig/migtap/stream.h"

/*
 * The stream format's own numbers (the specs above; libxl's and libxenguest's stream headers,
 * libxl_sr_stream_format.h and xg_sr_stream_format.h, are not installed).
 */
#define XL_MAGIC "Xen saved domain, xl format\n \0 \r"
#define XL_HEADER_BYTES (32 + 4 * 4)
#define LIBXL_IDENT 0x4c6962786c466d74ULL        /* "LibxlFmt" */
#define LIBXL_HEADER_BYTES 16
#define LIBXL_REC_LIBXC_CONTEXT 1
#define LIBXL_REC_END 0
#define IMAGE_ID 0x58454e46U                      /* "XENF" */
#define IMAGE_HEADER_BYTES 24
#define DOMAIN_HEADER_BYTES 16                  /* type, page_shift, reserved, xen_major, xen_minor */
#define REC_END 0
#define REC_PAGE_DATA 1
#define MAX_RECORD (64ULL << 20)
#define PFN_MASK ((1ULL << 52) - 1)

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static uint64_t padded(uint64_t n) { return (n + 7) & ~7ULL; }

static void expect(struct migtap *t, enum migtap_state s, size_t bytes)
{
    t->state = s;
    t->need = bytes;
    t->got = 0;
}

static void skip_then(struct migtap *t, uint64_t bytes, enum migtap_state next, size_t next_bytes)
{
    t->after_skip = next;
    t->skip = bytes;
    t->need = next_bytes;
    t->got = 0;
    t->state = bytes ? MT_SKIP : next;
}

static void broken(struct migtap *t, const char *why)
{
    t->state = MT_BROKEN;
    t->why = why;
}

static void count_batch(struct migtap *t)
{
    uint64_t first = le64(t->buf) & PFN_MASK, rest = t->record_length - 8 - 8ULL * t->batch;

    if (!t->rounds || first <= t->last_pfn)
        t->rounds++;
    t->round_pages[(t->rounds < MIGTAP_MAX_ROUNDS ? t->rounds : MIGTAP_MAX_ROUNDS) - 1] += t->batch;
    t->pages += t->batch;
    /* The rest of the record is the contents of the pfns that have any (not holes): whole pages. */
    t->data_pages += rest / 4096;
    t->last_pfn = le64(t->buf + 8 * (t->batch - 1)) & PFN_MASK;
    skip_then(t, padded(t->record_length) - 8 - 8ULL * t->batch, MT_RECORD, 8);
}

/* One header-sized piece is complete in buf: act on it. */
static void piece(struct migtap *t)
{
    uint32_t type, len;

    switch (t->state) {
    case MT_XL_HEADER:
        if (memcmp(t->buf, XL_MAGIC, 32))
            return broken(t, "no xl save-file magic");
        return skip_then(t, le32(t->buf + 44), MT_LIBXL_HEADER, LIBXL_HEADER_BYTES);
    case MT_LIBXL_HEADER:
        if (be64(t->buf) != LIBXL_IDENT)
            return broken(t, "no libxl stream ident");
        return expect(t, MT_LIBXL_RECORD, 8);
    case MT_LIBXL_RECORD:
        type = le32(t->buf), len = le32(t->buf + 4);
        if (type == LIBXL_REC_END)
            return expect(t, MT_DONE, 0);
        if (type == LIBXL_REC_LIBXC_CONTEXT)
            return expect(t, MT_IMAGE_HEADER, IMAGE_HEADER_BYTES);
        return skip_then(t, padded(len), MT_LIBXL_RECORD, 8);
    case MT_IMAGE_HEADER:
        if (be64(t->buf) != ~0ULL || be32(t->buf + 8) != IMAGE_ID)
            return broken(t, "no libxenguest image header");
        return expect(t, MT_DOMAIN_HEADER, DOMAIN_HEADER_BYTES);
    case MT_DOMAIN_HEADER:
        return expect(t, MT_RECORD, 8);
    case MT_RECORD:
        type = le32(t->buf), len = le32(t->buf + 4);
        t->record_length = len;
        if (len > MAX_RECORD)
            return broken(t, "a record longer than 64 MiB");
        if (type == REC_END)
            return expect(t, MT_DONE, 0);
        if (type == REC_PAGE_DATA)
            return expect(t, MT_PAGE_HEADER, 8);
        return skip_then(t, padded(len), MT_RECORD, 8);
    case MT_PAGE_HEADER:
        t->batch = le32(t->buf);
        if (!t->batch || t->batch > MIGTAP_MAX_BATCH || 8 + 8ULL * t->batch > t->record_length)
            return broken(t, "a PAGE_DATA record whose count does not fit");
        return expect(t, MT_PAGE_PFNS, 8 * t->batch);
    case MT_PAGE_PFNS:
        return count_batch(t);
    default:
        return;
    }
}

void migtap_init(struct migtap *t)
{
    memset(t, 0, sizeof(*t));
    expect(t, MT_XL_HEADER, XL_HEADER_BYTES);
}

void migtap_feed(struct migtap *t, const uint8_t *bytes, size_t n)
{
    t->bytes += n;
    while (n && t->state != MT_DONE && t->state != MT_BROKEN) {
        size_t take;

        if (t->state == MT_SKIP) {
            take = t->skip < n ? (size_t)t->skip : n;
            t->skip -= take;
            if (!t->skip)
                t->state = t->after_skip;
        } else {
            take = t->need - t->got < n ? t->need - t->got : n;
            memcpy(t->buf + t->got, bytes, take);
            t->got += take;
            if (t->got == t->need)
                piece(t);
        }
        bytes += take;
        n -= take;
    }
}
