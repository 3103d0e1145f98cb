/* The analysis child's input: see c2d/rowfile.h. */
#include "c2d/rowfile.h"

#include <string.h>

#include "c2d/bytes.h"

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

size_t c2d_rowfile_header_len(const struct c2d_schema *s)
{
	return pad8(C2D_ROWFILE_FIXED_LEN + c2d_schema_encoded_len(s));
}

void c2d_rowfile_header(const struct c2d_schema *s, uint8_t *out)
{
	size_t sl = c2d_schema_encoded_len(s), len = c2d_rowfile_header_len(s);
	memcpy(out, C2D_ROWFILE_MAGIC, 4);
	c2d_put_le16(out + 4, C2D_ROWFILE_VERSION);
	c2d_put_le16(out + 6, 0);
	c2d_put_le32(out + 8, (uint32_t)sl);
	c2d_schema_encode(s, out + C2D_ROWFILE_FIXED_LEN);
	memset(out + C2D_ROWFILE_FIXED_LEN + sl, 0, len - C2D_ROWFILE_FIXED_LEN - sl);
}

c2d_status c2d_rowfile_open(struct c2d_rowfile *f, const uint8_t *p, size_t len, struct c2d_err *err)
{
	struct c2d_reader r;
	memset(f, 0, sizeof(*f));
	c2d_reader_init(&r, p, len);
	const uint8_t *magic = c2d_read(&r, 4);
	uint16_t version = c2d_read_le16(&r), zero = c2d_read_le16(&r);
	uint32_t sl = c2d_read_le32(&r);
	if (r.bad)
		return c2d_fail(err, C2D_E_INPUT, "rows: %zu bytes, shorter than the header", len);
	if (memcmp(magic, C2D_ROWFILE_MAGIC, 4) != 0)
		return c2d_fail(err, C2D_E_INPUT, "rows: offset 0: bad magic");
	if (version != C2D_ROWFILE_VERSION || zero != 0)
		return c2d_fail(err, C2D_E_INPUT, "rows: offset 4: version %u.%u, expected %d.0",
				version, zero, C2D_ROWFILE_VERSION);
	size_t end = pad8((size_t)C2D_ROWFILE_FIXED_LEN + sl);
	if (sl > r.left || end > len)
		return c2d_fail(err, C2D_E_INPUT, "rows: offset 8: schema of %u bytes in a %zu-byte file",
				sl, len);
	struct c2d_reader sr;
	c2d_reader_init(&sr, p + C2D_ROWFILE_FIXED_LEN, sl);
	int ret = c2d_schema_decode(&sr, &f->schema, err);
	if (ret < 0) {
		c2d_err_prefix(err, "rows: schema");
		return ret;
	}
	if (sr.left != 0) {
		c2d_rowfile_close(f);
		return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: %zu bytes after the schema",
				(size_t)C2D_ROWFILE_FIXED_LEN + sl - sr.left, sr.left);
	}
	for (size_t i = C2D_ROWFILE_FIXED_LEN + sl; i < end; i++) {
		if (p[i] != 0) {
			c2d_rowfile_close(f);
			return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: padding is not zero", i);
		}
	}
	f->p = p;
	f->len = len;
	f->off = end;
	return C2D_OK;
}

int c2d_rowfile_raw(struct c2d_rowfile *f, struct c2d_rowfile_group *g, struct c2d_err *err)
{
	if (f->ended)
		return 0;
	size_t at = f->off;
	if (f->len - at < C2D_RG_HEADER_LEN)
		return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: no end record", at);
	uint32_t n = c2d_get_le32(f->p + at), bl = c2d_get_le32(f->p + at + 4);
	at += C2D_RG_HEADER_LEN;
	if (n == 0) {
		if (bl != 8 || f->len - at < 8)
			return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: bad end record", f->off);
		uint64_t total = c2d_get_le64(f->p + at);
		if (total != f->rows)
			return c2d_fail(err, C2D_E_INPUT,
					"rows: offset %zu: end record says %llu rows, found %llu", f->off,
					(unsigned long long)total, (unsigned long long)f->rows);
		if (f->len - at != 8)
			return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: bytes after the end record",
					at + 8);
		f->ended = 1;
		return 0;
	}
	if (bl > f->len - at)
		return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: group of %u bytes past the end",
				f->off, bl);
	if (n > C2D_RG_MAX_ROWS)
		return c2d_fail(err, C2D_E_INPUT, "rows: offset %zu: group of %u rows", f->off, n);
	g->offset = f->off;
	g->nrows = n;
	g->body = f->p + at;
	g->len = bl;
	f->off = at + bl;
	f->rows += n;
	return 1;
}

c2d_status c2d_rowfile_decode(const struct c2d_rowfile *f, const struct c2d_rowfile_group *g,
			      struct c2d_rg_col *cols, struct c2d_err *err)
{
	int r = c2d_rg_decode_some(&f->schema, g->nrows, g->body, g->len, f->check, cols, err);
	if (r < 0)
		c2d_err_prefix(err, "rows: group at offset %zu", g->offset);
	return r;
}

int c2d_rowfile_next(struct c2d_rowfile *f, uint32_t *nrows, struct c2d_rg_col *cols,
		     struct c2d_err *err)
{
	struct c2d_rowfile_group g;
	int r = c2d_rowfile_raw(f, &g, err);
	if (r != 1)
		return r;
	if ((r = c2d_rowfile_decode(f, &g, cols, err)) < 0)
		return r;
	*nrows = g.nrows;
	return 1;
}

void c2d_rowfile_close(struct c2d_rowfile *f)
{
	c2d_schema_free(&f->schema);
	memset(f, 0, sizeof(*f));
}
