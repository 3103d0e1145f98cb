/* The sealed header: see c2d/sealfmt.h. */
#include "c2d/sealfmt.h"

#include <stdlib.h>
#include <string.h>

#include <bearssl_hash.h>

#include "c2d/bytes.h"

static const uint8_t magic[8] = { 'C', '2', 'D', 'S', 'E', 'A', 'L', 0 };

c2d_status c2d_sealhdr_peek(const uint8_t p[C2D_SEAL_PREFIX_LEN], uint32_t *header_len,
			    uint64_t *total_len, struct c2d_err *err)
{
	if (memcmp(p, magic, 8) != 0)
		return c2d_fail(err, C2D_E_INPUT, "not a c2d sealed file (bad magic)");
	uint16_t version = c2d_get_le16(p + 8);
	if (version != C2D_SEAL_VERSION)
		return c2d_fail(err, C2D_E_INPUT, "sealed format version %u; this c2d reads version %u",
				version, C2D_SEAL_VERSION);
	if (c2d_get_le16(p + 10) != 0)
		return c2d_fail(err, C2D_E_INPUT, "header offset 10: reserved bytes are not zero");
	uint32_t hl = c2d_get_le32(p + 12);
	uint64_t tl = c2d_get_le64(p + 16);
	if (hl < C2D_SEAL_FIXED_LEN + 2 || hl > C2D_SEAL_HEADER_MAX || hl % 16 != 0)
		return c2d_fail(err, C2D_E_INPUT, "header offset 12: header length %u is not valid", hl);
	if (tl < (uint64_t)hl + C2D_SEAL_TAG_LEN + 1)
		return c2d_fail(err, C2D_E_INPUT,
				"header offset 16: total length %llu leaves no room for data",
				(unsigned long long)tl);
	*header_len = hl;
	*total_len = tl;
	return C2D_OK;
}

c2d_status c2d_sealhdr_parse(const uint8_t *buf, size_t len, struct c2d_seal_header *h,
			     struct c2d_err *err)
{
	memset(h, 0, sizeof(*h));
	if (len < C2D_SEAL_PREFIX_LEN)
		return c2d_fail(err, C2D_E_INPUT, "header truncated (%zu bytes)", len);
	int r = c2d_sealhdr_peek(buf, &h->header_len, &h->total_len, err);
	if (r < 0)
		return r;
	if (len != h->header_len)
		return c2d_fail(err, C2D_E_INPUT, "header is %zu bytes, header_len says %u",
				len, h->header_len);

	struct c2d_reader rd;
	c2d_reader_init(&rd, buf, len);
	c2d_read(&rd, 16);
	h->total_len = c2d_read_le64(&rd);
	h->row_count = c2d_read_le64(&rd);
	h->chunk_size = c2d_read_le32(&rd);
	c2d_read_copy(&rd, h->nonce_prefix, sizeof(h->nonce_prefix));
	c2d_read_copy(&rd, h->recipe.kms_pubkey, C2D_PUBKEY_LEN);
	c2d_read_copy(&rd, h->recipe.app_id, C2D_ADDRESS_LEN);
	c2d_read_copy(&rd, h->recipe.compose_hash, 32);
	c2d_read_copy(&rd, h->owner, C2D_ADDRESS_LEN);
	c2d_read_copy(&rd, h->dataset_id, 32);
	c2d_read_copy(&rd, h->ephemeral_pubkey, C2D_PUBKEY_LEN);
	c2d_read_copy(&rd, h->wrapped_key, C2D_WRAPPED_LEN);
	if (h->chunk_size < C2D_SEAL_CHUNK_MIN || h->chunk_size > C2D_SEAL_CHUNK_MAX)
		return c2d_fail(err, C2D_E_INPUT, "header offset 32: chunk size %u out of range",
				h->chunk_size);
	if ((h->recipe.kms_pubkey[0] != 2 && h->recipe.kms_pubkey[0] != 3) ||
	    (h->ephemeral_pubkey[0] != 2 && h->ephemeral_pubkey[0] != 3))
		return c2d_fail(err, C2D_E_INPUT, "header: a public key is not in compressed form");
	if ((r = c2d_schema_decode(&rd, &h->schema, err)) < 0) {
		c2d_err_prefix(err, "header");
		return r;
	}
	/* Padding is zero and only what 16-byte alignment needs, so that no
	 * two encodings mean the same header. */
	if (rd.left >= 16) {
		c2d_schema_free(&h->schema);
		return c2d_fail(err, C2D_E_INPUT, "header offset %zu: %zu bytes of padding, more than alignment needs",
				rd.off, rd.left);
	}
	for (size_t i = 0; i < rd.left; i++) {
		if (rd.p[i] != 0) {
			c2d_schema_free(&h->schema);
			return c2d_fail(err, C2D_E_INPUT, "header offset %zu: padding is not zero",
					rd.off + i);
		}
	}
	return C2D_OK;
}

c2d_status c2d_sealhdr_encode(struct c2d_seal_header *h, uint8_t **out, size_t *len,
			      struct c2d_err *err)
{
	int r = c2d_schema_check(&h->schema, err);
	if (r < 0)
		return r;
	size_t n = C2D_SEAL_FIXED_LEN + c2d_schema_encoded_len(&h->schema);
	n = (n + 15) & ~(size_t)15;
	if (n > C2D_SEAL_HEADER_MAX)
		return c2d_fail(err, C2D_E_INPUT, "schema too large for a header (%zu bytes)", n);
	uint8_t *b = calloc(1, n);
	if (b == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "header: out of memory");
	h->header_len = (uint32_t)n;
	memcpy(b, magic, 8);
	c2d_put_le16(b + 8, C2D_SEAL_VERSION);
	c2d_put_le32(b + 12, h->header_len);
	c2d_sealhdr_set_counts(b, h->total_len, h->row_count);
	c2d_put_le32(b + 32, h->chunk_size);
	memcpy(b + 36, h->nonce_prefix, 7);
	memcpy(b + 43, h->recipe.kms_pubkey, 33);
	memcpy(b + 76, h->recipe.app_id, 20);
	memcpy(b + 96, h->recipe.compose_hash, 32);
	memcpy(b + 128, h->owner, 20);
	memcpy(b + 148, h->dataset_id, 32);
	memcpy(b + 180, h->ephemeral_pubkey, 33);
	memcpy(b + 213, h->wrapped_key, 48);
	c2d_schema_encode(&h->schema, b + C2D_SEAL_FIXED_LEN);
	*out = b;
	*len = n;
	return C2D_OK;
}

void c2d_sealhdr_set_counts(uint8_t *buf, uint64_t total_len, uint64_t row_count)
{
	c2d_put_le64(buf + 16, total_len);
	c2d_put_le64(buf + 24, row_count);
}

void c2d_sealhdr_digest(const uint8_t *buf, size_t len, uint8_t out[32])
{
	static const uint8_t zeros[16];
	br_sha256_context c;
	br_sha256_init(&c);
	br_sha256_update(&c, buf, 16);
	br_sha256_update(&c, zeros, 16);
	br_sha256_update(&c, buf + 32, len - 32);
	br_sha256_out(&c, out);
}

void c2d_sealhdr_free(struct c2d_seal_header *h)
{
	c2d_schema_free(&h->schema);
}
