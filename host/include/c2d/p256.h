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
 * The verifications return C2D_OK when the signature is valid, else
 * C2D_E_REFUSED (including a key that is not a point of the curve); they
 * never fail in another way and write nothing but err, whose message the
 * caller usually replaces with one naming what was signed and by whom.
 * Verification handles public data only, so it is not required to be
 * constant-time; BearSSL's code is anyway.
 *
 * Prefix: c2d_p256_
 */
#ifndef C2D_P256_H
#define C2D_P256_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_P256_PUB_LEN 65
#define C2D_P256_SIG_LEN 64

/* Verifies a raw r ‖ s signature over SHA-256(msg[0..len)). */
C2D_MUST_CHECK c2d_status c2d_p256_verify_raw(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg,
					      size_t len, const uint8_t sig[C2D_P256_SIG_LEN],
					      struct c2d_err *err);

/* Verifies a DER signature (sig[0..sig_len)) over SHA-256(msg[0..len)). */
C2D_MUST_CHECK c2d_status c2d_p256_verify_asn1(const uint8_t pub[C2D_P256_PUB_LEN], const void *msg,
					       size_t len, const uint8_t *sig, size_t sig_len,
					       struct c2d_err *err);

/* Turns a quote's raw x ‖ y key into the uncompressed form above. */
void c2d_p256_pub_from_xy(const uint8_t xy[64], uint8_t pub[C2D_P256_PUB_LEN]);

#endif
