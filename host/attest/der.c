/* Strict DER reading: see c2d/der.h. Hand-written: BearSSL's own DER code
 * is internal to its X.509 engine and exposes neither serials, extensions
 * nor CRLs. */
#include "c2d/der.h"

#include <stdio.h>
#include <string.h>

static const char *tag_name(uint8_t tag)
{
	switch (tag) {
	case C2D_DER_BOOLEAN: return "BOOLEAN";
	case C2D_DER_INTEGER: return "INTEGER";
	case C2D_DER_BIT_STRING: return "BIT STRING";
	case C2D_DER_OCTET_STRING: return "OCTET STRING";
	case C2D_DER_NULL: return "NULL";
	case C2D_DER_OID: return "OBJECT IDENTIFIER";
	case C2D_DER_ENUMERATED: return "ENUMERATED";
	case C2D_DER_UTCTIME: return "UTCTime";
	case C2D_DER_GENERALIZEDTIME: return "GeneralizedTime";
	case C2D_DER_SEQUENCE: return "SEQUENCE";
	case C2D_DER_SET: return "SET";
	default: return (tag & 0xc0) == 0x80 ? "context-specific tag" : "element";
	}
}

static int bad(const struct c2d_der *d, size_t off, const char *field, const char *why,
	       struct c2d_err *err)
{
	return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: %s: %s", d->what, off, field, why);
}

void c2d_der_init(struct c2d_der *d, const uint8_t *buf, size_t len, const char *what)
{
	d->buf = buf;
	d->at = 0;
	d->end = len;
	d->what = what;
}

int c2d_der_peek(const struct c2d_der *d)
{
	return d->at < d->end ? d->buf[d->at] : -1;
}

c2d_status c2d_der_any(struct c2d_der *d, const char *field, struct c2d_der_tlv *t,
		       struct c2d_err *err)
{
	size_t at = d->at, left = d->end - d->at;
	const uint8_t *p = d->buf + at;

	if (left < 2)
		return bad(d, at, field, left == 0 ? "missing" : "truncated", err);
	if ((p[0] & 0x1f) == 0x1f)
		return bad(d, at, field, "multi-byte tag (not used by X.509)", err);
	size_t hdr = 2, len = p[1];
	if (len == 0x80)
		return bad(d, at, field, "indefinite length (not DER)", err);
	if (len > 0x80) {
		size_t n = len & 0x7f;
		if (n > 4)
			return bad(d, at, field, "length of more than four octets", err);
		if (left - 2 < n)
			return bad(d, at, field, "length truncated", err);
		if (p[2] == 0)
			return bad(d, at, field, "length with a leading zero octet (not DER)", err);
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		if (len < 0x80)
			return bad(d, at, field, "long-form length below 128 (not DER)", err);
		hdr += n;
	}
	/* hdr <= left here, so the subtraction cannot wrap, and len is
	 * compared before anything is added to it. */
	if (len > left - hdr)
		return c2d_fail(err, C2D_E_INPUT,
				"%s offset %zu: %s: length %zu runs past its container (%zu bytes left)",
				d->what, at, field, len, left - hdr);
	t->tag = p[0];
	t->off = at;
	t->tlv = p;
	t->tlv_len = hdr + len;
	t->val = p + hdr;
	t->len = len;
	d->at = at + hdr + len;
	return C2D_OK;
}

c2d_status c2d_der_get(struct c2d_der *d, uint8_t tag, const char *field, struct c2d_der_tlv *t,
		       struct c2d_err *err)
{
	int next = c2d_der_peek(d);
	if (next >= 0 && next != tag)
		return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: %s: expected %s (0x%02x), found 0x%02x",
				d->what, d->at, field, tag_name(tag), tag, (unsigned)next);
	return c2d_der_any(d, field, t, err);
}

c2d_status c2d_der_enter(struct c2d_der *d, uint8_t tag, const char *field, struct c2d_der *in,
			 struct c2d_der_tlv *t, struct c2d_err *err)
{
	struct c2d_der_tlv tmp;
	if (t == NULL)
		t = &tmp;
	if (c2d_der_get(d, tag, field, t, err) < 0)
		return C2D_E_INPUT;
	if (!(tag & 0x20))
		return c2d_fail(err, C2D_E_INTERNAL, "%s: entering primitive tag 0x%02x", field, tag);
	in->buf = d->buf;
	in->at = (size_t)(t->val - d->buf);
	in->end = in->at + t->len;
	in->what = d->what;
	return C2D_OK;
}

