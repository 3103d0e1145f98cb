/* The aggregate wire format and its schema check: see c2d/aggfmt.h. */
#include "c2d/aggfmt.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/failure.h"

static const char *kind_name(uint8_t kind)
{
	return kind == C2D_AGG_COUNT ? "count" : kind == C2D_AGG_SUM ? "sum" : "unknown";
}

static int name_ok(const char *p, size_t n)
{
	if (n == 0 || n > C2D_AGG_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* Product of dims, 0 when it does not fit in the format's reach (so that
 * 8 x cells never overflows either). */
static size_t cells_of(uint8_t ndims, const uint32_t *dims)
{
	size_t n = 1;
	for (uint8_t i = 0; i < ndims; i++) {
		if (dims[i] == 0 || n > (SIZE_MAX / 16) / dims[i])
			return 0;
		n *= dims[i];
	}
	return n;
}

size_t c2d_agg_spec_cells(const struct c2d_outspec *o)
{
	if (o->ndims < 1 || o->ndims > C2D_AGG_MAX_DIMS)
		return 0;
	return cells_of(o->ndims, o->dims);
}

size_t c2d_agg_schema_wire_len(const struct c2d_outschema *s)
{
	size_t len = C2D_AGG_HEADER_LEN;
	if (s->noutputs > UINT16_MAX)
		return 0;
	for (size_t i = 0; i < s->noutputs; i++) {
		const struct c2d_outspec *o = &s->outputs[i];
		size_t cells = c2d_agg_spec_cells(o), nl = o->name ? strlen(o->name) : 0;
		if (cells == 0 || !name_ok(o->name ? o->name : "", nl))
			return 0;
		size_t one = C2D_AGG_OUTPUT_LEN(nl, (size_t)o->ndims, cells);
		if (len > SIZE_MAX - one)
			return 0;
		len += one;
	}
	return len;
}

c2d_status c2d_agg_schema_check(const struct c2d_outschema *s, struct c2d_err *err)
{
	const char *an = s->analysis ? s->analysis : "?";
	if (s->noutputs == 0 || s->noutputs > UINT16_MAX)
		return c2d_fail(err, C2D_E_INTERNAL, "%s: output schema has %zu outputs", an,
				s->noutputs);
	for (size_t i = 0; i < s->noutputs; i++) {
		const struct c2d_outspec *o = &s->outputs[i];
		if (o->name == NULL || !name_ok(o->name, strlen(o->name)))
			return c2d_fail(err, C2D_E_INTERNAL, "%s: output %zu: name is not 1..%d of [a-z0-9_]",
					an, i, C2D_AGG_NAME_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->outputs[j].name, o->name) == 0)
				return c2d_fail(err, C2D_E_INTERNAL, "%s: output '%s' declared twice", an,
						o->name);
		if (o->kind != C2D_AGG_COUNT && o->kind != C2D_AGG_SUM)
			return c2d_fail(err, C2D_E_INTERNAL, "%s: output '%s': kind %u", an, o->name,
					o->kind);
		if (o->kind == C2D_AGG_COUNT ? o->scale != 0 : o->scale > C2D_AGG_MAX_SCALE)
			return c2d_fail(err, C2D_E_INTERNAL, "%s: output '%s': scale %u for a %s", an,
					o->name, o->scale, kind_name(o->kind));
		if (c2d_agg_spec_cells(o) == 0)
			return c2d_fail(err, C2D_E_INTERNAL, "%s: output '%s': bad dims", an, o->name);
		/* n_rows x bound is computed in 128 bits, but a bound beyond
		 * int64 could not be met by int64 values anyway. */
		if (o->l1_bound == 0 || o->l1_bound > INT64_MAX)
			return c2d_fail(err, C2D_E_INTERNAL, "%s: output '%s': l1_bound %llu", an,
					o->name, (unsigned long long)o->l1_bound);
	}
	size_t want = c2d_agg_schema_wire_len(s);
	if (s->max_bytes != want)
		return c2d_fail(err, C2D_E_INTERNAL, "%s: max_bytes is %zu, the outputs take %zu", an,
				s->max_bytes, want);
	return C2D_OK;
}

size_t c2d_agg_encode(const struct c2d_outschema *s, const int64_t *const values[],
		      uint8_t *out)
{
	uint8_t *p = out;
	memcpy(p, C2D_AGG_MAGIC, 4);
	c2d_put_le16(p + 4, C2D_AGG_VERSION);
	c2d_put_le16(p + 6, (uint16_t)s->noutputs);
	p += C2D_AGG_HEADER_LEN;
	for (size_t i = 0; i < s->noutputs; i++) {
		const struct c2d_outspec *o = &s->outputs[i];
		size_t nl = strlen(o->name), cells = c2d_agg_spec_cells(o);
		*p++ = (uint8_t)nl;
		memcpy(p, o->name, nl);
		p += nl;
		*p++ = o->kind;
		*p++ = o->scale;
		*p++ = o->ndims;
		for (uint8_t d = 0; d < o->ndims; d++, p += 4)
			c2d_put_le32(p, o->dims[d]);
		for (size_t c = 0; c < cells; c++, p += 8)
			c2d_put_le64(p, (uint64_t)values[i][c]);
	}
	return (size_t)(p - out);
}

