/* TDX quote verification against Intel's collateral: see c2d/tdxverify.h. */
#include "c2d/tdxverify.h"

#include <stdlib.h>
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

/* The steps whose work is the collateral's alone, in the order a
 * verification reaches them (c2d/tdxverify.h). */
enum step {
	STEP_NONE,
	STEP_ROOT,             /* 3 */
	STEP_ROOT_CRL_PARSE,   /* 4: the chain's revocations need the parsed CRL */
	STEP_ROOT_CRL,         /* 5 */
	STEP_PCK_CRL_CHAIN,    /* 6: before the PCK CRL */
	STEP_PCK_CRL,          /* 6 */
	STEP_TCB,              /* 10 */
	STEP_QE,               /* 10 */
};

/* A collateral's own checks, done once (c2d_tdxverify_prepare), or by
 * c2d_tdxverify_quote in a prepared object on its stack whose first
 * failure is kept and reported when verification reaches that step, so
 * that the one-shot call refuses as it did before it was split. */
struct c2d_tdxverify_prepared {
	const struct c2d_collateral *col;   /* borrowed */
	const uint8_t *root_der;            /* c2d_intel_sgx_root_der, or root_own */
	size_t root_len;
	uint8_t *root_own;
	int simulated;
	const struct c2d_tdxverify_pki *pki;
	struct c2d_x509 root;
	struct c2d_crl root_crl;            /* signed by the root */
	struct c2d_pem_chain pck_crl_chain; /* valid when pck_crl_chain_ok */
	int pck_crl_chain_ok;
	struct c2d_x509 pck_crl_issuer;     /* its leaf */
	struct c2d_crl pck_crl;
	int pck_crl_signed;                 /* by pck_crl_issuer */
	struct c2d_pem_chain tcb, qe;       /* verified, each signer's signature checked */
	enum step failed;                   /* STEP_NONE once every step passed */
	c2d_status why_status;              /* c2d_tdxverify_quote: the failure of step failed */
	struct c2d_err why;
};

static void prepared_release(struct c2d_tdxverify_prepared *p)
{
	c2d_x509_pem_chain_free(&p->pck_crl_chain);
	c2d_x509_pem_chain_free(&p->tcb);
	c2d_x509_pem_chain_free(&p->qe);
	free(p->root_own);
}

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Decodes a PEM chain, verifies it up to root at now (known: a chain
 * verified before, c2d_x509_chain_verify_known), and checks that no
 * certificate the root issued in it (CAs, or a leaf signed by the root
 * itself such as the TCB signing certificate) is on the root CA CRL. */