c2d_status c2d_der_end(const struct c2d_der *d, const char *field, struct c2d_err *err)
{
	if (d->at != d->end)
		return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: %s: %zu unexpected trailing bytes",
				d->what, d->at, field, d->end - d->at);
	return C2D_OK;
}

/* INTEGER and ENUMERATED contents: non-empty, and no first octet whose
 * nine leading bits are all equal (it would be redundant). */
static int int_body(const struct c2d_der *d, const struct c2d_der_tlv *t, const char *field,
		    struct c2d_err *err)
{
	if (t->len == 0)
		return bad(d, t->off, field, "empty integer", err);
	if (t->len > 1 && ((t->val[0] == 0x00 && !(t->val[1] & 0x80)) ||
			   (t->val[0] == 0xff && (t->val[1] & 0x80))))
		return bad(d, t->off, field, "integer not minimally encoded", err);
	return C2D_OK;
}

c2d_status c2d_der_integer(struct c2d_der *d, const char *field, const uint8_t **val, size_t *len,
			   struct c2d_err *err)
{
	struct c2d_der_tlv t;
	if (c2d_der_get(d, C2D_DER_INTEGER, field, &t, err) < 0 || int_body(d, &t, field, err) < 0)
		return C2D_E_INPUT;
	*val = t.val;
	*len = t.len;
	return C2D_OK;
}

c2d_status c2d_der_uint(struct c2d_der *d, uint8_t tag, const char *field, uint32_t max,
			uint32_t *out, struct c2d_err *err)
{
	struct c2d_der_tlv t;
	if (c2d_der_get(d, tag, field, &t, err) < 0 || int_body(d, &t, field, err) < 0)
		return C2D_E_INPUT;
	if (t.val[0] & 0x80)
		return bad(d, t.off, field, "negative value", err);
	uint64_t x = 0;
	for (size_t i = 0; i < t.len; i++) {
		x = (x << 8) | t.val[i];
		if (x > max)
			return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: %s: value above %u",
					d->what, t.off, field, max);
	}
	*out = (uint32_t)x;
	return C2D_OK;
}

c2d_status c2d_der_serial(struct c2d_der *d, const char *field, const uint8_t **val, size_t *len,
			  struct c2d_err *err)
{
	size_t at = d->at;
	const uint8_t *v;
	size_t n;
	if (c2d_der_integer(d, field, &v, &n, err) < 0)
		return C2D_E_INPUT;
	if (v[0] & 0x80)
		return bad(d, at, field, "negative serial number", err);
	if (v[0] == 0 && n > 1) {
		v++;
		n--;
	}
	if (n == 1 && v[0] == 0)
		return bad(d, at, field, "serial number zero", err);
	if (n > 20)
		return bad(d, at, field, "serial number longer than 20 octets", err);
	*val = v;
	*len = n;
	return C2D_OK;
}

c2d_status c2d_der_oid(struct c2d_der *d, const char *field, struct c2d_der_tlv *t,
		       struct c2d_err *err)
{
	if (c2d_der_get(d, C2D_DER_OID, field, t, err) < 0)
		return C2D_E_INPUT;
	if (t->len == 0)
		return bad(d, t->off, field, "empty OBJECT IDENTIFIER", err);
	if (t->val[t->len - 1] & 0x80)
		return bad(d, t->off, field, "OBJECT IDENTIFIER ends inside a subidentifier", err);
	for (size_t i = 0; i < t->len; i++)
		if (t->val[i] == 0x80 && (i == 0 || !(t->val[i - 1] & 0x80)))
			return bad(d, t->off, field, "OBJECT IDENTIFIER subidentifier not minimal", err);
	return C2D_OK;
}

int c2d_der_oid_is(const struct c2d_der_tlv *t, const uint8_t *oid, size_t len)
{
	return t->tag == C2D_DER_OID && t->len == len && memcmp(t->val, oid, len) == 0;
}