void c2d_agg_free(struct c2d_agg *a)
{
	if (a->outputs != NULL) {
		for (size_t i = 0; i < a->noutputs; i++) {
			struct c2d_agg_output *o = &a->outputs[i];
			if (o->values != NULL)
				explicit_bzero(o->values, o->ncells * sizeof(*o->values));
			free(o->values);
		}
	}
	free(a->outputs);
	a->outputs = NULL;
	a->noutputs = 0;
}

/* One output at r. Every refusal is the one fixed message (c2d/failure.h):
 * the bytes are the child's, and nothing of them goes into a message. */
static int decode_output(struct c2d_reader *r, struct c2d_agg_output *o, struct c2d_err *err)
{
	uint8_t nl = c2d_read_u8(r);
	const uint8_t *name = c2d_read(r, nl);
	if (r->bad || !name_ok((const char *)name, nl))
		return c2d_failure_set(err, C2D_FAILURE_AGG_FORMAT);
	memcpy(o->name, name, nl);
	o->name[nl] = '\0';
	o->kind = c2d_read_u8(r);
	o->scale = c2d_read_u8(r);
	o->ndims = c2d_read_u8(r);
	if (r->bad || (o->kind != C2D_AGG_COUNT && o->kind != C2D_AGG_SUM) ||
	    (o->kind == C2D_AGG_COUNT ? o->scale != 0 : o->scale > C2D_AGG_MAX_SCALE) ||
	    o->ndims < 1 || o->ndims > C2D_AGG_MAX_DIMS)
		return c2d_failure_set(err, C2D_FAILURE_AGG_FORMAT);
	for (uint8_t d = 0; d < o->ndims; d++)
		o->dims[d] = c2d_read_le32(r);
	o->ncells = r->bad ? 0 : cells_of(o->ndims, o->dims);
	/* The values must be there before anything is allocated for them. */
	if (o->ncells == 0 || o->ncells > r->left / 8)
		return c2d_failure_set(err, C2D_FAILURE_AGG_FORMAT);
	o->values = malloc(o->ncells * sizeof(*o->values));
	if (o->values == NULL)
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	const uint8_t *v = c2d_read(r, 8 * o->ncells);
	for (size_t c = 0; c < o->ncells; c++) {
		uint64_t x = c2d_get_le64(v + 8 * c);
		if (o->kind == C2D_AGG_COUNT && x > INT64_MAX)
			return c2d_failure_set(err, C2D_FAILURE_AGG_FORMAT);
		/* Two's complement, as the encoder wrote it. */
		o->values[c] = x > INT64_MAX ? -(int64_t)(~x) - 1 : (int64_t)x;
	}
	return C2D_OK;
}

c2d_status c2d_agg_decode(const uint8_t *buf, size_t len, struct c2d_agg *a, struct c2d_err *err)
{
	struct c2d_reader r;
	int ret;
	memset(a, 0, sizeof(*a));
	c2d_reader_init(&r, buf, len);
	const uint8_t *magic = c2d_read(&r, 4);
	uint16_t version = c2d_read_le16(&r), n = c2d_read_le16(&r);
	/* Each output takes at least 1+1+3+4+8 bytes: bound n by what is left
	 * before allocating for it. */
	if (r.bad || memcmp(magic, C2D_AGG_MAGIC, 4) != 0 || version != C2D_AGG_VERSION || n == 0 ||
	    n > r.left / 17)
		return c2d_failure_set(err, C2D_FAILURE_AGG_FORMAT);
	a->outputs = calloc(n, sizeof(*a->outputs));
	if (a->outputs == NULL)
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	a->noutputs = n;
	for (size_t i = 0; i < n; i++)
		if ((ret = decode_output(&r, &a->outputs[i], err)) < 0)
			goto fail;
	if (r.left != 0) {
		ret = c2d_failure_set(err, C2D_FAILURE_AGG_FORMAT);
		goto fail;
	}
	return C2D_OK;
fail:
	c2d_agg_free(a);
	return ret;
}

c2d_status c2d_agg_check(const struct c2d_outschema *s, const struct c2d_agg *a, uint64_t n_rows,
			 struct c2d_err *err)
{
	if (a->noutputs != s->noutputs)
		return c2d_failure_set(err, C2D_FAILURE_AGG_SCHEMA);
	for (size_t i = 0; i < s->noutputs; i++) {
		const struct c2d_outspec *o = &s->outputs[i];
		const struct c2d_agg_output *g = &a->outputs[i];
		if (strcmp(g->name, o->name) != 0 || g->kind != o->kind || g->scale != o->scale ||
		    g->ndims != o->ndims || memcmp(g->dims, o->dims, o->ndims * sizeof(o->dims[0])) != 0)
			return c2d_failure_set(err, C2D_FAILURE_AGG_SCHEMA);
		/* Every row adds at most l1_bound to the output's L1 norm, so
		 * the norm of an honest output is at most n_rows x l1_bound. In
		 * 128 bits: up to 2^32 cells of |v| < 2^63, and n x bound <
		 * 2^127, never overflow. */
		unsigned __int128 limit = (unsigned __int128)n_rows * o->l1_bound, l1 = 0;
		for (size_t c = 0; c < g->ncells; c++) {
			int64_t v = g->values[c];
			uint64_t mag = v < 0 ? (uint64_t)-(v + 1) + 1 : (uint64_t)v;
			l1 += mag;
			if ((o->kind == C2D_AGG_COUNT && v < 0) || l1 > limit)
				return c2d_failure_set(err, C2D_FAILURE_AGG_BOUND);
		}
	}
	return C2D_OK;
}
