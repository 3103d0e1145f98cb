/* Minimal DER writer: see der_write.h. */
#include "der_write.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/grow.h"

void c2d_derw_init(struct c2d_derw *d)
{
	d->buf = NULL;
	d->len = d->cap = 0;
	d->bad = NULL;
}

void c2d_derw_free(struct c2d_derw *d)
{
	free(d->buf);
	c2d_derw_init(d);
}

/* Makes room for n more bytes. */
static int grow(struct c2d_derw *d, size_t n)
{
	if (d->bad != NULL)
		return -1;
	uint8_t *p = c2d_grow(d->buf, &d->cap, d->len, n, 1, 256);
	if (p == NULL) {
		d->bad = "out of memory";
		return -1;
	}
	d->buf = p;
	return 0;
}

void c2d_derw_raw(struct c2d_derw *d, const void *p, size_t n)
{
	if (n == 0 || grow(d, n) < 0)
		return;
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

size_t c2d_derw_begin(const struct c2d_derw *d)
{
	return d->len;
}

/* Tag and minimal definite length of n content bytes into h; returns its size. */
static size_t header(uint8_t tag, size_t n, uint8_t h[10])
{
	h[0] = tag;
	if (n < 0x80) {
		h[1] = (uint8_t)n;
		return 2;
	}
	size_t k = 0;
	for (size_t v = n; v > 0; v >>= 8)
		k++;
	h[1] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		h[2 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 2 + k;
}

void c2d_derw_end(struct c2d_derw *d, uint8_t tag, size_t mark)
{
	if (d->bad != NULL)
		return;
	if (mark > d->len) {
		d->bad = "c2d_derw_end: mark past the end";
		return;
	}
	uint8_t h[10];
	size_t n = d->len - mark, hl = header(tag, n, h);
	if (grow(d, hl) < 0)
		return;
	memmove(d->buf + mark + hl, d->buf + mark, n);
	memcpy(d->buf + mark, h, hl);
	d->len += hl;
}

void c2d_derw_tlv(struct c2d_derw *d, uint8_t tag, const void *p, size_t n)
{
	uint8_t h[10];
	size_t hl = header(tag, n, h);
	c2d_derw_raw(d, h, hl);
	c2d_derw_raw(d, p, n);
}

void c2d_derw_uint(struct c2d_derw *d, uint8_t tag, const uint8_t *be, size_t n)
{
	while (n > 1 && be[0] == 0) {
		be++;
		n--;
	}
	if (n == 0) {
		c2d_derw_tlv(d, tag, "", 1);
		return;
	}
	size_t mark = c2d_derw_begin(d);
	if (be[0] & 0x80)
		c2d_derw_raw(d, "", 1);
	c2d_derw_raw(d, be, n);
	c2d_derw_end(d, tag, mark);
}

void c2d_derw_small(struct c2d_derw *d, uint8_t tag, uint64_t v)
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (8 * (7 - i)));
	c2d_derw_uint(d, tag, be, sizeof(be));
}

/* One base-128 arc, most significant group first, continuation bits set. */
static void arc(struct c2d_derw *d, uint64_t v)
{
	uint8_t b[10];
	size_t k = sizeof(b);
	b[--k] = (uint8_t)(v & 0x7f);
	for (v >>= 7; v > 0; v >>= 7)
		b[--k] = (uint8_t)(0x80 | (v & 0x7f));
	c2d_derw_raw(d, b + k, sizeof(b) - k);
}

void c2d_derw_oid(struct c2d_derw *d, const char *dotted)
{
	uint64_t arcs[32];
	size_t n = 0;
	const char *s = dotted;
	for (;;) {
		if (*s < '0' || *s > '9' || n == 32) {
			d->bad = "malformed OID text";
			return;
		}
		uint64_t v = 0;
		while (*s >= '0' && *s <= '9') {
			if (v > (UINT64_MAX - 9) / 10) {
				d->bad = "OID arc too large";
				return;
			}
			v = v * 10 + (uint64_t)(*s++ - '0');
		}
		arcs[n++] = v;
		if (*s == '\0')
			break;
		if (*s++ != '.') {
			d->bad = "malformed OID text";
			return;
		}
	}
	if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) || arcs[1] > UINT64_MAX - 80) {
		d->bad = "malformed OID text";
		return;
	}
	size_t mark = c2d_derw_begin(d);
	arc(d, arcs[0] * 40 + arcs[1]);
	for (size_t i = 2; i < n; i++)
		arc(d, arcs[i]);
	c2d_derw_end(d, C2D_DERW_OID, mark);
}

void c2d_derw_bool(struct c2d_derw *d, int v)
{
	c2d_derw_tlv(d, C2D_DERW_BOOLEAN, v ? "\xff" : "", 1);
}

void c2d_derw_bits(struct c2d_derw *d, const void *p, size_t n)
{
	size_t mark = c2d_derw_begin(d);
	c2d_derw_raw(d, "", 1);   /* no unused bits */
	c2d_derw_raw(d, p, n);
	c2d_derw_end(d, C2D_DERW_BIT_STRING, mark);
}

/* Writes v as exactly w decimal digits. */
static void digits(char *out, unsigned v, int w)
{
	for (int i = w - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void c2d_derw_time(struct c2d_derw *d, time_t t)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		d->bad = "time outside years 0-9999";
		return;
	}
	unsigned year = (unsigned)(tm.tm_year + 1900);
	char s[15];
	int utc = year >= 1950 && year <= 2049, k = 0;
	if (utc) {
		digits(s, year % 100, 2);
		k = 2;
	} else {
		digits(s, year, 4);
		k = 4;
	}
	digits(s + k, (unsigned)tm.tm_mon + 1, 2);
	digits(s + k + 2, (unsigned)tm.tm_mday, 2);
	digits(s + k + 4, (unsigned)tm.tm_hour, 2);
	digits(s + k + 6, (unsigned)tm.tm_min, 2);
	digits(s + k + 8, (unsigned)tm.tm_sec, 2);
	s[k + 10] = 'Z';
	c2d_derw_tlv(d, utc ? C2D_DERW_UTCTIME : C2D_DERW_GENTIME, s, (size_t)k + 11);
}

c2d_status c2d_derw_finish(const struct c2d_derw *d, const char *what, struct c2d_err *err)
{
	if (d->bad == NULL)
		return C2D_OK;
	return c2d_fail(err, strcmp(d->bad, "out of memory") == 0 ? C2D_E_NOMEM : C2D_E_INTERNAL,
			"DER encoding of %s: %s", what, d->bad);
}
