/*
 * tests/tools/chacha_src.h: a deterministic random source for tests and
 * benchmarks of the DP samplers: the ChaCha20 keystream (RFC 8439, zero
 * nonce, counter from 0) of a fixed key, from BearSSL, as a struct c2d_rng.
 * Never a source of real noise: the key is public and fixed, so the same
 * key gives the same draws, which is what a statistical test at a fixed
 * seed and a paired benchmark need.
 */
#ifndef C2D_TEST_CHACHA_SRC_H
#define C2D_TEST_CHACHA_SRC_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "c2d/dp.h"

struct chacha_src {
	uint8_t key[32];
	uint32_t counter;
	uint8_t buf[4096];
	size_t pos;
	br_chacha20_run run;       /* SSE2 where the CPU has it, else ct */
	uint64_t bytes, calls;     /* what the samplers drew, for the tests */
};

/* Resets c to the start of key's keystream and returns a source over it;
 * c must outlive the source. */
struct c2d_rng chacha_src_rng(struct chacha_src *c, const uint8_t key[32]);

#endif
