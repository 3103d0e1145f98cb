/* TDX quote verification against Intel's collateral: see c2d/tdxverify.h. */
#include "c2d/tdxverify.h"

#include <string.h>

#include <bearssl_hash.h>

#include "c2d/crl.h"
#include "c2d/digest.h"
#include "c2d/p256.h"
#include "c2d/x509.h"

/* Intel's quoting enclave vendor id (DCAP quote format, header field
 * QE_VENDOR_ID); c2d sim-quoter uses it too, so that only the root tells a
 * simulated quote from a real one. */
static const uint8_t intel_qe_vendor[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

/* Intel SGX PCK Certificate and CRL Profile; the subjects as Intel's
 * certificates in tests/vectors/tdx/ carry them (QVL's X509Constants
 * pin the same names). */
const struct c2d_tdxverify_pki c2d_tdxverify_intel_pki = {
	.tcb_signing = { "Intel SGX TCB Signing", "Intel Corporation", "Santa Clara", "CA", "US" },
	.platform_ca = { "Intel SGX PCK Platform CA", "Intel Corporation", "Santa Clara", "CA", "US" },
	.processor_ca = { "Intel SGX PCK Processor CA", "Intel Corporation", "Santa Clara", "CA", "US" },
};

#define SIM_O "c2d simulation (NOT Intel Corporation)", "Simulated", "ZZ", "ZZ"
const struct c2d_tdxverify_pki c2d_tdxverify_sim_pki = {
	.tcb_signing = { "c2d simulated TCB Signing (NOT Intel)", SIM_O },
	.platform_ca = { "c2d simulated PCK Platform CA (NOT Intel)", SIM_O },
	.processor_ca = { NULL, NULL, NULL, NULL, NULL },
};

/* Everything a verification holds on the heap, freed in one place. */
struct work {
	struct c2d_pem_chain pck, tcb, qe, pck_crl_chain;
};

static void work_free(struct work *w)
{
	c2d_x509_pem_chain_free(&w->pck);
	c2d_x509_pem_chain_free(&w->tcb);
	c2d_x509_pem_chain_free(&w->qe);
	c2d_x509_pem_chain_free(&w->pck_crl_chain);
}

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Decodes a PEM chain, verifies it up to root at now, and checks that no
 * certificate the root issued in it (CAs, or a leaf signed by the root
 * itself such as the TCB signing certificate) is on the root CA CRL. */
static int verify_chain(const char *what, const char *pem, size_t pem_len,
			const struct c2d_x509 *root, const struct c2d_crl *root_crl, int64_t now,
			struct c2d_pem_chain *chain, struct c2d_x509 *leaf, struct c2d_err *err)
{
	int r;
	if (pem == NULL || pem_len == 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: no certificate chain", what);
	if ((r = c2d_x509_pem_chain_decode(pem, pem_len, chain, err)) < 0 ||
	    (r = c2d_x509_chain_verify(chain, root->der, root->der_len, now, leaf, err)) < 0) {
		c2d_err_prefix(err, "%s", what);
		return r;
	}
	for (size_t i = 0; i < chain->n; i++) {
		struct c2d_x509 c;
		const uint8_t *der = chain->buf + chain->off[i];
		if (same(der, chain->len[i], root->der, root->der_len))
			continue;
		if ((r = c2d_x509_parse(der, chain->len[i], &c, err)) < 0) {
			c2d_err_prefix(err, "%s: certificate %zu", what, i + 1);
			return r;
		}
		if (same(c.issuer, c.issuer_len, root->subject, root->subject_len) &&
		    c2d_crl_revokes(root_crl, &c)) {
			char cn[64];
			c2d_x509_cn(&c, cn, sizeof(cn));
			return c2d_fail(err, C2D_E_REFUSED,
					"%s: certificate %zu (%s) is revoked by the root CA CRL", what, i + 1, cn);
		}
	}
	return C2D_OK;
}

/* The signer of signed collateral (what names it): Intel's QVL requires
 * the TCB Signing certificate, issued by the root itself. Anything else
 * that chains to the root (a PCK certificate, whose private key sits on
 * every platform, or a CA) would let its holder vouch for a TCB. */
static int check_signer(const char *what, const struct c2d_pem_chain *chain,
			const struct c2d_x509 *root, const struct c2d_x509 *leaf,
			const struct c2d_tdxverify_pki *pki, struct c2d_err *err)
{
	if (chain->n != 2 || !same(chain->buf + chain->off[1], chain->len[1], root->der, root->der_len))
		return c2d_fail(err, C2D_E_REFUSED,
				"%s: %zu certificates; it must be exactly the TCB Signing certificate and the root",
				what, chain->n);
	char cn[64];
	c2d_x509_cn(leaf, cn, sizeof(cn));
	if (leaf->is_ca)
		return c2d_fail(err, C2D_E_REFUSED, "%s: the signer (%s) is a CA, not the TCB Signing certificate",
				what, cn);
	if (leaf->sgx_ext != NULL)
		return c2d_fail(err, C2D_E_REFUSED,
				"%s: the signer (%s) carries the SGX extension: a PCK certificate, not the TCB Signing certificate",
				what, cn);
	if (!c2d_x509_name_is(leaf->subject, leaf->subject_len, &pki->tcb_signing))
		return c2d_fail(err, C2D_E_REFUSED, "%s: the signer's subject (CN %s) is not %s's TCB Signing name",
				what, cn, pki == &c2d_tdxverify_intel_pki ? "Intel" : "the simulation");
	return C2D_OK;
}

/* The certificate in chain whose subject is name (the issuer of another). */
static int find_subject(const struct c2d_pem_chain *chain, const uint8_t *name, size_t name_len,
			struct c2d_x509 *out)
{
	for (size_t i = 0; i < chain->n; i++)
		if (c2d_x509_parse(chain->buf + chain->off[i], chain->len[i], out, NULL) == C2D_OK &&
		    same(out->subject, out->subject_len, name, name_len))
			return 1;
	return 0;
}

static int check_header(const struct c2d_tdx_quote *q, struct c2d_err *err)
{
	/* The parser refuses other versions, key and TEE types already; a
	 * verifier states its own preconditions rather than rely on that. */
	if ((q->version != 4 && q->version != 5) || q->att_key_type != 2 || q->tee_type != 0x81)
		return c2d_fail(err, C2D_E_REFUSED, "header: not a TDX ECDSA P-256 quote");
	if (memcmp(q->qe_vendor_id, intel_qe_vendor, sizeof(intel_qe_vendor)) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "header: QE vendor id is not Intel's");
	return C2D_OK;
}

/* Steps 6-9: the PCK CRL, then the three signatures that make the quote
 * genuine, each naming itself when it fails. */
static int check_signatures(const struct c2d_tdx_quote *q, const struct c2d_collateral *col,
			    const struct c2d_x509 *pck, const struct work *w, int64_t now,
			    struct c2d_err *err)
{
	struct c2d_crl crl;
	struct c2d_x509 ca;
	int r;
	if ((r = c2d_crl_parse(col->pck_crl, col->pck_crl_len, &crl, err)) < 0) {
		c2d_err_prefix(err, "PCK CRL");
		return r;
	}
	if (!same(crl.issuer, crl.issuer_len, pck->issuer, pck->issuer_len))
		return c2d_fail(err, C2D_E_REFUSED,
				"PCK CRL: issued by another CA than the PCK certificate's issuer");
	if (!find_subject(&w->pck, pck->issuer, pck->issuer_len, &ca))
		return c2d_fail(err, C2D_E_REFUSED, "PCK chain: the PCK certificate's issuer is missing");
	if ((r = c2d_crl_verify(&crl, &ca, now, err)) < 0) {
		c2d_err_prefix(err, "PCK CRL");
		return r;
	}
	if (c2d_crl_revokes(&crl, pck))
		return c2d_fail(err, C2D_E_REFUSED, "PCK CRL: the PCK certificate is revoked");

	if (c2d_p256_verify_raw(pck->pub, q->qe_report.raw, C2D_SGX_REPORT_LEN, q->qe_report_sig, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED, "QE report: signature by the PCK key does not verify");

	/* The QE vouches for the attestation key through its report_data. */
	uint8_t bound[C2D_SHA256_LEN], zero[32] = { 0 };
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, q->att_key, 64);
	br_sha256_update(&h, q->qe_auth, q->qe_auth_len);
	br_sha256_out(&h, bound);
	if (memcmp(q->qe_report.report_data, bound, sizeof(bound)) != 0 ||
	    memcmp(q->qe_report.report_data + 32, zero, sizeof(zero)) != 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"QE report: report_data does not bind the attestation key");

	uint8_t att[C2D_P256_PUB_LEN];
	c2d_p256_pub_from_xy(q->att_key, att);
	if (c2d_p256_verify_raw(att, q->signed_data, q->signed_len, q->signature, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"quote: signature by the attestation key over header and TD report does not verify");
	return C2D_OK;
}

static int verify(const struct c2d_tdx_quote *q, const struct c2d_collateral *col,
		  const struct c2d_verify_policy *pol, int64_t now, struct c2d_verify_result *res,
		  struct work *w, struct c2d_err *err)
{
	int r;
	if ((r = check_header(q, err)) < 0)
		return r;
	if (c2d_tdxquote_is_debug(&q->td))
		return c2d_fail(err, C2D_E_REFUSED,
				"TD attributes: debug TD (TUD.DEBUG set: the host can read and change its memory)");
	if (col == NULL)
		return c2d_fail(err, C2D_E_REFUSED, "no collateral: the quote cannot be verified without it");

	/* 3. The trust anchor. */
	const uint8_t *root_der = c2d_intel_sgx_root_der;
	size_t root_len = c2d_intel_sgx_root_der_len;
	if (pol->root_der != NULL && !same(pol->root_der, pol->root_len, root_der, root_len)) {
		if (!pol->allow_simulated)
			return c2d_fail(err, C2D_E_REFUSED,
					"root: not the Intel SGX Root CA (a simulation root needs --allow-simulated)");
		res->simulated = 1;
		root_der = pol->root_der;
		root_len = pol->root_len;
	}
	struct c2d_x509 root;
	if ((r = c2d_x509_parse(root_der, root_len, &root, err)) < 0) {
		c2d_err_prefix(err, "root");
		return r;
	}

	/* 4, 5. The root CA CRL and the PCK chain. The chain is checked
	 * before the CRL's signature so that a quote from another root is
	 * refused as such; a revocation found before the CRL is verified
	 * refuses the quote either way. */
	struct c2d_crl root_crl;
	if ((r = c2d_crl_parse(col->root_crl, col->root_crl_len, &root_crl, err)) < 0) {
		c2d_err_prefix(err, "root CA CRL");
		return r;
	}
	struct c2d_x509 pck;
	if ((r = verify_chain("PCK chain", (const char *)q->pck_chain, q->pck_chain_len, &root,
			      &root_crl, now, &w->pck, &pck, err)) < 0)
		return r;
	if ((r = c2d_crl_verify(&root_crl, &root, now, err)) < 0) {
		c2d_err_prefix(err, "root CA CRL");
		return r;
	}
	const struct c2d_tdxverify_pki *pki = res->simulated ? &c2d_tdxverify_sim_pki : &c2d_tdxverify_intel_pki;
	if (pck.sgx_ext == NULL)
		return c2d_fail(err, C2D_E_REFUSED, "PCK certificate: no SGX extension");
	if (!c2d_x509_name_is(pck.issuer, pck.issuer_len, &pki->platform_ca) &&
	    (pki->processor_ca.cn == NULL ||
	     !c2d_x509_name_is(pck.issuer, pck.issuer_len, &pki->processor_ca)))
		return c2d_fail(err, C2D_E_REFUSED,
				"PCK certificate: not issued by the PCK Platform CA or the PCK Processor CA");
	if ((r = c2d_pck_ext_parse(pck.sgx_ext, pck.sgx_ext_len, &res->pck, err)) < 0) {
		c2d_err_prefix(err, "PCK certificate");
		return r;
	}
	if (col->pck_crl_chain != NULL) {
		struct c2d_x509 issuer;
		if ((r = verify_chain("PCK CRL issuer chain", col->pck_crl_chain,
				      strlen(col->pck_crl_chain), &root, &root_crl, now,
				      &w->pck_crl_chain, &issuer, err)) < 0)
			return r;
	}

	/* 6-9. */
	if ((r = check_signatures(q, col, &pck, w, now, err)) < 0)
		return r;

	/* 10. The signed collateral. */
	struct c2d_x509 tcb_signer, qe_signer;
	if ((r = verify_chain("TCB info issuer chain", col->tcb_chain,
			      col->tcb_chain ? strlen(col->tcb_chain) : 0, &root, &root_crl, now,
			      &w->tcb, &tcb_signer, err)) < 0 ||
	    (r = check_signer("TCB info issuer chain", &w->tcb, &root, &tcb_signer, pki, err)) < 0 ||
	    (r = c2d_collateral_tcb_info_check_sig(&col->tcb, tcb_signer.pub, err)) < 0)
		return r;
	if ((r = verify_chain("QE identity issuer chain", col->qe_chain,
			      col->qe_chain ? strlen(col->qe_chain) : 0, &root, &root_crl, now,
			      &w->qe, &qe_signer, err)) < 0 ||
	    (r = check_signer("QE identity issuer chain", &w->qe, &root, &qe_signer, pki, err)) < 0 ||
	    (r = c2d_collateral_qe_identity_check_sig(&col->qe, qe_signer.pub, err)) < 0)
		return r;
	res->signatures_ok = 1;

	/* 11. Evaluation. */
	struct c2d_tcb_result qe, plat;
	/* Both name themselves ("QE identity: ...", "TCB info: ..."). */
	if ((r = c2d_collateral_qe_identity_eval(&col->qe, &q->qe_report, now, &qe, err)) < 0 ||
	    (r = c2d_collateral_tcb_info_eval(&col->tcb, res->pck.fmspc, res->pck.pceid, res->pck.comp_svn,
				   res->pck.pcesvn, &q->td, now, &plat, err)) < 0)
		return r;
	res->qe_status = qe.status;
	res->platform_status = plat.status;
	struct c2d_tcb_result all;
	if ((r = c2d_collateral_tcb_result_merge(&plat, &qe, &all, err)) < 0)
		return r;
	res->status = all.status;
	res->tcb_date = all.tcb_date;
	res->adv = all.adv;

	/* 12. Policy. */
	if ((r = c2d_tdpolicy_check_tcb(pol->td, res->status, &res->adv, col->tcb.tcb_evaluation_data_number,
					col->qe.tcb_evaluation_data_number, err)) < 0)
		return r;
	return c2d_tdpolicy_check_td(pol->td, &q->td, err);
}

c2d_status c2d_tdxverify_quote(const struct c2d_tdx_quote *q, const struct c2d_collateral *col,
			    const struct c2d_verify_policy *pol, int64_t now,
			    struct c2d_verify_result *res, struct c2d_err *err)
{
	struct work w;
	memset(&w, 0, sizeof(w));
	memset(res, 0, sizeof(*res));
	int r = verify(q, col, pol, now, res, &w, err);
	work_free(&w);
	return r;
}
