/* X.509 certificates and chains: see c2d/x509.h. The certificate parser is
 * hand-written over c2d/der.h because BearSSL exposes neither serials nor
 * extensions; chain verification uses BearSSL's br_x509_minimal as well. */
#include "c2d/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "c2d/der.h"
#include "c2d/p256.h"

static const uint8_t OID_EC_PUBKEY[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t OID_P256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t OID_BASIC_CONSTRAINTS[] = { 0x55, 0x1d, 0x13 };
static const uint8_t OID_KEY_USAGE[] = { 0x55, 0x1d, 0x0f };
static const uint8_t OID_SGX_EXT[] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };

#define OID(d, o) c2d_der_oid_is(d, o, sizeof(o))

/* SubjectPublicKeyInfo of a P-256 key, uncompressed. */
static int spki(struct c2d_der *d, uint8_t pub[65], struct c2d_err *err)
{
	struct c2d_der in, alg;
	struct c2d_der_tlv oid, curve;
	const uint8_t *key;
	size_t len;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, "subjectPublicKeyInfo", &in, NULL, err) < 0 ||
	    c2d_der_enter(&in, C2D_DER_SEQUENCE, "subjectPublicKeyInfo algorithm", &alg, NULL, err) < 0 ||
	    c2d_der_oid(&alg, "subjectPublicKeyInfo algorithm", &oid, err) < 0)
		return C2D_E_INPUT;
	if (!OID(&oid, OID_EC_PUBKEY))
		return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: subject key is not an EC key",
				d->what, oid.off);
	if (c2d_der_oid(&alg, "subject key curve", &curve, err) < 0)
		return C2D_E_INPUT;
	if (!OID(&curve, OID_P256))
		return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: subject key is not on P-256",
				d->what, curve.off);
	if (c2d_der_end(&alg, "subjectPublicKeyInfo algorithm", err) < 0 ||
	    c2d_der_bits(&in, "subjectPublicKey", &key, &len, err) < 0 ||
	    c2d_der_end(&in, "subjectPublicKeyInfo", err) < 0)
		return C2D_E_INPUT;
	if (len != 65 || key[0] != 0x04)
		return c2d_fail(err, C2D_E_INPUT,
				"%s offset %zu: subject key is not an uncompressed P-256 point",
				d->what, (size_t)(key - d->buf));
	memcpy(pub, key, 65);
	return C2D_OK;
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
 * pathLenConstraint INTEGER (0..MAX) OPTIONAL }. In DER a DEFAULT value
 * is never encoded, so an explicit FALSE is refused. */
static int basic_constraints(const struct c2d_der *ext, const struct c2d_der_tlv *value,
			     int *is_ca, struct c2d_err *err)
{
	struct c2d_der v, in;
	uint32_t pathlen;
	v.buf = ext->buf;
	v.at = (size_t)(value->val - ext->buf);
	v.end = v.at + value->len;
	v.what = ext->what;
	*is_ca = 0;
	if (c2d_der_enter(&v, C2D_DER_SEQUENCE, "basicConstraints", &in, NULL, err) < 0 ||
	    c2d_der_end(&v, "basicConstraints", err) < 0)
		return C2D_E_INPUT;
	if (c2d_der_peek(&in) == C2D_DER_BOOLEAN) {
		size_t at = in.at;
		if (c2d_der_bool(&in, "basicConstraints cA", is_ca, err) < 0)
			return C2D_E_INPUT;
		if (!*is_ca)
			return c2d_fail(err, C2D_E_INPUT,
					"%s offset %zu: basicConstraints cA: FALSE encoded (DER omits defaults)",
					ext->what, at);
	}
	if (c2d_der_peek(&in) == C2D_DER_INTEGER &&
	    c2d_der_uint(&in, C2D_DER_INTEGER, "basicConstraints pathLenConstraint", 255, &pathlen,
			 err) < 0)
		return C2D_E_INPUT;
	return c2d_der_end(&in, "basicConstraints", err);
}

/* The extensions c2d reads; keyUsage is understood in that BearSSL
 * enforces it (it may be critical, as Intel marks it). */
static int cert_ext(void *ctx, const struct c2d_der *d, const struct c2d_der_tlv *id,
		    const struct c2d_der_tlv *value, struct c2d_err *err)
{
	struct c2d_x509 *c = ctx;
	if (OID(id, OID_BASIC_CONSTRAINTS))
		return basic_constraints(d, value, &c->is_ca, err) < 0 ? C2D_E_INPUT : 1;
	if (OID(id, OID_SGX_EXT)) {
		c->sgx_ext = value->val;
		c->sgx_ext_len = value->len;
		return 1;
	}
	return OID(id, OID_KEY_USAGE);
}

