/*
 * c2d/digest.h: SHA-256 and SHA-384 of byte strings and files, and
 * lowercase hex encoding. A thin layer over BearSSL's hash contexts;
 * SHA-256 uses the x86 SHA extensions when the CPU has them (c2d/sha_ni.h)
 * and BearSSL's portable code otherwise, with identical results.
 *
 * Not constant-time with respect to the data length (nothing hashed here
 * has a secret length). Contents may be secret; these functions keep no
 * copy: the hash contexts live on the stack and are wiped before return.
 *
 * Prefix: c2d_digest_
 */
#ifndef C2D_DIGEST_H
#define C2D_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/hex.h"

#define C2D_SHA256_LEN 32
#define C2D_SHA384_LEN 48

/* Both digests of one input, computed in a single pass. */
struct c2d_digests {
	uint64_t size;                    /* bytes hashed */
	uint8_t sha256[C2D_SHA256_LEN];
	uint8_t sha384[C2D_SHA384_LEN];
};

/* Hashes len bytes at data (data may be NULL when len is 0). */
void c2d_digest_buf(const void *data, size_t len, struct c2d_digests *out);

/* Hashes the whole file at path, reading in fixed-size blocks (constant
 * memory). Fails with C2D_E_IO naming the path. */
C2D_MUST_CHECK c2d_status c2d_digest_file(const char *path, struct c2d_digests *out,
					  struct c2d_err *err);

/* SHA-256 of len bytes. */
void c2d_digest_sha256(const void *data, size_t len, uint8_t out[C2D_SHA256_LEN]);

/* Name of the SHA-256 implementation the functions above use on this CPU:
 * "sha-ni" or "bearssl" (a static string). */
const char *c2d_digest_sha256_impl(void);

/*
 * The self-test a process runs before its first digest (docs/architecture.md,
 * "Crypto self-tests"): the known answers of c2d_sha_ni_kat() on BearSSL's
 * portable SHA-256 and, where this CPU has the extensions, on SHA-NI. It
 * holds no state; the functions above re-check SHA-NI at every call anyway
 * (c2d/sha_ni.h), so what this adds is the verdict, for the caller to act on.
 *
 * 0: every backend this CPU has passes. 1 (only with fallback set): SHA-NI
 * fails, so the functions above use the portable code; err says which
 * vector, for the caller's one-line warning. C2D_E_INTERNAL: the portable
 * backend fails (nothing left to fall back to), or SHA-NI fails and
 * fallback is 0. The host sets fallback; the guest does not, and fails
 * closed.
 */
C2D_MUST_CHECK int c2d_digest_selftest(int fallback, struct c2d_err *err);

#endif
