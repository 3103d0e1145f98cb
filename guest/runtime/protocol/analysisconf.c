/* The analysis configuration: see c2d/analysisconf.h. Hand-written: the
 * format is a dozen "key value" lines, and the guest links no parser
 * library (JSON would need a canonical form and a library in PID 1). */
#include "c2d/analysisconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "c2d/fdio.h"

struct cursor {
	const char *name;
	const uint8_t *p;
	size_t len, off;
	unsigned line;        /* of the last line read */
};

struct kv {
	unsigned line;
	const char *key, *val;
	size_t klen, vlen;
};

static int key_char(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
}

/* The next "KEY VALUE" line into *l, skipping comments and empty lines:
 * 1, or 0 at the end of the text. */
static int next_kv(struct cursor *c, struct kv *l, struct c2d_err *err)
{
	while (c->off < c->len) {
		const uint8_t *s = c->p + c->off, *nl = memchr(s, '\n', c->len - c->off);
		c->line++;
		if (nl == NULL)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: no newline at the end of the file",
					c->name, c->line);
		size_t n = (size_t)(nl - s);
		c->off += n + 1;
		for (size_t i = 0; i < n; i++)
			if (s[i] < 0x20 || s[i] > 0x7e)
				return c2d_fail(err, C2D_E_INPUT,
						"%s:%u: byte 0x%02x at column %zu: only printable ASCII",
						c->name, c->line, s[i], i + 1);
		if (n == 0 || s[0] == '#')
			continue;
		size_t k = 0;
		while (k < n && key_char(s[k]))
			k++;
		if (k == 0 || k == n || s[k] != ' ')
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%u: expected 'KEY VALUE' (KEY of [a-z0-9_.], one space)",
					c->name, c->line);
		const uint8_t *v = s + k + 1;
		size_t vn = n - k - 1;
		if (vn == 0 || memchr(v, ' ', vn) != NULL)
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%u: %.*s: expected one value after one space, and nothing after it",
					c->name, c->line, (int)k, (const char *)s);
		*l = (struct kv){ c->line, (const char *)s, (const char *)v, k, vn };
		return 1;
	}
	return 0;
}

static int key_is(const struct kv *l, const char *key)
{
	return l->klen == strlen(key) && memcmp(l->key, key, l->klen) == 0;
}

/* A decimal in millionths (see the header); -1 if malformed. */
static int parse_micro(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0, int_digits = 0, frac_digits = 0;
	uint64_t v = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
		if (v > C2D_ACONF_MAX_MICRO)   /* long enough to refuse; no overflow */
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (int_digits == 0 || (int_digits > 1 && s[0] == '0'))
		return -1;
	if (i < n) {
		if (s[i++] != '.')
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
			if (frac_digits == 6)
				return -1;
			v = v * 10 + (uint64_t)(s[i] - '0');
		}
		if (frac_digits == 0 || i < n)
			return -1;
	}
	for (; frac_digits < 6; frac_digits++) {
		if (v > C2D_ACONF_MAX_MICRO)
			return -1;
		v *= 10;
	}
	*out = v;
	return 0;
}

/* The next line must be key. */
static int want_key(struct cursor *c, const char *key, struct kv *l, struct c2d_err *err)
{
	int r = next_kv(c, l, err);
	if (r < 0)
		return r;
	if (r == 0)
		return c2d_fail(err, C2D_E_INPUT, "%s:%u: expected '%s', found the end of the file",
				c->name, c->line, key);
	if (!key_is(l, key))
		return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: unknown, repeated or out of place; expected '%s'",
				c->name, l->line, (int)l->klen, l->key, key);
	return C2D_OK;
}

static int check_micro(const struct cursor *c, const struct kv *l, uint64_t *v,
		       struct c2d_err *err)
{
	if (parse_micro(l->val, l->vlen, v) < 0 || *v == 0 || *v > C2D_ACONF_MAX_MICRO)
		return c2d_fail(err, C2D_E_INPUT,
				"%s:%u: %.*s: '%.*s' is not a decimal in [0.000001, %" PRIu64 "] with at most 6 decimals",
				c->name, l->line, (int)l->klen, l->key, (int)l->vlen, l->val,
				C2D_ACONF_MAX_MICRO / 1000000);
	return C2D_OK;
}

/* The next line must be key, with a DEC value in range. */
static int want_micro(struct cursor *c, const char *key, struct kv *l, uint64_t *v,
		      struct c2d_err *err)
{
	int r = want_key(c, key, l, err);
	return r < 0 ? r : check_micro(c, l, v, err);
}

