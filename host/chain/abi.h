/*
 * host/chain/abi.h: the Solidity contract ABI (docs.soliditylang.org, "Contract
 * ABI Specification"), for the types c2d's contract uses: uintN (N a
 * multiple of 8 up to 256), address, bool, bytes32, string, bytes, T[]
 * (dynamic arrays) and tuples, nested.
 *
 * Types are given as canonical type strings, e.g. "(bytes32,uint64)" or a
 * whole signature "setBudget(bytes32,uint64,uint64)", so the value tree a
 * caller builds is checked against the type before anything is encoded: a
 * uint64 with bits above 64, an address with bits above 160, a bool other
 * than 0 or 1, a wrong count of items is refused (C2D_E_INPUT).
 *
 * Encoding returns a malloc'd buffer the caller frees. Decoding (return
 * data) is strict and canonical: every offset must be the one Solidity's
 * encoder writes (tails in order, no gaps, no sharing), every length and
 * count bounded by the data, value types and padding clean, nothing after
 * the end. So a decoded value re-encodes to the same bytes, and the decoded
 * tree, whose strings and bytes point into the caller's data, has at most
 * one node per 32-byte word. Free it with c2d_abi_free().
 *
 * Revert data: Error(string) (selector 0x08c379a0) gives its text,
 * Panic(uint256) (0x4e487b71) its code and meaning, anything else hex.
 * Not constant-time; no global state.
 *
 * Prefix: c2d_abi_
 */
#ifndef C2D_HOST_ABI_H
#define C2D_HOST_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

enum c2d_abi_kind {
	C2D_ABI_UINT,
	C2D_ABI_ADDRESS,
	C2D_ABI_BOOL,
	C2D_ABI_BYTES32,
	C2D_ABI_STRING,
	C2D_ABI_BYTES,
	C2D_ABI_ARRAY,
	C2D_ABI_TUPLE,
};

struct c2d_abi_value {
	enum c2d_abi_kind kind;
	uint8_t word[32];                /* uint (big-endian), address (right-aligned), bool, bytes32 */
	const uint8_t *data;             /* string, bytes: not NUL-terminated */
	size_t len;
	struct c2d_abi_value *items;     /* array elements, tuple members */
	size_t n;
};

/* Value constructors (no allocation; s and items must outlive the value). */
struct c2d_abi_value c2d_abi_uint(uint64_t v);
struct c2d_abi_value c2d_abi_address(const uint8_t addr[20]);
struct c2d_abi_value c2d_abi_bool(int b);
struct c2d_abi_value c2d_abi_bytes32(const uint8_t b[32]);
struct c2d_abi_value c2d_abi_string(const char *s);
struct c2d_abi_value c2d_abi_bytes(const uint8_t *p, size_t len);
struct c2d_abi_value c2d_abi_array(struct c2d_abi_value *items, size_t n);
struct c2d_abi_value c2d_abi_tuple(struct c2d_abi_value *items, size_t n);

/* Encodes v, a value of the tuple type `types` ("(t1,t2,...)"). */
C2D_MUST_CHECK c2d_status c2d_abi_encode(const char *types, const struct c2d_abi_value *v,
					 uint8_t **out, size_t *len, struct c2d_err *err);

/* Call data: the 4-byte selector keccak256(signature)[0..4) followed by the
 * encoding of args[0..n) as the signature's parameter tuple. */
C2D_MUST_CHECK c2d_status c2d_abi_call(const char *signature, const struct c2d_abi_value *args,
				       size_t n, uint8_t **out, size_t *len, struct c2d_err *err);
void c2d_abi_selector(const char *signature, uint8_t sel[4]);

/* Decodes data[0..len) as the tuple type `types`; *out is a TUPLE. */
C2D_MUST_CHECK c2d_status c2d_abi_decode(const char *types, const uint8_t *data, size_t len,
					 struct c2d_abi_value **out, struct c2d_err *err);
void c2d_abi_free(struct c2d_abi_value *v);

/* A UINT value as uint64; C2D_E_INPUT (naming what) if it does not fit. */
C2D_MUST_CHECK c2d_status c2d_abi_get_u64(const struct c2d_abi_value *v, const char *what,
					  uint64_t *out, struct c2d_err *err);

/* Writes a one-line description of revert data into out (always
 * NUL-terminated, truncated to cap): "the reason" for Error(string),
 * "panic 0x11 (arithmetic overflow or underflow)", "revert data 0x..." or
 * "no revert data". Non-printable bytes of a reason become '?'. Returns 1
 * for Error(string), 2 for Panic, 0 otherwise. */
int c2d_abi_revert_reason(const uint8_t *data, size_t len, char *out, size_t cap);

#endif
