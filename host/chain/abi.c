/* The Solidity ABI: see abi.h. */
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "keccak.h"

/* --- types ------------------------------------------------------------------ */

#define MAX_TYPES 64

struct abi_type {
	enum c2d_abi_kind kind;
	unsigned bits;     /* uint */
	int child;         /* array: element; tuple: first member; -1 none */
	int next;          /* next member of the enclosing tuple; -1 none */
};

struct typeset {
	struct abi_type t[MAX_TYPES];
	int n;
	const char *text;
};

static int new_type(struct typeset *ts, enum c2d_abi_kind kind, struct c2d_err *err)
{
	if (ts->n == MAX_TYPES)
		return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': too many types", ts->text);
	ts->t[ts->n] = (struct abi_type){ kind, 0, -1, -1 };
	return ts->n++;
}

static int parse_type(struct typeset *ts, const char **s, int depth, struct c2d_err *err);

/* "(" [type ("," type)*] ")"; an empty tuple only at the top level, since
 * elements of size zero would let a count say anything. */
static int parse_tuple(struct typeset *ts, const char **s, int depth, struct c2d_err *err)
{
	int me = new_type(ts, C2D_ABI_TUPLE, err), prev = -1;
	if (me < 0)
		return me;
	(*s)++;
	if (**s == ')' && depth == 0) {
		(*s)++;
		return me;
	}
	for (;;) {
		int m = parse_type(ts, s, depth + 1, err);
		if (m < 0)
			return m;
		if (prev < 0)
			ts->t[me].child = m;
		else
			ts->t[prev].next = m;
		prev = m;
		if (**s == ')') {
			(*s)++;
			return me;
		}
		if (**s != ',')
			return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': expected ',' or ')' at %zu",
					ts->text, (size_t)(*s - ts->text));
		(*s)++;
	}
}

static int parse_type(struct typeset *ts, const char **s, int depth, struct c2d_err *err)
{
	static const struct { const char *name; enum c2d_abi_kind kind; } names[] = {
		{ "address", C2D_ABI_ADDRESS }, { "bool", C2D_ABI_BOOL }, { "bytes32", C2D_ABI_BYTES32 },
		{ "string", C2D_ABI_STRING }, { "bytes", C2D_ABI_BYTES },
	};
	int me = -1;
	if (depth > 8)
		return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': nested too deeply", ts->text);
	if (**s == '(') {
		me = parse_tuple(ts, s, depth, err);
		if (me < 0)
			return me;
	} else if (strncmp(*s, "uint", 4) == 0) {
		char *end;
		unsigned long bits = strtoul(*s + 4, &end, 10);
		if (end == *s + 4 || bits == 0 || bits > 256 || bits % 8 != 0 || (*s)[4] == '0')
			return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': bad uint width", ts->text);
		if ((me = new_type(ts, C2D_ABI_UINT, err)) < 0)
			return me;
		ts->t[me].bits = (unsigned)bits;
		*s = end;
	} else {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && me < 0; i++) {
			size_t l = strlen(names[i].name);
			/* "bytes" must not swallow the prefix of "bytes32" */
			if (strncmp(*s, names[i].name, l) == 0 && strchr(",)[", (*s)[l]) != NULL) {
				if ((me = new_type(ts, names[i].kind, err)) < 0)
					return me;
				*s += l;
			}
		}
		if (me < 0)
			return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': unknown type at %zu", ts->text,
					(size_t)(*s - ts->text));
	}
	while ((*s)[0] == '[' && (*s)[1] == ']') {
		int a = new_type(ts, C2D_ABI_ARRAY, err);
		if (a < 0)
			return a;
		ts->t[a].child = me;
		me = a;
		*s += 2;
	}
	return me;
}

/* Parses a tuple type; *root is its index (0). */
static int parse_types(struct typeset *ts, const char *text, struct c2d_err *err)
{
	const char *s = text;
	ts->n = 0;
	ts->text = text;
	if (*s != '(')
		return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': expected a tuple", text);
	int r = parse_type(ts, &s, 0, err);
	if (r < 0)
		return r;
	if (*s != '\0' || ts->t[r].kind != C2D_ABI_TUPLE)
		return c2d_fail(err, C2D_E_INTERNAL, "abi type '%s': expected one tuple type", text);
	return r;
}