/* The total declared on line l must equal the sum of its parts. */
static int check_total(const struct cursor *c, const struct kv *l, uint64_t total, uint64_t sum,
		       const char *parts, struct c2d_err *err)
{
	if (total == sum)
		return C2D_OK;
	char a[C2D_ACONF_DEC_LEN], b[C2D_ACONF_DEC_LEN];
	c2d_aconf_fmt_micro(total, a);
	c2d_aconf_fmt_micro(sum, b);
	return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: %s, but %s sum to %s", c->name, l->line,
			(int)l->klen, l->key, a, parts, b);
}

static int parse_shares(struct cursor *c, const struct kv *eps, struct c2d_aconf *a,
			struct c2d_err *err)
{
	static const char prefix[] = "eps.";
	const size_t pn = sizeof(prefix) - 1;
	struct kv l;
	uint64_t sum = 0;
	int r;
	while ((r = next_kv(c, &l, err)) > 0) {
		if (l.klen <= pn || memcmp(l.key, prefix, pn) != 0)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: unknown or out of place; expected 'eps.OUTPUT'",
					c->name, l.line, (int)l.klen, l.key);
		const char *out = l.key + pn;
		size_t on = l.klen - pn;
		if (on > C2D_AGG_NAME_MAX || memchr(out, '.', on) != NULL)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: OUTPUT is not 1..%d of [a-z0-9_]",
					c->name, l.line, (int)l.klen, l.key, C2D_AGG_NAME_MAX);
		for (size_t i = 0; i < a->nshares; i++)
			if (strlen(a->shares[i].output) == on && memcmp(a->shares[i].output, out, on) == 0)
				return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: repeated (first on line %u)",
						c->name, l.line, (int)l.klen, l.key, a->shares[i].line);
		if (a->nshares == C2D_ACONF_MAX_OUTPUTS)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: more than %d outputs", c->name,
					l.line, (int)l.klen, l.key, C2D_ACONF_MAX_OUTPUTS);
		struct c2d_aconf_share *s = &a->shares[a->nshares];
		if ((r = check_micro(c, &l, &s->eps_ueps, err)) < 0)
			return r;
		memcpy(s->output, out, on);
		s->output[on] = '\0';
		s->line = l.line;
		a->nshares++;
		sum += s->eps_ueps;   /* at most 16 x 10^8 */
	}
	if (r < 0)
		return r;
	if (a->nshares == 0)
		return c2d_fail(err, C2D_E_INPUT, "%s:%u: expected 'eps.OUTPUT', found the end of the file",
				c->name, c->line);
	return check_total(c, eps, a->eps_ueps, sum, "the outputs' eps shares", err);
}

static int parse_epochs(const struct cursor *c, const struct kv *l, unsigned *out,
			struct c2d_err *err)
{
	unsigned v = 0;
	int ok = l->vlen <= 3 && l->val[0] != '0';
	for (size_t i = 0; ok && i < l->vlen; i++) {
		ok = l->val[i] >= '0' && l->val[i] <= '9';
		v = v * 10 + (unsigned)(l->val[i] - '0');
	}
	if (!ok || v < 1 || v > C2D_ACONF_MAX_EPOCHS)
		return c2d_fail(err, C2D_E_INPUT, "%s:%u: epochs: '%.*s' is not an integer in [1, %d]",
				c->name, l->line, (int)l->vlen, l->val, C2D_ACONF_MAX_EPOCHS);
	*out = v;
	return C2D_OK;
}

static int parse_risk(struct cursor *c, const struct kv *eps, struct c2d_aconf *a,
		      struct c2d_err *err)
{
	struct kv rho, l;
	int r;
	if ((r = want_micro(c, "rho", &rho, &a->rho_urho, err)) < 0 ||
	    (r = want_key(c, "epochs", &l, err)) < 0 || (r = parse_epochs(c, &l, &a->rm.epochs, err)) < 0 ||
	    (r = want_micro(c, "rho_per_epoch", &l, &a->rm.rho_epoch_urho, err)) < 0 ||
	    (r = want_micro(c, "eps_rows", &l, &a->rm.eps_rows_ueps, err)) < 0 ||
	    (r = want_micro(c, "eps_loss_per_epoch", &l, &a->rm.eps_loss_ueps, err)) < 0 ||
	    (r = want_micro(c, "eps_confusion", &l, &a->rm.eps_confusion_ueps, err)) < 0)
		return r;
	if ((r = next_kv(c, &l, err)) < 0)
		return r;
	if (r > 0)
		return c2d_fail(err, C2D_E_INPUT, "%s:%u: %.*s: unknown or repeated; eps_confusion is the last key",
				c->name, l.line, (int)l.klen, l.key);
	/* Parts <= 10^8 and epochs <= 200: no sum or product overflows. */
	uint64_t t = a->rm.epochs;
	if ((r = check_total(c, &rho, a->rho_urho, t * a->rm.rho_epoch_urho,
			     "epochs x rho_per_epoch", err)) < 0)
		return r;
	return check_total(c, eps, a->eps_ueps,
			   a->rm.eps_rows_ueps + t * a->rm.eps_loss_ueps + a->rm.eps_confusion_ueps,
			   "eps_rows + epochs x eps_loss_per_epoch + eps_confusion", err);
}

