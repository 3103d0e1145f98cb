/*
 * c2d/sealfmt.h: the public header of a sealed dataset (docs/sealed-format.md).
 *
 * Layout, little-endian, offsets in bytes:
 *     0  8  magic "C2DSEAL\0"
 *     8  2  version (1)
 *    10  2  reserved, zero
 *    12  4  header_len: bytes before the first chunk
 *    16  8  total_len: bytes in the whole file        } the "counts": not in
 *    24  8  row_count                                 } the header digest
 *    32  4  chunk_size: plaintext bytes per chunk (4 KiB .. 64 MiB)
 *    36  7  nonce_prefix (random)
 *    43 33  kms_pubkey: compressed secp256k1           } the recipe
 *    76 20  app_id: the app contract's address         }
 *    96 32  compose_hash                               }
 *   128 20  owner: the owner's address
 *   148 32  dataset_id
 *   180 33  ephemeral_pubkey: compressed secp256k1
 *   213 48  wrapped_key: AES-256-GCM(wrap_key, dataset key) ‖ tag
 *   261  .  schema (c2d/schema.h), then zero padding to header_len
 *
 * The header digest, SHA-256 of the header with the counts set to zero, is
 * the associated data of every chunk: any change to a byte outside the
 * counts fails every chunk's tag. The counts are written last (the sealer
 * learns them at the end) and are authenticated differently: row_count is
 * repeated in the final chunk's plaintext and total_len is where the chunk
 * flagged "last" must end; a reader checks both.
 *
 * Parsing is bounds-checked against header_len and refuses anything it does
 * not know (another version, non-zero reserved or padding bytes, a schema
 * that does not check). Not constant-time: the header is public.
 *
 * Prefix: c2d_sealhdr_
 */
#ifndef C2D_SEALFMT_H
#define C2D_SEALFMT_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/schema.h"

#define C2D_SEAL_MAGIC "C2DSEAL"   /* 7 bytes and the NUL: 8 */
#define C2D_SEAL_VERSION 1
#define C2D_SEAL_PREFIX_LEN 32     /* magic .. row_count: enough to size the rest */
#define C2D_SEAL_FIXED_LEN 261     /* up to the schema */
#define C2D_SEAL_HEADER_MAX (1u << 20)
#define C2D_SEAL_CHUNK_MIN (4u << 10)
#define C2D_SEAL_CHUNK_MAX (64u << 20)
#define C2D_SEAL_CHUNK_DEFAULT (1u << 20)
#define C2D_SEAL_TAG_LEN 16
#define C2D_SEAL_NONCE_PREFIX_LEN 7
#define C2D_PUBKEY_LEN 33
#define C2D_ADDRESS_LEN 20
#define C2D_WRAPPED_LEN 48

/* What the consortium's image is: the owner seals to this. */
struct c2d_recipe {
	uint8_t kms_pubkey[C2D_PUBKEY_LEN];
	uint8_t app_id[C2D_ADDRESS_LEN];
	uint8_t compose_hash[32];
};

struct c2d_seal_header {
	uint32_t header_len;
	uint64_t total_len;
	uint64_t row_count;
	uint32_t chunk_size;
	uint8_t nonce_prefix[C2D_SEAL_NONCE_PREFIX_LEN];
	struct c2d_recipe recipe;
	uint8_t owner[C2D_ADDRESS_LEN];
	uint8_t dataset_id[32];
	uint8_t ephemeral_pubkey[C2D_PUBKEY_LEN];
	uint8_t wrapped_key[C2D_WRAPPED_LEN];
	struct c2d_schema schema;   /* owned by the header */
};

/* Reads header_len and total_len from the first C2D_SEAL_PREFIX_LEN bytes,
 * checking magic, version and reserved bytes and that the lengths are
 * plausible. Fails with C2D_E_INPUT. */
C2D_MUST_CHECK c2d_status c2d_sealhdr_peek(const uint8_t prefix[C2D_SEAL_PREFIX_LEN],
					   uint32_t *header_len, uint64_t *total_len,
					   struct c2d_err *err);

/* Parses a whole header (len must be header_len). Takes ownership of
 * nothing; fills h (whose schema the caller frees with c2d_sealhdr_free). */
C2D_MUST_CHECK c2d_status c2d_sealhdr_parse(const uint8_t *buf, size_t len,
					    struct c2d_seal_header *h, struct c2d_err *err);

/* Encodes h, with header_len computed (rounded up to 16 bytes) and stored
 * back into h. *out is malloc'd; the caller frees it. */
C2D_MUST_CHECK c2d_status c2d_sealhdr_encode(struct c2d_seal_header *h, uint8_t **out, size_t *len,
					     struct c2d_err *err);

/* Writes the counts into an encoded header (they are not in the digest). */
void c2d_sealhdr_set_counts(uint8_t *buf, uint64_t total_len, uint64_t row_count);

/* SHA-256 of buf[0..len) with the counts (bytes 16..31) taken as zero. */
void c2d_sealhdr_digest(const uint8_t *buf, size_t len, uint8_t out[32]);

void c2d_sealhdr_free(struct c2d_seal_header *h);

#endif