c2d_status c2d_x509_parse(const uint8_t *der, size_t len, struct c2d_x509 *c, struct c2d_err *err)
{
	struct c2d_der top, tbs, ver, validity;
	struct c2d_der_tlv t_tbs, t_issuer, t_subject;
	uint32_t version;

	memset(c, 0, sizeof(*c));
	c2d_der_init(&top, der, len, "certificate");
	if (c2d_der_signed(&top, "Certificate", "tbsCertificate", &tbs, &t_tbs, &c->sig,
			   &c->sig_len, err) < 0)
		return C2D_E_INPUT;
	c->der = der;
	c->der_len = len;
	c->tbs = t_tbs.tlv;
	c->tbs_len = t_tbs.tlv_len;

	/* version [0] EXPLICIT INTEGER: v3 (2) only, as Intel issues. */
	size_t at = tbs.at;
	if (c2d_der_enter(&tbs, C2D_DER_CTX_CONS(0), "version", &ver, NULL, err) < 0 ||
	    c2d_der_uint(&ver, C2D_DER_INTEGER, "version", 2, &version, err) < 0 ||
	    c2d_der_end(&ver, "version", err) < 0)
		return C2D_E_INPUT;
	if (version != 2)
		return c2d_fail(err, C2D_E_INPUT, "certificate offset %zu: version %u, only v3 is accepted",
				at, version + 1);
	if (c2d_der_serial(&tbs, "serialNumber", &c->serial, &c->serial_len, err) < 0 ||
	    c2d_der_ecdsa_sha256(&tbs, "tbsCertificate signature", err) < 0 ||
	    c2d_der_name(&tbs, "issuer", &t_issuer, NULL, err) < 0 ||
	    c2d_der_enter(&tbs, C2D_DER_SEQUENCE, "validity", &validity, NULL, err) < 0 ||
	    c2d_der_time(&validity, "notBefore", &c->not_before, err) < 0 ||
	    c2d_der_time(&validity, "notAfter", &c->not_after, err) < 0 ||
	    c2d_der_end(&validity, "validity", err) < 0 ||
	    c2d_der_name(&tbs, "subject", &t_subject, NULL, err) < 0 ||
	    spki(&tbs, c->pub, err) < 0)
		return C2D_E_INPUT;
	c->issuer = t_issuer.tlv;
	c->issuer_len = t_issuer.tlv_len;
	c->subject = t_subject.tlv;
	c->subject_len = t_subject.tlv_len;
	/* issuerUniqueID [1] and subjectUniqueID [2] are not part of any
	 * profile c2d meets; extensions [3] are then required (v3). */
	struct c2d_der wrap;
	if (c2d_der_enter(&tbs, C2D_DER_CTX_CONS(3), "extensions", &wrap, NULL, err) < 0 ||
	    c2d_der_extensions(&wrap, "extensions", cert_ext, c, err) < 0 ||
	    c2d_der_end(&wrap, "extensions", err) < 0)
		return C2D_E_INPUT;
	return c2d_der_end(&tbs, "tbsCertificate", err);
}

void c2d_x509_cn(const struct c2d_x509 *c, char *out, size_t n)
{
	struct c2d_der d;
	struct c2d_der_tlv whole, cn;
	size_t k = 0;

	c2d_der_init(&d, c->subject, c->subject_len, "subject");
	if (c->subject == NULL || c2d_der_name(&d, "subject", &whole, &cn, NULL) < 0 || cn.val == NULL) {
		snprintf(out, n, "(no CN)");
		return;
	}
	for (size_t i = 0; i < cn.len && k + 1 < n; i++)
		out[k++] = cn.val[i] >= 0x20 && cn.val[i] < 0x7f ? (char)cn.val[i] : '?';
	out[k] = '\0';
}

