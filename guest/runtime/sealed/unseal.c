/* Streaming decryption of sealed datasets: see c2d/unseal.h. */
#include "c2d/unseal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c2d/bytes.h"
#include "c2d/stream.h"

/* Reads exactly len bytes; returns the count read (short only at EOF). */
static ssize_t read_full(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

c2d_status c2d_unseal_header(int fd, const char *name, struct c2d_seal_header *h,
			     uint8_t **raw, struct c2d_err *err)
{
	uint8_t prefix[C2D_SEAL_PREFIX_LEN];
	uint32_t hl;
	uint64_t tl;
	ssize_t n = read_full(fd, prefix, sizeof(prefix));
	if (n < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: read failed", name);
	if ((size_t)n < sizeof(prefix))
		return c2d_fail(err, C2D_E_INPUT, "%s: too short for a sealed file (%zd bytes)", name, n);
	int r = c2d_sealhdr_peek(prefix, &hl, &tl, err);
	if (r < 0) {
		c2d_err_prefix(err, "%s", name);
		return r;
	}
	uint8_t *b = malloc(hl);
	if (b == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", name);
	memcpy(b, prefix, sizeof(prefix));
	n = read_full(fd, b + sizeof(prefix), hl - sizeof(prefix));
	if (n < 0 || (size_t)n != hl - sizeof(prefix)) {
		free(b);
		if (n < 0)
			return c2d_fail_errno(err, C2D_E_IO, "%s: read failed", name);
		return c2d_fail(err, C2D_E_INPUT, "%s: header truncated", name);
	}
	if ((r = c2d_sealhdr_parse(b, hl, h, err)) < 0) {
		free(b);
		c2d_err_prefix(err, "%s", name);
		return r;
	}
	*raw = b;
	return C2D_OK;
}

/* The plaintext parser: row groups may straddle chunks, so bytes are
 * assembled in p->buf until a whole item (group header, body, end record)
 * is there. */
c2d_status c2d_unseal_plain_init(struct c2d_plain *p, const struct c2d_schema *s, c2d_rows_fn fn,
			  void *arg, struct c2d_err *err)
{
	*p = (struct c2d_plain){ .s = s, .fn = fn, .arg = arg, .need = C2D_RG_HEADER_LEN,
				 .cap = 4096 };
	p->buf = malloc(p->cap);
	p->cols = calloc(s->ncols, sizeof(*p->cols));
	if (p->buf == NULL || p->cols == NULL) {
		c2d_unseal_plain_free(p);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	return C2D_OK;
}

void c2d_unseal_plain_free(struct c2d_plain *p)
{
	if (p->buf != NULL)
		explicit_bzero(p->buf, p->cap);
	free(p->buf);
	free(p->cols);
	p->buf = NULL;
	p->cols = NULL;
}

static int item_done(struct c2d_plain *b, struct c2d_err *err)
{
	if (!b->in_body) {
		uint32_t nrows = c2d_get_le32(b->buf), len = c2d_get_le32(b->buf + 4);
		if (nrows == 0) {
			if (len != 8)
				return c2d_fail(err, C2D_E_INPUT, "end record of %u bytes", len);
		} else {
			if (nrows > C2D_RG_MAX_ROWS)
				return c2d_fail(err, C2D_E_INPUT, "row group of %u rows", nrows);
			size_t want = c2d_rg_body_len(b->s, nrows);
			if (len != want || want > C2D_RG_MAX_BODY)
				return c2d_fail(err, C2D_E_INPUT,
						"row group of %u rows declares %u bytes, needs %zu",
						nrows, len, want);
		}
		if (len > b->cap) {
			uint8_t *nb = malloc(len);
			if (nb == NULL)
				return c2d_fail(err, C2D_E_NOMEM, "out of memory");
			explicit_bzero(b->buf, b->cap);
			free(b->buf);
			b->buf = nb;
			b->cap = len;
		}
		b->nrows = nrows;
		b->in_body = 1;
		b->have = 0;
		b->need = len;
		return C2D_OK;
	}
	if (b->nrows == 0) {
		b->end_rows = c2d_get_le64(b->buf);
		b->ended = 1;
	} else {
		int r = c2d_rg_decode(b->s, b->nrows, b->buf, b->need, b->cols, err);
		if (r < 0)
			return r;
		if ((r = b->fn(b->arg, b->s, b->nrows, b->cols, err)) < 0)
			return r;
		b->rows += b->nrows;
	}
	b->in_body = 0;
	b->have = 0;
	b->need = C2D_RG_HEADER_LEN;
	return C2D_OK;
}

c2d_status c2d_unseal_plain_feed(struct c2d_plain *p, const uint8_t *data, size_t len, struct c2d_err *err)
{
	while (len > 0) {
		if (p->ended)
			return c2d_fail(err, C2D_E_INPUT, "data after the end record");
		size_t take = p->need - p->have;
		if (take > len)
			take = len;
		memcpy(p->buf + p->have, data, take);
		p->have += take;
		data += take;
		len -= take;
		if (p->have == p->need) {
			int r = item_done(p, err);
			if (r < 0)
				return r;
		}
	}
	return C2D_OK;
}

c2d_status c2d_unseal_plain_finish(struct c2d_plain *p, uint64_t row_count, struct c2d_err *err)
{
	if (!p->ended)
		return c2d_fail(err, C2D_E_INPUT, "the plaintext has no end record");
	if (p->end_rows != p->rows || row_count != p->rows)
		return c2d_fail(err, C2D_E_INPUT,
				"row count mismatch: header says %llu, end record %llu, found %llu",
				(unsigned long long)row_count, (unsigned long long)p->end_rows,
				(unsigned long long)p->rows);
	return C2D_OK;
}

c2d_status c2d_unseal_body(int fd, const char *name, const struct c2d_seal_header *h,
			   const uint8_t *raw, const uint8_t key[32], enum c2d_gcm_impl impl,
			   int strict, c2d_rows_fn fn, void *arg, struct c2d_err *err)
{
	uint64_t data = h->total_len - h->header_len;
	uint64_t full = (uint64_t)h->chunk_size + C2D_SEAL_TAG_LEN;
	uint64_t nchunks = data / full, rem = data % full;
	if (rem != 0) {
		if (rem <= C2D_SEAL_TAG_LEN)
			return c2d_fail(err, C2D_E_INPUT,
					"%s: total length leaves a final chunk of %llu bytes, too short for its tag",
					name, (unsigned long long)rem);
		nchunks++;
	}

	uint8_t digest[32];
	c2d_sealhdr_digest(raw, h->header_len, digest);
	struct c2d_stream st;
	if (c2d_stream_init(&st, key, h->nonce_prefix, digest, impl, err) < 0)
		return c2d_fail(err, C2D_E_INTERNAL, "AES-GCM implementation not available");

	struct c2d_plain b;
	uint8_t *chunk = malloc(full);
	int r = c2d_unseal_plain_init(&b, &h->schema, fn, arg, err);
	if (r == C2D_OK && chunk == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", name);

	for (uint64_t i = 0; r == C2D_OK && i < nchunks; i++) {
		int last = i + 1 == nchunks;
		size_t len = last && rem ? (size_t)rem : (size_t)full;
		ssize_t n = read_full(fd, chunk, len);
		if (n < 0) {
			r = c2d_fail_errno(err, C2D_E_IO, "%s: read failed", name);
			break;
		}
		if ((size_t)n != len) {
			r = c2d_fail(err, C2D_E_INPUT,
				     "%s: truncated: chunk %llu ends at byte %llu of %llu",
				     name, (unsigned long long)i,
				     (unsigned long long)(h->header_len + i * full + (uint64_t)n),
				     (unsigned long long)h->total_len);
			break;
		}
		size_t pt = len - C2D_SEAL_TAG_LEN;
		if ((r = c2d_stream_open(&st, chunk, pt, last, chunk + pt, err)) < 0) {
			c2d_err_prefix(err, "%s", name);
			break;
		}
		if ((r = c2d_unseal_plain_feed(&b, chunk, pt, err)) < 0) {
			c2d_err_prefix(err, "%s: chunk %llu", name, (unsigned long long)i);
			break;
		}
	}
	if (r == C2D_OK && (r = c2d_unseal_plain_finish(&b, h->row_count, err)) < 0)
		c2d_err_prefix(err, "%s", name);
	if (r == C2D_OK && strict) {
		uint8_t extra;
		ssize_t n = read_full(fd, &extra, 1);
		if (n != 0)
			r = c2d_fail(err, C2D_E_INPUT, "%s: data after total length %llu", name,
				     (unsigned long long)h->total_len);
	}
	if (chunk != NULL)
		explicit_bzero(chunk, full);
	free(chunk);
	c2d_unseal_plain_free(&b);
	c2d_stream_wipe(&st);
	return r;
}
