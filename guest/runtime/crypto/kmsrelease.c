/* The key release's shared cryptography: see c2d/kmsrelease.h. */
#include "c2d/kmsrelease.h"

#include <string.h>

#include <bearssl_hash.h>
#include <bearssl_kdf.h>
#include <secp256k1_ecdh.h>

#include "c2d/aead.h"

static const char rd_label[] = "c2d-kms-v1/report-data";
static const char salt[] = "c2d-kms-v1/release";
static const char info_label[] = "c2d-kms-v1/release-keys";
static const char aad[] = "c2d-kms-v1/wrap-key";

void c2d_kmsr_report_data(const uint8_t challenge[C2D_KMSR_CHALLENGE_LEN],
			  const uint8_t eph_pub[C2D_KMSR_PUB_LEN],
			  const uint8_t run_pub[C2D_KMSR_PUB_LEN],
			  uint8_t out[C2D_KMSR_REPORT_DATA_LEN])
{
	br_sha512_context h;
	br_sha512_init(&h);
	br_sha512_update(&h, rd_label, sizeof(rd_label) - 1);
	br_sha512_update(&h, challenge, C2D_KMSR_CHALLENGE_LEN);
	br_sha512_update(&h, eph_pub, C2D_KMSR_PUB_LEN);
	br_sha512_update(&h, run_pub, C2D_KMSR_PUB_LEN);
	br_sha512_out(&h, out);
}

c2d_status c2d_kmsr_derive(const secp256k1_context *ctx, const uint8_t sk[32],
			   const uint8_t peer_pub[C2D_KMSR_PUB_LEN],
			   const uint8_t kms_pub[C2D_KMSR_PUB_LEN],
			   const uint8_t cvm_pub[C2D_KMSR_PUB_LEN],
			   const uint8_t challenge[C2D_KMSR_CHALLENGE_LEN], size_t n,
			   uint8_t *keys, struct c2d_err *err)
{
	secp256k1_pubkey peer;
	uint8_t shared[32];
	if (n == 0 || n > C2D_KMSR_MAX_KEYS)
		return c2d_fail(err, C2D_E_INPUT, "%zu keys: 1 to %d per release", n, C2D_KMSR_MAX_KEYS);
	memset(keys, 0, 32 * n);
	if ((peer_pub[0] != 2 && peer_pub[0] != 3) ||
	    !secp256k1_ec_pubkey_parse(ctx, &peer, peer_pub, C2D_KMSR_PUB_LEN))
		return c2d_fail(err, C2D_E_INPUT, "the peer's key is not a compressed secp256k1 point");
	if (!secp256k1_ecdh(ctx, shared, &peer, sk, NULL, NULL))
		return c2d_fail(err, C2D_E_INPUT, "the secret key is not a valid secp256k1 scalar");
	uint8_t info[sizeof(info_label) - 1 + 2 * C2D_KMSR_PUB_LEN + C2D_KMSR_CHALLENGE_LEN];
	memcpy(info, info_label, sizeof(info_label) - 1);
	memcpy(info + sizeof(info_label) - 1, kms_pub, C2D_KMSR_PUB_LEN);
	memcpy(info + sizeof(info_label) - 1 + C2D_KMSR_PUB_LEN, cvm_pub, C2D_KMSR_PUB_LEN);
	memcpy(info + sizeof(info_label) - 1 + 2 * C2D_KMSR_PUB_LEN, challenge, C2D_KMSR_CHALLENGE_LEN);
	br_hkdf_context hc;
	br_hkdf_init(&hc, &br_sha256_vtable, salt, sizeof(salt) - 1);
	br_hkdf_inject(&hc, shared, sizeof(shared));
	br_hkdf_flip(&hc);
	br_hkdf_produce(&hc, info, sizeof(info), keys, 32 * n);
	explicit_bzero(&hc, sizeof(hc));
	explicit_bzero(shared, sizeof(shared));
	return C2D_OK;
}

void c2d_kmsr_seal(const uint8_t key[32], const uint8_t wrap_key[32],
		   uint8_t sealed[C2D_KMSR_SEALED_LEN])
{
	memcpy(sealed, wrap_key, 32);
	c2d_gcm_seal_once(key, aad, sizeof(aad) - 1, sealed, 32, sealed + 32);
}

c2d_status c2d_kmsr_open(const uint8_t key[32], const uint8_t sealed[C2D_KMSR_SEALED_LEN],
			 uint8_t wrap_key[32], struct c2d_err *err)
{
	memcpy(wrap_key, sealed, 32);
	if (c2d_gcm_open_once(key, aad, sizeof(aad) - 1, wrap_key, 32, sealed + 32, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED, "a released wrap key does not open: "
				"not sealed for this CVM's key and challenge");
	return C2D_OK;
}