c2d_status c2d_der_bool(struct c2d_der *d, const char *field, int *out, struct c2d_err *err)
{
	struct c2d_der_tlv t;
	if (c2d_der_get(d, C2D_DER_BOOLEAN, field, &t, err) < 0)
		return C2D_E_INPUT;
	if (t.len != 1 || (t.val[0] != 0x00 && t.val[0] != 0xff))
		return bad(d, t.off, field, "BOOLEAN is neither 0x00 nor 0xff", err);
	*out = t.val[0] != 0;
	return C2D_OK;
}

c2d_status c2d_der_bits(struct c2d_der *d, const char *field, const uint8_t **val, size_t *len,
			struct c2d_err *err)
{
	struct c2d_der_tlv t;
	if (c2d_der_get(d, C2D_DER_BIT_STRING, field, &t, err) < 0)
		return C2D_E_INPUT;
	if (t.len == 0)
		return bad(d, t.off, field, "BIT STRING without its unused-bits octet", err);
	if (t.val[0] != 0)
		return bad(d, t.off, field, "BIT STRING with unused bits", err);
	*val = t.val + 1;
	*len = t.len - 1;
	return C2D_OK;
}

c2d_status c2d_der_ecdsa_sha256(struct c2d_der *d, const char *field, struct c2d_err *err)
{
	static const uint8_t ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	struct c2d_der in;
	struct c2d_der_tlv oid;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, field, &in, NULL, err) < 0 ||
	    c2d_der_oid(&in, field, &oid, err) < 0)
		return C2D_E_INPUT;
	if (!c2d_der_oid_is(&oid, ecdsa_sha256, sizeof(ecdsa_sha256)))
		return bad(d, oid.off, field, "not ecdsa-with-SHA256", err);
	return c2d_der_end(&in, field, err);
}

c2d_status c2d_der_signed(struct c2d_der *d, const char *name, const char *tbs_name,
			  struct c2d_der *tbs, struct c2d_der_tlv *t_tbs, const uint8_t **sig,
			  size_t *sig_len, struct c2d_err *err)
{
	struct c2d_der outer;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, name, &outer, NULL, err) < 0 ||
	    c2d_der_end(d, name, err) < 0 ||
	    c2d_der_enter(&outer, C2D_DER_SEQUENCE, tbs_name, tbs, t_tbs, err) < 0 ||
	    c2d_der_ecdsa_sha256(&outer, "signatureAlgorithm", err) < 0 ||
	    c2d_der_bits(&outer, "signatureValue", sig, sig_len, err) < 0 ||
	    c2d_der_end(&outer, name, err) < 0)
		return C2D_E_INPUT;
	return C2D_OK;
}

c2d_status c2d_der_name(struct c2d_der *d, const char *field, struct c2d_der_tlv *whole,
			struct c2d_der_tlv *cn, struct c2d_err *err)
{
	static const uint8_t common_name[] = { 0x55, 0x04, 0x03 };
	struct c2d_der rdns, set, atv;
	struct c2d_der_tlv type, value;
	if (cn != NULL)
		cn->val = NULL;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, field, &rdns, whole, err) < 0)
		return C2D_E_INPUT;
	while (c2d_der_peek(&rdns) >= 0) {
		/* SET SIZE (1..MAX): the do-while reads at least one. */
		if (c2d_der_enter(&rdns, C2D_DER_SET, field, &set, NULL, err) < 0)
			return C2D_E_INPUT;
		do {
			if (c2d_der_enter(&set, C2D_DER_SEQUENCE, field, &atv, NULL, err) < 0 ||
			    c2d_der_oid(&atv, field, &type, err) < 0 ||
			    c2d_der_any(&atv, field, &value, err) < 0 ||
			    c2d_der_end(&atv, field, err) < 0)
				return C2D_E_INPUT;
			if (cn != NULL && cn->val == NULL &&
			    c2d_der_oid_is(&type, common_name, sizeof(common_name)))
				*cn = value;
		} while (c2d_der_peek(&set) >= 0);
	}
	return C2D_OK;
}

c2d_status c2d_der_extensions(struct c2d_der *d, const char *field, c2d_der_ext_fn fn, void *ctx,
			      struct c2d_err *err)
{
	enum { MAX_EXT = 32 };
	struct c2d_der list, ext;
	struct c2d_der_tlv ids[MAX_EXT], value;
	size_t n = 0;

