/*
 * c2d/rowfile.h: the rows init hands an analysis child, in one sealed
 * memfd (read-only to the child, mapped in place).
 *
 * Layout (little-endian):
 *   "C2DR" u16 version (1) u16 0 u32 schema_len
 *   schema (c2d/schema.h binary form), zeros up to a multiple of 8
 *   row groups (c2d/rowgroup.h: u32 nrows, u32 body_len, body), the rows of
 *   every owner's dataset one after the other
 *   end record (u32 0, u32 8, u64 total rows)
 * and nothing after. Since the header, the schema's padding, group headers
 * and bodies are all multiples of 8, every body starts 8-byte aligned
 * relative to the mapping, as c2d/rowgroup.h promises.
 *
 * The writer (init) emits the header and the end record; the groups are
 * either c2d_rg_flush() output or c2d_rg_encode() of groups that
 * c2d/unseal.h delivered. The reader (the child) walks the mapping without
 * copying and checks every group with c2d_rg_decode(). init built these
 * bytes from authenticated plaintext, so the checks are defence in depth:
 * a child still must not trust more than it verifies.
 *
 * Ownership: c2d_rowfile_open() decodes the schema into the reader (the
 * caller releases it with c2d_rowfile_close()); the groups point into the
 * caller's buffer. Errors: C2D_E_INPUT, naming the offset. Not
 * constant-time (data the analysis reads anyway).
 *
 * Prefix: c2d_rowfile_
 */
#ifndef C2D_ROWFILE_H
#define C2D_ROWFILE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/rowgroup.h"
#include "c2d/schema.h"

#define C2D_ROWFILE_MAGIC "C2DR"
#define C2D_ROWFILE_VERSION 1
#define C2D_ROWFILE_FIXED_LEN 12

/* Bytes before the first row group: header, schema, padding. */
size_t c2d_rowfile_header_len(const struct c2d_schema *s);
/* Writes them; out has c2d_rowfile_header_len(s) bytes. */
void c2d_rowfile_header(const struct c2d_schema *s, uint8_t *out);

struct c2d_rowfile {
	struct c2d_schema schema;   /* decoded from the header */
	const uint8_t *p;           /* the whole file */
	size_t len, off;            /* the next group's offset */
	uint64_t rows;              /* rows handed out so far */
	int ended;
	const uint8_t *check;       /* NULL, or which columns' values to check
	                             * (c2d_rg_decode_some): set by a reader that
	                             * reads only those columns */
};

/* Parses the header and schema of the len bytes at p. */
C2D_MUST_CHECK c2d_status c2d_rowfile_open(struct c2d_rowfile *f, const uint8_t *p, size_t len,
					   struct c2d_err *err);

/* The next row group: 1 with *nrows and cols (f->schema.ncols entries)
 * filled, 0 after the end record (whose count matched and after which
 * nothing followed), or a negative status. */
C2D_MUST_CHECK int c2d_rowfile_next(struct c2d_rowfile *f, uint32_t *nrows, struct c2d_rg_col *cols,
				    struct c2d_err *err);

/* The same walk in two steps, for readers that decode groups in parallel:
 * c2d_rowfile_raw() frames the next group (1, 0 after a valid end record,
 * or a negative status) without looking inside it, and
 * c2d_rowfile_decode() checks and maps one framed group (reading only f's
 * schema and check: safe to call from several threads at once). */
struct c2d_rowfile_group {
	size_t offset;          /* of the group header in the file */
	uint32_t nrows;
	const uint8_t *body;
	size_t len;
};
C2D_MUST_CHECK int c2d_rowfile_raw(struct c2d_rowfile *f, struct c2d_rowfile_group *g,
				   struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_rowfile_decode(const struct c2d_rowfile *f,
					     const struct c2d_rowfile_group *g,
					     struct c2d_rg_col *cols, struct c2d_err *err);

void c2d_rowfile_close(struct c2d_rowfile *f);

#endif
