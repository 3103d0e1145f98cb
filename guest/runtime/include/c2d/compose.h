/*
 * c2d/compose.h: the compose-hash, the one number the consortium approves.
 *
 * The compose-hash of an image is SHA-256 of its compose document, this
 * exact ASCII text (LF line ends, lowercase hex, decimal sizes):
 *
 *   c2d-compose-v1
 *   kernel sha256:<hex> <size>
 *   cmdline sha256:<hex> <size>
 *   initrd sha256:<hex> <size>
 *
 * where kernel is bzImage, cmdline the kernel command line file (its exact
 * bytes, no trailing newline), initrd the newc initramfs, each as built by
 * `make image`. Everything the CVM executes or is configured by is in one
 * of the three, so changing any byte of the image changes the hash (I2).
 * docs/compose-hash.md gives the rationale and a shell one-liner.
 *
 * Prefix: c2d_compose_
 */
#ifndef C2D_COMPOSE_H
#define C2D_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/digest.h"

/* Upper bound on the document's length, NUL included. */
#define C2D_COMPOSE_DOC_MAX 320

/* Writes the compose document into doc (NUL-terminated); returns its length. */
size_t c2d_compose_doc(const struct c2d_digests *kernel,
		       const struct c2d_digests *cmdline,
		       const struct c2d_digests *initrd,
		       char doc[C2D_COMPOSE_DOC_MAX]);

/* SHA-256 of the compose document of these three parts. */
void c2d_compose_hash(const struct c2d_digests *kernel,
		      const struct c2d_digests *cmdline,
		      const struct c2d_digests *initrd,
		      uint8_t out[C2D_SHA256_LEN]);

#endif
