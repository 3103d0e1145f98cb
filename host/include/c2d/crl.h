/*
 * c2d/crl.h: X.509 certificate revocation lists (RFC 5280, section 5), as
 * Intel publishes them for its SGX root CA and PCK CAs: version 2,
 * ecdsa-with-SHA256. BearSSL has no CRL code, so the parser is hand-written
 * over c2d/der.h.
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
 *                                  signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version INTEGER (v2), signature, issuer Name,
 *       thisUpdate Time, nextUpdate Time,
 *       revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER,
 *           revocationDate Time, crlEntryExtensions Extensions OPTIONAL }
 *           OPTIONAL,
 *       crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 *
 * Stricter than RFC 5280 where c2d needs it: nextUpdate is required (a
 * CRL without one never goes stale); version must be v2; critical
 * extensions, CRL-wide or per entry, are refused (c2d understands none:
 * they would make this a delta or indirect CRL, or narrow its scope); an
 * empty revokedCertificates is refused (RFC 5280: it MUST then be absent).
 *
 * struct c2d_crl points into the caller's DER, which must outlive it.
 * Parsing checks no signature and no date: c2d_crl_verify does.
 * Errors: C2D_E_INPUT (malformed; offset and field named), C2D_E_REFUSED
 * (verification said no). Not constant-time: CRLs are public.
 *
 * Prefix: c2d_crl_
 */
#ifndef C2D_CRL_H
#define C2D_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/x509.h"

struct c2d_crl {
	const uint8_t *der; size_t len;
	const uint8_t *tbs; size_t tbs_len;           /* what the signature covers */
	const uint8_t *issuer; size_t issuer_len;     /* DER of the issuer Name (whole TLV) */
	int64_t this_update, next_update;             /* unix seconds */
	const uint8_t *sig; size_t sig_len;           /* DER ECDSA signature */
	const uint8_t *revoked; size_t revoked_len;   /* contents of revokedCertificates, NULL if absent */
	size_t n_revoked;
};

/* Parses der[0..len), which must hold exactly one CRL, and checks every
 * revoked entry (positive serial of at most 20 octets, revocation date,
 * extensions). */
C2D_MUST_CHECK c2d_status c2d_crl_parse(const uint8_t *der, size_t len, struct c2d_crl *crl,
					struct c2d_err *err);

/* C2D_OK when the CRL's issuer Name equals issuer's subject, its
 * signature verifies with issuer's key, and this_update <= now <
 * next_update; else C2D_E_REFUSED naming which. */
C2D_MUST_CHECK c2d_status c2d_crl_verify(const struct c2d_crl *crl, const struct c2d_x509 *issuer,
					 int64_t now, struct c2d_err *err);

/* The time check of c2d_crl_verify alone, for a CRL it accepted earlier
 * with the same issuer: this_update <= now < next_update, refused with
 * the same messages. */
C2D_MUST_CHECK c2d_status c2d_crl_check_time(const struct c2d_crl *crl, const struct c2d_x509 *issuer,
					     int64_t now, struct c2d_err *err);

/* 1 if cert's serial number is listed in the (parsed) CRL, else 0.
 * Serials compare as numbers: both sides are stored without sign octets.
 * crl must come from c2d_crl_parse (an entry that does not parse counts
 * as a match: fail closed). */
int c2d_crl_revokes(const struct c2d_crl *crl, const struct c2d_x509 *cert);

#endif
