/* Digests: see c2d/digest.h. */
#include "c2d/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "c2d/sha_ni.h"

/* SHA-256 through whichever class c2d_sha_ni_get_vtable() picks (SHA-NI or
 * BearSSL's portable code; the context holds either). SHA-384 is BearSSL's. */
struct both {
	c2d_sha256_context s256;
	br_sha384_context s384;
	uint64_t size;
};

static void both_init(struct both *b)
{
	c2d_sha_ni_get_vtable()->init(&b->s256.vtable);
	br_sha384_init(&b->s384);
	b->size = 0;
}

static void both_update(struct both *b, const void *data, size_t len)
{
	b->s256.vtable->update(&b->s256.vtable, data, len);
	br_sha384_update(&b->s384, data, len);
	b->size += len;
}

static void both_out(const struct both *b, struct c2d_digests *out)
{
	out->size = b->size;
	b->s256.vtable->out(&b->s256.vtable, out->sha256);
	br_sha384_out(&b->s384, out->sha384);
}

const char *c2d_digest_sha256_impl(void)
{
	return c2d_sha_ni_get_vtable() == &br_sha256_vtable ? "bearssl" : "sha-ni";
}

int c2d_digest_selftest(int fallback, struct c2d_err *err)
{
	int r = c2d_sha_ni_kat(&br_sha256_vtable, err);
	if (r < 0 || !c2d_sha_ni_cpu() || (r = c2d_sha_ni_kat(&c2d_sha_ni_vtable, err)) == C2D_OK)
		return r;
	return fallback ? 1 : r;
}

void c2d_digest_buf(const void *data, size_t len, struct c2d_digests *out)
{
	struct both b;
	both_init(&b);
	if (len > 0)
		both_update(&b, data, len);
	both_out(&b, out);
	explicit_bzero(&b, sizeof(b));
}

void c2d_digest_sha256(const void *data, size_t len, uint8_t out[C2D_SHA256_LEN])
{
	c2d_sha256_context c;
	c2d_sha_ni_get_vtable()->init(&c.vtable);
	c.vtable->update(&c.vtable, data, len);
	c.vtable->out(&c.vtable, out);
	explicit_bzero(&c, sizeof(c));
}

c2d_status c2d_digest_file(const char *path, struct c2d_digests *out,
			   struct c2d_err *err)
{
	uint8_t buf[64 * 1024];
	struct both b;
	int fd, r = C2D_OK;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", path);
	both_init(&b);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = c2d_fail_errno(err, C2D_E_IO, "%s: read failed", path);
			break;
		}
		if (n == 0)
			break;
		both_update(&b, buf, (size_t)n);
	}
	close(fd);
	if (r == C2D_OK)
		both_out(&b, out);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(&b, sizeof(b));
	return r;
}
