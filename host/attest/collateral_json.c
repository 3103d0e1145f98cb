/* Collateral JSON: see collateral_json.h. */
#include "collateral_json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/date.h"
#include "c2d/hex.h"
#include "fsutil.h"

/* ---- the span scanner ------------------------------------------------- */

#define JSON_DEPTH_MAX 64

struct scan {
	const char *p;
	size_t len, i;
	const char *name;
	struct c2d_err *err;
};

static int scan_fail(struct scan *s, const char *what)
{
	return c2d_fail(s->err, C2D_E_INPUT, "%s: byte %zu: %s", s->name, s->i, what);
}

static void ws(struct scan *s)
{
	while (s->i < s->len && (s->p[s->i] == ' ' || s->p[s->i] == '\t' ||
				 s->p[s->i] == '\n' || s->p[s->i] == '\r'))
		s->i++;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string, from its opening quote to just past its closing one (RFC 8259
 * section 7; UTF-8 validity is left to jansson, which parses every span
 * this scanner hands out). */
static int scan_string(struct scan *s)
{
	s->i++;
	while (s->i < s->len) {
		unsigned char c = (unsigned char)s->p[s->i];
		if (c == '"') {
			s->i++;
			return C2D_OK;
		}
		if (c < 0x20)
			return scan_fail(s, "control character in a string");
		if (c == '\\') {
			if (++s->i >= s->len)
				break;
			char e = s->p[s->i];
			if (e == 'u') {
				for (int k = 1; k <= 4; k++)
					if (s->i + k >= s->len || !is_hex(s->p[s->i + k]))
						return scan_fail(s, "bad \\u escape");
				s->i += 4;
			} else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
				return scan_fail(s, "bad escape in a string");
			}
		}
		s->i++;
	}
	return scan_fail(s, "unterminated string");
}

