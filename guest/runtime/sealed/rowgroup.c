/* Row groups: see c2d/rowgroup.h. */
#include "c2d/rowgroup.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t bitmap_len(uint32_t n)
{
	return pad8(((size_t)n + 7) / 8);
}

static size_t values_len(uint8_t type, uint32_t n)
{
	if (type == C2D_T_BOOL)
		return bitmap_len(n);
	return pad8(c2d_schema_type_width(type) * n);
}

size_t c2d_rg_body_len(const struct c2d_schema *s, uint32_t n)
{
	size_t len = 0;
	for (uint32_t i = 0; i < s->ncols; i++) {
		if (s->cols[i].flags & C2D_COL_NULLABLE)
			len += bitmap_len(n);
		len += values_len(s->cols[i].type, n);
	}
	return len;
}

uint32_t c2d_rg_rows_per_group(const struct c2d_schema *s)
{
	/* Upper bound of bytes per row: 8 per column, plus a bit per bitmap. */
	size_t per_row = 0;
	for (uint32_t i = 0; i < s->ncols; i++)
		per_row += c2d_schema_type_width(s->cols[i].type) + 1;
	size_t rows = (8u << 20) / (per_row ? per_row : 1);
	if (rows > 65536)
		rows = 65536;
	if (rows < 8)
		rows = 8;
	return (uint32_t)rows;
}

static int zero_tail(const uint8_t *p, size_t from, size_t to)
{
	uint8_t acc = 0;
	for (size_t i = from; i < to; i++)
		acc |= p[i];
	return acc == 0;
}

/* A bitmap's unused bits and padding are zero. */
static int bitmap_clean(const uint8_t *bm, uint32_t n)
{
	if ((n & 7) && (bm[n >> 3] >> (n & 7)) != 0)
		return 0;
	return zero_tail(bm, ((size_t)n + 7) / 8, bitmap_len(n));
}

static inline unsigned present_bit(const uint8_t *valid, uint32_t i)
{
	return valid == NULL || ((valid[i >> 3] >> (i & 7)) & 1);
}

/* The whole group at once, without naming anything: 1 when every value is
 * as check_values() wants it. Straight-line per type, so that the compiler
 * can vectorise it; only when it says no does check_values() run, to find
 * and name the row. It must never say yes where check_values() says no:
 * the comparisons are the same ones (a NaN or an infinity fails the range
 * test of a float, whose default range is the finite doubles). */
static int values_ok_fast(const struct c2d_column *c, uint32_t n, const uint8_t *valid,
			  const uint8_t *d)
{
	unsigned bad = 0;
	switch (c->type) {
	case C2D_T_INT64: {
		int64_t lo = (c->flags & C2D_COL_HAS_MIN) ? c->min.i : INT64_MIN;
		int64_t hi = (c->flags & C2D_COL_HAS_MAX) ? c->max.i : INT64_MAX;
		for (uint32_t i = 0; i < n; i++) {
			int64_t v = (int64_t)c2d_get_le64(d + 8 * (size_t)i);
			unsigned p = present_bit(valid, i);
			bad |= (p & ((v < lo) | (v > hi))) | (!p & (v != 0));
		}
		break;
	}
	case C2D_T_DATE: {
		int64_t lo = (c->flags & C2D_COL_HAS_MIN) ? c->min.i : INT64_MIN;
		int64_t hi = (c->flags & C2D_COL_HAS_MAX) ? c->max.i : INT64_MAX;
		for (uint32_t i = 0; i < n; i++) {
			int64_t v = (int32_t)c2d_get_le32(d + 4 * (size_t)i);
			unsigned p = present_bit(valid, i);
			bad |= (p & ((v < lo) | (v > hi))) | (!p & (v != 0));
		}
		break;
	}
	case C2D_T_FLOAT64: {
		double lo = (c->flags & C2D_COL_HAS_MIN) ? c->min.f : -DBL_MAX;
		double hi = (c->flags & C2D_COL_HAS_MAX) ? c->max.f : DBL_MAX;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t bits = c2d_get_le64(d + 8 * (size_t)i);
			double v;
			memcpy(&v, &bits, sizeof(v));
			unsigned p = present_bit(valid, i);
			bad |= (p & !(v >= lo && v <= hi)) | (!p & (bits != 0));
		}
		break;
	}
	case C2D_T_CATEGORY:
		for (uint32_t i = 0; i < n; i++) {
			unsigned k = c2d_get_le16(d + 2 * (size_t)i);
			unsigned p = present_bit(valid, i);
			bad |= (p & (k >= c->ncats)) | (!p & (k != 0));
		}
		break;
	case C2D_T_BOOL:
		for (uint32_t i = 0; i < n; i++)
			bad |= (present_bit(valid, i) ^ 1u) & ((d[i >> 3] >> (i & 7)) & 1u);
		break;
	default:
		return 0;
	}
	return bad == 0;
}

