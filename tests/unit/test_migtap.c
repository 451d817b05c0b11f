/*
 * The migration stream tap's parser (tests/rig/migtap/stream.c), on a stream built
 * here in the layers xl, libxl and libxenguest write: three pre-copy rounds (10
 * pages, then 2, then the 1 sent after the suspend, with a hole beside it) must be
 * counted as such, whatever pieces the bytes arrive in; a stream that is not one
 * is said to be so, not miscounted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tests/rig/migtap/stream.c"

static uint8_t stream[1 << 17];
static size_t len;

static void put(const void *p, size_t n) { memcpy(stream + len, p, n); len += n; }
static void put32(uint32_t v) { put(&v, 4); }
static void put64(uint64_t v) { put(&v, 8); }
static void put_be32(uint32_t v) { uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v }; put(b, 4); }
static void put_be64(uint64_t v) { put_be32(v >> 32); put_be32((uint32_t)v); }

/* A PAGE_DATA record: pfns[i] with data unless hole[i] (type XTAB: 0xf in bits 60..63). */
static void page_data(const uint64_t *pfns, const int *hole, unsigned n)
{
    unsigned i, data = 0;

    for (i = 0; i < n; i++)
        data += !hole[i];
    put32(REC_PAGE_DATA);
    put32(8 + 8 * n + 4096 * data);
    put32(n);
    put32(0);
    for (i = 0; i < n; i++)
        put64(pfns[i] | (hole[i] ? 0xfULL << 60 : 0));
    for (i = 0; i < data; i++) {
        memset(stream + len, 0x5a, 4096);
        len += 4096;
    }
}

static void build(uint64_t libxl_ident)
{
    static const uint64_t r1a[] = { 0, 1, 2, 3, 4 }, r1b[] = { 5, 6, 7, 8, 9 }, r2[] = { 3, 7 }, r3[] = { 2, 3 };
    static const int none[5] = { 0 }, r3_holes[] = { 0, 1 };

    len = 0;
    put(XL_MAGIC, 32);
    put32(0x01020304);   /* byteorder */
    put32(3);            /* mandatory flags */
    put32(0);            /* optional flags */
    put32(5);            /* optional data: the config */
    put("{...}", 5);
    put_be64(libxl_ident);
    put_be32(2);
    put_be32(0);
    put32(LIBXL_REC_LIBXC_CONTEXT);
    put32(0);
    put_be64(~0ULL);
    put_be32(IMAGE_ID);
    put_be32(3);
    put_be32(0);
    put_be32(0);
    put32(1); put32(12); put32(4); put32(17);   /* domain header: x86 PV, 4 KiB pages, Xen 4.17 */
    put32(2); put32(3); put("abc\0\0\0\0\0", 8);   /* X86_PV_INFO-like: 3 bytes, padded to 8 */
    page_data(r1a, none, 5);
    page_data(r1b, none, 5);
    page_data(r2, none, 2);
    page_data(r3, r3_holes, 2);
    put32(REC_END); put32(0);
    put32(LIBXL_REC_END); put32(0);
}

static void feed_in_pieces(struct migtap *t, size_t piece)
{
    size_t at;

    migtap_init(t);
    for (at = 0; at < len; at += piece)
        migtap_feed(t, stream + at, len - at < piece ? len - at : piece);
}

static void test_three_rounds_are_counted_whatever_the_pieces(void **state)
{
    static const size_t pieces[] = { 1, 7, 4096, 65536, sizeof(stream) };
    struct migtap t;
    unsigned i;

    (void)state;
    build(LIBXL_IDENT);
    for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        feed_in_pieces(&t, pieces[i]);
        assert_int_equal(t.state, MT_DONE);
        assert_int_equal(t.rounds, 3);
        assert_int_equal(t.round_pages[0], 10);
        assert_int_equal(t.round_pages[1], 2);
        assert_int_equal(t.round_pages[2], 2);
        assert_int_equal(t.pages, 14);
        assert_int_equal(t.data_pages, 13);
        assert_int_equal(t.bytes, len);
    }
}

static void test_a_stream_that_is_not_libxl_s_is_said_to_be_so(void **state)
{
    struct migtap t;

    (void)state;
    build(0x4c6962786c656e58ULL);
    feed_in_pieces(&t, 4096);
    assert_int_equal(t.state, MT_BROKEN);
    assert_string_equal(t.why, "no libxl stream ident");
    assert_int_equal(t.rounds, 0);
}

static void test_a_stream_cut_short_is_not_done(void **state)
{
    struct migtap t;

    (void)state;
    build(LIBXL_IDENT);
    len -= 4096 + 32;   /* into the last round's pfns: it never arrives */
    feed_in_pieces(&t, 4096);
    assert_int_not_equal(t.state, MT_DONE);
    assert_int_equal(t.rounds, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_rounds_are_counted_whatever_the_pieces),
        cmocka_unit_test(test_a_stream_that_is_not_libxl_s_is_said_to_be_so),
        cmocka_unit_test(test_a_stream_cut_short_is_not_done),
    };
    return cmocka_run_group_tests_name("migtap", tests, NULL, NULL);
}
