/* Simulated TDX quotes: see simquote.h. */
#include "simquote.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/digest.h"
#include "c2d/tdxquote.h"

static const uint8_t intel_qe_vendor[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

static void td_body(const struct c2d_simregs *regs, const uint8_t report_data[64], uint8_t *b)
{
	const struct c2d_simplatform *p = &c2d_simca_platform;
	memset(b, 0, C2D_TDX_BODY10_LEN);
	memcpy(b, p->tee_tcb_svn, 16);
	memcpy(b + 16, p->mrseam, 48);
	/* mrsignerseam (64) and seam_attributes (112) stay zero: Intel's
	 * module, and what the TCB info's tdxModule entry publishes. */
	memcpy(b + 120, p->td_attributes, 8);
	memcpy(b + 128, p->xfam, 8);
	memcpy(b + 136, regs->mrtd, 48);
	/* mrconfigid, mrowner, mrownerconfig (184..327): zero, no owner. */
	for (int i = 0; i < 4; i++)
		memcpy(b + 328 + 48 * i, regs->rtmr[i], 48);
	memcpy(b + 520, report_data, 64);
}

static void qe_report(const uint8_t ak_xy[64], const uint8_t *auth, uint8_t *r)
{
	const struct c2d_simplatform *p = &c2d_simca_platform;
	memset(r, 0, C2D_SGX_REPORT_LEN);
	memcpy(r, p->cpusvn, 16);
	c2d_put_le32(r + 16, p->qe_miscselect);
	memcpy(r + 48, p->qe_attributes, 16);
	memcpy(r + 64, p->qe_mrenclave, 32);
	memcpy(r + 128, p->qe_mrsigner, 32);
	c2d_put_le16(r + 256, p->qe_isvprodid);
	c2d_put_le16(r + 258, p->qe_isvsvn);
	uint8_t bind[64 + C2D_SIM_QE_AUTH_LEN];
	memcpy(bind, ak_xy, 64);
	memcpy(bind + 64, auth, C2D_SIM_QE_AUTH_LEN);
	c2d_digest_sha256(bind, sizeof(bind), r + 320);
}

c2d_status c2d_simquote_build(const struct c2d_simca *ca, const struct c2d_simregs *regs,
			      const uint8_t report_data[64], uint8_t **quote, size_t *len,
			      struct c2d_err *err)
{
	char *pem = NULL;
	size_t pem_len = 0;
	int r = c2d_simca_pem(&ca->pck_cert, &pem, &pem_len, err);
	if (r == C2D_OK)
		r = c2d_simca_pem(&ca->pca_cert, &pem, &pem_len, err);
	if (r == C2D_OK)
		r = c2d_simca_pem(&ca->root_cert, &pem, &pem_len, err);
	if (r < 0) {
		free(pem);
		return r;
	}
	pem_len++;   /* the NUL that br_pem_encode wrote, as Intel's QE includes it */

	const size_t signed_len = C2D_TDX_HEADER_LEN + C2D_TDX_BODY10_LEN;
	const size_t inner = C2D_SGX_REPORT_LEN + 64 + 2 + C2D_SIM_QE_AUTH_LEN + 6 + pem_len;
	const size_t sig_len = 64 + 64 + 6 + inner;
	const size_t total = signed_len + 4 + sig_len;
	uint8_t *q = calloc(1, total);
	if (q == NULL) {
		free(pem);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory building a quote");
	}
	c2d_put_le16(q, 4);
	c2d_put_le16(q + 2, 2);
	c2d_put_le32(q + 4, 0x81);
	memcpy(q + 12, intel_qe_vendor, 16);
	memcpy(q + 28, c2d_simca_platform.qe_id, 16);
	td_body(regs, report_data, q + C2D_TDX_HEADER_LEN);

	uint8_t *s = q + signed_len;
	c2d_put_le32(s, (uint32_t)sig_len);
	s += 4;
	uint8_t *sig = s, *ak = s + 64;
	memcpy(ak, ca->ak.pub + 1, 64);
	s += 128;
	c2d_put_le16(s, 6);
	c2d_put_le32(s + 2, (uint32_t)inner);
	s += 6;
	uint8_t *rep = s, *rep_sig = s + C2D_SGX_REPORT_LEN, *auth;
	s += C2D_SGX_REPORT_LEN + 64;
	c2d_put_le16(s, C2D_SIM_QE_AUTH_LEN);
	auth = s + 2;
	for (int i = 0; i < C2D_SIM_QE_AUTH_LEN; i++)
		auth[i] = (uint8_t)i;
	s += 2 + C2D_SIM_QE_AUTH_LEN;
	c2d_put_le16(s, 5);
	c2d_put_le32(s + 2, (uint32_t)pem_len);
	memcpy(s + 6, pem, pem_len);
	free(pem);
	qe_report(ak, auth, rep);

	if ((r = c2d_simca_sign_raw(&ca->pck, rep, C2D_SGX_REPORT_LEN, rep_sig, err)) < 0 ||
	    (r = c2d_simca_sign_raw(&ca->ak, q, signed_len, sig, err)) < 0) {
		free(q);
		return r;
	}
	*quote = q;
	*len = total;
	return C2D_OK;
}
