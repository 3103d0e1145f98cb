/*
 * c2d/p256.h: ECDSA P-256 with SHA-256 verification, the signature scheme
 * of every object in Intel's TDX attestation (quotes, QE reports, PCK
 * certificates, CRLs, TCB info, QE identity). A thin layer over BearSSL's
 * i31 code, so that callers never pick curves or encodings by hand.
 *
 * Keys are uncompressed points (0x04 ‖ x ‖ y, 65 bytes) or raw x ‖ y
 * (64 bytes, as quotes carry the attestation key). Signatures are either
 * raw r ‖ s (64 bytes, big-endian: quotes and collateral JSON) or ASN.1
 * DER (X.509 certificates and CRLs).
 *
 * Return 1 when the signature is valid, 0 otherwise (including a key that
 * is not a point of the curve); these functions never fail in another way
 * and write nothing. Verification handles public data only, so it is not
 * required to be constant-time; BearSSL's code is anyway.
 */
#ifndef C2D_P256_H
#define C2D_P256_H

#include <stddef.h>
#include <stdint.h>

#define C2D_P256_PUB_LEN 65
#define C2D_P256_SIG_LEN 64

/* Verifies a raw r ‖ s signature over SHA-256(msg[0..len)). */
int c2d_p256_verify_raw(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
			const uint8_t sig[C2D_P256_SIG_LEN]);

/* Verifies a DER signature (sig[0..sig_len)) over SHA-256(msg[0..len)). */
int c2d_p256_verify_asn1(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg, size_t len,
			 const uint8_t *sig, size_t sig_len);

/* Turns a quote's raw x ‖ y key into the uncompressed form above. */
void c2d_p256_pub_from_xy(const uint8_t xy[64], uint8_t pub[C2D_P256_PUB_LEN]);

#endif
