/* Schemas: see c2d/schema.h. */
#include "c2d/schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	[C2D_T_INT64] = "int64", [C2D_T_FLOAT64] = "float64", [C2D_T_BOOL] = "bool",
	[C2D_T_CATEGORY] = "category", [C2D_T_DATE] = "date",
};

const char *c2d_schema_type_name(uint8_t type)
{
	if (type < C2D_T_INT64 || type > C2D_T_DATE)
		return NULL;
	return type_names[type];
}

uint8_t c2d_schema_type_from_name(const char *name)
{
	for (uint8_t t = C2D_T_INT64; t <= C2D_T_DATE; t++)
		if (strcmp(name, type_names[t]) == 0)
			return t;
	return 0;
}

int c2d_schema_bound_check(const struct c2d_column *c, int64_t iv, double fv)
{
	int low = 0, high = 0;
	if (c->type == C2D_T_FLOAT64) {
		low = (c->flags & C2D_COL_HAS_MIN) && fv < c->min.f;
		high = (c->flags & C2D_COL_HAS_MAX) && fv > c->max.f;
	} else if (c->type == C2D_T_INT64 || c->type == C2D_T_DATE) {
		low = (c->flags & C2D_COL_HAS_MIN) && iv < c->min.i;
		high = (c->flags & C2D_COL_HAS_MAX) && iv > c->max.i;
	}
	return low ? -1 : high ? 1 : 0;
}

size_t c2d_schema_type_width(uint8_t type)
{
	switch (type) {
	case C2D_T_INT64:
	case C2D_T_FLOAT64: return 8;
	case C2D_T_DATE: return 4;
	case C2D_T_CATEGORY: return 2;
	default: return 0;
	}
}

static int has_bounds_type(uint8_t t)
{
	return t == C2D_T_INT64 || t == C2D_T_FLOAT64 || t == C2D_T_DATE;
}

static int name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > C2D_SCHEMA_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int label_ok(const char *l)
{
	size_t len = strlen(l);
	if (len == 0 || len > 255)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
			return 0;
	return 1;
}

c2d_status c2d_schema_check(const struct c2d_schema *s, struct c2d_err *err)
{
	if (s->ncols == 0 || s->ncols > C2D_SCHEMA_MAX_COLS)
		return c2d_fail(err, C2D_E_INPUT, "schema: expected 1 to %d columns, found %u",
				C2D_SCHEMA_MAX_COLS, (unsigned)s->ncols);
	for (uint32_t i = 0; i < s->ncols; i++) {
		const struct c2d_column *c = &s->cols[i];
		if (!name_ok(c->name))
			return c2d_fail(err, C2D_E_INPUT,
					"schema: column %u: name must be 1-64 characters of A-Z a-z 0-9 _ . -",
					i + 1);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(s->cols[j].name, c->name) == 0)
				return c2d_fail(err, C2D_E_INPUT, "schema: column '%s' appears twice", c->name);
		if (c2d_schema_type_name(c->type) == NULL)
			return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': unknown type %u",
					c->name, c->type);
		if (c->flags & ~(C2D_COL_NULLABLE | C2D_COL_HAS_MIN | C2D_COL_HAS_MAX))
			return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': unknown flags", c->name);
		int bounded = c->flags & (C2D_COL_HAS_MIN | C2D_COL_HAS_MAX);
		if (bounded && !has_bounds_type(c->type))
			return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': a %s column has no bounds",
					c->name, c2d_schema_type_name(c->type));
		if (c->type == C2D_T_FLOAT64 &&
		    (((c->flags & C2D_COL_HAS_MIN) && !isfinite(c->min.f)) ||
		     ((c->flags & C2D_COL_HAS_MAX) && !isfinite(c->max.f))))
			return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': bounds must be finite", c->name);
		if (c->type == C2D_T_DATE &&
		    (((c->flags & C2D_COL_HAS_MIN) && (c->min.i < INT32_MIN || c->min.i > INT32_MAX)) ||
		     ((c->flags & C2D_COL_HAS_MAX) && (c->max.i < INT32_MIN || c->max.i > INT32_MAX))))
			return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': date bound out of range", c->name);
		if ((c->flags & C2D_COL_HAS_MIN) && (c->flags & C2D_COL_HAS_MAX)) {
			int inverted = c->type == C2D_T_FLOAT64 ? c->min.f > c->max.f : c->min.i > c->max.i;
			if (inverted)
				return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': min is above max", c->name);
		}
		if (c->type == C2D_T_CATEGORY) {
			if (c->ncats == 0 || c->ncats > C2D_SCHEMA_MAX_CATS)
				return c2d_fail(err, C2D_E_INPUT,
						"schema: column '%s': expected 1 to %d category labels",
						c->name, C2D_SCHEMA_MAX_CATS);
			for (uint32_t k = 0; k < c->ncats; k++) {
				if (!label_ok(c->cats[k]))
					return c2d_fail(err, C2D_E_INPUT,
							"schema: column '%s': label %u must be 1-255 bytes without control characters",
							c->name, k + 1);
				/* Quadratic, but runs once per file on public data; a
				 * hash set is not worth its code for 65535 labels. */
				for (uint32_t m = 0; m < k; m++)
					if (strcmp(c->cats[m], c->cats[k]) == 0)
						return c2d_fail(err, C2D_E_INPUT,
								"schema: column '%s': label '%s' appears twice",
								c->name, c->cats[k]);
			}
		} else if (c->ncats != 0) {
			return c2d_fail(err, C2D_E_INPUT, "schema: column '%s': labels on a %s column",
					c->name, c2d_schema_type_name(c->type));
		}
	}
	return C2D_OK;
}

