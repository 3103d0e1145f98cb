/* A deterministic ChaCha20 source for tests and benchmarks: see chacha_src.h. */
#include "chacha_src.h"

#include <string.h>

static int chacha_fill(void *ctx, uint8_t *out, size_t len, struct c2d_err *err)
{
	(void)err;
	struct chacha_src *c = ctx;
	c->calls++;
	while (len > 0) {
		if (c->pos == sizeof(c->buf)) {
			static const uint8_t iv[12];
			memset(c->buf, 0, sizeof(c->buf));
			c->counter = c->run(c->key, iv, c->counter, c->buf, sizeof(c->buf));
			c->pos = 0;
		}
		size_t n = sizeof(c->buf) - c->pos;
		if (n > len)
			n = len;
		memcpy(out, c->buf + c->pos, n);
		c->pos += n;
		out += n;
		len -= n;
		c->bytes += n;
	}
	return C2D_OK;
}

struct c2d_rng chacha_src_rng(struct chacha_src *c, const uint8_t key[32])
{
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, 32);
	c->pos = sizeof(c->buf);
	c->run = br_chacha20_sse2_get();
	if (c->run == 0)
		c->run = br_chacha20_ct_run;
	return (struct c2d_rng){ chacha_fill, c };
}
