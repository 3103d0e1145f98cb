/* ECDSA P-256 / SHA-256 verification: see c2d/p256.h. */
#include "c2d/p256.h"

#include <string.h>

#include <bearssl.h>

typedef uint32_t (*vrfy_fn)(const br_ec_impl *, const void *, size_t,
			    const br_ec_public_key *, const void *, size_t);

static c2d_status verify(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
			 const uint8_t *sig, size_t sig_len, vrfy_fn vrfy, struct c2d_err *err)
{
	uint8_t hash[32];
	br_sha256_context h;
	/* BearSSL takes a non-const key; the point is only read. */
	uint8_t q[C2D_P256_PUB_LEN];
	br_ec_public_key key = { BR_EC_secp256r1, q, sizeof(q) };

	memcpy(q, pub, sizeof(q));
	br_sha256_init(&h);
	br_sha256_update(&h, msg, len);
	br_sha256_out(&h, hash);
	if (vrfy(&br_ec_p256_m31, hash, sizeof(hash), &key, sig, sig_len) != 1)
		return c2d_fail(err, C2D_E_REFUSED, "ECDSA P-256 signature does not verify");
	return C2D_OK;
}

c2d_status c2d_p256_verify_raw(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
			       const uint8_t sig[C2D_P256_SIG_LEN], struct c2d_err *err)
{
	return verify(pub, msg, len, sig, C2D_P256_SIG_LEN, br_ecdsa_i31_vrfy_raw, err);
}

c2d_status c2d_p256_verify_asn1(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
				const uint8_t *sig, size_t sig_len, struct c2d_err *err)
{
	return verify(pub, msg, len, sig, sig_len, br_ecdsa_i31_vrfy_asn1, err);
}

void c2d_p256_pub_from_xy(const uint8_t xy[64], uint8_t pub[C2D_P256_PUB_LEN])
{
	pub[0] = 0x04;
	memcpy(pub + 1, xy, 64);
}
