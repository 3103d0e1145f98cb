/*
 * host/chain/ethtx.h: Ethereum accounts and EIP-1559 (type 2) transactions.
 *
 * An address is the last 20 bytes of Keccak-256 of the uncompressed public
 * key (without its 0x04 prefix). Text addresses are written with the EIP-55
 * mixed-case checksum; parsing accepts all-lowercase or all-uppercase hex,
 * and mixed case only when its checksum is right (a mistyped address is
 * refused, not used).
 *
 * A transaction is signed over keccak256(0x02 || rlp([chainId, nonce,
 * maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data,
 * accessList])) with libsecp256k1's recoverable ECDSA (RFC 6979 nonces,
 * so the same key and transaction always give the same bytes; s is always
 * in the lower half, as EIP-2 requires), and serialised as 0x02 || rlp([...,
 * yParity, r, s]). The chain id inside the signed payload is the replay
 * protection EIP-155 introduced. The access list is always empty; amounts
 * are below 2^64 wei. The secret key is the caller's; nothing here keeps a
 * copy (stack copies are wiped).
 *
 * Prefix: c2d_ethtx_
 */
#ifndef C2D_HOST_ETHTX_H
#define C2D_HOST_ETHTX_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"

struct c2d_tx1559 {
	uint64_t chain_id;
	uint64_t nonce;
	uint64_t max_priority_fee;   /* wei per gas */
	uint64_t max_fee;            /* wei per gas */
	uint64_t gas_limit;
	int has_to;                  /* 0: contract creation */
	uint8_t to[20];
	uint64_t value;              /* wei */
	const uint8_t *data;
	size_t data_len;
};

/* keccak256 of the unsigned payload: the hash that is signed. */
C2D_MUST_CHECK c2d_status c2d_ethtx_signing_hash(const struct c2d_tx1559 *tx, uint8_t hash[32],
						  struct c2d_err *err);

/* Signs tx with sk: *raw (malloc'd, the caller frees) is what
 * eth_sendRawTransaction takes, txhash its keccak256. */
C2D_MUST_CHECK c2d_status c2d_ethtx_sign(const secp256k1_context *ctx, const struct c2d_tx1559 *tx,
					  const uint8_t sk[32], uint8_t **raw, size_t *raw_len,
					  uint8_t txhash[32], struct c2d_err *err);

/* The address of a secret key. */
C2D_MUST_CHECK c2d_status c2d_ethtx_address(const secp256k1_context *ctx, const uint8_t sk[32],
					  uint8_t addr[20], struct c2d_err *err);
/* The address of a contract created by sender's transaction with nonce. */
void c2d_ethtx_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t addr[20]);

/* "0x" and 40 hex digits in EIP-55 case, NUL-terminated. */
void c2d_ethtx_address_text(const uint8_t addr[20], char out[43]);
/* Parses "0x" + 40 hex digits; what names the value in messages. */
C2D_MUST_CHECK c2d_status c2d_ethtx_address_parse(const char *text, const char *what,
						uint8_t addr[20], struct c2d_err *err);

#endif