static int check_values(const struct c2d_column *c, uint32_t n, const uint8_t *valid,
			const uint8_t *d, uint32_t *bad_row, const char **why)
{
	for (uint32_t i = 0; i < n; i++) {
		int present = valid == NULL || ((valid[i >> 3] >> (i & 7)) & 1);
		int64_t iv = 0;
		double fv = 0;
		int nonzero = 0;
		switch (c->type) {
		case C2D_T_INT64:
			iv = (int64_t)c2d_get_le64(d + 8 * (size_t)i);
			nonzero = iv != 0;
			break;
		case C2D_T_DATE:
			iv = (int32_t)c2d_get_le32(d + 4 * (size_t)i);
			nonzero = iv != 0;
			break;
		case C2D_T_FLOAT64: {
			uint64_t bits = c2d_get_le64(d + 8 * (size_t)i);
			memcpy(&fv, &bits, 8);
			nonzero = bits != 0;
			if (present && !isfinite(fv)) {
				*bad_row = i;
				*why = "a value is not finite";
				return 0;
			}
			break;
		}
		case C2D_T_CATEGORY: {
			uint16_t k = c2d_get_le16(d + 2 * (size_t)i);
			nonzero = k != 0;
			if (present && k >= c->ncats) {
				*bad_row = i;
				*why = "a category index is out of range";
				return 0;
			}
			break;
		}
		case C2D_T_BOOL:
			nonzero = (d[i >> 3] >> (i & 7)) & 1;
			break;
		}
		if (!present) {
			if (nonzero) {
				*bad_row = i;
				*why = "a missing value is not stored as zero";
				return 0;
			}
			continue;
		}
		if (c2d_schema_bound_check(c, iv, fv) != 0) {
			*bad_row = i;
			*why = "a value is outside the schema's bounds";
			return 0;
		}
	}
	return 1;
}

c2d_status c2d_rg_decode(const struct c2d_schema *s, uint32_t nrows, const uint8_t *body,
			 size_t len, struct c2d_rg_col *cols, struct c2d_err *err)
{
	return c2d_rg_decode_some(s, nrows, body, len, NULL, cols, err);
}

c2d_status c2d_rg_decode_some(const struct c2d_schema *s, uint32_t nrows, const uint8_t *body,
			      size_t len, const uint8_t *check, struct c2d_rg_col *cols,
			      struct c2d_err *err)
{
	if (nrows == 0 || nrows > C2D_RG_MAX_ROWS)
		return c2d_fail(err, C2D_E_INPUT, "row group of %u rows", nrows);
	size_t want = c2d_rg_body_len(s, nrows);
	if (len != want)
		return c2d_fail(err, C2D_E_INPUT, "row group body is %zu bytes, %u rows need %zu",
				len, nrows, want);
	size_t off = 0;
	for (uint32_t i = 0; i < s->ncols; i++) {
		const struct c2d_column *c = &s->cols[i];
		cols[i].valid = NULL;
		if (c->flags & C2D_COL_NULLABLE) {
			cols[i].valid = body + off;
			if (!bitmap_clean(cols[i].valid, nrows))
				return c2d_fail(err, C2D_E_INPUT, "column '%s': validity bitmap padding is not zero",
						c->name);
			off += bitmap_len(nrows);
		}
		cols[i].data = body + off;
		size_t vl = values_len(c->type, nrows);
		size_t used = c->type == C2D_T_BOOL ? ((size_t)nrows + 7) / 8
						    : c2d_schema_type_width(c->type) * nrows;
		if (c->type == C2D_T_BOOL ? !bitmap_clean(cols[i].data, nrows)
					  : !zero_tail(cols[i].data, used, vl))
			return c2d_fail(err, C2D_E_INPUT, "column '%s': padding is not zero", c->name);
		uint32_t row;
		const char *why;
		if ((check == NULL || check[i]) &&
		    !values_ok_fast(c, nrows, cols[i].valid, cols[i].data) &&
		    !check_values(c, nrows, cols[i].valid, cols[i].data, &row, &why))
			return c2d_fail(err, C2D_E_INPUT, "column '%s', row %u of its group: %s",
					c->name, row, why);
		off += vl;
	}
	return C2D_OK;
}

c2d_status c2d_rg_builder_init(struct c2d_rg_builder *b, const struct c2d_schema *s,
			       uint32_t cap, struct c2d_err *err)
{
	memset(b, 0, sizeof(*b));
	if (cap == 0 || cap > C2D_RG_MAX_ROWS)
		return c2d_fail(err, C2D_E_INTERNAL, "row group capacity %u", cap);
	b->s = s;
	b->cap = cap;
	b->body = calloc(1, c2d_rg_body_len(s, cap));
	b->off_valid = calloc(s->ncols, sizeof(size_t));
	b->off_data = calloc(s->ncols, sizeof(size_t));
	if (b->body == NULL || b->off_valid == NULL || b->off_data == NULL) {
		c2d_rg_builder_free(b);
		return c2d_fail(err, C2D_E_NOMEM, "row group: out of memory");
	}
	/* Columns laid out at full capacity; c2d_rg_flush() compacts. */
	size_t off = 0;
	for (uint32_t i = 0; i < s->ncols; i++) {
		if (s->cols[i].flags & C2D_COL_NULLABLE) {
			b->off_valid[i] = off;
			off += bitmap_len(cap);
		}
		b->off_data[i] = off;
		off += values_len(s->cols[i].type, cap);
	}
	return C2D_OK;
}