int c2d_x509_name_is(const uint8_t *name, size_t len, const struct c2d_x509_dn *dn)
{
	/* id-at-commonName, -organizationName, -localityName,
	 * -stateOrProvinceName, -countryName: 2.5.4.{3,10,7,8,6}. */
	static const uint8_t types[5] = { 3, 10, 7, 8, 6 };
	const char *const want[5] = { dn->cn, dn->o, dn->l, dn->st, dn->c };
	struct c2d_der d, rdns, set, atv;
	struct c2d_der_tlv type, value;
	c2d_der_init(&d, name, len, "name");
	if (c2d_der_enter(&d, C2D_DER_SEQUENCE, "name", &rdns, NULL, NULL) < 0 ||
	    c2d_der_end(&d, "name", NULL) < 0)
		return 0;
	for (int i = 0; i < 5; i++) {
		const uint8_t oid[3] = { 0x55, 0x04, types[i] };
		if (c2d_der_enter(&rdns, C2D_DER_SET, "name", &set, NULL, NULL) < 0 ||
		    c2d_der_enter(&set, C2D_DER_SEQUENCE, "name", &atv, NULL, NULL) < 0 ||
		    c2d_der_end(&set, "name", NULL) < 0 || c2d_der_oid(&atv, "name", &type, NULL) < 0 ||
		    c2d_der_any(&atv, "name", &value, NULL) < 0 || c2d_der_end(&atv, "name", NULL) < 0)
			return 0;
		if (!c2d_der_oid_is(&type, oid, sizeof(oid)) ||
		    (value.tag != C2D_DER_UTF8STRING && value.tag != C2D_DER_PRINTABLESTRING) ||
		    value.len != strlen(want[i]) || memcmp(value.val, want[i], value.len) != 0)
			return 0;
	}
	return c2d_der_end(&rdns, "name", NULL) == C2D_OK;
}

/* --- PEM ---------------------------------------------------------------- */

struct sink {
	uint8_t *buf;
	size_t len, cap;
	int overflow;
};

static void sink_put(void *ctx, const void *src, size_t len)
{
	struct sink *s = ctx;
	if (len > s->cap - s->len) {
		s->overflow = 1;
		return;
	}
	memcpy(s->buf + s->len, src, len);
	s->len += len;
}

static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\0' && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

void c2d_x509_pem_chain_free(struct c2d_pem_chain *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

/* A PEM label as a message may quote it: printable ASCII, anything else
 * as '?', at most 40 characters. The label is the input's bytes, and a
 * message is one line of text that may end up in JSON (which refuses
 * bytes that are not UTF-8). */
static void label_text(const char *label, char out[41])
{
	size_t k = 0;
	for (; k < 40 && label[k] != '\0'; k++)
		out[k] = label[k] >= 0x20 && label[k] < 0x7f ? label[k] : '?';
	out[k] = '\0';
}

static const char begin_line[] = "-----BEGIN CERTIFICATE-----";
static const char end_line[] = "-----END CERTIFICATE-----";

/* 1 when pem[at..] holds exactly line, then a line end or the text's end
 * (or the NULs that quotes pad it with). */
static int armour_line(const char *pem, size_t len, size_t at, const char *line)
{
	size_t n = strlen(line);
	if (at > len || len - at < n || memcmp(pem + at, line, n) != 0)
		return 0;
	at += n;
	return at == len || pem[at] == '\n' || pem[at] == '\r' || pem[at] == '\0';
}

c2d_status c2d_x509_pem_chain_decode(const char *pem, size_t len, struct c2d_pem_chain *out,
				struct c2d_err *err)
{
	br_pem_decoder_context pc;
	struct sink s = { NULL, 0, 0, 0 };
	size_t pos = 0, last_end = 0;
	int in_obj = 0, r = C2D_E_INPUT;
	static const char begin[] = "-----BEGIN ";

	memset(out, 0, sizeof(*out));
	/* Base64 shrinks: the DER never outgrows the text. */
	s.cap = len;
	if ((s.buf = malloc(len > 0 ? len : 1)) == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "PEM chain: out of memory");
	br_pem_decoder_init(&pc);
	/* The decoder raises END only after the END line's newline: feed
	 * one more, in case the text stops right after the dashes. */
	for (int final = 0; final < 2; final++) {
		const char *p = final ? "\n" : pem;
		size_t n = final ? 1 : len, used = 0;
		while (used < n) {
			size_t k = br_pem_decoder_push(&pc, p + used, n - used);
			used += k;
			if (!final)
				pos += k;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ: {
				/* Only white space may precede the banner. */
				size_t q = last_end;
				while (q < pos && blank(pem + q, 1))
					q++;
				if (pos - q < sizeof(begin) - 1 ||
				    memcmp(pem + q, begin, sizeof(begin) - 1) != 0) {
					r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: text outside a PEM object", q);
					goto out;
				}
				if (strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") != 0) {
					char label[41];
					label_text(br_pem_decoder_name(&pc), label);
					r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: a %s object, only CERTIFICATE is accepted",
						 q, label);
					goto out;
				}
				/* BearSSL reads the label up to the dashes and
				 * forgives what follows; RFC 7468 does not. */
				if (!armour_line(pem, len, q, begin_line)) {
					r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: BEGIN line is not \"%s\"",
						 q, begin_line);
					goto out;
				}
				if (out->n == C2D_X509_MAX_CHAIN) {
					r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: more than %d certificates",
						 q, C2D_X509_MAX_CHAIN);
					goto out;
				}
				out->off[out->n] = s.len;
				br_pem_decoder_setdest(&pc, sink_put, &s);
				in_obj = 1;
				break;
			}
			case BR_PEM_END_OBJ: {
				/* BearSSL does not compare the END label with the
				 * BEGIN one (RFC 7468, section 2: they must match). */
				size_t e = pos;
				while (e > 0 && (pem[e - 1] == '\n' || pem[e - 1] == '\r'))
					e--;
				if (e < sizeof(end_line) - 1 ||
				    !armour_line(pem, len, e - (sizeof(end_line) - 1), end_line)) {
					r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: END line of certificate %zu is not \"%s\"",
						 e, out->n + 1, end_line);
					goto out;
				}
				out->len[out->n] = s.len - out->off[out->n];
				if (out->len[out->n] == 0) {
					r = c2d_fail(err, C2D_E_INPUT, "PEM chain: certificate %zu is empty", out->n + 1);
					goto out;
				}
				out->n++;
				in_obj = 0;
				last_end = pos;
				break;
			}
			case BR_PEM_ERROR:
				r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: bad Base64 or banner in certificate %zu",
					 pos, out->n + 1);
				goto out;
			default:
				break;
			}
		}
	}
	if (in_obj) {
		r = c2d_fail(err, C2D_E_INPUT, "PEM chain: certificate %zu has no END line", out->n + 1);
		goto out;
	}
	if (s.overflow) {
		r = c2d_fail(err, C2D_E_INTERNAL, "PEM chain: decoded data outgrew its text");
		goto out;
	}
	if (out->n == 0) {
		r = c2d_fail(err, C2D_E_INPUT, "PEM chain: no certificate");
		goto out;
	}
	if (!blank(pem + last_end, len - last_end)) {
		r = c2d_fail(err, C2D_E_INPUT, "PEM chain offset %zu: text after the last certificate", last_end);
		goto out;
	}
	out->buf = s.buf;
	return C2D_OK;
