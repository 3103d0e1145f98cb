/* Certificate revocation lists: see c2d/crl.h. Hand-written: BearSSL has
 * no CRL support. */
#include "c2d/crl.h"

#include <string.h>

#include "c2d/der.h"
#include "c2d/p256.h"

/* c2d understands no CRL or CRL entry extension: non-critical ones are
 * informational (CRL number, authority key id, reason code), critical
 * ones are refused by c2d_der_extensions. */
static int no_ext(void *ctx, const struct c2d_der *d, const struct c2d_der_tlv *id,
		  const struct c2d_der_tlv *value, struct c2d_err *err)
{
	(void)ctx, (void)d, (void)id, (void)value, (void)err;
	return 0;
}

/* One revokedCertificates entry; *serial and *n receive its serial. */
static int entry(struct c2d_der *list, const uint8_t **serial, size_t *n, struct c2d_err *err)
{
	struct c2d_der e;
	int64_t when;
	if (c2d_der_enter(list, C2D_DER_SEQUENCE, "revoked certificate", &e, NULL, err) < 0 ||
	    c2d_der_serial(&e, "userCertificate", serial, n, err) < 0 ||
	    c2d_der_time(&e, "revocationDate", &when, err) < 0)
		return C2D_E_INPUT;
	if (c2d_der_peek(&e) >= 0 &&
	    c2d_der_extensions(&e, "crlEntryExtensions", no_ext, NULL, err) < 0)
		return C2D_E_INPUT;
	return c2d_der_end(&e, "revoked certificate", err);
}

c2d_status c2d_crl_parse(const uint8_t *der, size_t len, struct c2d_crl *crl, struct c2d_err *err)
{
	struct c2d_der top, tbs, list;
	struct c2d_der_tlv t_tbs, t_issuer, t_list;
	uint32_t version;
	const uint8_t *serial;
	size_t serial_len;

	memset(crl, 0, sizeof(*crl));
	c2d_der_init(&top, der, len, "CRL");
	if (c2d_der_signed(&top, "CertificateList", "tbsCertList", &tbs, &t_tbs, &crl->sig,
			   &crl->sig_len, err) < 0)
		return C2D_E_INPUT;
	crl->der = der;
	crl->len = len;
	crl->tbs = t_tbs.tlv;
	crl->tbs_len = t_tbs.tlv_len;

	size_t at = tbs.at;
	if (c2d_der_uint(&tbs, C2D_DER_INTEGER, "version", 255, &version, err) < 0)
		return C2D_E_INPUT;
	if (version != 1)
		return c2d_fail(err, C2D_E_INPUT, "CRL offset %zu: version %u, only v2 is accepted", at,
				version + 1);
	if (c2d_der_ecdsa_sha256(&tbs, "tbsCertList signature", err) < 0 ||
	    c2d_der_name(&tbs, "issuer", &t_issuer, NULL, err) < 0 ||
	    c2d_der_time(&tbs, "thisUpdate", &crl->this_update, err) < 0)
		return C2D_E_INPUT;
	crl->issuer = t_issuer.tlv;
	crl->issuer_len = t_issuer.tlv_len;
	int next = c2d_der_peek(&tbs);
	if (next != C2D_DER_UTCTIME && next != C2D_DER_GENERALIZEDTIME)
		return c2d_fail(err, C2D_E_INPUT, "CRL offset %zu: nextUpdate missing (c2d requires it)",
				tbs.at);
	if (c2d_der_time(&tbs, "nextUpdate", &crl->next_update, err) < 0)
		return C2D_E_INPUT;
	if (crl->next_update <= crl->this_update)
		return c2d_fail(err, C2D_E_INPUT, "CRL offset %zu: nextUpdate is not after thisUpdate",
				at);

	if (c2d_der_peek(&tbs) == C2D_DER_SEQUENCE) {
		if (c2d_der_enter(&tbs, C2D_DER_SEQUENCE, "revokedCertificates", &list, &t_list, err) < 0)
			return C2D_E_INPUT;
		if (t_list.len == 0)
			return c2d_fail(err, C2D_E_INPUT,
					"CRL offset %zu: revokedCertificates empty (RFC 5280: absent then)",
					t_list.off);
		crl->revoked = t_list.val;
		crl->revoked_len = t_list.len;
		while (c2d_der_peek(&list) >= 0) {
			if (entry(&list, &serial, &serial_len, err) < 0)
				return C2D_E_INPUT;
			crl->n_revoked++;
		}
	}
	if (c2d_der_peek(&tbs) == C2D_DER_CTX_CONS(0)) {
		struct c2d_der wrap;
		if (c2d_der_enter(&tbs, C2D_DER_CTX_CONS(0), "crlExtensions", &wrap, NULL, err) < 0 ||
		    c2d_der_extensions(&wrap, "crlExtensions", no_ext, NULL, err) < 0 ||
		    c2d_der_end(&wrap, "crlExtensions", err) < 0)
			return C2D_E_INPUT;
	}
	return c2d_der_end(&tbs, "tbsCertList", err);
}

c2d_status c2d_crl_verify(const struct c2d_crl *crl, const struct c2d_x509 *issuer, int64_t now,
			  struct c2d_err *err)
{
	char cn[64];
	c2d_x509_cn(issuer, cn, sizeof(cn));
	if (crl->issuer_len != issuer->subject_len ||
	    memcmp(crl->issuer, issuer->subject, crl->issuer_len) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "CRL: its issuer is not %s", cn);
	if (c2d_p256_verify_asn1(issuer->pub, crl->tbs, crl->tbs_len, crl->sig, crl->sig_len, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED, "CRL: bad signature (by %s)", cn);
	return c2d_crl_check_time(crl, issuer, now, err);
}

c2d_status c2d_crl_check_time(const struct c2d_crl *crl, const struct c2d_x509 *issuer, int64_t now,
			      struct c2d_err *err)
{
	char cn[64], a[32], b[32];
	c2d_x509_cn(issuer, cn, sizeof(cn));
	c2d_der_format_time(now, a);
	if (now < crl->this_update) {
		c2d_der_format_time(crl->this_update, b);
		return c2d_fail(err, C2D_E_REFUSED, "CRL of %s: not yet valid at %s (thisUpdate %s)",
				cn, a, b);
	}
	if (now >= crl->next_update) {
		c2d_der_format_time(crl->next_update, b);
		return c2d_fail(err, C2D_E_REFUSED, "CRL of %s: stale at %s (nextUpdate %s)", cn, a, b);
	}
	return C2D_OK;
}

int c2d_crl_revokes(const struct c2d_crl *crl, const struct c2d_x509 *cert)
{
	struct c2d_der list;
	const uint8_t *serial;
	size_t n;

	if (crl->revoked == NULL)
		return 0;
	/* The entries were all checked by c2d_crl_parse, so this cannot
	 * fail on a parsed CRL; if it did, "revoked" fails closed. */
	c2d_der_init(&list, crl->revoked, crl->revoked_len, "CRL");
	while (c2d_der_peek(&list) >= 0) {
		if (entry(&list, &serial, &n, NULL) < 0)
			return 1;
		if (n == cert->serial_len && memcmp(serial, cert->serial, n) == 0)
			return 1;
	}
	return 0;
}
