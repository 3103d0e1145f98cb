/* Owners files, epsilon, dataset ids and the consortium's criteria: see
 * consortium.h. */
#include "consortium.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "ethtx.h"
#include "fsutil.h"
#include "keccak.h"

void c2d_consortium_owners_free(struct c2d_owners *o)
{
	for (size_t i = 0; o->v != NULL && i < o->n; i++) {
		free(o->v[i].jurisdiction);
		free(o->v[i].labels);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line (without '\n' and comment): its words into o->v[o->n]. */
static int owner_line(const char *path, size_t lineno, const char *line, size_t len, struct c2d_owners *o,
		      struct c2d_err *err)
{
	const char *word[3] = { NULL, NULL, NULL };
	size_t wlen[3] = { 0, 0, 0 }, nw = 0, i = 0;
	char *labels = malloc(len + 1);
	size_t ll = 0;
	if (labels == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	while (i < len) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_blank(line[i])) {
			if ((unsigned char)line[i] < 0x21 || (unsigned char)line[i] > 0x7e) {
				free(labels);
				return c2d_fail(err, C2D_E_INPUT, "%s:%zu:%zu: not printable ASCII", path, lineno,
						i + 1);
			}
			i++;
		}
		if (nw < 2) {
			word[nw] = line + start;
			wlen[nw] = i - start;
			nw++;
		} else {
			if (ll > 0)
				labels[ll++] = ' ';
			memcpy(labels + ll, line + start, i - start);
			ll += i - start;
		}
	}
	labels[ll] = '\0';
	if (nw == 0) {
		free(labels);
		return 0;
	}
	size_t col = (size_t)(word[0] - line) + 1;
	if (o->n == C2D_OWNERS_MAX) {
		free(labels);
		return c2d_fail(err, C2D_E_INPUT, "%s:%zu:%zu: more than %d owners", path, lineno, col,
				C2D_OWNERS_MAX);
	}
	struct c2d_owner_line *ow = &o->v[o->n];
	char addr[64];
	snprintf(addr, sizeof(addr), "%.*s", (int)(wlen[0] < 63 ? wlen[0] : 63), word[0]);
	struct c2d_err sub = { 0 };
	static const uint8_t zero[20];
	if (wlen[0] != 42 || c2d_ethtx_address_parse(addr, "owner", ow->addr, &sub) < 0) {
		free(labels);
		return c2d_fail(err, C2D_E_INPUT, "%s:%zu:%zu: %s", path, lineno, col,
				sub.msg[0] ? sub.msg : "owner: expected an address (0x and 40 hex digits)");
	}
	if (memcmp(ow->addr, zero, 20) == 0) {
		free(labels);
		return c2d_fail(err, C2D_E_INPUT, "%s:%zu:%zu: the zero address cannot be an owner", path, lineno, col);
	}
	for (size_t k = 0; k < o->n; k++)
		if (memcmp(o->v[k].addr, ow->addr, 20) == 0) {
			free(labels);
			return c2d_fail(err, C2D_E_INPUT, "%s:%zu:%zu: owner %s is listed twice", path, lineno, col,
					addr);
		}
	const char *j = word[1] ? word[1] : "";
	size_t jl = word[1] ? wlen[1] : 0;
	if (jl == 1 && j[0] == '-')
		jl = 0;
	ow->jurisdiction = strndup(j, jl);
	ow->labels = labels;
	if (ow->jurisdiction == NULL) {
		free(labels);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	o->n++;
	return 0;
}

c2d_status c2d_consortium_owners_parse(const char *path, const char *text, size_t len, struct c2d_owners *out,
			    struct c2d_err *err)
{
	struct c2d_owners o = { calloc(C2D_OWNERS_MAX, sizeof(struct c2d_owner_line)), 0 };
	size_t lineno = 0, i = 0;
	if (o.v == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	while (i < len) {
		size_t start = i, end;
		lineno++;
		while (i < len && text[i] != '\n')
			i++;
		end = i;
		if (i < len)
			i++;
		const char *hash = memchr(text + start, '#', end - start);
		if (hash != NULL)
			end = (size_t)(hash - text);
		if (memchr(text + start, '\0', end - start) != NULL) {
			c2d_consortium_owners_free(&o);
			return c2d_fail(err, C2D_E_INPUT, "%s:%zu: NUL byte", path, lineno);
		}
		int r = owner_line(path, lineno, text + start, end - start, &o, err);
		if (r < 0) {
			c2d_consortium_owners_free(&o);
			return r;
		}
	}
	if (o.n == 0) {
		c2d_consortium_owners_free(&o);
		return c2d_fail(err, C2D_E_INPUT, "%s: no owners", path);
	}
	*out = o;
	return C2D_OK;
}

c2d_status c2d_consortium_owners_read(const char *path, struct c2d_owners *out, struct c2d_err *err)
{
	uint8_t *buf;
	size_t len;
	int r = c2d_fs_read_file(path, 1u << 20, &buf, &len, err);
	if (r < 0)
		return r;
	r = c2d_consortium_owners_parse(path, (const char *)buf, len, out, err);
	free(buf);
	return r;
}

c2d_status c2d_consortium_micro_parse(const char *text, const char *what, uint64_t *micro, struct c2d_err *err)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0, digits = 0, decimals = 0;
	for (; text[i] >= '0' && text[i] <= '9'; i++, digits++) {
		if (whole > (UINT64_MAX / 1000000 - 9) / 10)
			return c2d_fail(err, C2D_E_INPUT, "%s '%.40s' is too large", what, text);
		whole = whole * 10 + (uint64_t)(text[i] - '0');
	}
	if (text[i] == '.') {
		for (i++; text[i] >= '0' && text[i] <= '9'; i++, decimals++)
			if (decimals < 6)
				frac = frac * 10 + (uint64_t)(text[i] - '0');
		if (decimals == 0)
			return c2d_fail(err, C2D_E_INPUT, "%s '%.40s': digits expected after '.'", what, text);
	}
	if (digits == 0 || text[i] != '\0')
		return c2d_fail(err, C2D_E_INPUT, "%s '%.40s' is not a decimal number (like 1.5)", what, text);
	if (decimals > 6)
		return c2d_fail(err, C2D_E_INPUT,
				"%s '%.40s' has %zu decimals; budgets are in micro-units (at most 6)", what,
				text, decimals);
	for (size_t k = decimals; k < 6; k++)
		frac *= 10;
	*micro = whole * 1000000 + frac;
	return C2D_OK;
}

void c2d_consortium_micro_text(uint64_t micro, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%llu.%06llu", (unsigned long long)(micro / 1000000),
			 (unsigned long long)(micro % 1000000));
	if (n <= 0 || (size_t)n >= cap)
		return;
	while (out[n - 1] == '0')
		out[--n] = '\0';
	if (out[n - 1] == '.')
		out[n - 1] = '\0';
}

c2d_status c2d_consortium_dataset_id(const char *text, uint8_t id[32], struct c2d_err *err)
{
	size_t n = strlen(text);
	if (c2d_hex_decode(text, n, id, 32, NULL) == 0)
		return C2D_OK;
	if (n == 0 || n > 256)
		return c2d_fail(err, C2D_E_INPUT, "dataset id: expected 64 hex digits or a name of 1 to 256 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
			return c2d_fail(err, C2D_E_INPUT, "dataset id: a name must be printable ASCII");
	c2d_keccak256(text, n, id);
	return C2D_OK;
}

const char *c2d_consortium_labels_next(const char **pos, size_t *len)
{
	const char *p = *pos;
	while (*p == ' ')
		p++;
	const char *w = p;
	while (*p != '\0' && *p != ' ')
		p++;
	*pos = p;
	*len = (size_t)(p - w);
	return p > w ? w : NULL;
}

int c2d_consortium_labels_records(const char *labels, uint64_t *records)
{
	const char *p = labels, *w;
	size_t n;
	while ((w = c2d_consortium_labels_next(&p, &n)) != NULL) {
		if (n > 8 && strncmp(w, "records=", 8) == 0) {
			uint64_t v = 0;
			const char *d = w + 8;
			for (; d < w + n && *d >= '0' && *d <= '9' && v <= (UINT64_MAX - 9) / 10; d++)
				v = v * 10 + (uint64_t)(*d - '0');
			if (d == w + n) {
				*records = v;
				return 1;
			}
		}
	}
	return 0;
}

void c2d_consortium_criteria(size_t n, const char *const *jurisdictions, uint64_t threshold, const int *has_budget,
		  struct c2d_criteria *c)
{
	memset(c, 0, sizeof(*c));
	c->owners = n >= 3 ? C2D_MATCH : n == 2 ? C2D_PARTIAL : C2D_MISS;
	for (size_t i = 0; i < n; i++) {
		if (jurisdictions[i][0] == '\0') {
			c->unplaced++;
			continue;
		}
		size_t k = 0;
		while (k < i && strcmp(jurisdictions[k], jurisdictions[i]) != 0)
			k++;
		c->distinct += k == i;
	}
	c->jurisdictions = c->distinct >= 2 ? C2D_MATCH : c->unplaced > 0 ? C2D_PARTIAL : C2D_MISS;
	size_t budgets = 0;
	for (size_t i = 0; i < n; i++)
		budgets += has_budget[i] != 0;
	int consent = n > 0 && threshold == n, budget = n > 0 && budgets == n;
	c->regulated = consent && budget ? C2D_MATCH : consent || budget ? C2D_PARTIAL : C2D_MISS;
}

const char *c2d_consortium_grade_name(enum c2d_grade g)
{
	return g == C2D_MATCH ? "match" : g == C2D_PARTIAL ? "partial" : "miss";
}
