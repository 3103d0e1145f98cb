/* The compose-hash: see c2d/compose.h. */
#include "c2d/compose.h"

#include <inttypes.h>
#include <stdio.h>

size_t c2d_compose_doc(const struct c2d_digests *kernel,
		       const struct c2d_digests *cmdline,
		       const struct c2d_digests *initrd,
		       char doc[C2D_COMPOSE_DOC_MAX])
{
	char k[65], c[65], i[65];
	c2d_hex(kernel->sha256, 32, k);
	c2d_hex(cmdline->sha256, 32, c);
	c2d_hex(initrd->sha256, 32, i);
	int n = snprintf(doc, C2D_COMPOSE_DOC_MAX,
			 "c2d-compose-v1\n"
			 "kernel sha256:%s %" PRIu64 "\n"
			 "cmdline sha256:%s %" PRIu64 "\n"
			 "initrd sha256:%s %" PRIu64 "\n",
			 k, kernel->size, c, cmdline->size, i, initrd->size);
	/* 15 + 3 * (15 + 64 + 20) < C2D_COMPOSE_DOC_MAX: never truncated. */
	return (size_t)n;
}

void c2d_compose_hash(const struct c2d_digests *kernel,
		      const struct c2d_digests *cmdline,
		      const struct c2d_digests *initrd,
		      uint8_t out[C2D_SHA256_LEN])
{
	char doc[C2D_COMPOSE_DOC_MAX];
	size_t n = c2d_compose_doc(kernel, cmdline, initrd, doc);
	c2d_digest_sha256(doc, n, out);
}
