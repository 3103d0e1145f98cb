/*
 * host/util/keyfile.h: secp256k1 secret key files.
 *
 * Format: 64 hex digits (an optional 0x, one optional trailing newline), the
 * 32-byte big-endian scalar, as Ethereum tools write private keys. The file
 * must be a regular file that only its owner can read or write (mode 0600
 * or stricter); anything else is refused, naming the file, because a key
 * readable by others is already lost.
 *
 * Writing uses O_EXCL: an existing file is never overwritten.
 *
 * The key lands in a caller buffer; callers keep it in mlock'd memory when
 * it lives long and wipe it with explicit_bzero when done. Error messages
 * never contain key material.
 *
 * Prefix: c2d_key_
 */
#ifndef C2D_HOST_KEYFILE_H
#define C2D_HOST_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"

/* The file format and checks above, for a secret of len bytes of any kind
 * (2*len hex digits): the caller validates the value. */
C2D_MUST_CHECK c2d_status c2d_key_secret_hex_read(const char *path, uint8_t *out, size_t len,
					      struct c2d_err *err);

C2D_MUST_CHECK c2d_status c2d_key_read(const secp256k1_context *ctx, const char *path,
				       uint8_t sk[32], struct c2d_err *err);

/* Creates path (mode 0600, never overwriting) holding sk. */
C2D_MUST_CHECK c2d_status c2d_key_write(const char *path, const uint8_t sk[32], struct c2d_err *err);

/* A new secret key from the kernel's randomness (retrying the negligible
 * chance of an invalid scalar). */
C2D_MUST_CHECK c2d_status c2d_key_generate(const secp256k1_context *ctx, uint8_t sk[32],
					   struct c2d_err *err);

/* A secp256k1 context for signing and ECDH, randomized against side
 * channels, into *ctx (NULL on failure). Destroy it with
 * secp256k1_context_destroy(). */
C2D_MUST_CHECK c2d_status c2d_key_secp_context(secp256k1_context **ctx, struct c2d_err *err);

#endif
