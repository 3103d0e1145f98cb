/*
 * c2d/stream.h: the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár 2015) over AES-256-GCM, as sealed datasets use it.
 *
 * The plaintext is cut into chunks of chunk_size bytes (the last may be
 * shorter, never empty). Chunk i is sealed with
 *   nonce = nonce_prefix (7 bytes) ‖ be32(i) ‖ last (1 byte: 0x00, or 0x01
 *           for the final chunk)
 *   aad   = the header digest (32 bytes, c2d/sealfmt.h)
 * so reordering (the counter), truncation and extension (the last flag),
 * duplication (the counter), splicing chunks of another file (the key and
 * the header digest) and any header change all fail a tag.
 *
 * A context is used in one direction, chunks in order. After the chunk
 * flagged last, further calls fail. The context holds key material: wipe it
 * with c2d_stream_wipe().
 *
 * Prefix: c2d_stream_
 */
#ifndef C2D_STREAM_H
#define C2D_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/aead.h"
#include "c2d/err.h"

struct c2d_stream {
	struct c2d_gcm gcm;
	uint8_t prefix[7];
	uint8_t aad[32];
	uint64_t next;       /* index of the next chunk */
	int finished;        /* the last chunk has been processed */
};

/* impl as for c2d_gcm_init(): C2D_E_UNAVAILABLE if this CPU lacks it. */
C2D_MUST_CHECK c2d_status c2d_stream_init(struct c2d_stream *s, const uint8_t key[32],
					  const uint8_t prefix[7], const uint8_t aad[32],
					  enum c2d_gcm_impl impl, struct c2d_err *err);

/* Seals the next chunk in place. */
C2D_MUST_CHECK c2d_status c2d_stream_seal(struct c2d_stream *s, void *buf, size_t len, int last,
					  uint8_t tag[C2D_GCM_TAG_LEN], struct c2d_err *err);

/* Opens the next chunk in place: C2D_E_REFUSED (buf wiped) on a bad tag. */
C2D_MUST_CHECK c2d_status c2d_stream_open(struct c2d_stream *s, void *buf, size_t len, int last,
					  const uint8_t tag[C2D_GCM_TAG_LEN], struct c2d_err *err);

void c2d_stream_wipe(struct c2d_stream *s);

/* The nonce of chunk i (exposed for test vectors and other implementations). */
void c2d_stream_nonce(const uint8_t prefix[7], uint64_t i, int last, uint8_t nonce[12]);

#endif