size_t c2d_schema_encoded_len(const struct c2d_schema *s)
{
	size_t n = 2;
	for (uint32_t i = 0; i < s->ncols; i++) {
		const struct c2d_column *c = &s->cols[i];
		n += 3 + strlen(c->name);
		n += (c->flags & C2D_COL_HAS_MIN) ? 8 : 0;
		n += (c->flags & C2D_COL_HAS_MAX) ? 8 : 0;
		if (c->type == C2D_T_CATEGORY) {
			n += 2;
			for (uint32_t k = 0; k < c->ncats; k++)
				n += 1 + strlen(c->cats[k]);
		}
	}
	return n;
}

static void put_bound(uint8_t **p, uint8_t type, union c2d_bound b)
{
	uint64_t bits;
	if (type == C2D_T_FLOAT64)
		memcpy(&bits, &b.f, 8);
	else
		bits = (uint64_t)b.i;
	c2d_put_le64(*p, bits);
	*p += 8;
}

void c2d_schema_encode(const struct c2d_schema *s, uint8_t *out)
{
	uint8_t *p = out;
	c2d_put_le16(p, (uint16_t)s->ncols);
	p += 2;
	for (uint32_t i = 0; i < s->ncols; i++) {
		const struct c2d_column *c = &s->cols[i];
		size_t nl = strlen(c->name);
		*p++ = c->type;
		*p++ = c->flags;
		*p++ = (uint8_t)nl;
		memcpy(p, c->name, nl);
		p += nl;
		if (c->flags & C2D_COL_HAS_MIN)
			put_bound(&p, c->type, c->min);
		if (c->flags & C2D_COL_HAS_MAX)
			put_bound(&p, c->type, c->max);
		if (c->type == C2D_T_CATEGORY) {
			c2d_put_le16(p, (uint16_t)c->ncats);
			p += 2;
			for (uint32_t k = 0; k < c->ncats; k++) {
				size_t ll = strlen(c->cats[k]);
				*p++ = (uint8_t)ll;
				memcpy(p, c->cats[k], ll);
				p += ll;
			}
		}
	}
}

