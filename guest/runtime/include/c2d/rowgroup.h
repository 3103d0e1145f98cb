/*
 * c2d/rowgroup.h: the typed columnar layout of a sealed table's plaintext.
 *
 * The plaintext of a sealed file is a sequence of row groups and an end
 * record (little-endian):
 *   row group:  u32 nrows (1..C2D_RG_MAX_ROWS), u32 body_len, body
 *   end record: u32 0, u32 8, u64 row_count (the sum of all nrows)
 * A body holds each column in schema order, every part padded with zeros
 * to a multiple of 8 bytes (so the CVM can use the arrays in place):
 *   nullable columns: a validity bitmap, ceil(n/8) bytes, bit i (LSB first)
 *                     set when row i has a value
 *   values: int64 and float64 n x 8 bytes, date n x 4 (int32 days since
 *           1970-01-01), category n x 2 (uint16 index into the schema's
 *           labels), bool a bitmap of ceil(n/8) bytes
 * A missing value is stored as zero (false, label 0). Unused bits of a
 * bitmap are zero.
 *
 * The decoder checks everything the sealer promised, since only the owner's
 * sealer could have produced authenticated bytes but defence in depth costs
 * one pass: exact body length, zero padding and unused bits, zeros under
 * missing values, category indices in range, finite floats, bounds.
 * Not constant-time: this is data the analysis reads anyway.
 *
 * Prefix: c2d_rg_
 */
#ifndef C2D_ROWGROUP_H
#define C2D_ROWGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/schema.h"

#define C2D_RG_MAX_ROWS (1u << 20)
#define C2D_RG_MAX_BODY (64u << 20)
#define C2D_RG_HEADER_LEN 8
#define C2D_RG_END_LEN 16

/* One column of a decoded row group: pointers into the body. */
struct c2d_rg_col {
	const uint8_t *valid;   /* NULL when the column is not nullable */
	const uint8_t *data;    /* values as described above, 8-byte aligned
				   relative to the body */
};

/* Body length of n rows of schema s. */
size_t c2d_rg_body_len(const struct c2d_schema *s, uint32_t n);

/* Rows per group the sealer uses: as many as fit in about 8 MiB, at most
 * 65536, at least 1. */
uint32_t c2d_rg_rows_per_group(const struct c2d_schema *s);

/* Checks and maps a body. cols has s->ncols entries. */
C2D_MUST_CHECK c2d_status c2d_rg_decode(const struct c2d_schema *s, uint32_t nrows,
					const uint8_t *body, size_t len, struct c2d_rg_col *cols,
					struct c2d_err *err);

/* Like c2d_rg_decode, but checks the values of column i only where
 * check[i] is non-zero (the layout of every column is still checked): for
 * a reader that uses some columns of rows whose every column another
 * decoder has already checked. The unchecked columns' pointers are set but
 * must not be read. check == NULL checks every column. */
C2D_MUST_CHECK c2d_status c2d_rg_decode_some(const struct c2d_schema *s, uint32_t nrows,
					     const uint8_t *body, size_t len, const uint8_t *check,
					     struct c2d_rg_col *cols, struct c2d_err *err);

/* Building row groups (the sealer). Values are set per row and column; a
 * row is complete when every column got a value or a null. */
struct c2d_rg_builder {
	const struct c2d_schema *s;
	uint32_t cap;         /* rows per group */
	uint32_t n;           /* rows in the current group */
	uint8_t *body;        /* c2d_rg_body_len(s, cap) bytes */
	size_t *off_valid;    /* per column: offset of the bitmap in body */
	size_t *off_data;     /* per column: offset of the values */
};

C2D_MUST_CHECK c2d_status c2d_rg_builder_init(struct c2d_rg_builder *b, const struct c2d_schema *s,
					      uint32_t cap, struct c2d_err *err);
void c2d_rg_builder_free(struct c2d_rg_builder *b);

/* Setters for row b->n. */
void c2d_rg_set_i64(struct c2d_rg_builder *b, uint32_t col, int64_t v);
void c2d_rg_set_f64(struct c2d_rg_builder *b, uint32_t col, double v);
void c2d_rg_set_bool(struct c2d_rg_builder *b, uint32_t col, int v);
void c2d_rg_set_cat(struct c2d_rg_builder *b, uint32_t col, uint16_t v);
void c2d_rg_set_date(struct c2d_rg_builder *b, uint32_t col, int32_t v);
void c2d_rg_set_null(struct c2d_rg_builder *b, uint32_t col);

/* Ends the row; returns 1 when the group is full. */
int c2d_rg_end_row(struct c2d_rg_builder *b);

/* Compacts the current group (b->n rows) into out, which has room for
 * C2D_RG_HEADER_LEN + c2d_rg_body_len(s, b->n) bytes, writes the group
 * header, and starts a new group. Returns the bytes written. */
size_t c2d_rg_flush(struct c2d_rg_builder *b, uint8_t *out);

/* The group header and body of n rows that c2d_rg_decode() checked (its
 * inverse): out has C2D_RG_HEADER_LEN + c2d_rg_body_len(s, n) bytes.
 * Returns the bytes written. Used to hand delivered groups on unchanged. */
size_t c2d_rg_encode(const struct c2d_schema *s, uint32_t n, const struct c2d_rg_col *cols,
		     uint8_t *out);

/* The end record. */
void c2d_rg_end_record(uint64_t row_count, uint8_t out[C2D_RG_END_LEN]);

/* Accessors for decoded columns. */
static inline int c2d_rg_present(const struct c2d_rg_col *c, uint32_t i)
{
	return c->valid == NULL || ((c->valid[i >> 3] >> (i & 7)) & 1);
}

#endif
