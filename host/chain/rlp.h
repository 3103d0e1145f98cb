/*
 * host/chain/rlp.h: Ethereum's Recursive Length Prefix encoding (the Yellow
 * Paper, appendix B).
 *
 * Encoding appends to a growable buffer that the encoder owns: byte strings,
 * unsigned integers (big-endian, no leading zero bytes: 0 is the empty
 * string) and lists (c2d_rlp_list_begin() ... c2d_rlp_list_end()). An
 * allocation failure is latched and reported once by c2d_rlp_finish(), so a
 * caller encodes a whole structure and checks once.
 *
 * Decoding is strict: only the canonical encoding of an item is accepted
 * (a single byte below 0x80 stands for itself; the short form whenever the
 * payload is under 56 bytes; long-form lengths without leading zeros), and
 * every payload lies inside the input. Decoded items point into the
 * caller's input: nothing is copied or allocated. Errors name the offset,
 * counted from the start of the outermost input. Not constant-time.
 *
 * Prefix: c2d_rlp_
 */
#ifndef C2D_HOST_RLP_H
#define C2D_HOST_RLP_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

struct c2d_rlp {
	uint8_t *buf;   /* malloc'd; taken by c2d_rlp_finish() */
	size_t len, cap;
	int oom;        /* latched allocation failure */
};

void c2d_rlp_init(struct c2d_rlp *e);
void c2d_rlp_bytes(struct c2d_rlp *e, const uint8_t *p, size_t n);
void c2d_rlp_uint(struct c2d_rlp *e, uint64_t v);
/* Appends bytes as they are, outside RLP (e.g. a typed transaction's type
 * byte before its payload). */
void c2d_rlp_raw(struct c2d_rlp *e, const uint8_t *p, size_t n);
/* A big-endian unsigned integer of n bytes (e.g. a uint256), encoded
 * without its leading zero bytes. */
void c2d_rlp_uint_be(struct c2d_rlp *e, const uint8_t *be, size_t n);
/* A list: begin returns a mark to hand to end, which prefixes the items
 * appended since with the list's header. Lists nest. */
size_t c2d_rlp_list_begin(const struct c2d_rlp *e);
void c2d_rlp_list_end(struct c2d_rlp *e, size_t mark);
/* Hands the encoding to the caller (*out malloc'd, never NULL on success)
 * and resets e; C2D_E_NOMEM if any append failed. */
C2D_MUST_CHECK c2d_status c2d_rlp_finish(struct c2d_rlp *e, uint8_t **out, size_t *len,
					 struct c2d_err *err);
void c2d_rlp_free(struct c2d_rlp *e);

struct c2d_rlp_item {
	int list;            /* 1: a list, whose payload is its encoded items */
	const uint8_t *p;    /* payload, inside the input */
	size_t len;
	size_t off;          /* payload offset in the outermost input */
};

/* Decodes the item at the start of in[0..len); *used = its encoded size.
 * base is the offset of in within the outermost input, for messages. */
C2D_MUST_CHECK c2d_status c2d_rlp_decode(const uint8_t *in, size_t len, size_t base,
					 struct c2d_rlp_item *it, size_t *used, struct c2d_err *err);
/* Decodes in[0..len) as exactly one item, with nothing after it. */
C2D_MUST_CHECK c2d_status c2d_rlp_decode_all(const uint8_t *in, size_t len, struct c2d_rlp_item *it,
					     struct c2d_err *err);
/* The items of a list, one by one: *pos starts at 0; returns 1 with *it
 * set, 0 at the end of the list, or a negative status. */
C2D_MUST_CHECK int c2d_rlp_next(const struct c2d_rlp_item *list, size_t *pos,
				struct c2d_rlp_item *it, struct c2d_err *err);
/* A canonical unsigned integer of at most 8 bytes (no leading zero byte). */
C2D_MUST_CHECK c2d_status c2d_rlp_get_uint(const struct c2d_rlp_item *it, uint64_t *v,
					   struct c2d_err *err);

#endif