void c2d_schema_free(struct c2d_schema *s)
{
	if (s->cols != NULL) {
		for (uint32_t i = 0; i < s->ncols; i++) {
			for (uint32_t k = 0; s->cols[i].cats != NULL && k < s->cols[i].ncats; k++)
				free(s->cols[i].cats[k]);
			free(s->cols[i].cats);
		}
		free(s->cols);
	}
	s->cols = NULL;
	s->ncols = 0;
}

/* Reads a length-prefixed string into a new allocation, rejecting NULs. */
static char *read_str(struct c2d_reader *r, size_t len)
{
	const uint8_t *q = c2d_read(r, len);
	if (q == NULL || memchr(q, '\0', len) != NULL)
		return NULL;
	char *s = malloc(len + 1);
	if (s != NULL) {
		memcpy(s, q, len);
		s[len] = '\0';
	}
	return s;
}

static union c2d_bound read_bound(struct c2d_reader *r, uint8_t type)
{
	union c2d_bound b;
	uint64_t bits = c2d_read_le64(r);
	if (type == C2D_T_FLOAT64)
		memcpy(&b.f, &bits, 8);
	else
		b.i = (int64_t)bits;
	return b;
}

c2d_status c2d_schema_decode(struct c2d_reader *r, struct c2d_schema *s,
			     struct c2d_err *err)
{
	memset(s, 0, sizeof(*s));
	size_t start = r->off;
	uint32_t ncols = c2d_read_le16(r);
	if (r->bad)
		return c2d_fail(err, C2D_E_INPUT, "schema at offset %zu: truncated", start);
	if (ncols == 0 || ncols > C2D_SCHEMA_MAX_COLS)
		return c2d_fail(err, C2D_E_INPUT, "schema at offset %zu: %u columns", start, ncols);
	s->cols = calloc(ncols, sizeof(*s->cols));
	if (s->cols == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "schema: out of memory");
	s->ncols = ncols;
	for (uint32_t i = 0; i < ncols; i++) {
		struct c2d_column *c = &s->cols[i];
		size_t at = r->off;
		c->type = c2d_read_u8(r);
		c->flags = c2d_read_u8(r);
		size_t nl = c2d_read_u8(r);
		const uint8_t *name = c2d_read(r, nl);
		if (name == NULL || nl == 0 || nl > C2D_SCHEMA_NAME_MAX || memchr(name, '\0', nl) != NULL)
			goto bad;
		memcpy(c->name, name, nl);
		c->name[nl] = '\0';
		if (c->flags & C2D_COL_HAS_MIN)
			c->min = read_bound(r, c->type);
		if (c->flags & C2D_COL_HAS_MAX)
			c->max = read_bound(r, c->type);
		if (c->type == C2D_T_CATEGORY) {
			uint32_t n = c2d_read_le16(r);
			if (r->bad || n == 0)
				goto bad;
			/* Each label takes at least 2 bytes: refuse counts the
			 * input cannot hold before allocating for them. */
			if ((size_t)n * 2 > r->left)
				goto bad;
			c->cats = calloc(n, sizeof(*c->cats));
			if (c->cats == NULL) {
				c2d_schema_free(s);
				return c2d_fail(err, C2D_E_NOMEM, "schema: out of memory");
			}
			c->ncats = n;
			for (uint32_t k = 0; k < n; k++) {
				size_t ll = c2d_read_u8(r);
				if (r->bad || (c->cats[k] = read_str(r, ll)) == NULL)
					goto bad;
			}
		}
		if (r->bad)
			goto bad;
		continue;
bad:
		c2d_schema_free(s);
		return c2d_fail(err, C2D_E_INPUT, "schema at offset %zu: column %u is malformed or truncated",
				at, i + 1);
	}
	int rc = c2d_schema_check(s, err);
	if (rc < 0) {
		c2d_schema_free(s);
		return rc;
	}
	return C2D_OK;
}
