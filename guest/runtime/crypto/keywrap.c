/* Dataset key wrapping: see c2d/keywrap.h. */
#include "c2d/keywrap.h"

#include <string.h>

#include <bearssl_kdf.h>
#include <secp256k1_ecdh.h>

#include "c2d/aead.h"
#include "c2d/bytes.h"

static const char label[] = "c2d-seal-v1";
static const char salt[] = "c2d-seal-v1/wrap";
static const char wrap_aad[] = "c2d-seal-v1/dataset-key";

/* libsecp256k1 hashes the shared point by default; we want the bare
 * x-coordinate so that HKDF alone does the key derivation (and other
 * implementations reproduce it from a plain ECDH). */
static int ecdh_x_only(unsigned char *out, const unsigned char *x32,
		       const unsigned char *y32, void *data)
{
	(void)y32;
	(void)data;
	memcpy(out, x32, 32);
	return 1;
}

/* HKDF-Expand's info is assembled in a buffer: BearSSL takes it in one piece. */
static void derive(const uint8_t shared[32], const struct c2d_wrap_binding *b,
		   const uint8_t eph_pub[C2D_PUBKEY_LEN], uint8_t wrap_key[32])
{
	uint8_t info[4 + sizeof(label) - 1 + 4 + 33 + 4 + 20 + 4 + 32 + 4 + 20 + 4 + 32 + 4 + 33];
	uint8_t *p = info;
#define PUT(src, n) do { c2d_put_le32(p, (uint32_t)(n)); memcpy(p + 4, (src), (n)); p += 4 + (n); } while (0)
	PUT(label, sizeof(label) - 1);
	PUT(b->recipe->kms_pubkey, C2D_PUBKEY_LEN);
	PUT(b->recipe->app_id, C2D_ADDRESS_LEN);
	PUT(b->recipe->compose_hash, 32);
	PUT(b->owner, C2D_ADDRESS_LEN);
	PUT(b->dataset_id, 32);
	PUT(eph_pub, C2D_PUBKEY_LEN);
#undef PUT
	br_hkdf_context hc;
	br_hkdf_init(&hc, &br_sha256_vtable, salt, sizeof(salt) - 1);
	br_hkdf_inject(&hc, shared, 32);
	br_hkdf_flip(&hc);
	br_hkdf_produce(&hc, info, (size_t)(p - info), wrap_key, 32);
	explicit_bzero(&hc, sizeof(hc));
}

static int parse_pub(const secp256k1_context *ctx, secp256k1_pubkey *pk,
		     const uint8_t in[C2D_PUBKEY_LEN], const char *what, struct c2d_err *err)
{
	if ((in[0] != 2 && in[0] != 3) || !secp256k1_ec_pubkey_parse(ctx, pk, in, C2D_PUBKEY_LEN))
		return c2d_fail(err, C2D_E_INPUT, "%s is not a valid compressed secp256k1 public key", what);
	return C2D_OK;
}

c2d_status c2d_kw_pubkey(const secp256k1_context *ctx, const uint8_t sk[32],
			 uint8_t pub[C2D_PUBKEY_LEN], struct c2d_err *err)
{
	secp256k1_pubkey pk;
	size_t n = C2D_PUBKEY_LEN;
	if (!secp256k1_ec_pubkey_create(ctx, &pk, sk))
		return c2d_fail(err, C2D_E_INPUT, "secret key is not a valid secp256k1 scalar");
	secp256k1_ec_pubkey_serialize(ctx, pub, &n, &pk, SECP256K1_EC_COMPRESSED);
	return C2D_OK;
}

c2d_status c2d_kw_wrap(const secp256k1_context *ctx, const struct c2d_wrap_binding *b,
		       const uint8_t eph_sk[32], const uint8_t dataset_key[C2D_KEY_LEN],
		       uint8_t eph_pub[C2D_PUBKEY_LEN], uint8_t wrapped[C2D_WRAPPED_LEN],
		       struct c2d_err *err)
{
	secp256k1_pubkey kms;
	uint8_t shared[32], wrap_key[32];
	int r;

	if ((r = parse_pub(ctx, &kms, b->recipe->kms_pubkey, "the recipe's KMS key", err)) < 0 ||
	    (r = c2d_kw_pubkey(ctx, eph_sk, eph_pub, err)) < 0)
		return r;
	if (!secp256k1_ecdh(ctx, shared, &kms, eph_sk, ecdh_x_only, NULL))
		return c2d_fail(err, C2D_E_INPUT, "ECDH failed");
	derive(shared, b, eph_pub, wrap_key);
	memcpy(wrapped, dataset_key, C2D_KEY_LEN);
	c2d_gcm_seal_once(wrap_key, wrap_aad, sizeof(wrap_aad) - 1, wrapped, C2D_KEY_LEN,
			   wrapped + C2D_KEY_LEN);
	explicit_bzero(shared, sizeof(shared));
	explicit_bzero(wrap_key, sizeof(wrap_key));
	return C2D_OK;
}

c2d_status c2d_kw_derive_kms(const secp256k1_context *ctx, const struct c2d_wrap_binding *b,
			     const uint8_t kms_sk[32], const uint8_t eph_pub[C2D_PUBKEY_LEN],
			     uint8_t wrap_key[C2D_KEY_LEN], struct c2d_err *err)
{
	secp256k1_pubkey eph;
	uint8_t shared[32];
	int r = parse_pub(ctx, &eph, eph_pub, "the header's ephemeral key", err);
	if (r < 0)
		return r;
	if (!secp256k1_ecdh(ctx, shared, &eph, kms_sk, ecdh_x_only, NULL))
		return c2d_fail(err, C2D_E_INPUT, "the KMS secret key is not a valid secp256k1 scalar");
	derive(shared, b, eph_pub, wrap_key);
	explicit_bzero(shared, sizeof(shared));
	return C2D_OK;
}

c2d_status c2d_kw_unwrap(const uint8_t wrap_key[C2D_KEY_LEN],
			 const uint8_t wrapped[C2D_WRAPPED_LEN],
			 uint8_t dataset_key[C2D_KEY_LEN], struct c2d_err *err)
{
	memcpy(dataset_key, wrapped, C2D_KEY_LEN);
	if (c2d_gcm_open_once(wrap_key, wrap_aad, sizeof(wrap_aad) - 1, dataset_key,
			       C2D_KEY_LEN, wrapped + C2D_KEY_LEN, err) < 0) {
		explicit_bzero(dataset_key, C2D_KEY_LEN);
		return c2d_fail(err, C2D_E_REFUSED,
				"the dataset key does not unwrap: sealed for another recipe, owner or dataset");
	}
	return C2D_OK;
}