static int is_dynamic(const struct typeset *ts, int t)
{
	switch (ts->t[t].kind) {
	case C2D_ABI_STRING:
	case C2D_ABI_BYTES:
	case C2D_ABI_ARRAY:
		return 1;
	case C2D_ABI_TUPLE:
		for (int m = ts->t[t].child; m >= 0; m = ts->t[m].next)
			if (is_dynamic(ts, m))
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* Size in a head: 32 for dynamic types (an offset), else the encoding. */
static size_t head_size(const struct typeset *ts, int t)
{
	if (is_dynamic(ts, t))
		return 32;
	if (ts->t[t].kind != C2D_ABI_TUPLE)
		return 32;
	size_t n = 0;
	for (int m = ts->t[t].child; m >= 0; m = ts->t[m].next)
		n += head_size(ts, m);
	return n;
}

static size_t pad32(size_t n)
{
	return (n + 31) / 32 * 32;
}

static int count_members(const struct typeset *ts, int t)
{
	int n = 0;
	for (int m = ts->t[t].child; m >= 0; m = ts->t[m].next)
		n++;
	return n;
}

/* Whether a 32-byte word has only its low `bits` bits set. */
static int word_fits(const uint8_t w[32], unsigned bits)
{
	for (unsigned i = 0; i < 32 - bits / 8; i++)
		if (w[i] != 0)
			return 0;
	return 1;
}

static int scalar_ok(enum c2d_abi_kind k, unsigned bits, const uint8_t w[32])
{
	switch (k) {
	case C2D_ABI_UINT: return word_fits(w, bits);
	case C2D_ABI_ADDRESS: return word_fits(w, 160);
	case C2D_ABI_BOOL: return word_fits(w, 8) && w[31] <= 1;
	default: return 1;
	}
}

static const char *kind_name(enum c2d_abi_kind k)
{
	static const char *const n[] = { "uint", "address", "bool", "bytes32", "string", "bytes",
					 "array", "tuple" };
	return n[k];
}

/* --- encoding --------------------------------------------------------------- */

/* Checks v against type t and adds its full encoded size to *size. */
static int enc_check(const struct typeset *ts, int t, const struct c2d_abi_value *v, size_t *size,
		     struct c2d_err *err)
{
	const struct abi_type *ty = &ts->t[t];
	if (v->kind != ty->kind)
		return c2d_fail(err, C2D_E_INPUT, "abi '%s': a %s where a %s is due", ts->text,
				kind_name(v->kind), kind_name(ty->kind));
	switch (ty->kind) {
	case C2D_ABI_STRING:
	case C2D_ABI_BYTES:
		if (v->len > ((size_t)1 << 30))
			return c2d_fail(err, C2D_E_INPUT, "abi '%s': %zu bytes is too long", ts->text, v->len);
		*size += 32 + pad32(v->len);
		return C2D_OK;
	case C2D_ABI_ARRAY:
		if (v->n > ((size_t)1 << 20))
			return c2d_fail(err, C2D_E_INPUT, "abi '%s': %zu items is too many", ts->text, v->n);
		*size += 32;
		for (size_t i = 0; i < v->n; i++) {
			*size += is_dynamic(ts, ty->child) ? 32 : 0;
			int r = enc_check(ts, ty->child, &v->items[i], size, err);
			if (r < 0)
				return r;
		}
		return C2D_OK;
	case C2D_ABI_TUPLE: {
		if (v->n != (size_t)count_members(ts, t))
			return c2d_fail(err, C2D_E_INPUT, "abi '%s': %zu values for %d members", ts->text,
					v->n, count_members(ts, t));
		size_t i = 0;
		for (int m = ty->child; m >= 0; m = ts->t[m].next, i++) {
			*size += is_dynamic(ts, m) ? 32 : 0;
			int r = enc_check(ts, m, &v->items[i], size, err);
			if (r < 0)
				return r;
		}
		return C2D_OK;
	}
	default:
		if (!scalar_ok(ty->kind, ty->bits, v->word))
			return c2d_fail(err, C2D_E_INPUT, "abi '%s': value out of range for %s", ts->text,
					kind_name(ty->kind));
		*size += 32;
		return C2D_OK;
	}
}

static void put_word(uint8_t *p, size_t v)
{
	memset(p, 0, 32);
	for (int i = 0; i < 8; i++)
		p[31 - i] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* Writes members (types m0.., values vs[0..n)) as a tuple at out; returns
 * the bytes written. Types were checked by enc_check. */
static size_t enc_write(const struct typeset *ts, int t, const struct c2d_abi_value *v, uint8_t *out);

static size_t enc_seq(const struct typeset *ts, int first, int same, const struct c2d_abi_value *vs,
		      size_t n, uint8_t *out)
{
	size_t head = 0, tail;
	int m = first;
	for (size_t i = 0; i < n; i++, m = same ? m : ts->t[m].next)
		head += head_size(ts, m);
	tail = head;
	head = 0;
	m = first;
	for (size_t i = 0; i < n; i++, m = same ? m : ts->t[m].next) {
		if (is_dynamic(ts, m)) {
			put_word(out + head, tail);
			tail += enc_write(ts, m, &vs[i], out + tail);
			head += 32;
		} else {
			head += enc_write(ts, m, &vs[i], out + head);
		}
	}
	return tail;
}

static size_t enc_write(const struct typeset *ts, int t, const struct c2d_abi_value *v, uint8_t *out)
{
	switch (ts->t[t].kind) {
	case C2D_ABI_STRING:
	case C2D_ABI_BYTES:
		put_word(out, v->len);
		memset(out + 32, 0, pad32(v->len));
		if (v->len > 0)
			memcpy(out + 32, v->data, v->len);
		return 32 + pad32(v->len);
	case C2D_ABI_ARRAY:
		put_word(out, v->n);
		return 32 + enc_seq(ts, ts->t[t].child, 1, v->items, v->n, out + 32);
	case C2D_ABI_TUPLE:
		return enc_seq(ts, ts->t[t].child, 0, v->items, v->n, out);
	default:
		memcpy(out, v->word, 32);
		return 32;
	}
}

static int encode_into(const char *types, const struct c2d_abi_value *v, size_t prefix, uint8_t **out,
		       size_t *len, struct c2d_err *err)
{
	struct typeset ts;
	size_t size = 0;
	int root = parse_types(&ts, types, err);
	if (root < 0)
		return root;
	int r = enc_check(&ts, root, v, &size, err);
	if (r < 0)
		return r;
	uint8_t *buf = malloc(prefix + size + 1);
	if (buf == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "abi: out of memory");
	size_t w = enc_write(&ts, root, v, buf + prefix);
	if (w != size) {
		free(buf);
		return c2d_fail(err, C2D_E_INTERNAL, "abi '%s': wrote %zu bytes of %zu", types, w, size);
	}
	*out = buf;
	*len = prefix + size;
	return C2D_OK;
}

c2d_status c2d_abi_encode(const char *types, const struct c2d_abi_value *v, uint8_t **out, size_t *len,
			  struct c2d_err *err)
{
	return encode_into(types, v, 0, out, len, err);
}

void c2d_abi_selector(const char *signature, uint8_t sel[4])
{
	uint8_t h[32];
	c2d_keccak256(signature, strlen(signature), h);
	memcpy(sel, h, 4);
}

c2d_status c2d_abi_call(const char *signature, const struct c2d_abi_value *args, size_t n, uint8_t **out,
			size_t *len, struct c2d_err *err)
{
	const char *paren = strchr(signature, '(');
	if (paren == NULL || paren == signature)
		return c2d_fail(err, C2D_E_INTERNAL, "abi: '%s' is not a function signature", signature);
	struct c2d_abi_value tuple = c2d_abi_tuple((struct c2d_abi_value *)args, n);
	int r = encode_into(paren, &tuple, 4, out, len, err);
	if (r < 0)
		return r;
	c2d_abi_selector(signature, *out);
	return C2D_OK;
}

/* --- values ----------------------------------------------------------------- */

struct c2d_abi_value c2d_abi_uint(uint64_t v)
{
	struct c2d_abi_value x = { .kind = C2D_ABI_UINT };
	for (int i = 0; i < 8; i++)
		x.word[31 - i] = (uint8_t)(v >> (8 * i));
	return x;
}

struct c2d_abi_value c2d_abi_address(const uint8_t addr[20])
{
	struct c2d_abi_value x = { .kind = C2D_ABI_ADDRESS };
	memcpy(x.word + 12, addr, 20);
	return x;
}

struct c2d_abi_value c2d_abi_bool(int b)
{
	struct c2d_abi_value x = { .kind = C2D_ABI_BOOL };
	x.word[31] = b != 0;
	return x;
}

struct c2d_abi_value c2d_abi_bytes32(const uint8_t b[32])
{
	struct c2d_abi_value x = { .kind = C2D_ABI_BYTES32 };
	memcpy(x.word, b, 32);
	return x;
}

struct c2d_abi_value c2d_abi_string(const char *s)
{
	return (struct c2d_abi_value){ .kind = C2D_ABI_STRING, .data = (const uint8_t *)s, .len = strlen(s) };
}

struct c2d_abi_value c2d_abi_bytes(const uint8_t *p, size_t len)
{
	return (struct c2d_abi_value){ .kind = C2D_ABI_BYTES, .data = p, .len = len };
}

struct c2d_abi_value c2d_abi_array(struct c2d_abi_value *items, size_t n)
{
	return (struct c2d_abi_value){ .kind = C2D_ABI_ARRAY, .items = items, .n = n };
}

struct c2d_abi_value c2d_abi_tuple(struct c2d_abi_value *items, size_t n)
{
	return (struct c2d_abi_value){ .kind = C2D_ABI_TUPLE, .items = items, .n = n };
}

c2d_status c2d_abi_get_u64(const struct c2d_abi_value *v, const char *what, uint64_t *out, struct c2d_err *err)
{
	if (v->kind != C2D_ABI_UINT || !word_fits(v->word, 64))
		return c2d_fail(err, C2D_E_INPUT, "%s: not an integer below 2^64", what);
	*out = 0;
	for (int i = 24; i < 32; i++)
		*out = *out << 8 | v->word[i];
	return C2D_OK;
}

/* --- decoding --------------------------------------------------------------- */

struct dec {
	const struct typeset *ts;
	const uint8_t *base;   /* the whole input, for offsets in messages */
};

static int fail_at(const struct dec *d, const uint8_t *at, struct c2d_err *err, const char *what)
{
	return c2d_fail(err, C2D_E_INPUT, "abi '%s' offset %zu: %s", d->ts->text, (size_t)(at - d->base),
			what);
}

/* A length or offset word as size_t, refusing what cannot be small. */
static int get_size(const struct dec *d, const uint8_t *w, size_t limit, size_t *v, struct c2d_err *err)
{
	if (!word_fits(w, 32))
		return fail_at(d, w, err, "length or offset beyond the data");
	uint64_t x = ((uint64_t)w[28] << 24) | ((uint64_t)w[29] << 16) | ((uint64_t)w[30] << 8) | w[31];
	if (x > limit)
		return fail_at(d, w, err, "length or offset beyond the data");
	*v = (size_t)x;
	return C2D_OK;
}

static int dec_value(const struct dec *d, int t, const uint8_t *p, size_t len, struct c2d_abi_value *v,
		     size_t *used, struct c2d_err *err);

/* n members (types from `first`, or n times `first` if same) encoded as a
 * tuple at p[0..len). */
static int dec_seq(const struct dec *d, int first, int same, size_t n, const uint8_t *p, size_t len,
		   struct c2d_abi_value *items, size_t *used, struct c2d_err *err)
{
	const struct typeset *ts = d->ts;
	size_t head = 0, tail = 0;
	int m = first;
	for (size_t i = 0; i < n; i++, m = same ? m : ts->t[m].next) {
		tail += head_size(ts, m);
		if (tail > len)
			return fail_at(d, p + len, err, "heads run past the end");
	}
	m = first;
	for (size_t i = 0; i < n; i++, m = same ? m : ts->t[m].next) {
		size_t u;
		int r;
		if (is_dynamic(ts, m)) {
			size_t off;
			if ((r = get_size(d, p + head, len, &off, err)) < 0)
				return r;
			if (off != tail)
				return fail_at(d, p + head, err, "offset is not the canonical one");
			r = dec_value(d, m, p + tail, len - tail, &items[i], &u, err);
			tail += u;
			head += 32;
		} else {
			r = dec_value(d, m, p + head, len - head, &items[i], &u, err);
			head += u;
		}
		if (r < 0)
			return r;
	}
	*used = tail;
	return C2D_OK;
}

static int dec_value(const struct dec *d, int t, const uint8_t *p, size_t len, struct c2d_abi_value *v,
		     size_t *used, struct c2d_err *err)
{
	const struct abi_type *ty = &d->ts->t[t];
	memset(v, 0, sizeof(*v));
	v->kind = ty->kind;
	if (len < 32)
		return fail_at(d, p, err, "value runs past the end");
	size_t n;
	int r;
	switch (ty->kind) {
	case C2D_ABI_STRING:
	case C2D_ABI_BYTES:
		if ((r = get_size(d, p, len - 32, &n, err)) < 0)
			return r;
		if (pad32(n) > len - 32)
			return fail_at(d, p, err, "bytes run past the end");
		for (size_t i = n; i < pad32(n); i++)
			if (p[32 + i] != 0)
				return fail_at(d, p + 32 + i, err, "non-zero padding");
		v->data = p + 32;
		v->len = n;
		*used = 32 + pad32(n);
		return C2D_OK;
	case C2D_ABI_ARRAY:
		/* every element takes at least one word of the array's head */
		if ((r = get_size(d, p, (len - 32) / 32, &n, err)) < 0)
			return r;
		v->items = calloc(n ? n : 1, sizeof(*v->items));
		if (v->items == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "abi: out of memory");
		v->n = n;
		r = dec_seq(d, ty->child, 1, n, p + 32, len - 32, v->items, used, err);
		*used += 32;
		return r;
	case C2D_ABI_TUPLE:
		n = (size_t)count_members(d->ts, t);
		v->items = calloc(n ? n : 1, sizeof(*v->items));
		if (v->items == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "abi: out of memory");
		v->n = n;
		return dec_seq(d, ty->child, 0, n, p, len, v->items, used, err);
	default:
		if (!scalar_ok(ty->kind, ty->bits, p))
			return fail_at(d, p, err, ty->kind == C2D_ABI_BOOL ? "bool neither 0 nor 1"
									    : "value has bits above its type");
		memcpy(v->word, p, 32);
		*used = 32;
		return C2D_OK;
	}
}

static void free_items(struct c2d_abi_value *v)
{
	if (v->kind != C2D_ABI_ARRAY && v->kind != C2D_ABI_TUPLE)
		return;
	for (size_t i = 0; i < v->n; i++)
		free_items(&v->items[i]);
	free(v->items);
}

void c2d_abi_free(struct c2d_abi_value *v)
{
	if (v == NULL)
		return;
	free_items(v);
	free(v);
}

c2d_status c2d_abi_decode(const char *types, const uint8_t *data, size_t len, struct c2d_abi_value **out,
			  struct c2d_err *err)
{
	struct typeset ts;
	int root = parse_types(&ts, types, err);
	if (root < 0)
		return root;
	struct c2d_abi_value *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "abi: out of memory");
	struct dec d = { &ts, data };
	size_t used = 0, n = (size_t)count_members(&ts, root);
	int r;
	v->kind = C2D_ABI_TUPLE;
	v->n = n;
	v->items = calloc(n ? n : 1, sizeof(*v->items));
	if (v->items == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "abi: out of memory");
	else
		r = dec_seq(&d, ts.t[root].child, 0, n, data, len, v->items, &used, err);
	if (r == 0 && used != len)
		r = c2d_fail(err, C2D_E_INPUT, "abi '%s' offset %zu: %zu bytes after the end", types, used,
			     len - used);
	if (r < 0) {
		c2d_abi_free(v);
		return r;
	}
	*out = v;
	return C2D_OK;
}

/* --- revert data ------------------------------------------------------------ */

static const char *panic_meaning(uint64_t code)
{
	switch (code) {
	case 0x00: return "generic compiler panic";
	case 0x01: return "assertion failed";
	case 0x11: return "arithmetic overflow or underflow";
	case 0x12: return "division or modulo by zero";
	case 0x21: return "invalid enum value";
	case 0x22: return "badly encoded storage byte array";
	case 0x31: return "pop on an empty array";
	case 0x32: return "array index out of bounds";
	case 0x41: return "out of memory";
	case 0x51: return "call to an uninitialised function";
	default: return "unknown panic code";
	}
}

int c2d_abi_revert_reason(const uint8_t *data, size_t len, char *out, size_t cap)
{
	static const uint8_t error_sel[4] = { 0x08, 0xc3, 0x79, 0xa0 };
	static const uint8_t panic_sel[4] = { 0x4e, 0x48, 0x7b, 0x71 };
	struct c2d_abi_value *v = NULL;
	if (cap == 0)
		return 0;
	if (len >= 4 && memcmp(data, error_sel, 4) == 0 &&
	    c2d_abi_decode("(string)", data + 4, len - 4, &v, NULL) == 0) {
		size_t n = v->items[0].len < cap - 1 ? v->items[0].len : cap - 1;
		for (size_t i = 0; i < n; i++) {
			uint8_t c = v->items[0].data[i];
			out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		out[n] = '\0';
		c2d_abi_free(v);
		return 1;
	}
	if (len >= 4 && memcmp(data, panic_sel, 4) == 0 &&
	    c2d_abi_decode("(uint256)", data + 4, len - 4, &v, NULL) == 0) {
		uint64_t code;
		if (c2d_abi_get_u64(&v->items[0], "panic", &code, NULL) < 0)
			code = UINT64_MAX;
		snprintf(out, cap, "panic 0x%02llx (%s)", (unsigned long long)code, panic_meaning(code));
		c2d_abi_free(v);
		return 2;
	}
	if (len == 0) {
		snprintf(out, cap, "no revert data");
		return 0;
	}
	char hex[2 * 64 + 1];
	size_t shown = len < 64 ? len : 64;
	c2d_hex(data, shown, hex);
	snprintf(out, cap, "revert data 0x%s%s", hex, shown < len ? "..." : "");
	return 0;
}
