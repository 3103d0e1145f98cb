/*
 * host/sim/der_write.h: a minimal DER (ITU-T X.690) writer, for the simulated
 * quoter's certificates and CRLs (host/sim/simca.c). Hand-written because
 * BearSSL decodes X.509 but has no certificate or CRL writer, and a
 * certificate is a few dozen TLVs: an ASN.1 compiler would be heavier than
 * the code it replaces.
 *
 * Output goes into a growable buffer. Constructed values are written
 * content first: c2d_derw_begin() returns a mark, the content is appended,
 * and c2d_derw_end() inserts the tag and the (minimal, definite) length in
 * front of everything written since the mark. Every function latches the
 * first failure (out of memory, a value DER cannot carry) in d->bad, so a
 * caller writes a whole structure and checks once, with c2d_derw_finish().
 * The buffer is the caller's: c2d_derw_free() releases it. Nothing written
 * here is secret (certificates, CRLs), so nothing is constant-time.
 *
 * Prefix: c2d_derw_
 */
#ifndef C2D_HOST_DER_WRITE_H
#define C2D_HOST_DER_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "c2d/err.h"

/* Tags used by X.509 and CRLs. */
enum {
	C2D_DERW_BOOLEAN = 0x01,
	C2D_DERW_INTEGER = 0x02,
	C2D_DERW_BIT_STRING = 0x03,
	C2D_DERW_OCTET_STRING = 0x04,
	C2D_DERW_OID = 0x06,
	C2D_DERW_ENUMERATED = 0x0a,
	C2D_DERW_UTF8 = 0x0c,
	C2D_DERW_PRINTABLE = 0x13,
	C2D_DERW_UTCTIME = 0x17,
	C2D_DERW_GENTIME = 0x18,
	C2D_DERW_SEQUENCE = 0x30,
	C2D_DERW_SET = 0x31,
};
/* Context-specific constructed [n], e.g. a certificate's version [0]. */
#define C2D_DERW_CTX(n) (0xa0 | (n))
/* Context-specific primitive [n], e.g. a URI in a GeneralName [6]. */
#define C2D_DERW_CTX_PRIM(n) (0x80 | (n))

struct c2d_derw {
	uint8_t *buf;
	size_t len, cap;
	const char *bad;   /* NULL, or what failed first */
};

void c2d_derw_init(struct c2d_derw *d);
void c2d_derw_free(struct c2d_derw *d);

/* Start a constructed value; returns the mark to pass to c2d_derw_end. */
size_t c2d_derw_begin(const struct c2d_derw *d);
/* Wraps everything written since mark as one value of tag. */
void c2d_derw_end(struct c2d_derw *d, uint8_t tag, size_t mark);

/* Appends n bytes as they are (an already encoded value). */
void c2d_derw_raw(struct c2d_derw *d, const void *p, size_t n);
/* Appends one primitive value. */
void c2d_derw_tlv(struct c2d_derw *d, uint8_t tag, const void *p, size_t n);
/* INTEGER (or another tag, e.g. ENUMERATED) from a non-negative big-endian
 * magnitude: leading zeros dropped, a 0x00 added when the top bit is set,
 * as DER's two's complement requires. */
void c2d_derw_uint(struct c2d_derw *d, uint8_t tag, const uint8_t *be, size_t n);
/* The same for a small non-negative value. */
void c2d_derw_small(struct c2d_derw *d, uint8_t tag, uint64_t v);
/* OBJECT IDENTIFIER from dotted text ("1.2.840.10045.4.3.2"). */
void c2d_derw_oid(struct c2d_derw *d, const char *dotted);
/* BOOLEAN (DER: TRUE is 0xff). */
void c2d_derw_bool(struct c2d_derw *d, int v);
/* BIT STRING of whole bytes (no unused bits). */
void c2d_derw_bits(struct c2d_derw *d, const void *p, size_t n);
/* A Time as RFC 5280 4.1.2.5 requires: UTCTime (YYMMDDHHMMSSZ) for years
 * 1950-2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise; t in seconds
 * since the epoch, UTC. */
void c2d_derw_time(struct c2d_derw *d, time_t t);

/* 0 if everything was written, else C2D_E_NOMEM or C2D_E_INTERNAL with
 * what names the structure being built. */
C2D_MUST_CHECK c2d_status c2d_derw_finish(const struct c2d_derw *d, const char *what,
					  struct c2d_err *err);

#endif