static int parse(const char *name, const uint8_t *text, size_t len, struct c2d_aconf *a,
		 struct c2d_err *err)
{
	static const struct {
		const char *name;
		enum c2d_aconf_kind kind;
	} known[] = {
		{ "cohort-stats", C2D_ACONF_COHORT_STATS },
		{ "risk-model", C2D_ACONF_RISK_MODEL },
	};
	const size_t ml = sizeof(C2D_ACONF_MAGIC) - 1;
	if (len > C2D_ACONF_MAX_LEN)
		return c2d_fail(err, C2D_E_INPUT, "%s: more than %d bytes", name, C2D_ACONF_MAX_LEN);
	if (len < ml + 1 || memcmp(text, C2D_ACONF_MAGIC "\n", ml + 1) != 0)
		return c2d_fail(err, C2D_E_INPUT, "%s:1: expected the line '%s'", name, C2D_ACONF_MAGIC);
	struct cursor c = { name, text, len, ml + 1, 1 };
	struct kv l, eps;
	int r = want_key(&c, "analysis", &l, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (l.vlen == strlen(known[i].name) && memcmp(l.val, known[i].name, l.vlen) == 0) {
			a->kind = known[i].kind;
			a->analysis = known[i].name;
		}
	if (a->analysis == NULL)
		return c2d_fail(err, C2D_E_INPUT,
				"%s:%u: analysis: unknown analysis '%.*s' (known: cohort-stats, risk-model)",
				name, l.line, (int)l.vlen, l.val);
	if ((r = want_micro(&c, "epsilon", &eps, &a->eps_ueps, err)) < 0)
		return r;
	return a->kind == C2D_ACONF_COHORT_STATS ? parse_shares(&c, &eps, a, err)
						 : parse_risk(&c, &eps, a, err);
}

c2d_status c2d_aconf_parse(const char *name, const uint8_t *text, size_t len, struct c2d_aconf *c,
			   struct c2d_err *err)
{
	memset(c, 0, sizeof(*c));
	int r = parse(name, text, len, c, err);
	if (r < 0)
		memset(c, 0, sizeof(*c));
	return r;
}

c2d_status c2d_aconf_load(const char *path, struct c2d_aconf *c, struct c2d_err *err)
{
	uint8_t buf[C2D_ACONF_MAX_LEN + 1];
	size_t len;
	memset(c, 0, sizeof(*c));
	int r = c2d_fdio_read_upto(path, buf, sizeof(buf), &len, err);
	return r < 0 ? r : c2d_aconf_parse(path, buf, len, c, err);
}

c2d_status c2d_aconf_output_eps(const struct c2d_aconf *c, const struct c2d_outschema *s,
				uint64_t *eps_ueps, struct c2d_err *err)
{
	const char *an = s->analysis ? s->analysis : "?";
	if (c->nshares == 0)
		return c2d_fail(err, C2D_E_INPUT, "analysis %s: no eps.OUTPUT shares", c->analysis);
	for (size_t i = 0; i < c->nshares && i < s->noutputs; i++)
		if (strcmp(c->shares[i].output, s->outputs[i].name) != 0)
			return c2d_fail(err, C2D_E_INPUT, "line %u: eps.%s: the %s schema's output %zu is '%s'",
					c->shares[i].line, c->shares[i].output, an, i + 1,
					s->outputs[i].name);
	if (c->nshares < s->noutputs)
		return c2d_fail(err, C2D_E_INPUT, "no eps.%s: the %s schema has %zu outputs, the file %zu",
				s->outputs[c->nshares].name, an, s->noutputs, c->nshares);
	if (c->nshares > s->noutputs)
		return c2d_fail(err, C2D_E_INPUT, "line %u: eps.%s: the %s schema has only %zu outputs",
				c->shares[s->noutputs].line, c->shares[s->noutputs].output, an,
				s->noutputs);
	for (size_t i = 0; i < c->nshares; i++)
		eps_ueps[i] = c->shares[i].eps_ueps;
	return C2D_OK;
}

void c2d_aconf_fmt_micro(uint64_t v, char buf[C2D_ACONF_DEC_LEN])
{
	snprintf(buf, C2D_ACONF_DEC_LEN, "%" PRIu64 ".%06" PRIu64, v / 1000000, v % 1000000);
}
