/* STREAM over AES-256-GCM: see c2d/stream.h. */
#include "c2d/stream.h"

#include <string.h>

void c2d_stream_nonce(const uint8_t prefix[7], uint64_t i, int last, uint8_t nonce[12])
{
	memcpy(nonce, prefix, 7);
	nonce[7] = (uint8_t)(i >> 24);
	nonce[8] = (uint8_t)(i >> 16);
	nonce[9] = (uint8_t)(i >> 8);
	nonce[10] = (uint8_t)i;
	nonce[11] = last ? 1 : 0;
}

c2d_status c2d_stream_init(struct c2d_stream *s, const uint8_t key[32], const uint8_t prefix[7],
			  const uint8_t aad[32], enum c2d_gcm_impl impl, struct c2d_err *err)
{
	memset(s, 0, sizeof(*s));
	c2d_status r = c2d_gcm_init(&s->gcm, key, impl, err);
	if (r < 0)
		return r;
	memcpy(s->prefix, prefix, 7);
	memcpy(s->aad, aad, 32);
	return C2D_OK;
}

static int next_nonce(struct c2d_stream *s, int last, uint8_t nonce[12], struct c2d_err *err)
{
	if (s->finished)
		return c2d_fail(err, C2D_E_INPUT, "data after the final chunk");
	/* The counter is 32 bits: 2^32 chunks of at least 4 KiB is 16 TiB. */
	if (s->next > UINT32_MAX)
		return c2d_fail(err, C2D_E_INPUT, "more than 2^32 chunks");
	c2d_stream_nonce(s->prefix, s->next, last, nonce);
	return C2D_OK;
}

c2d_status c2d_stream_seal(struct c2d_stream *s, void *buf, size_t len, int last,
			   uint8_t tag[C2D_GCM_TAG_LEN], struct c2d_err *err)
{
	uint8_t nonce[12];
	int r = next_nonce(s, last, nonce, err);
	if (r < 0)
		return r;
	c2d_gcm_seal(&s->gcm, nonce, s->aad, sizeof(s->aad), buf, len, tag);
	s->next++;
	s->finished = last != 0;
	return C2D_OK;
}

c2d_status c2d_stream_open(struct c2d_stream *s, void *buf, size_t len, int last,
			   const uint8_t tag[C2D_GCM_TAG_LEN], struct c2d_err *err)
{
	uint8_t nonce[12];
	int r = next_nonce(s, last, nonce, err);
	if (r < 0)
		return r;
	if (c2d_gcm_open(&s->gcm, nonce, s->aad, sizeof(s->aad), buf, len, tag, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"chunk %llu does not authenticate (tampered, reordered, truncated or from another file)",
				(unsigned long long)s->next);
	s->next++;
	s->finished = last != 0;
	return C2D_OK;
}

void c2d_stream_wipe(struct c2d_stream *s)
{
	explicit_bzero(s, sizeof(s[0]));
}