static int verify_chain(const char *what, const char *pem, size_t pem_len,
			const struct c2d_x509 *root, const struct c2d_crl *root_crl,
			const struct c2d_pem_chain *known, int64_t now,
			struct c2d_pem_chain *chain, struct c2d_x509 *leaf, struct c2d_err *err)
{
	int r;
	if (pem == NULL || pem_len == 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: no certificate chain", what);
	if ((r = c2d_x509_pem_chain_decode(pem, pem_len, chain, err)) < 0 ||
	    (r = c2d_x509_chain_verify_known(chain, known, root->der, root->der_len, now, leaf, err)) < 0) {
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

/* Step 10's chain of one signed part: pem verified into chain, its leaf
 * (into *signer) the TCB Signing certificate. */
static int signed_by(const struct c2d_tdxverify_prepared *p, const char *what, const char *pem,
		     struct c2d_pem_chain *chain, int64_t now, struct c2d_x509 *signer,
		     struct c2d_err *err)
{
	int r = verify_chain(what, pem, pem != NULL ? strlen(pem) : 0, &p->root, &p->root_crl, NULL, now,
			     chain, signer, err);
	return r < 0 ? r : check_signer(what, chain, &p->root, signer, p->pki, err);
}

/* Steps 3, 5, 6 and 10 as far as the collateral alone decides them, in
 * that order, at now; each failure names its step, and p->failed says
 * which. strict: the PCK CRL must verify with its issuer chain's leaf
 * (otherwise that is only a cache of the check against the quote's CA). */
static int prepare(struct c2d_tdxverify_prepared *p, const struct c2d_collateral *col,
		   const struct c2d_verify_policy *pol, int64_t now, int strict, struct c2d_err *err)
{
	int r;
	p->col = col;
	p->failed = STEP_ROOT;
	p->root_der = c2d_intel_sgx_root_der;
	p->root_len = c2d_intel_sgx_root_der_len;
	if (pol->root_der != NULL && !same(pol->root_der, pol->root_len, p->root_der, p->root_len)) {
		if (!pol->allow_simulated)
			return c2d_fail(err, C2D_E_REFUSED,
					"root: not the Intel SGX Root CA (a simulation root needs --allow-simulated)");
		p->simulated = 1;
		/* A copy, so that the caller's root need not outlive p; one
		 * byte more, so that an empty root is refused by its parse. */
		if ((p->root_own = malloc(pol->root_len + 1)) == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "root: out of memory");
		memcpy(p->root_own, pol->root_der, pol->root_len);
		p->root_der = p->root_own;
		p->root_len = pol->root_len;
	}
	p->pki = p->simulated ? &c2d_tdxverify_sim_pki : &c2d_tdxverify_intel_pki;
	if ((r = c2d_x509_parse(p->root_der, p->root_len, &p->root, err)) < 0) {
		c2d_err_prefix(err, "root");
		return r;
	}
	p->failed = STEP_ROOT_CRL_PARSE;
	if ((r = c2d_crl_parse(col->root_crl, col->root_crl_len, &p->root_crl, err)) < 0) {
		c2d_err_prefix(err, "root CA CRL");
		return r;
	}
	p->failed = STEP_ROOT_CRL;
	if ((r = c2d_crl_verify(&p->root_crl, &p->root, now, err)) < 0) {
		c2d_err_prefix(err, "root CA CRL");
		return r;
	}
	p->failed = STEP_PCK_CRL_CHAIN;
	if (col->pck_crl_chain != NULL) {
		if ((r = verify_chain("PCK CRL issuer chain", col->pck_crl_chain, strlen(col->pck_crl_chain),
				      &p->root, &p->root_crl, NULL, now, &p->pck_crl_chain, &p->pck_crl_issuer,
				      err)) < 0)
			return r;
		p->pck_crl_chain_ok = 1;
	}
	p->failed = STEP_PCK_CRL;
	if ((r = c2d_crl_parse(col->pck_crl, col->pck_crl_len, &p->pck_crl, err)) < 0) {
		c2d_err_prefix(err, "PCK CRL");
		return r;
	}
	if (p->pck_crl_chain_ok) {
		if ((r = c2d_crl_verify(&p->pck_crl, &p->pck_crl_issuer, now, strict ? err : NULL)) == C2D_OK)
			p->pck_crl_signed = 1;
		else if (strict) {
			c2d_err_prefix(err, "PCK CRL");
			return r;
		}
	}
	p->failed = STEP_TCB;
	struct c2d_x509 signer;
	if ((r = signed_by(p, "TCB info issuer chain", col->tcb_chain, &p->tcb, now, &signer, err)) < 0 ||
	    (r = c2d_collateral_tcb_info_check_sig(&col->tcb, signer.pub, err)) < 0)
		return r;
	p->failed = STEP_QE;
	if ((r = signed_by(p, "QE identity issuer chain", col->qe_chain, &p->qe, now, &signer, err)) < 0 ||
	    (r = c2d_collateral_qe_identity_check_sig(&col->qe, signer.pub, err)) < 0)
		return r;
	p->failed = STEP_NONE;
	return C2D_OK;
}

/* C2D_OK unless s is the step at which preparation stopped: its failure. */
static int reached(const struct c2d_tdxverify_prepared *p, enum step s, struct c2d_err *err)
{
	if (p->failed != s)
		return C2D_OK;
	if (err != NULL)
		*err = p->why;
	return p->why_status;
}

/* A prepared chain's time at now, named by what. */
static int chain_time(const char *what, const struct c2d_tdxverify_prepared *p,
		      const struct c2d_pem_chain *chain, int64_t now, struct c2d_err *err)
{
	int r = c2d_x509_chain_check_time(chain, p->root_der, p->root_len, now, err);
	if (r < 0)
		c2d_err_prefix(err, "%s", what);
	return r;
}

static int check_header(const struct c2d_tdx_quote *q, struct c2d_err *err)
{
	/* The parser refuses other versions, key and TEE types already; a
	 * verifier states its own preconditions rather than rely on that. */
	if ((q->version != 4 && q->version != 5) || q->att_key_type != 2 || q->tee_type != 0x81)
		return c2d_fail(err, C2D_E_REFUSED, "header: not a TDX ECDSA P-256 quote");
	if (memcmp(q->qe_vendor_id, intel_qe_vendor, sizeof(intel_qe_vendor)) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "header: QE vendor id is not Intel's");
	if (c2d_tdxquote_is_debug(&q->td))
		return c2d_fail(err, C2D_E_REFUSED,
				"TD attributes: debug TD (TUD.DEBUG set: the host can read and change its memory)");
	return C2D_OK;
}

/* Steps 6-9: the PCK CRL, then the three signatures that make the quote
 * genuine, each naming itself when it fails. */
static int check_signatures(const struct c2d_tdx_quote *q, const struct c2d_tdxverify_prepared *p,
			    const struct c2d_x509 *pck, const struct c2d_pem_chain *chain, int64_t now,
			    struct c2d_err *err)
{
	const struct c2d_crl *crl = &p->pck_crl;
	struct c2d_x509 ca;
	int r;
	if (!same(crl->issuer, crl->issuer_len, pck->issuer, pck->issuer_len))
		return c2d_fail(err, C2D_E_REFUSED,
				"PCK CRL: issued by another CA than the PCK certificate's issuer");
	if (!find_subject(chain, pck->issuer, pck->issuer_len, &ca))
		return c2d_fail(err, C2D_E_REFUSED, "PCK chain: the PCK certificate's issuer is missing");
	/* The CRL's signature was checked at preparation with its issuer
	 * chain's leaf: for a CA of the same bytes, only the time is left. */
	if (p->pck_crl_signed && same(ca.der, ca.der_len, p->pck_crl_issuer.der, p->pck_crl_issuer.der_len))
		r = c2d_crl_check_time(crl, &ca, now, err);
	else
		r = c2d_crl_verify(crl, &ca, now, err);
	if (r < 0) {
		c2d_err_prefix(err, "PCK CRL");
		return r;
	}
	if (c2d_crl_revokes(crl, pck))
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

/* chain: the PCK chain, decoded here, the caller's to free. */
static int verify(const struct c2d_tdx_quote *q, const struct c2d_tdxverify_prepared *p,
		  const struct c2d_td_policy *td, int64_t now, struct c2d_verify_result *res,
		  struct c2d_pem_chain *chain, struct c2d_err *err)
{
	int r;
	if ((r = check_header(q, err)) < 0)
		return r;
	if (p == NULL)
		return c2d_fail(err, C2D_E_REFUSED, "no collateral: the quote cannot be verified without it");
	const struct c2d_collateral *col = p->col;

	/* 3. The trust anchor. */
	res->simulated = p->simulated;
	if ((r = reached(p, STEP_ROOT, err)) < 0 || (r = reached(p, STEP_ROOT_CRL_PARSE, err)) < 0)
		return r;

	/* 4, 5. The PCK chain and the root CA CRL. The chain is checked
	 * before the CRL so that a quote from another root is refused as
	 * such; a revocation found before the CRL is verified refuses the
	 * quote either way. A chain whose CAs are those of the PCK CRL's
	 * issuer chain, byte for byte, has only its leaf's signature left to
	 * check (c2d_x509_chain_verify_known). */
	struct c2d_x509 pck;
	if ((r = verify_chain("PCK chain", (const char *)q->pck_chain, q->pck_chain_len, &p->root,
			      &p->root_crl, p->pck_crl_chain_ok ? &p->pck_crl_chain : NULL, now, chain,
			      &pck, err)) < 0)
		return r;
	if ((r = reached(p, STEP_ROOT_CRL, err)) < 0)
		return r;
	if ((r = c2d_crl_check_time(&p->root_crl, &p->root, now, err)) < 0) {
		c2d_err_prefix(err, "root CA CRL");
		return r;
	}
	if (pck.sgx_ext == NULL)
		return c2d_fail(err, C2D_E_REFUSED, "PCK certificate: no SGX extension");
	if (!c2d_x509_name_is(pck.issuer, pck.issuer_len, &p->pki->platform_ca) &&
	    (p->pki->processor_ca.cn == NULL ||
	     !c2d_x509_name_is(pck.issuer, pck.issuer_len, &p->pki->processor_ca)))
		return c2d_fail(err, C2D_E_REFUSED,
				"PCK certificate: not issued by the PCK Platform CA or the PCK Processor CA");
	if ((r = c2d_pck_ext_parse(pck.sgx_ext, pck.sgx_ext_len, &res->pck, err)) < 0) {
		c2d_err_prefix(err, "PCK certificate");
		return r;
	}
	if ((r = reached(p, STEP_PCK_CRL_CHAIN, err)) < 0 ||
	    (p->pck_crl_chain_ok &&
	     (r = chain_time("PCK CRL issuer chain", p, &p->pck_crl_chain, now, err)) < 0))
		return r;

	/* 6-9. */
	if ((r = reached(p, STEP_PCK_CRL, err)) < 0 ||
	    (r = check_signatures(q, p, &pck, chain, now, err)) < 0)
		return r;

	/* 10. The signed collateral: verified at preparation but for the
	 * time. */
	if ((r = reached(p, STEP_TCB, err)) < 0 ||
	    (r = chain_time("TCB info issuer chain", p, &p->tcb, now, err)) < 0 ||
	    (r = reached(p, STEP_QE, err)) < 0 ||
	    (r = chain_time("QE identity issuer chain", p, &p->qe, now, err)) < 0)
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
	if ((r = c2d_tdpolicy_check_tcb(td, res->status, &res->adv, col->tcb.tcb_evaluation_data_number,
					col->qe.tcb_evaluation_data_number, err)) < 0)
		return r;
	return c2d_tdpolicy_check_td(td, &q->td, err);
}

c2d_status c2d_tdxverify_prepare(const struct c2d_collateral *col, const struct c2d_verify_policy *pol,
				 int64_t now, struct c2d_tdxverify_prepared **out, struct c2d_err *err)
{
	*out = NULL;
	if (col == NULL)
		return c2d_fail(err, C2D_E_INPUT, "no collateral to prepare");
	struct c2d_tdxverify_prepared *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "collateral: out of memory");
	int r = prepare(p, col, pol, now, 1, err);
	if (r < 0) {
		c2d_tdxverify_prepared_free(p);
		return r;
	}
	*out = p;
	return C2D_OK;
}

void c2d_tdxverify_prepared_free(struct c2d_tdxverify_prepared *p)
{
	if (p == NULL)
		return;
	prepared_release(p);
	free(p);
}

c2d_status c2d_tdxverify_quote_prepared(const struct c2d_tdx_quote *q, const struct c2d_tdxverify_prepared *p,
					const struct c2d_td_policy *td, int64_t now,
					struct c2d_verify_result *res, struct c2d_err *err)
{
	struct c2d_pem_chain chain;
	memset(&chain, 0, sizeof(chain));
	memset(res, 0, sizeof(*res));
	int r = verify(q, p, td, now, res, &chain, err);
	c2d_x509_pem_chain_free(&chain);
	return r;
}

c2d_status c2d_tdxverify_quote(const struct c2d_tdx_quote *q, const struct c2d_collateral *col,
			    const struct c2d_verify_policy *pol, int64_t now,
			    struct c2d_verify_result *res, struct c2d_err *err)
{
	/* What the quote alone refuses costs no collateral work. */
	if (col == NULL || check_header(q, NULL) < 0)
		return c2d_tdxverify_quote_prepared(q, NULL, pol->td, now, res, err);
	struct c2d_tdxverify_prepared p;
	memset(&p, 0, sizeof(p));
	p.why_status = prepare(&p, col, pol, now, 0, &p.why);
	int r = c2d_tdxverify_quote_prepared(q, &p, pol->td, now, res, err);
	prepared_release(&p);
	return r;
}