out:
	free(s.buf);
	memset(out, 0, sizeof(*out));
	return r;
}

/* --- chains --------------------------------------------------------------- */

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int self_signed(const struct c2d_x509 *c)
{
	return same(c->issuer, c->issuer_len, c->subject, c->subject_len);
}

static const char *bearssl_reason(unsigned code)
{
	switch (code) {
	case BR_ERR_X509_EXPIRED: return "expired or not yet valid";
	case BR_ERR_X509_BAD_SIGNATURE: return "bad signature";
	case BR_ERR_X509_NOT_TRUSTED: return "unknown issuer";
	case BR_ERR_X509_DN_MISMATCH: return "issuer name mismatch";
	case BR_ERR_X509_NOT_CA: return "issuer is not a CA";
	case BR_ERR_X509_CRITICAL_EXTENSION: return "unknown critical extension";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "key usage forbids it";
	case BR_ERR_X509_UNSUPPORTED: return "unsupported algorithm";
	default: return "malformed or unsupported certificate";
	}
}

/* The second, independent check: BearSSL's own X.509 engine, on the
 * first n certificates of chain, with anchor as the only trust anchor. */
static int bearssl_verify(const struct c2d_pem_chain *chain, size_t n, const struct c2d_x509 *anchor,
			  int64_t now, struct c2d_err *err)
{
	br_x509_minimal_context xc;
	uint8_t dn[1024], q[65];
	br_x509_trust_anchor ta;

	if (anchor->subject_len > sizeof(dn))
		return c2d_fail(err, C2D_E_INPUT, "pinned root: subject name of %zu bytes is too long",
				anchor->subject_len);
	/* BearSSL takes non-const anchors; these copies are only read. */
	memcpy(dn, anchor->subject, anchor->subject_len);
	memcpy(q, anchor->pub, sizeof(q));
	memset(&ta, 0, sizeof(ta));
	ta.dn.data = dn;
	ta.dn.len = anchor->subject_len;
	ta.flags = BR_X509_TA_CA;
	ta.pkey.key_type = BR_KEYTYPE_EC;
	ta.pkey.key.ec.curve = BR_EC_secp256r1;
	ta.pkey.key.ec.q = q;
	ta.pkey.key.ec.qlen = sizeof(q);

	br_x509_minimal_init(&xc, &br_sha256_vtable, &ta, 1);
	br_x509_minimal_set_hash(&xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_ecdsa(&xc, &br_ec_p256_m31, br_ecdsa_i31_vrfy_asn1);
	/* Days since 0000-01-01 (proleptic Gregorian), as BearSSL counts;
	 * now lies within the certificates' validity (checked before), so
	 * the days fit in 32 bits. */
	br_x509_minimal_set_time(&xc, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
	xc.vtable->start_chain(&xc.vtable, NULL);
	for (size_t i = 0; i < n; i++) {
		xc.vtable->start_cert(&xc.vtable, (uint32_t)chain->len[i]);
		xc.vtable->append(&xc.vtable, chain->buf + chain->off[i], chain->len[i]);
		xc.vtable->end_cert(&xc.vtable);
	}
	/* 0 on success (not BR_ERR_X509_OK, which is internal). */
	unsigned code = xc.vtable->end_chain(&xc.vtable);
	if (code != 0)
		return c2d_fail(err, C2D_E_REFUSED, "certificate chain: BearSSL refuses it: %s (error %u)",
				bearssl_reason(code), code);
	return C2D_OK;
}

/* label names c in messages ("certificate 2", "pinned root"). */
static int check_time(const struct c2d_x509 *c, const char *label, int64_t now,
		      struct c2d_err *err)
{
	char cn[64], when[32], at[32];
	if (now >= c->not_before && now <= c->not_after)
		return C2D_OK;
	c2d_x509_cn(c, cn, sizeof(cn));
	c2d_der_format_time(now, at);
	if (now < c->not_before) {
		c2d_der_format_time(c->not_before, when);
		return c2d_fail(err, C2D_E_REFUSED,
				"%s (%s): not yet valid at %s (notBefore %s)", label, cn, at, when);
	}
	c2d_der_format_time(c->not_after, when);
	return c2d_fail(err, C2D_E_REFUSED, "%s (%s): expired at %s (notAfter %s)", label, cn, at,
			when);
}

/* c is issued by up: names chain, up may issue certificates, and up's key
 * signed c. */
static int check_issued(const struct c2d_x509 *c, size_t i, const struct c2d_x509 *up,
			const char *up_name, struct c2d_err *err)
{
	char cn[64];
	c2d_x509_cn(c, cn, sizeof(cn));
	if (!same(c->issuer, c->issuer_len, up->subject, up->subject_len))
		return c2d_fail(err, C2D_E_REFUSED,
				"certificate %zu (%s): unknown issuer (its issuer is not the subject of %s)",
				i, cn, up_name);
	if (!up->is_ca)
		return c2d_fail(err, C2D_E_REFUSED, "certificate %zu (%s): its issuer, %s, is not a CA",
				i, cn, up_name);
	if (c2d_p256_verify_asn1(up->pub, c->tbs, c->tbs_len, c->sig, c->sig_len, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED, "certificate %zu (%s): bad signature (by %s)", i,
				cn, up_name);
	return C2D_OK;
}

/* What every verification of a chain starts with: the pinned root parsed
 * (its self-signature checked when root_sig), every certificate parsed,
 * and all of them valid at now. */
static int chain_start(const struct c2d_pem_chain *chain, const uint8_t *root_der, size_t root_len,
		       int64_t now, int root_sig, struct c2d_x509 *root,
		       struct c2d_x509 certs[C2D_X509_MAX_CHAIN], struct c2d_err *err)
{
	if (chain->n == 0 || chain->n > C2D_X509_MAX_CHAIN)
		return c2d_fail(err, C2D_E_INPUT, "certificate chain of %zu certificates (1 to %d)",
				chain->n, C2D_X509_MAX_CHAIN);
	if (now < 0)
		return c2d_fail(err, C2D_E_INPUT, "certificate chain: time %lld before 1970",
				(long long)now);
	if (c2d_x509_parse(root_der, root_len, root, err) < 0) {
		c2d_err_prefix(err, "pinned root");
		return C2D_E_INPUT;
	}
	if (!self_signed(root) || !root->is_ca ||
	    (root_sig && c2d_p256_verify_asn1(root->pub, root->tbs, root->tbs_len, root->sig,
					      root->sig_len, err) < 0))
		return c2d_fail(err, C2D_E_INPUT, "pinned root: not a self-signed CA certificate");
	if (check_time(root, "pinned root", now, err) < 0)
		return C2D_E_REFUSED;
	for (size_t i = 0; i < chain->n; i++)
		if (c2d_x509_parse(chain->buf + chain->off[i], chain->len[i], &certs[i], err) < 0) {
			c2d_err_prefix(err, "certificate %zu of the chain", i + 1);
			return C2D_E_INPUT;
		}
	for (size_t i = 0; i < chain->n; i++) {
		char label[40];
		snprintf(label, sizeof(label), "certificate %zu", i + 1);
		if (check_time(&certs[i], label, now, err) < 0)
			return C2D_E_REFUSED;
	}
	return C2D_OK;
}

c2d_status c2d_x509_chain_verify(const struct c2d_pem_chain *chain, const uint8_t *root_der,
				 size_t root_len, int64_t now, struct c2d_x509 *leaf,
				 struct c2d_err *err)
{
	struct c2d_x509 root, certs[C2D_X509_MAX_CHAIN];
	char up_name[112];
	int r;

	if ((r = chain_start(chain, root_der, root_len, now, 1, &root, certs, err)) < 0)
		return r;
	for (size_t i = 0; i + 1 < chain->n; i++) {
		char cn[64];
		c2d_x509_cn(&certs[i + 1], cn, sizeof(cn));
		snprintf(up_name, sizeof(up_name), "certificate %zu (%s)", i + 2, cn);
		if (check_issued(&certs[i], i + 1, &certs[i + 1], up_name, err) < 0)
			return C2D_E_REFUSED;
	}
	const struct c2d_x509 *last = &certs[chain->n - 1];
	if (self_signed(last)) {
		if (!same(last->der, last->der_len, root_der, root_len)) {
			char cn[64];
			c2d_x509_cn(last, cn, sizeof(cn));
			return c2d_fail(err, C2D_E_REFUSED,
					"certificate %zu (%s): root of the chain is not the pinned root",
					chain->n, cn);
		}
	} else if (check_issued(last, chain->n, &root, "the pinned root", err) < 0) {
		return C2D_E_REFUSED;
	}
	if (bearssl_verify(chain, chain->n, &root, now, err) < 0)
		return C2D_E_REFUSED;
	*leaf = certs[0];
	return C2D_OK;
}

/* The certificates of chain above its leaf are, byte for byte, the first
 * ones of known. */
static int above_leaf_known(const struct c2d_pem_chain *chain, const struct c2d_pem_chain *known)
{
	if (known == NULL || chain->n < 2 || chain->n - 1 > known->n)
		return 0;
	for (size_t i = 1; i < chain->n; i++)
		if (!same(chain->buf + chain->off[i], chain->len[i], known->buf + known->off[i - 1],
			  known->len[i - 1]))
			return 0;
	return 1;
}

c2d_status c2d_x509_chain_verify_known(const struct c2d_pem_chain *chain,
				       const struct c2d_pem_chain *known, const uint8_t *root_der,
				       size_t root_len, int64_t now, struct c2d_x509 *leaf,
				       struct c2d_err *err)
{
	struct c2d_x509 root, certs[C2D_X509_MAX_CHAIN];
	char up_name[112], cn[64];
	int r;

	if (!above_leaf_known(chain, known))
		return c2d_x509_chain_verify(chain, root_der, root_len, now, leaf, err);
	/* Above the leaf, both engines checked these very bytes against this
	 * root when known was verified; what is left is the time, and the
	 * leaf's signature by the next certificate, still by both engines
	 * (BearSSL's with that certificate as its anchor). */
	if ((r = chain_start(chain, root_der, root_len, now, 0, &root, certs, err)) < 0)
		return r;
	c2d_x509_cn(&certs[1], cn, sizeof(cn));
	snprintf(up_name, sizeof(up_name), "certificate 2 (%s)", cn);
	if (check_issued(&certs[0], 1, &certs[1], up_name, err) < 0 ||
	    bearssl_verify(chain, 1, &certs[1], now, err) < 0)
		return C2D_E_REFUSED;
	*leaf = certs[0];
	return C2D_OK;
}

c2d_status c2d_x509_chain_check_time(const struct c2d_pem_chain *chain, const uint8_t *root_der,
				     size_t root_len, int64_t now, struct c2d_err *err)
{
	struct c2d_x509 root, certs[C2D_X509_MAX_CHAIN];
	return chain_start(chain, root_der, root_len, now, 0, &root, certs, err);
}