static int digits(struct scan *s)
{
	size_t at = s->i;
	while (s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9')
		s->i++;
	return s->i > at;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259 section 6). */
static int scan_number(struct scan *s)
{
	if (s->p[s->i] == '-')
		s->i++;
	if (s->i < s->len && s->p[s->i] == '0')
		s->i++;
	else if (!digits(s))
		return scan_fail(s, "bad number");
	if (s->i < s->len && s->p[s->i] == '.') {
		s->i++;
		if (!digits(s))
			return scan_fail(s, "bad number");
	}
	if (s->i < s->len && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
		s->i++;
		if (s->i < s->len && (s->p[s->i] == '+' || s->p[s->i] == '-'))
			s->i++;
		if (!digits(s))
			return scan_fail(s, "bad number");
	}
	return C2D_OK;
}

static int scan_value(struct scan *s, int depth);

/* An object or array, from its opening bracket to just past its close. */
static int scan_container(struct scan *s, int depth)
{
	const char close = s->p[s->i] == '{' ? '}' : ']';
	int r;
	if (depth >= JSON_DEPTH_MAX)
		return scan_fail(s, "nesting too deep");
	s->i++;
	ws(s);
	if (s->i < s->len && s->p[s->i] == close) {
		s->i++;
		return C2D_OK;
	}
	for (;;) {
		if (close == '}') {
			if (s->i >= s->len || s->p[s->i] != '"')
				return scan_fail(s, "expected a key");
			if ((r = scan_string(s)) < 0)
				return r;
			ws(s);
			if (s->i >= s->len || s->p[s->i] != ':')
				return scan_fail(s, "expected ':'");
			s->i++;
		}
		if ((r = scan_value(s, depth + 1)) < 0)
			return r;
		ws(s);
		if (s->i < s->len && s->p[s->i] == ',') {
			s->i++;
			ws(s);
			continue;
		}
		if (s->i < s->len && s->p[s->i] == close) {
			s->i++;
			return C2D_OK;
		}
		return scan_fail(s, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

/* Skips whitespace and one value. */
static int scan_value(struct scan *s, int depth)
{
	static const char *const lit[] = { "true", "false", "null" };
	ws(s);
	if (s->i >= s->len)
		return scan_fail(s, "expected a value");
	char c = s->p[s->i];
	if (c == '{' || c == '[')
		return scan_container(s, depth);
	if (c == '"')
		return scan_string(s);
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(s);
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(lit[k]);
		if (s->len - s->i >= n && memcmp(s->p + s->i, lit[k], n) == 0) {
			s->i += n;
			return C2D_OK;
		}
	}
	return scan_fail(s, "expected a value");
}

struct span {
	size_t off, len;
};

c2d_status c2d_collateral_json_member_span(const char *buf, size_t len, const char *key, const char *name,
				size_t *off, size_t *vlen, struct c2d_err *err)
{
	struct scan s = { buf, len, 0, name, err };
	struct span keys[32], found = { 0, 0 };
	size_t nkeys = 0, klen = strlen(key);
	int r, have = 0;

	ws(&s);
	if (s.i >= len || buf[s.i] != '{')
		return scan_fail(&s, "expected a JSON object");
	s.i++;
	ws(&s);
	if (s.i < len && buf[s.i] == '}') {
		s.i++;
	} else {
		for (;;) {
			if (s.i >= len || buf[s.i] != '"')
				return scan_fail(&s, "expected a key");
			struct span k = { s.i + 1, 0 };
			if ((r = scan_string(&s)) < 0)
				return r;
			k.len = s.i - 1 - k.off;
			for (size_t j = 0; j < nkeys; j++)
				if (keys[j].len == k.len && memcmp(buf + keys[j].off, buf + k.off, k.len) == 0)
					return c2d_fail(err, C2D_E_INPUT, "%s: byte %zu: duplicate key \"%.*s\"",
							name, k.off - 1, (int)(k.len > 40 ? 40 : k.len),
							buf + k.off);
			if (nkeys == sizeof(keys) / sizeof(keys[0]))
				return scan_fail(&s, "more than 32 top-level members");
			keys[nkeys++] = k;
			ws(&s);
			if (s.i >= len || buf[s.i] != ':')
				return scan_fail(&s, "expected ':'");
			s.i++;
			ws(&s);
			size_t v = s.i;
			if ((r = scan_value(&s, 1)) < 0)
				return r;
			if (k.len == klen && memcmp(buf + k.off, key, klen) == 0) {
				found = (struct span){ v, s.i - v };
				have = 1;
			}
			ws(&s);
			if (s.i < len && buf[s.i] == ',') {
				s.i++;
				ws(&s);
				continue;
			}
			if (s.i < len && buf[s.i] == '}') {
				s.i++;
				break;
			}
			return scan_fail(&s, "expected ',' or '}'");
		}
	}
	ws(&s);
	if (s.i != len)
		return scan_fail(&s, "data after the JSON object");
	if (!have)
		return c2d_fail(err, C2D_E_INPUT, "%s: no top-level member \"%s\"", name, key);
	*off = found.off;
	*vlen = found.len;
	return C2D_OK;
}

/* ---- field readers ---------------------------------------------------- */

/* Where a reader is: the file, and the JSON path of the current object. */
struct ctx {
	const char *file;
	char path[160];
	struct c2d_err *err;
};

/* Append ".key" or "[i]" to the path; return the old length for pop. */
static size_t push_key(struct ctx *c, const char *key)
{
	size_t n = strlen(c->path);
	snprintf(c->path + n, sizeof(c->path) - n, "%s%s", n ? "." : "", key);
	return n;
}

static size_t push_index(struct ctx *c, size_t i)
{
	size_t n = strlen(c->path);
	snprintf(c->path + n, sizeof(c->path) - n, "[%zu]", i);
	return n;
}

static void pop(struct ctx *c, size_t n)
{
	c->path[n] = '\0';
}

static int bad(struct ctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct ctx *c, const char *key, const char *fmt, ...)
{
	char what[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *dot = key != NULL && c->path[0] != '\0' ? "." : "";
	if (c->path[0] == '\0' && key == NULL)
		return c2d_fail(c->err, C2D_E_INPUT, "%s: %s", c->file, what);
	return c2d_fail(c->err, C2D_E_INPUT, "%s: %s%s%s: %s", c->file, c->path, dot,
			key ? key : "", what);
}

static int get_string(struct ctx *c, json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return bad(c, key, "missing");
	if (!json_is_string(v))
		return bad(c, key, "must be a string");
	*out = json_string_value(v);
	return C2D_OK;
}

static int get_int(struct ctx *c, json_t *o, const char *key, json_int_t min, json_int_t max,
		   json_int_t *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return bad(c, key, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(c, key, "must be an integer from %lld to %lld", (long long)min, (long long)max);
	*out = json_integer_value(v);
	return C2D_OK;
}

static int get_hex(struct ctx *c, json_t *o, const char *key, uint8_t *out, size_t n)
{
	const char *s;
	int r;
	if ((r = get_string(c, o, key, &s)) < 0)
		return r;
	if (strlen(s) != 2 * n || c2d_hex_decode(s, 2 * n, out, n, NULL) < 0)
		return bad(c, key, "must be %zu hex digits", 2 * n);
	return C2D_OK;
}

static int get_date(struct ctx *c, json_t *o, const char *key, int64_t *out)
{
	const char *s;
	int r;
	if ((r = get_string(c, o, key, &s)) < 0)
		return r;
	if (c2d_date_rfc3339_parse(s, out, c->err) < 0)
		return bad(c, key, "must be a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");
	return C2D_OK;
}

/* narrow: only UpToDate, OutOfDate and Revoked (module and QE levels:
 * QVL VALID_MODULE_TCB_STATUSES; PCS Enclave Identity V2 tcbStatus). */
static int get_status(struct ctx *c, json_t *o, int narrow, int *out)
{
	const char *s;
	int r;
	if ((r = get_string(c, o, "tcbStatus", &s)) < 0)
		return r;
	*out = c2d_collateral_tcb_status_parse(s);
	if (*out == 0 || (narrow && *out != C2D_TCB_UP_TO_DATE && *out != C2D_TCB_OUT_OF_DATE &&
			  *out != C2D_TCB_REVOKED))
		return bad(c, "tcbStatus", "unknown status \"%.40s\"%s", s,
			   narrow ? " (UpToDate, OutOfDate or Revoked here)" : "");
	return C2D_OK;
}

/* Optional "advisoryIDs": printable ASCII strings, each shorter than
 * C2D_ADVISORY_LEN, at most C2D_ADVISORIES_MAX. */
static int get_advisories(struct ctx *c, json_t *o, struct c2d_advisories *adv)
{
	json_t *a = json_object_get(o, "advisoryIDs");
	adv->n = 0;
	if (a == NULL)
		return C2D_OK;
	if (!json_is_array(a) || json_array_size(a) > C2D_ADVISORIES_MAX)
		return bad(c, "advisoryIDs", "must be an array of at most %d strings", C2D_ADVISORIES_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		size_t n = s ? strlen(s) : 0;
		int ok = n > 0 && n < C2D_ADVISORY_LEN;
		for (size_t k = 0; k < n && ok; k++)
			ok = s[k] > 0x20 && s[k] < 0x7f;
		if (!ok) {
			push_key(c, "advisoryIDs");
			push_index(c, i);
			return bad(c, NULL, "must be a printable string of 1 to %d bytes",
				   C2D_ADVISORY_LEN - 1);
		}
		memcpy(adv->id[i], s, n + 1);
		adv->n++;
	}
	return C2D_OK;
}

/* The value of key: an object, or an error naming it. */
static int get_object(struct ctx *c, json_t *o, const char *key, json_t **out)
{
	*out = json_object_get(o, key);
	if (*out == NULL)
		return bad(c, key, "missing");
	if (!json_is_object(*out))
		return bad(c, key, "must be an object");
	return C2D_OK;
}

/* The array at key: 1 to max entries, each an object. */
static int get_array(struct ctx *c, json_t *o, const char *key, size_t min, size_t max,
		     json_t **out)
{
	*out = json_object_get(o, key);
	if (*out == NULL)
		return bad(c, key, "missing");
	if (!json_is_array(*out) || json_array_size(*out) < min || json_array_size(*out) > max)
		return bad(c, key, "must be an array of %zu to %zu entries", min, max);
	for (size_t i = 0; i < json_array_size(*out); i++)
		if (!json_is_object(json_array_get(*out, i)))
			return bad(c, key, "entry %zu must be an object", i);
	return C2D_OK;
}

/* "sgxtcbcomponents" / "tdxtcbcomponents": exactly 16 {"svn": 0-255}. */
static int get_components(struct ctx *c, json_t *tcb, const char *key, uint8_t svn[16])
{
	json_t *a;
	int r;
	if ((r = get_array(c, tcb, key, 16, 16, &a)) < 0)
		return r;
	size_t at = push_key(c, key);
	for (size_t k = 0; k < 16; k++) {
		json_int_t v;
		size_t at2 = push_index(c, k);
		r = get_int(c, json_array_get(a, k), "svn", 0, 255, &v);
		pop(c, at2);
		if (r < 0)
			return r;
		svn[k] = (uint8_t)v;
	}
	pop(c, at);
	return C2D_OK;
}

static int tcb_level(struct ctx *c, json_t *o, struct c2d_tcb_level *l)
{
	json_t *tcb;
	json_int_t v;
	int r;
	if ((r = get_object(c, o, "tcb", &tcb)) < 0)
		return r;
	size_t at = push_key(c, "tcb");
	if ((r = get_components(c, tcb, "sgxtcbcomponents", l->sgx_comp)) < 0 ||
	    (r = get_int(c, tcb, "pcesvn", 0, 65535, &v)) < 0 ||
	    (r = get_components(c, tcb, "tdxtcbcomponents", l->tdx_comp)) < 0)
		return r;
	pop(c, at);
	l->pcesvn = (uint16_t)v;
	if ((r = get_date(c, o, "tcbDate", &l->tcb_date)) < 0 ||
	    (r = get_status(c, o, 0, &l->status)) < 0)
		return r;
	return get_advisories(c, o, &l->adv);
}

/* A module or QE identity level: {"tcb":{"isvsvn":N},"tcbDate","tcbStatus"}. */
static int isv_level(struct ctx *c, json_t *o, json_int_t max, json_int_t *isvsvn,
		     int64_t *date, int *status, struct c2d_advisories *adv)
{
	json_t *tcb;
	int r;
	if ((r = get_object(c, o, "tcb", &tcb)) < 0)
		return r;
	size_t at = push_key(c, "tcb");
	r = get_int(c, tcb, "isvsvn", 0, max, isvsvn);
	pop(c, at);
	if (r < 0 || (r = get_date(c, o, "tcbDate", date)) < 0 || (r = get_status(c, o, 1, status)) < 0)
		return r;
	return get_advisories(c, o, adv);
}

static int module_identity(struct ctx *c, json_t *o, struct c2d_tdx_module_identity *m)
{
	const char *id;
	json_t *levels;
	int r;
	if ((r = get_string(c, o, "id", &id)) < 0)
		return r;
	if (strlen(id) >= sizeof(m->id))
		return bad(c, "id", "longer than %zu bytes", sizeof(m->id) - 1);
	strcpy(m->id, id);
	if ((r = get_hex(c, o, "mrsigner", m->mrsigner, 48)) < 0 ||
	    (r = get_hex(c, o, "attributes", m->attributes, 8)) < 0 ||
	    (r = get_hex(c, o, "attributesMask", m->attributes_mask, 8)) < 0 ||
	    (r = get_array(c, o, "tcbLevels", 1, C2D_TCB_LEVELS_MAX, &levels)) < 0)
		return r;
	m->nlevels = json_array_size(levels);
	if ((m->levels = calloc(m->nlevels, sizeof(*m->levels))) == NULL)
		return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
	size_t at = push_key(c, "tcbLevels");
	for (size_t i = 0; i < m->nlevels; i++) {
		struct c2d_module_level *l = &m->levels[i];
		json_int_t svn;
		size_t at2 = push_index(c, i);
		if ((r = isv_level(c, json_array_get(levels, i), 255, &svn, &l->tcb_date, &l->status,
				   &l->adv)) < 0)
			return r;
		l->isvsvn = (uint8_t)svn;
		pop(c, at2);
	}
	pop(c, at);
	return C2D_OK;
}

/* The content of a TCB info object (PCS "TCB Info V3" for TDX). */
static int tcb_info_obj(struct ctx *c, json_t *o, struct c2d_tcb_info *ti)
{
	const char *id;
	json_int_t v;
	json_t *mod, *levels, *mods;
	int r;
	if (!json_is_object(o))
		return bad(c, NULL, "must be an object");
	if ((r = get_string(c, o, "id", &id)) < 0)
		return r;
	if (strcmp(id, "TDX") != 0)
		return bad(c, "id", "is \"%.20s\"; a TDX TCB info has \"TDX\"", id);
	strcpy(ti->id, id);
	if ((r = get_int(c, o, "version", 3, 3, &v)) < 0)
		return r;
	ti->version = (int)v;
	if ((r = get_date(c, o, "issueDate", &ti->issue_date)) < 0 ||
	    (r = get_date(c, o, "nextUpdate", &ti->next_update)) < 0 ||
	    (r = get_hex(c, o, "fmspc", ti->fmspc, 6)) < 0 ||
	    (r = get_hex(c, o, "pceId", ti->pceid, 2)) < 0 ||
	    (r = get_int(c, o, "tcbType", 0, 255, &v)) < 0)
		return r;
	ti->tcb_type = (int)v;
	if ((r = get_int(c, o, "tcbEvaluationDataNumber", 0, UINT32_MAX, &v)) < 0)
		return r;
	ti->tcb_evaluation_data_number = (uint32_t)v;
	if ((r = get_object(c, o, "tdxModule", &mod)) < 0)
		return r;
	size_t at = push_key(c, "tdxModule");
	if ((r = get_hex(c, mod, "mrsigner", ti->tdx_module.mrsigner, 48)) < 0 ||
	    (r = get_hex(c, mod, "attributes", ti->tdx_module.attributes, 8)) < 0 ||
	    (r = get_hex(c, mod, "attributesMask", ti->tdx_module.attributes_mask, 8)) < 0)
		return r;
	pop(c, at);

	/* Optional: TCB infos from before TDX module 1.5 lack it. */
	if (json_object_get(o, "tdxModuleIdentities") != NULL) {
		if ((r = get_array(c, o, "tdxModuleIdentities", 0, C2D_TDX_MODULES_MAX, &mods)) < 0)
			return r;
		ti->nmodules = json_array_size(mods);
		if (ti->nmodules > 0 &&
		    (ti->modules = calloc(ti->nmodules, sizeof(*ti->modules))) == NULL)
			return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
		at = push_key(c, "tdxModuleIdentities");
		for (size_t i = 0; i < ti->nmodules; i++) {
			size_t at2 = push_index(c, i);
			if ((r = module_identity(c, json_array_get(mods, i), &ti->modules[i])) < 0)
				return r;
			pop(c, at2);
		}
		pop(c, at);
	}

	if ((r = get_array(c, o, "tcbLevels", 1, C2D_TCB_LEVELS_MAX, &levels)) < 0)
		return r;
	ti->nlevels = json_array_size(levels);
	if ((ti->levels = calloc(ti->nlevels, sizeof(*ti->levels))) == NULL)
		return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
	at = push_key(c, "tcbLevels");
	for (size_t i = 0; i < ti->nlevels; i++) {
		size_t at2 = push_index(c, i);
		if ((r = tcb_level(c, json_array_get(levels, i), &ti->levels[i])) < 0)
			return r;
		pop(c, at2);
	}
	pop(c, at);
	return C2D_OK;
}

/* The content of a QE identity object (PCS "Enclave Identity V2"). */
static int qe_identity_obj(struct ctx *c, json_t *o, struct c2d_qe_identity *qi)
{
	const char *id;
	json_int_t v;
	json_t *levels;
	uint8_t b[4];
	int r;
	if (!json_is_object(o))
		return bad(c, NULL, "must be an object");
	if ((r = get_string(c, o, "id", &id)) < 0)
		return r;
	if (strcmp(id, "TD_QE") != 0)
		return bad(c, "id", "is \"%.20s\"; the TDX quoting enclave's identity has \"TD_QE\"", id);
	strcpy(qi->id, id);
	if ((r = get_int(c, o, "version", 2, 2, &v)) < 0)
		return r;
	qi->version = (int)v;
	if ((r = get_date(c, o, "issueDate", &qi->issue_date)) < 0 ||
	    (r = get_date(c, o, "nextUpdate", &qi->next_update)) < 0 ||
	    (r = get_int(c, o, "tcbEvaluationDataNumber", 0, UINT32_MAX, &v)) < 0)
		return r;
	qi->tcb_evaluation_data_number = (uint32_t)v;
	/* The hex strings give the report's bytes in order, as for the
	 * attributes; MISCSELECT is a little-endian u32 in the report (QVL
	 * EnclaveReportVerifier::vectorToUint32 swaps the same way). */
	if ((r = get_hex(c, o, "miscselect", b, 4)) < 0)
		return r;
	qi->miscselect = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if ((r = get_hex(c, o, "miscselectMask", b, 4)) < 0)
		return r;
	qi->miscselect_mask = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if ((r = get_hex(c, o, "attributes", qi->attributes, 16)) < 0 ||
	    (r = get_hex(c, o, "attributesMask", qi->attributes_mask, 16)) < 0 ||
	    (r = get_hex(c, o, "mrsigner", qi->mrsigner, 32)) < 0 ||
	    (r = get_int(c, o, "isvprodid", 0, 65535, &v)) < 0)
		return r;
	qi->isvprodid = (uint16_t)v;
	if ((r = get_array(c, o, "tcbLevels", 1, C2D_TCB_LEVELS_MAX, &levels)) < 0)
		return r;
	qi->nlevels = json_array_size(levels);
	if ((qi->levels = calloc(qi->nlevels, sizeof(*qi->levels))) == NULL)
		return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
	size_t at = push_key(c, "tcbLevels");
	for (size_t i = 0; i < qi->nlevels; i++) {
		struct c2d_qe_level *l = &qi->levels[i];
		size_t at2 = push_index(c, i);
		if ((r = isv_level(c, json_array_get(levels, i), 65535, &v, &l->tcb_date, &l->status,
				   &l->adv)) < 0)
			return r;
		l->isvsvn = (uint16_t)v;
		pop(c, at2);
	}
	pop(c, at);
	return C2D_OK;
}

/* Parses body[0..len) (the signed bytes) with jansson and keeps a copy. */
static json_t *load_json(struct ctx *c, const char *body, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		c2d_fail(c->err, C2D_E_INPUT, "%s: %s: line %d column %d: %s", c->file, c->path,
			 je.line, je.column, je.text);
	return o;
}

static int copy_body(struct ctx *c, const char *body, size_t len, uint8_t **out, size_t *out_len)
{
	if ((*out = malloc(len ? len : 1)) == NULL)
		return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
	memcpy(*out, body, len);
	*out_len = len;
	return C2D_OK;
}

static int tcb_info_from(struct ctx *c, const char *body, size_t len, struct c2d_tcb_info *ti)
{
	json_t *o = load_json(c, body, len);
	if (o == NULL)
		return C2D_E_INPUT;
	int r = tcb_info_obj(c, o, ti);
	json_decref(o);
	return r < 0 ? r : copy_body(c, body, len, &ti->body, &ti->body_len);
}

static int qe_identity_from(struct ctx *c, const char *body, size_t len, struct c2d_qe_identity *qi)
{
	json_t *o = load_json(c, body, len);
	if (o == NULL)
		return C2D_E_INPUT;
	int r = qe_identity_obj(c, o, qi);
	json_decref(o);
	return r < 0 ? r : copy_body(c, body, len, &qi->body, &qi->body_len);
}

/* ---- the PCS envelope ------------------------------------------------- */

/* {"<inner>":{...},"signature":"<128 hex>"} and nothing else. */
static int pcs_envelope(const char *buf, size_t len, const char *name, const char *inner,
			uint8_t sig[64], size_t *off, size_t *vlen, struct c2d_err *err)
{
	struct ctx c = { name, "", err };
	json_error_t je;
	int r;
	if ((r = c2d_collateral_json_member_span(buf, len, inner, name, off, vlen, err)) < 0)
		return r;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (strcmp(key, inner) != 0 && strcmp(key, "signature") != 0) {
			r = c2d_fail(err, C2D_E_INPUT, "%s: unknown top-level key \"%.40s\" (%s, signature)",
				     name, key, inner);
			break;
		}
	}
	if (r == C2D_OK)
		r = get_hex(&c, o, "signature", sig, 64);
	json_decref(o);
	return r;
}

c2d_status c2d_collateral_json_parse_pcs_tcb_info(const char *buf, size_t len, const char *name,
					     struct c2d_tcb_info *ti, struct c2d_err *err)
{
	struct ctx c = { name, "tcbInfo", err };
	size_t off, vlen;
	memset(ti, 0, sizeof(*ti));
	int r = pcs_envelope(buf, len, name, "tcbInfo", ti->signature, &off, &vlen, err);
	if (r == C2D_OK)
		r = tcb_info_from(&c, buf + off, vlen, ti);
	if (r < 0)
		c2d_collateral_tcb_info_free(ti);
	return r;
}

c2d_status c2d_collateral_json_parse_pcs_qe_identity(const char *buf, size_t len, const char *name,
						struct c2d_qe_identity *qi, struct c2d_err *err)
{
	struct ctx c = { name, "enclaveIdentity", err };
	size_t off, vlen;
	memset(qi, 0, sizeof(*qi));
	int r = pcs_envelope(buf, len, name, "enclaveIdentity", qi->signature, &off, &vlen, err);
	if (r == C2D_OK)
		r = qe_identity_from(&c, buf + off, vlen, qi);
	if (r < 0)
		c2d_collateral_qe_identity_free(qi);
	return r;
}

/* ---- dcap-qvl's collateral JSON --------------------------------------- */

static int dup_pem(struct ctx *c, json_t *o, const char *key, char **out)
{
	const char *s;
	int r;
	if ((r = get_string(c, o, key, &s)) < 0)
		return r;
	if (strstr(s, "-----BEGIN CERTIFICATE-----") == NULL)
		return bad(c, key, "must hold PEM certificates");
	if ((*out = strdup(s)) == NULL)
		return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
	return C2D_OK;
}

static int hex_der(struct ctx *c, json_t *o, const char *key, uint8_t **out, size_t *out_len)
{
	const char *s;
	int r;
	if ((r = get_string(c, o, key, &s)) < 0)
		return r;
	size_t n = strlen(s);
	if (n == 0 || n % 2 != 0 || s[1] == 'x' || s[1] == 'X')
		return bad(c, key, "must be an even, non-zero number of hex digits");
	if ((*out = malloc(n / 2)) == NULL)
		return c2d_fail(c->err, C2D_E_NOMEM, "%s: out of memory", c->file);
	*out_len = n / 2;
	if (c2d_hex_decode(s, n, *out, n / 2, NULL) < 0)
		return bad(c, key, "must be hex digits");
	return C2D_OK;
}

static int dcapqvl(struct ctx *c, json_t *o, struct c2d_collateral *col)
{
	const char *s;
	int r;
	if (!json_is_object(o))
		return bad(c, NULL, "must be a JSON object");
	if ((r = dup_pem(c, o, "tcb_info_issuer_chain", &col->tcb_chain)) < 0 ||
	    (r = dup_pem(c, o, "qe_identity_issuer_chain", &col->qe_chain)) < 0 ||
	    (r = dup_pem(c, o, "pck_crl_issuer_chain", &col->pck_crl_chain)) < 0 ||
	    (r = hex_der(c, o, "pck_crl", &col->pck_crl, &col->pck_crl_len)) < 0 ||
	    (r = hex_der(c, o, "root_ca_crl", &col->root_crl, &col->root_crl_len)) < 0 ||
	    (r = get_hex(c, o, "tcb_info_signature", col->tcb.signature, 64)) < 0 ||
	    (r = get_hex(c, o, "qe_identity_signature", col->qe.signature, 64)) < 0)
		return r;
	/* The signed bytes are the decoded strings; jansson refuses a NUL
	 * inside a string unless asked (JSON_ALLOW_NUL), so strlen is their
	 * length. */
	if ((r = get_string(c, o, "tcb_info", &s)) < 0)
		return r;
	strcpy(c->path, "tcb_info");
	if ((r = tcb_info_from(c, s, strlen(s), &col->tcb)) < 0)
		return r;
	if ((r = get_string(c, o, "qe_identity", &s)) < 0)
		return r;
	strcpy(c->path, "qe_identity");
	return qe_identity_from(c, s, strlen(s), &col->qe);
}

c2d_status c2d_collateral_json_parse_dcapqvl(const char *buf, size_t len, const char *name,
					struct c2d_collateral *col, struct c2d_err *err)
{
	struct ctx c = { name, "", err };
	json_error_t je;
	memset(col, 0, sizeof(*col));
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	int r = dcapqvl(&c, o, col);
	json_decref(o);
	if (r < 0)
		c2d_collateral_free(col);
	return r;
}

/* ---- separate files --------------------------------------------------- */

#define COLLATERAL_FILE_MAX (1u << 20)

/* A whole file as a NUL-terminated string (PEM) or bytes (DER, JSON). */
static int slurp(const char *path, char **out, size_t *len, struct c2d_err *err)
{
	uint8_t *data;
	size_t n;
	int r = c2d_fs_read_file(path, COLLATERAL_FILE_MAX, &data, &n, err);
	if (r < 0)
		return r;
	char *s = realloc(data, n + 1);
	if (s == NULL) {
		free(data);
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	}
	s[n] = '\0';
	*out = s;
	if (len != NULL)
		*len = n;
	return C2D_OK;
}

static int pem_file(const char *path, char **out, struct c2d_err *err)
{
	size_t n;
	int r = slurp(path, out, &n, err);
	if (r < 0)
		return r;
	if (strlen(*out) != n || strstr(*out, "-----BEGIN CERTIFICATE-----") == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s: not a PEM certificate chain", path);
	return C2D_OK;
}

c2d_status c2d_collateral_json_load_files(const struct c2d_collateral_paths *p, struct c2d_collateral *c,
				     struct c2d_err *err)
{
	char *buf = NULL;
	size_t n;
	int r;
	memset(c, 0, sizeof(*c));
	if ((r = slurp(p->tcb_info, &buf, &n, err)) < 0)
		goto out;
	r = c2d_collateral_json_parse_pcs_tcb_info(buf, n, p->tcb_info, &c->tcb, err);
	free(buf);
	buf = NULL;
	if (r < 0 || (r = slurp(p->qe_identity, &buf, &n, err)) < 0)
		goto out;
	r = c2d_collateral_json_parse_pcs_qe_identity(buf, n, p->qe_identity, &c->qe, err);
	if (r < 0 ||
	    (r = slurp(p->pck_crl, (char **)&c->pck_crl, &c->pck_crl_len, err)) < 0 ||
	    (r = slurp(p->root_crl, (char **)&c->root_crl, &c->root_crl_len, err)) < 0 ||
	    (r = pem_file(p->tcb_chain, &c->tcb_chain, err)) < 0 ||
	    (r = pem_file(p->qe_chain, &c->qe_chain, err)) < 0)
		goto out;
	if (p->pck_crl_chain != NULL)
		r = pem_file(p->pck_crl_chain, &c->pck_crl_chain, err);
out:
	free(buf);
	if (r < 0)
		c2d_collateral_free(c);
	return r;
}
