/* TDX quote parsing: see c2d/tdxquote.h. */
#include "c2d/tdxquote.h"

#include <string.h>

#include "c2d/bytes.h"

/* Takes n bytes, failing with the field's name and offset. */
static const uint8_t *take(struct c2d_reader *r, size_t n, const char *field,
			   struct c2d_err *err)
{
	size_t at = r->off;
	const uint8_t *p = c2d_read(r, n);
	if (p == NULL)
		c2d_fail(err, C2D_E_INPUT, "quote offset %zu: %s truncated (%zu bytes needed)",
			 at, field, n);
	return p;
}

/* Reads a certification-data header (type u16, size u32) and checks that
 * it is the expected type and that its data fills exactly what remains of
 * the enclosing structure. what names it in errors. */
static int cert_header(struct c2d_reader *s, uint16_t want, const char *what,
		       uint32_t *len, struct c2d_err *err)
{
	size_t at = s->off;
	uint16_t type = c2d_read_le16(s);
	*len = c2d_read_le32(s);
	if (s->bad)
		return c2d_fail(err, C2D_E_INPUT, "quote offset %zu: %s header truncated", at, what);
	if (type != want)
		return c2d_fail(err, C2D_E_INPUT, "quote offset %zu: %s of type %u, type %u is required",
				at, what, type, want);
	if (*len != s->left)
		return c2d_fail(err, C2D_E_INPUT, "quote offset %zu: %s of %u bytes, %zu remain",
				at, what, *len, s->left);
	return C2D_OK;
}

void c2d_tdxquote_report_at(struct c2d_td_report *td, const uint8_t *seam, const uint8_t *ti,
		      const uint8_t *report_data, const uint8_t *tee_tcb_svn2, const uint8_t *mrservicetd)
{
	td->tee_tcb_svn = seam;
	td->mrseam = seam + 16;
	td->mrsignerseam = seam + 64;
	td->seam_attributes = seam + 112;
	td->td_attributes = ti;
	td->xfam = ti + 8;
	td->mrtd = ti + 16;
	td->mrconfigid = ti + 64;
	td->mrowner = ti + 112;
	td->mrownerconfig = ti + 160;
	for (int i = 0; i < 4; i++)
		td->rtmr[i] = ti + 208 + 48 * i;
	td->report_data = report_data;
	td->tee_tcb_svn2 = tee_tcb_svn2;
	td->mrservicetd = mrservicetd;
}

static void sgx_report(const uint8_t *p, struct c2d_sgx_report *s)
{
	s->raw = p;
	s->cpusvn = p;
	s->miscselect = c2d_get_le32(p + 16);
	s->attributes = p + 48;
	s->mrenclave = p + 64;
	s->mrsigner = p + 128;
	s->isvprodid = c2d_get_le16(p + 256);
	s->isvsvn = c2d_get_le16(p + 258);
	s->report_data = p + 320;
}

c2d_status c2d_tdxquote_parse(const uint8_t *buf, size_t len, struct c2d_tdx_quote *q,
			       struct c2d_err *err)
{
	struct c2d_reader r;
	const uint8_t *p;
	memset(q, 0, sizeof(*q));
	c2d_reader_init(&r, buf, len);

	if ((p = take(&r, C2D_TDX_HEADER_LEN, "header", err)) == NULL)
		return C2D_E_INPUT;
	q->version = c2d_get_le16(p);
	q->att_key_type = c2d_get_le16(p + 2);
	q->tee_type = c2d_get_le32(p + 4);
	q->qe_vendor_id = p + 12;
	if (q->version != 4 && q->version != 5)
		return c2d_fail(err, C2D_E_INPUT, "quote offset 0: version %u (c2d reads 4 and 5)", q->version);
	if (q->att_key_type != 2)
		return c2d_fail(err, C2D_E_INPUT,
				"quote offset 2: attestation key type %u (only 2, ECDSA P-256, is used by TDX)",
				q->att_key_type);
	if (q->tee_type != 0x81)
		return c2d_fail(err, C2D_E_INPUT, "quote offset 4: TEE type 0x%x is not TDX (0x81)", q->tee_type);

	size_t body_len = C2D_TDX_BODY10_LEN;
	q->body_type = 2;
	if (q->version == 5) {
		q->body_type = c2d_read_le16(&r);
		uint32_t size = c2d_read_le32(&r);
		if (r.bad)
			return c2d_fail(err, C2D_E_INPUT, "quote offset 48: body descriptor truncated");
		if (q->body_type == 2)
			body_len = C2D_TDX_BODY10_LEN;
		else if (q->body_type == 3)
			body_len = C2D_TDX_BODY15_LEN;
		else
			return c2d_fail(err, C2D_E_INPUT,
					"quote offset 48: body type %u (2: TD 1.0 and 3: TD 1.5 are TDX)",
					q->body_type);
		if (size != body_len)
			return c2d_fail(err, C2D_E_INPUT, "quote offset 50: body size %u, a type %u body is %zu",
					size, q->body_type, body_len);
	}
	if ((p = take(&r, body_len, "TD report body", err)) == NULL)
		return C2D_E_INPUT;
	/* The body: the two runs, REPORTDATA, then TD 1.5's two fields. */
	int td15 = q->body_type == 3;
	c2d_tdxquote_report_at(&q->td, p, p + 120, p + 520, td15 ? p + 584 : NULL, td15 ? p + 600 : NULL);
	q->signed_data = buf;
	q->signed_len = r.off;

	size_t at = r.off;
	uint32_t sig_len = c2d_read_le32(&r);
	if (r.bad)
		return c2d_fail(err, C2D_E_INPUT, "quote offset %zu: signature data length truncated", at);
	if (sig_len > r.left)
		return c2d_fail(err, C2D_E_INPUT, "quote offset %zu: signature data of %u bytes runs past the end",
				at, sig_len);
	struct c2d_reader s;
	c2d_reader_init(&s, r.p, sig_len);
	s.off = r.off;
	if ((q->signature = take(&s, 64, "quote signature", err)) == NULL ||
	    (q->att_key = take(&s, 64, "attestation key", err)) == NULL)
		return C2D_E_INPUT;

	/* TDX quotes carry type 6 (the QE report), which in turn carries
	 * type 5 (the PCK certificate chain). */
	uint32_t cert_len;
	if (cert_header(&s, 6, "certification data", &cert_len, err) < 0)
		return C2D_E_INPUT;
	if ((p = take(&s, C2D_SGX_REPORT_LEN, "QE report", err)) == NULL)
		return C2D_E_INPUT;
	sgx_report(p, &q->qe_report);
	if ((q->qe_report_sig = take(&s, 64, "QE report signature", err)) == NULL)
		return C2D_E_INPUT;
	at = s.off;
	q->qe_auth_len = c2d_read_le16(&s);
	if (s.bad || (q->qe_auth = take(&s, q->qe_auth_len, "QE authentication data", err)) == NULL)
		return c2d_fail(err, C2D_E_INPUT, "quote offset %zu: QE authentication data truncated", at);

	uint32_t inner_len;
	if (cert_header(&s, 5, "PCK certificate chain", &inner_len, err) < 0)
		return C2D_E_INPUT;
	q->pck_chain = c2d_read(&s, inner_len);
	q->pck_chain_len = inner_len;
	q->used = r.off + sig_len;
	return C2D_OK;
}

int c2d_tdxquote_is_debug(const struct c2d_td_report *td)
{
	return td->td_attributes[0] & 1;
}
