/*
 * c2d/kmsrelease.h: the cryptography both ends of a key release share
 * (docs/kms-protocol.md): the report data that binds a quote to a KMS
 * challenge and to the CVM's keys, and the ECIES that carries each wrap key
 * from the KMS to the CVM. The one definition the KMS (host/kms/) and the
 * CVM compile, so the two sides cannot drift apart; the CVM needs only
 * c2d_kmsr_report_data, c2d_kmsr_derive and c2d_kmsr_open.
 *
 *   report_data = SHA-512("c2d-kms-v1/report-data" ‖ challenge (32)
 *                         ‖ E (33) ‖ R (33))
 *     E: the CVM's ephemeral public key, R: its run signing public key,
 *     both compressed secp256k1 points. Every part has a fixed length, so
 *     the concatenation is unambiguous.
 *
 *   shared = libsecp256k1's ECDH: SHA-256(0x02 | (y & 1) ‖ x) of s·E (KMS)
 *            = e·S (CVM); s, S = s·G: the KMS's ephemeral key for this
 *            response, drawn afresh for each.
 *   keys   = HKDF-SHA256(salt = "c2d-kms-v1/release", IKM = shared,
 *                        info = "c2d-kms-v1/release-keys" ‖ S ‖ E ‖ challenge,
 *                        L = 32 · n)
 *     key i is bytes 32i .. 32i+31, for the i-th envelope of the request.
 *   sealed_i = AES-256-GCM(key i, nonce = 0^96, aad = "c2d-kms-v1/wrap-key",
 *                          wrap key i) ‖ tag    (48 bytes)
 *
 * A zero nonce is safe: every key is used once, and depends on a fresh S.
 * The challenge in info ties the keys to this exchange; the index ties
 * each wrap key to its envelope (a wrap key in the wrong place fails to
 * open, and if it were put back it would still only open its own header).
 *
 * Secrets (s, e, shared, the keys, the wrap keys) live in caller buffers
 * and in stack frames wiped before return. ECDH (libsecp256k1) and
 * AES-GCM (c2d/aead.h) are constant-time; the tag check is constant-time.
 * No allocation, no global state; ctx is the caller's secp256k1 context.
 *
 * Prefix: c2d_kmsr_
 */
#ifndef C2D_KMSRELEASE_H
#define C2D_KMSRELEASE_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"

#define C2D_KMSR_CHALLENGE_LEN 32
#define C2D_KMSR_PUB_LEN 33
#define C2D_KMSR_REPORT_DATA_LEN 64
#define C2D_KMSR_SEALED_LEN 48        /* wrap key (32) ‖ tag (16) */
#define C2D_KMSR_MAX_KEYS 64          /* envelopes per request (the contract's limit) */

/* The report data of a key-release quote. Pure; nothing secret. */
void c2d_kmsr_report_data(const uint8_t challenge[C2D_KMSR_CHALLENGE_LEN],
			  const uint8_t eph_pub[C2D_KMSR_PUB_LEN],
			  const uint8_t run_pub[C2D_KMSR_PUB_LEN],
			  uint8_t out[C2D_KMSR_REPORT_DATA_LEN]);

/* The n (1..C2D_KMSR_MAX_KEYS) per-envelope keys into keys[0 .. 32n).
 * sk is this side's secret (the KMS's s or the CVM's e), peer_pub the
 * other side's public key (E or S); kms_pub (S) and cvm_pub (E) fix the
 * roles in info. C2D_E_INPUT for an invalid point or scalar, or n out of
 * range; keys is then zero. */
C2D_MUST_CHECK c2d_status c2d_kmsr_derive(const secp256k1_context *ctx, const uint8_t sk[32],
					  const uint8_t peer_pub[C2D_KMSR_PUB_LEN],
					  const uint8_t kms_pub[C2D_KMSR_PUB_LEN],
					  const uint8_t cvm_pub[C2D_KMSR_PUB_LEN],
					  const uint8_t challenge[C2D_KMSR_CHALLENGE_LEN], size_t n,
					  uint8_t *keys, struct c2d_err *err);

/* KMS side: seals one wrap key under its envelope's key. */
void c2d_kmsr_seal(const uint8_t key[32], const uint8_t wrap_key[32],
		   uint8_t sealed[C2D_KMSR_SEALED_LEN]);

/* CVM side: opens one sealed wrap key. C2D_E_REFUSED, with wrap_key
 * zero, when the tag does not verify. */
C2D_MUST_CHECK c2d_status c2d_kmsr_open(const uint8_t key[32],
					const uint8_t sealed[C2D_KMSR_SEALED_LEN],
					uint8_t wrap_key[32], struct c2d_err *err);

#endif
