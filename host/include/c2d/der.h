/*
 * c2d/der.h: a strict reader of ASN.1 DER (ITU-T X.690), for the parts of
 * X.509 certificates and CRLs that BearSSL does not expose (serial numbers,
 * extensions, CRLs: BearSSL has no CRL code at all). Hand-written because
 * no dependency of c2d offers it; it reads exactly what c2d needs.
 *
 * Accepted: single-byte tags (tag numbers 0..30), definite lengths in their
 * minimal encoding (short form below 128, long form with no leading zero
 * octet and at most four length octets). Refused, naming the offset: the
 * multi-byte tag form, the indefinite length, non-minimal lengths, a length
 * running past its parent, and, through c2d_der_end(), bytes left over
 * inside a constructed value.
 *
 * A reader is a window [at, end) over one buffer; c2d_der_enter() opens the
 * window of a constructed value, so a child can never read past its parent.
 * Offsets in messages count from the start of the buffer given to
 * c2d_der_init(), and messages start with the name given there ("PCK CRL
 * offset 167: revokedCertificates: expected SEQUENCE (0x30), found 0x02").
 * Results point into the caller's buffer, which must outlive them.
 *
 * Not constant-time: certificates and CRLs are public.
 *
 * Prefix: c2d_der_
 */
#ifndef C2D_DER_H
#define C2D_DER_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

enum {
	C2D_DER_BOOLEAN = 0x01,
	C2D_DER_INTEGER = 0x02,
	C2D_DER_BIT_STRING = 0x03,
	C2D_DER_OCTET_STRING = 0x04,
	C2D_DER_NULL = 0x05,
	C2D_DER_OID = 0x06,
	C2D_DER_ENUMERATED = 0x0a,
	C2D_DER_UTF8STRING = 0x0c,
	C2D_DER_PRINTABLESTRING = 0x13,
	C2D_DER_UTCTIME = 0x17,
	C2D_DER_GENERALIZEDTIME = 0x18,
	C2D_DER_SEQUENCE = 0x30,
	C2D_DER_SET = 0x31,
};
/* Context-specific tags: [n] constructed (EXPLICIT) and primitive. */
#define C2D_DER_CTX_CONS(n) ((uint8_t)(0xa0 | (n)))
#define C2D_DER_CTX_PRIM(n) ((uint8_t)(0x80 | (n)))

struct c2d_der {
	const uint8_t *buf;  /* the whole object, for offsets in messages */
	size_t at, end;      /* this window: buf[at..end) */
	const char *what;    /* names the object in messages */
};

/* One element: its tag, its whole encoding and its contents. */
struct c2d_der_tlv {
	uint8_t tag;
	size_t off;               /* offset of the tag in the reader's buffer */
	const uint8_t *tlv;       /* tag, length and contents */
	size_t tlv_len;
	const uint8_t *val;       /* contents */
	size_t len;
};

void c2d_der_init(struct c2d_der *d, const uint8_t *buf, size_t len, const char *what);

/* Tag of the next element, or -1 when the window is empty. Does not
 * check the element. */
int c2d_der_peek(const struct c2d_der *d);

/* Reads the next element, whatever its tag. field names it in messages. */
C2D_MUST_CHECK c2d_status c2d_der_any(struct c2d_der *d, const char *field, struct c2d_der_tlv *t,
				      struct c2d_err *err);

/* Reads the next element and requires tag. */
C2D_MUST_CHECK c2d_status c2d_der_get(struct c2d_der *d, uint8_t tag, const char *field,
				      struct c2d_der_tlv *t, struct c2d_err *err);

/* Reads the next element, requires tag and that it is constructed, and
 * opens a reader over its contents. */
C2D_MUST_CHECK c2d_status c2d_der_enter(struct c2d_der *d, uint8_t tag, const char *field,
					struct c2d_der *in, struct c2d_der_tlv *t,
					struct c2d_err *err);

/* Requires the window to be fully read: nothing trails inside field. */
C2D_MUST_CHECK c2d_status c2d_der_end(const struct c2d_der *d, const char *field,
				      struct c2d_err *err);

/* INTEGER, checked minimal and non-empty. *val, *len: its contents, two's
 * complement, big-endian. */
C2D_MUST_CHECK c2d_status c2d_der_integer(struct c2d_der *d, const char *field, const uint8_t **val,
					  size_t *len, struct c2d_err *err);

/* A non-negative INTEGER (or, with tag C2D_DER_ENUMERATED, ENUMERATED)
 * no greater than max. */
C2D_MUST_CHECK c2d_status c2d_der_uint(struct c2d_der *d, uint8_t tag, const char *field,
				       uint32_t max, uint32_t *out, struct c2d_err *err);

