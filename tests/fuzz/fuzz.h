/*
 * Fuzz targets: each is a plain function over arbitrary bytes, so the same code
 * runs under libFuzzer (`make fuzz`, tests/fuzz/libfuzzer_<target>.c) and replays
 * the kept corpora in `make check` (tests/unit/test_fuzz_corpora.c), where a
 * crash once found and fixed stays fixed.  A target returns normally when the
 * code under test behaved; it aborts (through the sanitizers or fuzz_fail) when
 * it did not.
 */
#ifndef PVMMU_FUZZ_H
#define PVMMU_FUZZ_H

#include <stddef.h>
#include <stdint.h>

void fuzz_xenstore(const uint8_t *data, size_t size);
void fuzz_pv_backend(const uint8_t *data, size_t size);
void fuzz_options(const uint8_t *data, size_t size);
void fuzz_shadow(const uint8_t *data, size_t size);
void fuzz_hypercalls(const uint8_t *data, size_t size);
void fuzz_m2p(const uint8_t *data, size_t size);
void fuzz_start_info(const uint8_t *data, size_t size);
void fuzz_console(const uint8_t *data, size_t size);

void fuzz_fail(const char *target, const char *why) __attribute__((noreturn));
/* The same, with the reason printf-formatted. */
void fuzz_failf(const char *target, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
