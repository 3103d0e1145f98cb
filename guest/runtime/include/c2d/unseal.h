/*
 * c2d/unseal.h: reading a sealed dataset with its dataset key, streaming,
 * in constant memory (one chunk and one row group at a time).
 *
 * Used in the CVM (from a raw virtio disk) and by host tests. The header is
 * read first (c2d_unseal_header) so that the key can be obtained for it;
 * then c2d_unseal_body decrypts every chunk in order and hands each checked
 * row group to the caller's callback.
 *
 * Failing closed is the caller's part too: row groups are delivered as soon
 * as their chunks authenticate, but the file as a whole is authentic only
 * when c2d_unseal_body returns C2D_OK (a truncation is detected at the
 * end). A caller must keep what it received private until then and discard
 * it on failure. Buffers holding plaintext are wiped before they are freed.
 *
 * Errors name the file (name) and say what failed: C2D_E_REFUSED for an
 * authentication failure, C2D_E_INPUT for a malformed file, C2D_E_IO for a
 * read error.
 *
 * Prefix: c2d_unseal_
 */
#ifndef C2D_UNSEAL_H
#define C2D_UNSEAL_H

#include <stdint.h>

#include "c2d/aead.h"
#include "c2d/err.h"
#include "c2d/rowgroup.h"
#include "c2d/sealfmt.h"

/* Called once per row group; a negative return aborts the read with that
 * status (the callback fills err). */
typedef int (*c2d_rows_fn)(void *arg, const struct c2d_schema *s, uint32_t nrows,
			   const struct c2d_rg_col *cols, struct c2d_err *err);

/* The plaintext parser on its own (exposed for fuzzing and for readers that
 * get plaintext some other way): feed it the decrypted stream in pieces of
 * any size, then finish. */
struct c2d_plain {
	const struct c2d_schema *s;
	c2d_rows_fn fn;
	void *arg;
	uint8_t *buf;          /* assembly buffer for the current item */
	size_t cap;
	size_t have, need;     /* bytes in buf, bytes wanted for the current item */
	int in_body;           /* 0: reading an 8-byte group header */
	uint32_t nrows;
	int ended;             /* the end record was read */
	uint64_t rows, end_rows;
	struct c2d_rg_col *cols;
};

C2D_MUST_CHECK c2d_status c2d_unseal_plain_init(struct c2d_plain *p, const struct c2d_schema *s,
					 c2d_rows_fn fn, void *arg, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_unseal_plain_feed(struct c2d_plain *p, const uint8_t *data, size_t len,
					 struct c2d_err *err);
/* Checks the end record was seen and its count matches the rows delivered
 * and row_count (the header's). */
C2D_MUST_CHECK c2d_status c2d_unseal_plain_finish(struct c2d_plain *p, uint64_t row_count,
					   struct c2d_err *err);
/* Wipes and frees the buffers. */
void c2d_unseal_plain_free(struct c2d_plain *p);

/* Reads and parses the header from the start of fd. *raw receives the
 * header bytes (malloc'd; the caller frees them). */
C2D_MUST_CHECK c2d_status c2d_unseal_header(int fd, const char *name, struct c2d_seal_header *h,
					    uint8_t **raw, struct c2d_err *err);

/* Reads the rest of fd (positioned just after the header). With strict,
 * the file must end exactly at total_len (a regular file); without, bytes
 * after total_len are ignored (a disk rounded up to its sector size). */
C2D_MUST_CHECK c2d_status c2d_unseal_body(int fd, const char *name, const struct c2d_seal_header *h,
					  const uint8_t *raw, const uint8_t key[32],
					  enum c2d_gcm_impl impl, int strict, c2d_rows_fn fn,
					  void *arg, struct c2d_err *err);

#endif
