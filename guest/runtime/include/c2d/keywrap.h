/*
 * c2d/keywrap.h: wrapping a dataset key to a recipe (ECIES on secp256k1).
 *
 *   shared   = x-coordinate of e·K   (owner: ephemeral secret e, KMS public K)
 *            = x-coordinate of k·E   (KMS:   KMS secret k, ephemeral public E)
 *   wrap_key = HKDF-SHA256(salt = "c2d-seal-v1/wrap", IKM = shared,
 *                          info = lp("c2d-seal-v1") ‖ lp(K) ‖ lp(app_id) ‖
 *                                 lp(compose_hash) ‖ lp(owner) ‖ lp(dataset_id) ‖ lp(E),
 *                          L = 32)                 lp(x) = le32(len x) ‖ x
 *   wrapped  = AES-256-GCM(wrap_key, nonce = 0^96, aad = "c2d-seal-v1/dataset-key",
 *                          dataset key) ‖ tag      (48 bytes)
 *
 * Every recipe field, the owner and the dataset id are bound: change any and
 * the KMS derives another key, which opens nothing. A zero nonce is safe
 * because each wrap key is used once: it depends on a fresh ephemeral key.
 * Binding the dataset id matters for the KMS, which debits a privacy budget
 * per (owner, dataset id) before releasing the key.
 *
 * Secrets (ephemeral and KMS secret keys, the shared secret, the wrap key,
 * the dataset key) live only in caller buffers and in stack frames that are
 * wiped before return. ECDH (libsecp256k1) and AES-GCM (BearSSL, x86ni/
 * pclmul or ct64) are constant-time; tag checks are constant-time.
 *
 * ctx is the caller's secp256k1 context (no global state here); it should be
 * randomized with secp256k1_context_randomize().
 *
 * Prefix: c2d_kw_
 */
#ifndef C2D_KEYWRAP_H
#define C2D_KEYWRAP_H

#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"
#include "c2d/sealfmt.h"

#define C2D_KEY_LEN 32

/* What a wrap key is bound to, besides the two public keys. */
struct c2d_wrap_binding {
	const struct c2d_recipe *recipe;
	const uint8_t *owner;        /* C2D_ADDRESS_LEN bytes */
	const uint8_t *dataset_id;   /* 32 bytes */
};

/* Owner side: from the ephemeral secret eph_sk (a valid secp256k1 scalar),
 * computes eph_pub and wraps dataset_key into wrapped. Fails with
 * C2D_E_INPUT for an invalid scalar or KMS key. */
C2D_MUST_CHECK c2d_status c2d_kw_wrap(const secp256k1_context *ctx,
				      const struct c2d_wrap_binding *b, const uint8_t eph_sk[32],
				      const uint8_t dataset_key[C2D_KEY_LEN],
				      uint8_t eph_pub[C2D_PUBKEY_LEN],
				      uint8_t wrapped[C2D_WRAPPED_LEN], struct c2d_err *err);

/* KMS side: re-derives the wrap key from the KMS secret key and the header's
 * ephemeral public key. Call it only once the release policy holds. */
C2D_MUST_CHECK c2d_status c2d_kw_derive_kms(const secp256k1_context *ctx,
					    const struct c2d_wrap_binding *b,
					    const uint8_t kms_sk[32],
					    const uint8_t eph_pub[C2D_PUBKEY_LEN],
					    uint8_t wrap_key[C2D_KEY_LEN], struct c2d_err *err);

/* Opens wrapped with wrap_key. C2D_E_REFUSED when the tag does not verify
 * (wrong key: another recipe, owner or dataset); dataset_key is then zero. */
C2D_MUST_CHECK c2d_status c2d_kw_unwrap(const uint8_t wrap_key[C2D_KEY_LEN],
					const uint8_t wrapped[C2D_WRAPPED_LEN],
					uint8_t dataset_key[C2D_KEY_LEN], struct c2d_err *err);

/* The compressed public key of a secret key; C2D_E_INPUT if invalid. */
C2D_MUST_CHECK c2d_status c2d_kw_pubkey(const secp256k1_context *ctx, const uint8_t sk[32],
					uint8_t pub[C2D_PUBKEY_LEN], struct c2d_err *err);

#endif
