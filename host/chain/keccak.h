/*
 * host/chain/keccak.h: Keccak-256 as Ethereum uses it: the Keccak submission's
 * padding (0x01 ... 0x80), not FIPS 202 SHA3-256's (0x06 ... 0x80), so the
 * two give different digests of the same input. Rate 136 bytes, capacity
 * 512 bits, 32-byte output.
 *
 * Hand-written (keccak-f[1600] from the Keccak reference, FIPS 202 section
 * 3.2) because no library this project may use has it: OpenSSL 3.0 on
 * Debian 12 has only SHA3's padding, BearSSL and libsecp256k1 have none.
 *
 * Inputs and outputs are caller buffers; no allocation, no global state.
 * Runs in time that depends on the length only (no data-dependent branches
 * or table lookups); it hashes public data (transactions, signatures of
 * functions, addresses) anyway.
 *
 * Prefix: c2d_keccak256
 */
#ifndef C2D_HOST_KECCAK_H
#define C2D_HOST_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define C2D_KECCAK256_RATE 136

struct c2d_keccak {
	uint64_t s[25];   /* the state, lanes A[x + 5y], little-endian */
	size_t n;         /* bytes absorbed into the current block */
};

void c2d_keccak256_init(struct c2d_keccak *k);
void c2d_keccak256_update(struct c2d_keccak *k, const void *data, size_t len);
/* Pads, squeezes 32 bytes into out, and wipes the state. */
void c2d_keccak256_final(struct c2d_keccak *k, uint8_t out[32]);

/* One-shot: out = Keccak-256(data[0..len)). */
void c2d_keccak256(const void *data, size_t len, uint8_t out[32]);

#endif