/* A positive INTEGER used as a serial number: *val, *len are its magnitude,
 * without the sign octet, at most 20 octets (RFC 5280, 4.1.2.2). Zero and
 * negative serials are refused. */
C2D_MUST_CHECK c2d_status c2d_der_serial(struct c2d_der *d, const char *field, const uint8_t **val,
					 size_t *len, struct c2d_err *err);

/* OBJECT IDENTIFIER with well-formed subidentifiers (non-empty, each
 * minimal, the last octet terminating). *t holds it. */
C2D_MUST_CHECK c2d_status c2d_der_oid(struct c2d_der *d, const char *field, struct c2d_der_tlv *t,
				      struct c2d_err *err);

/* 1 if the OID element t has exactly the content oid[0..len). */
int c2d_der_oid_is(const struct c2d_der_tlv *t, const uint8_t *oid, size_t len);

/* BOOLEAN: DER allows only 0x00 and 0xff. */
C2D_MUST_CHECK c2d_status c2d_der_bool(struct c2d_der *d, const char *field, int *out,
				       struct c2d_err *err);

/* BIT STRING with no unused bits (every one c2d reads is whole octets);
 * *val, *len: the octets after the unused-bits octet. */
C2D_MUST_CHECK c2d_status c2d_der_bits(struct c2d_der *d, const char *field, const uint8_t **val,
				       size_t *len, struct c2d_err *err);

/* A Time (RFC 5280, 4.1.2.5): UTCTime YYMMDDHHMMSSZ (YY < 50 means 20YY,
 * else 19YY) or GeneralizedTime YYYYMMDDHHMMSSZ, seconds and 'Z' required,
 * no fractions; GeneralizedTime only for years from 2050, as RFC 5280
 * requires. *out: seconds since 1970-01-01T00:00:00Z. */
C2D_MUST_CHECK c2d_status c2d_der_time(struct c2d_der *d, const char *field, int64_t *out,
				       struct c2d_err *err);

/* Pieces of RFC 5280 shared by certificates and CRLs. */

/* AlgorithmIdentifier of ecdsa-with-SHA256 (1.2.840.10045.4.3.2) with
 * its parameters absent (RFC 5758, 3.2); anything else is refused. */
C2D_MUST_CHECK c2d_status c2d_der_ecdsa_sha256(struct c2d_der *d, const char *field,
					       struct c2d_err *err);

/* The envelope of certificates and CRLs, SEQUENCE { tbs SEQUENCE,
 * signatureAlgorithm, signatureValue BIT STRING }, filling d's whole
 * window, signed with ecdsa-with-SHA256. *tbs: a reader over the to-be-
 * signed contents; *t_tbs: its whole encoding (what is signed); *sig,
 * *sig_len: the signature's DER. name names the envelope ("Certificate"),
 * tbs_name the signed part ("tbsCertificate"). */
C2D_MUST_CHECK c2d_status c2d_der_signed(struct c2d_der *d, const char *name, const char *tbs_name,
					 struct c2d_der *tbs, struct c2d_der_tlv *t_tbs,
					 const uint8_t **sig, size_t *sig_len, struct c2d_err *err);

/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }: checks the
 * shape; *whole receives the Name, *cn (may be NULL) the first commonName
 * value (cn->val NULL when there is none). */
C2D_MUST_CHECK c2d_status c2d_der_name(struct c2d_der *d, const char *field,
				       struct c2d_der_tlv *whole, struct c2d_der_tlv *cn,
				       struct c2d_err *err);

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension;
 * Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 * extnValue OCTET STRING }.
 * Reads the SEQUENCE (at most 32 extensions), refusing an empty one, a
 * repeated extnID and an encoded FALSE (DER never encodes a DEFAULT), and
 * calls fn for each extension with its OID and extnValue's OCTET STRING.
 * fn returns 1 for an extension it understands, 0 for one it does not
 * (refused when critical, as RFC 5280 requires), or a negative status. */
typedef int (*c2d_der_ext_fn)(void *ctx, const struct c2d_der *d, const struct c2d_der_tlv *id,
			      const struct c2d_der_tlv *value, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_der_extensions(struct c2d_der *d, const char *field,
					     c2d_der_ext_fn fn, void *ctx, struct c2d_err *err);

/* Seconds since the epoch of a proleptic Gregorian UTC date and time;
 * the fields must already be in range. */
int64_t c2d_der_unix_time(int year, int month, int day, int hour, int min, int sec);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (out: at least 21 bytes), for
 * messages; years outside 0..9999 are written as "(unix N)". */
void c2d_der_format_time(int64_t t, char out[32]);

#endif