	if (c2d_der_enter(d, C2D_DER_SEQUENCE, field, &list, NULL, err) < 0)
		return C2D_E_INPUT;
	if (c2d_der_peek(&list) < 0)
		return bad(d, list.at, field, "empty list", err);
	while (c2d_der_peek(&list) >= 0) {
		struct c2d_der_tlv *id = &ids[n];
		int critical = 0;
		if (n == MAX_EXT)
			return bad(d, list.at, field, "more than 32 extensions", err);
		if (c2d_der_enter(&list, C2D_DER_SEQUENCE, "extension", &ext, NULL, err) < 0 ||
		    c2d_der_oid(&ext, "extnID", id, err) < 0)
			return C2D_E_INPUT;
		for (size_t i = 0; i < n; i++)
			if (c2d_der_oid_is(&ids[i], id->val, id->len))
				return bad(d, id->off, field, "extension repeated", err);
		n++;
		if (c2d_der_peek(&ext) == C2D_DER_BOOLEAN) {
			size_t at = ext.at;
			if (c2d_der_bool(&ext, "extension critical", &critical, err) < 0)
				return C2D_E_INPUT;
			if (!critical)
				return bad(d, at, "extension critical", "FALSE encoded (DER omits defaults)",
					   err);
		}
		if (c2d_der_get(&ext, C2D_DER_OCTET_STRING, "extnValue", &value, err) < 0 ||
		    c2d_der_end(&ext, "extension", err) < 0)
			return C2D_E_INPUT;
		int r = fn(ctx, &ext, id, &value, err);
		if (r < 0)
			return r;
		if (r == 0 && critical)
			return bad(d, id->off, field, "unknown critical extension", err);
	}
	return C2D_OK;
}

int64_t c2d_der_unix_time(int year, int month, int day, int hour, int min, int sec)
{
	/* Days from 1970-01-01 of a civil date, counting in 400-year eras
	 * from March 1st so that leap days fall at the end of a year. */
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + hour * 3600 + min * 60 + sec;
}

void c2d_der_format_time(int64_t t, char out[32])
{
	/* The inverse of c2d_der_unix_time, same eras. */
	int64_t days = (t >= 0 ? t : t - 86399) / 86400, sod = t - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	if (year < 0 || year > 9999)
		snprintf(out, 32, "(unix %lld)", (long long)t);
	else
		snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)year, (int)month, (int)day,
			 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

static int digits(const uint8_t *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

c2d_status c2d_der_time(struct c2d_der *d, const char *field, int64_t *out, struct c2d_err *err)
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct c2d_der_tlv t;
	int year;
	const uint8_t *p;

	int tag = c2d_der_peek(d);
	if (tag != C2D_DER_UTCTIME && tag != C2D_DER_GENERALIZEDTIME) {
		if (tag < 0)
			return bad(d, d->at, field, "missing", err);
		return c2d_fail(err, C2D_E_INPUT,
				"%s offset %zu: %s: expected UTCTime or GeneralizedTime, found 0x%02x",
				d->what, d->at, field, (unsigned)tag);
	}
	if (c2d_der_any(d, field, &t, err) < 0)
		return C2D_E_INPUT;
	if (t.tag == C2D_DER_UTCTIME) {
		if (t.len != 13 || t.val[12] != 'Z' || (year = digits(t.val, 2)) < 0)
			return bad(d, t.off, field, "UTCTime is not YYMMDDHHMMSSZ", err);
		year += year < 50 ? 2000 : 1900;
		p = t.val + 2;
	} else {
		if (t.len != 15 || t.val[14] != 'Z' || (year = digits(t.val, 4)) < 0)
			return bad(d, t.off, field, "GeneralizedTime is not YYYYMMDDHHMMSSZ", err);
		if (year < 2050)
			return bad(d, t.off, field, "GeneralizedTime before 2050 (RFC 5280 requires UTCTime)",
				   err);
		p = t.val + 4;
	}
	int mon = digits(p, 2), day = digits(p + 2, 2), hour = digits(p + 4, 2);
	int min = digits(p + 6, 2), sec = digits(p + 8, 2);
	if (mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] + (mon == 2 && leap(year)) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 59)
		return bad(d, t.off, field, "date or time out of range", err);
	*out = c2d_der_unix_time(year, mon, day, hour, min, sec);
	return C2D_OK;
}
