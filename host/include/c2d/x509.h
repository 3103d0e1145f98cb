/*
 * c2d/x509.h: the X.509 certificates of Intel's attestation (RFC 5280
 * profile as used by the Intel SGX PCK Certificate and CRL Profile): PEM
 * chains as quotes and collateral carry them, parsing, and verification of
 * a chain up to a pinned root.
 *
 * Chain verification is done twice, independently: once by BearSSL's
 * br_x509_minimal engine (the library c2d relies on for X.509), and once by
 * c2d's own parse (c2d/der.h), which also gives what BearSSL does not
 * expose: serial numbers for CRL checks, the SGX extension, and error
 * messages that name the certificate. Only what Intel issues is accepted:
 * version 3, ECDSA P-256 keys, ecdsa-with-SHA256 signatures.
 *
 * struct c2d_x509 points into the DER it was parsed from, which must
 * outlive it. struct c2d_pem_chain owns its buffer; free it with
 * c2d_x509_pem_chain_free() (safe on a zeroed or already freed chain).
 *
 * Errors: C2D_E_INPUT for malformed input (offset and field named),
 * C2D_E_REFUSED for a chain that parses but does not verify (the
 * certificate named by its subject CN, and why), C2D_E_NOMEM.
 * Not constant-time: certificates are public.
 *
 * Prefix: c2d_x509_
 * Prefix of host/attest/intel_root.c: c2d_intel_
 */
#ifndef C2D_X509_H
#define C2D_X509_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_X509_MAX_CHAIN 4

struct c2d_x509 {
	const uint8_t *der; size_t der_len;
	const uint8_t *tbs; size_t tbs_len;         /* what the signature covers */
	const uint8_t *serial; size_t serial_len;   /* INTEGER content, leading 0x00 sign octets stripped */
	const uint8_t *issuer; size_t issuer_len;   /* DER of the issuer Name (whole TLV) */
	const uint8_t *subject; size_t subject_len;
	int64_t not_before, not_after;              /* unix seconds */
	uint8_t pub[65];                            /* P-256 uncompressed point; other key types refused */
	const uint8_t *sig; size_t sig_len;         /* DER ECDSA signature (BIT STRING content) */
	const uint8_t *sgx_ext; size_t sgx_ext_len; /* extnValue content of OID 1.2.840.113741.1.13.1, NULL if absent */
	int is_ca;                                  /* basicConstraints cA */
};

/* Parses one DER certificate occupying exactly der[0..len). Refuses
 * another version, key type or signature algorithm, unique identifiers,
 * duplicate extensions, and critical extensions other than
 * basicConstraints and keyUsage. Checks no signature and no date. */
C2D_MUST_CHECK c2d_status c2d_x509_parse(const uint8_t *der, size_t len, struct c2d_x509 *c,
					 struct c2d_err *err);

/* Copies the subject's common name into out (size n, n >= 1), printable
 * ASCII only (anything else becomes '?'); "(no CN)" when it has none. */
void c2d_x509_cn(const struct c2d_x509 *c, char *out, size_t n);

/* A Name as Intel writes those of its attestation PKI (the Intel SGX PCK
 * Certificate and CRL Profile): five RDNs of one attribute each, CN, O,
 * L, ST and C, in that order. */
struct c2d_x509_dn {
	const char *cn, *o, *l, *st, *c;
};

/* 1 when name[0..len), the DER of a Name (whole TLV, as struct c2d_x509
 * holds subject and issuer), is exactly dn: the five attributes in that
 * order, one per RDN, each a UTF8String or PrintableString whose bytes
 * equal the string; 0 otherwise, a malformed Name included. Hand-written
 * over c2d/der.h: BearSSL compares whole encoded names only. */
int c2d_x509_name_is(const uint8_t *name, size_t len, const struct c2d_x509_dn *dn);

struct c2d_pem_chain {
	uint8_t *buf;                               /* owned, heap */
	size_t n;
	size_t off[C2D_X509_MAX_CHAIN], len[C2D_X509_MAX_CHAIN];
};

/* Decodes 1..C2D_X509_MAX_CHAIN PEM "CERTIFICATE" objects (BearSSL's
 * br_pem_decoder) from pem[0..len) into DER. Any other object, text that
 * is not PEM, or more certificates are refused; trailing NULs and white
 * space are tolerated (quotes carry a trailing NUL). On failure *out owns
 * nothing. */
C2D_MUST_CHECK c2d_status c2d_x509_pem_chain_decode(const char *pem, size_t len,
					       struct c2d_pem_chain *out, struct c2d_err *err);
void c2d_x509_pem_chain_free(struct c2d_pem_chain *c);

/* Verifies chain (leaf first) at time now (unix seconds) against the
 * pinned self-signed root root_der[0..root_len):
 *   - BearSSL's br_x509_minimal (P-256, SHA-256, the root as the only
 *     trust anchor, with its CA flag) accepts it, and
 *   - by c2d's own parse: each certificate is valid at now; each one's
 *     issuer Name equals the next one's subject and its signature verifies
 *     with the next one's key; every certificate but the leaf is a CA;
 *     the last one is the root itself (byte for byte) or is issued by it.
 * On success fills *leaf (pointing into chain->buf). */
C2D_MUST_CHECK c2d_status c2d_x509_chain_verify(const struct c2d_pem_chain *chain,
						const uint8_t *root_der, size_t root_len,
						int64_t now, struct c2d_x509 *leaf,
						struct c2d_err *err);

/* As c2d_x509_chain_verify, for a chain whose certificates above its
 * leaf are byte-identical to the first ones of known, a chain that
 * c2d_x509_chain_verify accepted earlier against the same root: those
 * certificates' signatures (and the root's own) are not checked again,
 * since the same bytes under the same root verify the same way
 * (docs/attestation.md, "Verified once per collateral"). Every
 * certificate's time is still checked at now, and the leaf's signature by
 * the certificate above it by both engines (BearSSL's with that
 * certificate as its trust anchor), with the same refusals as
 * c2d_x509_chain_verify. Any other chain, or known NULL, is verified in
 * full. */
C2D_MUST_CHECK c2d_status c2d_x509_chain_verify_known(const struct c2d_pem_chain *chain,
						      const struct c2d_pem_chain *known,
						      const uint8_t *root_der, size_t root_len,
						      int64_t now, struct c2d_x509 *leaf,
						      struct c2d_err *err);

/* The time checks of c2d_x509_chain_verify alone, for a chain that it
 * accepted earlier against the same root: the root, then each
 * certificate, valid at now, refused with the same messages. */
C2D_MUST_CHECK c2d_status c2d_x509_chain_check_time(const struct c2d_pem_chain *chain,
						    const uint8_t *root_der, size_t root_len,
						    int64_t now, struct c2d_err *err);

/* The Intel SGX Root CA, DER (host/attest/intel_root.c). */
extern const uint8_t c2d_intel_sgx_root_der[];
extern const size_t c2d_intel_sgx_root_der_len;

#endif
