/* ECDSA P-256 / SHA-256 verification: see c2d/p256.h. */
#include "c2d/p256.h"

#include <string.h>

#include <bearssl.h>

typedef uint32_t (*vrfy_fn)(const br_ec_impl *, const void *, size_t,
			    const br_ec_public_key *, const void *, size_t);

static int verify(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
		  const uint8_t *sig, size_t sig_len, vrfy_fn vrfy)
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
	return vrfy(&br_ec_p256_m31, hash, sizeof(hash), &key, sig, sig_len) == 1;
}

int c2d_p256_verify_raw(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
			const uint8_t sig[C2D_P256_SIG_LEN])
{
	return verify(pub, msg, len, sig, C2D_P256_SIG_LEN, br_ecdsa_i31_vrfy_raw);
}

int c2d_p256_verify_asn1(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
			 const uint8_t *sig, size_t sig_len)
{
	return verify(pub, msg, len, sig, sig_len, br_ecdsa_i31_vrfy_asn1);
}

void c2d_p256_pub_from_xy(const uint8_t xy[64], uint8_t pub[C2D_P256_PUB_LEN])
{
	pub[0] = 0x04;
	memcpy(pub + 1, xy, 64);
}