void c2d_rg_builder_free(struct c2d_rg_builder *b)
{
	if (b->body != NULL)
		explicit_bzero(b->body, c2d_rg_body_len(b->s, b->cap));
	free(b->body);
	free(b->off_valid);
	free(b->off_data);
	memset(b, 0, sizeof(*b));
}

static void set_present(struct c2d_rg_builder *b, uint32_t col)
{
	if (b->s->cols[col].flags & C2D_COL_NULLABLE)
		b->body[b->off_valid[col] + (b->n >> 3)] |= (uint8_t)(1u << (b->n & 7));
}

void c2d_rg_set_i64(struct c2d_rg_builder *b, uint32_t col, int64_t v)
{
	c2d_put_le64(b->body + b->off_data[col] + 8 * (size_t)b->n, (uint64_t)v);
	set_present(b, col);
}

void c2d_rg_set_f64(struct c2d_rg_builder *b, uint32_t col, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, 8);
	c2d_put_le64(b->body + b->off_data[col] + 8 * (size_t)b->n, bits);
	set_present(b, col);
}

void c2d_rg_set_bool(struct c2d_rg_builder *b, uint32_t col, int v)
{
	if (v)
		b->body[b->off_data[col] + (b->n >> 3)] |= (uint8_t)(1u << (b->n & 7));
	set_present(b, col);
}

void c2d_rg_set_cat(struct c2d_rg_builder *b, uint32_t col, uint16_t v)
{
	c2d_put_le16(b->body + b->off_data[col] + 2 * (size_t)b->n, v);
	set_present(b, col);
}

void c2d_rg_set_date(struct c2d_rg_builder *b, uint32_t col, int32_t v)
{
	c2d_put_le32(b->body + b->off_data[col] + 4 * (size_t)b->n, (uint32_t)v);
	set_present(b, col);
}

void c2d_rg_set_null(struct c2d_rg_builder *b, uint32_t col)
{
	/* The slot is still zero from the last flush: nothing to write. */
	(void)b;
	(void)col;
}

int c2d_rg_end_row(struct c2d_rg_builder *b)
{
	b->n++;
	return b->n == b->cap;
}

/* One column's parts (bitmap, values) of n rows; returns the bytes. */
static size_t encode_col(const struct c2d_column *c, uint32_t n, const struct c2d_rg_col *col,
			 uint8_t *out)
{
	size_t off = 0;
	if (c->flags & C2D_COL_NULLABLE) {
		off = bitmap_len(n);
		memcpy(out, col->valid, off);
	}
	size_t l = values_len(c->type, n);
	memcpy(out + off, col->data, l);
	return off + l;
}

size_t c2d_rg_encode(const struct c2d_schema *s, uint32_t n, const struct c2d_rg_col *cols,
		     uint8_t *out)
{
	size_t off = C2D_RG_HEADER_LEN;
	for (uint32_t i = 0; i < s->ncols; i++)
		off += encode_col(&s->cols[i], n, &cols[i], out + off);
	c2d_put_le32(out, n);
	c2d_put_le32(out + 4, (uint32_t)(off - C2D_RG_HEADER_LEN));
	return off;
}

size_t c2d_rg_flush(struct c2d_rg_builder *b, uint8_t *out)
{
	const struct c2d_schema *s = b->s;
	size_t off = C2D_RG_HEADER_LEN;
	/* The builder's columns are laid out at full capacity; the leading
	 * bytes of each are the compacted group's. */
	for (uint32_t i = 0; i < s->ncols; i++) {
		struct c2d_rg_col c = { NULL, b->body + b->off_data[i] };
		if (s->cols[i].flags & C2D_COL_NULLABLE)
			c.valid = b->body + b->off_valid[i];
		off += encode_col(&s->cols[i], b->n, &c, out + off);
	}
	c2d_put_le32(out, b->n);
	c2d_put_le32(out + 4, (uint32_t)(off - C2D_RG_HEADER_LEN));
	/* Zero what was used, so missing values and padding are zero next time. */
	memset(b->body, 0, c2d_rg_body_len(s, b->cap));
	b->n = 0;
	return off;
}

void c2d_rg_end_record(uint64_t row_count, uint8_t out[C2D_RG_END_LEN])
{
	c2d_put_le32(out, 0);
	c2d_put_le32(out + 4, 8);
	c2d_put_le64(out + 8, row_count);
}
