/* RLP: see rlp.h. */
#include "rlp.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/grow.h"

void c2d_rlp_init(struct c2d_rlp *e)
{
	memset(e, 0, sizeof(*e));
}

void c2d_rlp_free(struct c2d_rlp *e)
{
	free(e->buf);
	c2d_rlp_init(e);
}

/* Makes room for n more bytes; 0 or -1 (latched). */
static int reserve(struct c2d_rlp *e, size_t n)
{
	if (e->oom)
		return -1;
	uint8_t *p = c2d_grow(e->buf, &e->cap, e->len, n, 1, 64);
	if (p == NULL) {
		e->oom = 1;
		return -1;
	}
	e->buf = p;
	return 0;
}

/* The header of a payload of n bytes with offset 0x80 (string) or 0xc0
 * (list); returns its size (at most 9). */
static size_t header(uint8_t hdr[9], size_t n, uint8_t base)
{
	if (n < 56) {
		hdr[0] = (uint8_t)(base + n);
		return 1;
	}
	size_t k = 0;
	for (size_t v = n; v != 0; v >>= 8)
		k++;
	hdr[0] = (uint8_t)(base + 55 + k);
	for (size_t i = 0; i < k; i++)
		hdr[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 1 + k;
}

void c2d_rlp_bytes(struct c2d_rlp *e, const uint8_t *p, size_t n)
{
	uint8_t hdr[9];
	size_t h = n == 1 && p[0] < 0x80 ? 0 : header(hdr, n, 0x80);
	if (reserve(e, h + n) < 0)
		return;
	memcpy(e->buf + e->len, hdr, h);
	if (n > 0)
		memcpy(e->buf + e->len + h, p, n);
	e->len += h + n;
}

void c2d_rlp_raw(struct c2d_rlp *e, const uint8_t *p, size_t n)
{
	if (n == 0 || reserve(e, n) < 0)
		return;
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

void c2d_rlp_uint_be(struct c2d_rlp *e, const uint8_t *be, size_t n)
{
	while (n > 0 && be[0] == 0) {
		be++;
		n--;
	}
	c2d_rlp_bytes(e, be, n);
}

void c2d_rlp_uint(struct c2d_rlp *e, uint64_t v)
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (8 * (7 - i)));
	c2d_rlp_uint_be(e, be, 8);
}

size_t c2d_rlp_list_begin(const struct c2d_rlp *e)
{
	return e->len;
}

void c2d_rlp_list_end(struct c2d_rlp *e, size_t mark)
{
	if (e->oom)
		return;
	uint8_t hdr[9];
	size_t h = header(hdr, e->len - mark, 0xc0);
	if (reserve(e, h) < 0)
		return;
	memmove(e->buf + mark + h, e->buf + mark, e->len - mark);
	memcpy(e->buf + mark, hdr, h);
	e->len += h;
}

c2d_status c2d_rlp_finish(struct c2d_rlp *e, uint8_t **out, size_t *len, struct c2d_err *err)
{
	if (e->oom || reserve(e, 1) < 0) {   /* reserve: a buffer even for no bytes */
		c2d_rlp_free(e);
		return c2d_fail(err, C2D_E_NOMEM, "rlp: out of memory");
	}
	*out = e->buf;
	*len = e->len;
	c2d_rlp_init(e);
	return C2D_OK;
}

c2d_status c2d_rlp_decode(const uint8_t *in, size_t len, size_t base, struct c2d_rlp_item *it,
			  size_t *used, struct c2d_err *err)
{
	if (len == 0)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: no item", base);
	uint8_t b = in[0];
	size_t hdr = 1, n;
	it->list = b >= 0xc0;
	if (b < 0x80) {
		it->p = in;
		it->len = 1;
		it->off = base;
		*used = 1;
		return C2D_OK;
	}
	uint8_t short_base = it->list ? 0xc0 : 0x80;
	if (b < short_base + 56) {
		n = (size_t)(b - short_base);
	} else {
		size_t k = (size_t)(b - short_base - 55);
		if (k > len - 1)
			return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: length of %zu bytes runs past the end",
					base, k);
		if (in[1] == 0)
			return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: length with a leading zero byte", base);
		if (k > sizeof(size_t))
			return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: length of %zu bytes is too large", base, k);
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = n << 8 | in[1 + i];
		if (n < 56)
			return c2d_fail(err, C2D_E_INPUT,
					"rlp offset %zu: long form for a payload of %zu bytes (short form required)",
					base, n);
		hdr += k;
	}
	if (n > len - hdr)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: payload of %zu bytes runs past the end (%zu left)",
				base, n, len - hdr);
	if (!it->list && n == 1 && in[hdr] < 0x80)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: byte 0x%02x must be encoded as itself",
				base, in[hdr]);
	it->p = in + hdr;
	it->len = n;
	it->off = base + hdr;
	*used = hdr + n;
	return C2D_OK;
}

c2d_status c2d_rlp_decode_all(const uint8_t *in, size_t len, struct c2d_rlp_item *it, struct c2d_err *err)
{
	size_t used;
	int r = c2d_rlp_decode(in, len, 0, it, &used, err);
	if (r < 0)
		return r;
	if (used != len)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: %zu bytes after the item", used, len - used);
	return C2D_OK;
}

int c2d_rlp_next(const struct c2d_rlp_item *list, size_t *pos, struct c2d_rlp_item *it,
		 struct c2d_err *err)
{
	if (!list->list)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: expected a list", list->off);
	if (*pos >= list->len)
		return 0;
	size_t used;
	int r = c2d_rlp_decode(list->p + *pos, list->len - *pos, list->off + *pos, it, &used, err);
	if (r < 0)
		return r;
	*pos += used;
	return 1;
}

c2d_status c2d_rlp_get_uint(const struct c2d_rlp_item *it, uint64_t *v, struct c2d_err *err)
{
	if (it->list)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: expected an integer, found a list", it->off);
	if (it->len > 8)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: integer of %zu bytes exceeds 64 bits",
				it->off, it->len);
	if (it->len > 0 && it->p[0] == 0)
		return c2d_fail(err, C2D_E_INPUT, "rlp offset %zu: integer with a leading zero byte", it->off);
	*v = 0;
	for (size_t i = 0; i < it->len; i++)
		*v = *v << 8 | it->p[i];
	return C2D_OK;
}
