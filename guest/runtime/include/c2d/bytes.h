/*
 * c2d/bytes.h: little-endian loads and stores, and a bounds-checked reader
 * over an untrusted buffer. Every binary format of c2d is little-endian.
 *
 * The reader never reads past its end: each get fails (and latches the
 * failure) when fewer bytes remain than asked, so a parser can read a whole
 * structure and check r->bad once. Nothing here is constant-time with
 * respect to lengths; contents are copied, never branched on.
 */
#ifndef C2D_BYTES_H
#define C2D_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void c2d_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void c2d_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void c2d_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t c2d_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t c2d_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t c2d_get_le64(const uint8_t *p)
{
	return (uint64_t)c2d_get_le32(p) | ((uint64_t)c2d_get_le32(p + 4) << 32);
}

/* A cursor over len bytes at p. */
struct c2d_reader {
	const uint8_t *p;
	size_t left;
	size_t off;    /* bytes consumed so far, for error messages */
	int bad;       /* latched: a read ran past the end */
};

static inline void c2d_reader_init(struct c2d_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
	r->off = 0;
	r->bad = 0;
}

/* Returns a pointer to the next n bytes and advances, or NULL (latching
 * r->bad) when fewer remain. */
static inline const uint8_t *c2d_read(struct c2d_reader *r, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *q = r->p;
	r->p += n;
	r->left -= n;
	r->off += n;
	return q;
}

static inline void c2d_read_copy(struct c2d_reader *r, void *dst, size_t n)
{
	const uint8_t *q = c2d_read(r, n);
	if (q != NULL)
		memcpy(dst, q, n);
	else
		memset(dst, 0, n);
}

static inline uint8_t c2d_read_u8(struct c2d_reader *r)
{
	const uint8_t *q = c2d_read(r, 1);
	return q ? q[0] : 0;
}

static inline uint16_t c2d_read_le16(struct c2d_reader *r)
{
	const uint8_t *q = c2d_read(r, 2);
	return q ? c2d_get_le16(q) : 0;
}

static inline uint32_t c2d_read_le32(struct c2d_reader *r)
{
	const uint8_t *q = c2d_read(r, 4);
	return q ? c2d_get_le32(q) : 0;
}

static inline uint64_t c2d_read_le64(struct c2d_reader *r)
{
	const uint8_t *q = c2d_read(r, 8);
	return q ? c2d_get_le64(q) : 0;
}

#endif
