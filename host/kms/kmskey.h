/*
 * host/kms/kmskey.h: the KMS root key, and what it signs (docs/kms-protocol.md,
 * "Root key" and "Run certificate").
 *
 * The key file is the format of host/util/keyfile.h (64 hex digits), and
 * its mode must be exactly 0600, owned by the caller: the KMS refuses any
 * other mode (stricter ones too: an operator who made it 0400 meant
 * something the KMS cannot check, so it asks for the one mode it
 * documents). The secret lives in one page of its own, mlock'd (never
 * swapped) and excluded from core dumps (MADV_DONTDUMP); c2d_kmskey_free
 * wipes and unmaps it. Nothing here writes the secret anywhere else: not
 * into a message, a log or a response.
 *
 * The run certificate is what a contract checks with ecrecover:
 *   inner  = keccak256("c2d-kms-v1/run-cert" ‖ app_id (20) ‖ compose_hash (32)
 *                      ‖ run_signer (20, an address) ‖ run_id (32))
 *   digest = keccak256("\x19Ethereum Signed Message:\n32" ‖ inner)   (EIP-191)
 *   signature = r (32) ‖ s (32) ‖ v (1, 27 + recovery id), s low (libsecp256k1
 *               signs with low s, as Ethereum requires)
 * i.e. in Solidity ecrecover(keccak256(abi.encodePacked(
 *   "\x19Ethereum Signed Message:\n32", keccak256(abi.encodePacked(
 *   "c2d-kms-v1/run-cert", appId, composeHash, runSigner, runId)))), v, r, s)
 * equals the KMS's address, the contract's `kms`. dstack's KMS signs an
 * app key the same way in spirit (keccak of a prefix, the app id and the
 * key); c2d adds the compose-hash and the run, and the EIP-191 prefix so
 * that the signature can never be taken for a transaction's.
 *
 * ECDSA signing (libsecp256k1, RFC 6979 nonces) is constant-time; the rest
 * hashes public data. Not thread-safe to free while in use; signing and
 * reading are safe from several threads (ctx is only read).
 *
 * Prefix: c2d_kmskey_
 */
#ifndef C2D_HOST_KMSKEY_H
#define C2D_HOST_KMSKEY_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"

#define C2D_KMSKEY_SIG_LEN 65

struct c2d_kmskey {
	uint8_t sk[32];        /* secret: never copied out of this page */
	uint8_t pub[33];       /* compressed: what recipes carry */
	uint8_t address[20];   /* the contract's `kms` */
};

/* Loads path into a locked page (*key, freed with c2d_kmskey_free).
 * C2D_E_INPUT naming the file for a mode other than 0600, another owner,
 * not a regular file or not a key; C2D_E_IO when it cannot be read or the
 * page cannot be locked. On failure *key is NULL. */
C2D_MUST_CHECK c2d_status c2d_kmskey_load(const secp256k1_context *ctx, const char *path,
					  struct c2d_kmskey **key, struct c2d_err *err);

/* Wipes, unlocks and unmaps the key; NULL is allowed. */
void c2d_kmskey_free(struct c2d_kmskey *key);

/* The address of a compressed public key: C2D_E_INPUT if it is not one. */
C2D_MUST_CHECK c2d_status c2d_kmskey_address_of(const secp256k1_context *ctx, const uint8_t pub[33],
						uint8_t address[20], struct c2d_err *err);

/* The EIP-191 digest of a run certificate (above). Pure. */
void c2d_kmskey_cert_digest(const uint8_t app_id[20], const uint8_t compose_hash[32],
			    const uint8_t run_signer[20], const uint8_t run_id[32],
			    uint8_t digest[32]);

/* Signs digest with the root key: r ‖ s ‖ v as above. */
C2D_MUST_CHECK c2d_status c2d_kmskey_sign(const secp256k1_context *ctx, const struct c2d_kmskey *key,
					  const uint8_t digest[32], uint8_t sig[C2D_KMSKEY_SIG_LEN],
					  struct c2d_err *err);

/* The address that signed digest (ecrecover), for tests and verifiers:
 * C2D_E_REFUSED when sig recovers no key. */
C2D_MUST_CHECK c2d_status c2d_kmskey_recover(const secp256k1_context *ctx, const uint8_t digest[32],
					     const uint8_t sig[C2D_KMSKEY_SIG_LEN], uint8_t address[20],
					     struct c2d_err *err);

#endif
