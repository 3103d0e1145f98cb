/* Unit tests of the TDX collateral: JSON reading (host/attest/collateral_json.c),
 * signatures and evaluation (host/attest/collateral.c) on real collateral and
 * real quotes (tests/vectors/tdx, copied from public test data), and the
 * RFC 3339 parser (host/attest/date.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <bearssl.h>
#include <jansson.h>

#include "c2d/collateral.h"
#include "c2d/date.h"
#include "c2d/hex.h"
#include "c2d/tdxquote.h"
#include "collateral_json.h"
#include "testfile.h"

#define V "tests/vectors/tdx/"

/* The public key of the first certificate of a PEM chain. Test-only: the
 * chain itself is verified by the X.509 module, not here. */
struct der {
	uint8_t buf[4096];
	size_t len;
};

static void append(void *ctx, const void *data, size_t len)
{
	struct der *d = ctx;
	assert_true(d->len + len <= sizeof(d->buf));
	memcpy(d->buf + d->len, data, len);
	d->len += len;
}

static void leaf_key(const char *pem, uint8_t pub[65])
{
	br_pem_decoder_context pc;
	struct der d = { .len = 0 };
	size_t n = strlen(pem), done = 0;
	br_pem_decoder_init(&pc);
	for (;;) {
		done += br_pem_decoder_push(&pc, pem + done, n - done);
		int ev = br_pem_decoder_event(&pc);
		if (ev == BR_PEM_BEGIN_OBJ)
			br_pem_decoder_setdest(&pc, append, &d);
		else if (ev == BR_PEM_END_OBJ)
			break;
		assert_true(ev != BR_PEM_ERROR && done < n);
	}
	br_x509_decoder_context xc;
	br_x509_decoder_init(&xc, NULL, NULL);
	br_x509_decoder_push(&xc, d.buf, d.len);
	const br_x509_pkey *k = br_x509_decoder_get_pkey(&xc);
	assert_non_null(k);
	assert_int_equal(k->key_type, BR_KEYTYPE_EC);
	assert_int_equal(k->key.ec.curve, BR_EC_secp256r1);
	assert_int_equal(k->key.ec.qlen, 65);
	memcpy(pub, k->key.ec.q, 65);
}

static void parse_dcapqvl(struct c2d_collateral *c)
{
	size_t len;
	char *buf = testfile_load(V "dcapqvl_tdx_quote_collateral.json", &len);
	struct c2d_err err = { 0 };
	int r = c2d_collateral_json_parse_dcapqvl(buf, len, "collateral.json", c, &err);
	if (r != 0)
		fail_msg("%s", err.msg);
	free(buf);
}

static int64_t t(const char *s)
{
	int64_t v;
	assert_int_equal(c2d_date_rfc3339_parse(s, &v, NULL), 0);
	return v;
}

static void test_dcapqvl_parse(void **state)
{
	(void)state;
	struct c2d_collateral c;
	uint8_t want[32];
	parse_dcapqvl(&c);
	assert_string_equal(c.tcb.id, "TDX");
	assert_int_equal(c.tcb.version, 3);
	assert_int_equal(c2d_hex_decode("B0C06F000000", 12, want, 6, NULL), C2D_OK);
	assert_memory_equal(c.tcb.fmspc, want, 6);
	assert_int_equal(c.tcb.issue_date, 1750328163);   /* date -u -d 2025-06-19T10:16:03Z +%s */
	assert_int_equal(c.tcb.next_update, 1752920163);
	assert_int_equal(c.tcb.tcb_evaluation_data_number, 17);
	assert_int_equal(c.tcb.nmodules, 2);
	assert_string_equal(c.tcb.modules[1].id, "TDX_01");
	assert_int_equal(c.tcb.modules[1].nlevels, 2);
	assert_int_equal(c.tcb.modules[1].levels[1].isvsvn, 2);
	assert_int_equal(c.tcb.modules[1].levels[1].status, C2D_TCB_OUT_OF_DATE);
	assert_true(c.tcb.nlevels >= 2);
	assert_int_equal(c.tcb.levels[0].pcesvn, 11);
	assert_int_equal(c.tcb.levels[1].pcesvn, 5);
	assert_int_equal(c.tcb.levels[1].adv.n, 14);
	assert_string_equal(c.tcb.levels[1].adv.id[13], "INTEL-SA-00837");
	/* The signed bytes are the JSON text exactly as the string held it. */
	assert_memory_equal(c.tcb.body, "{\"id\":\"TDX\",\"version\":3,", 24);
	assert_int_equal(c.tcb.body[c.tcb.body_len - 1], '}');
	assert_string_equal(c.qe.id, "TD_QE");
	assert_int_equal(c.qe.isvprodid, 2);
	assert_int_equal(c.qe.miscselect_mask, 0xFFFFFFFF);
	assert_int_equal(c2d_hex_decode("DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5", 64, want, 32, NULL), C2D_OK);
	assert_memory_equal(c.qe.mrsigner, want, 32);
	assert_int_equal(c.qe.attributes_mask[0], 0xFB);
	assert_memory_equal(c.tcb_chain, "-----BEGIN CERTIFICATE-----", 27);
	assert_non_null(c.pck_crl_chain);
	assert_int_equal(c.pck_crl[0], 0x30);     /* DER SEQUENCE */
	assert_int_equal(c.root_crl[0], 0x30);
	c2d_collateral_free(&c);
	assert_null(c.tcb.levels);
}

/* A signature verifies over the body; one changed byte of the body or of
 * the signature breaks it, and the message names the object. */
static void check_sigs(struct c2d_tcb_info *ti, struct c2d_qe_identity *qi, const char *tcb_chain,
		       const char *qe_chain)
{
	uint8_t tpub[65], qpub[65];
	struct c2d_err err = { 0 };
	leaf_key(tcb_chain, tpub);
	leaf_key(qe_chain, qpub);
	assert_int_equal(c2d_collateral_tcb_info_check_sig(ti, tpub, &err), 0);
	assert_int_equal(c2d_collateral_qe_identity_check_sig(qi, qpub, &err), 0);
	for (size_t i = 0; i < ti->body_len; i += 97) {
		ti->body[i] ^= 0x20;
		assert_int_equal(c2d_collateral_tcb_info_check_sig(ti, tpub, &err), C2D_E_REFUSED);
		assert_non_null(strstr(err.msg, "TCB info"));
		ti->body[i] ^= 0x20;
	}
	for (size_t i = 0; i < qi->body_len; i += 41) {
		qi->body[i] ^= 0x01;
		assert_int_equal(c2d_collateral_qe_identity_check_sig(qi, qpub, &err), C2D_E_REFUSED);
		assert_non_null(strstr(err.msg, "QE identity"));
		qi->body[i] ^= 0x01;
	}
	ti->signature[5] ^= 1;
	qi->signature[63] ^= 1;
	assert_int_equal(c2d_collateral_tcb_info_check_sig(ti, tpub, &err), C2D_E_REFUSED);
	assert_int_equal(c2d_collateral_qe_identity_check_sig(qi, qpub, &err), C2D_E_REFUSED);
	ti->signature[5] ^= 1;
	qi->signature[63] ^= 1;
	/* Each key signs its own object only when it is the right key: the
	 * two chains share their leaf (Intel's TCB signing certificate). */
	assert_int_equal(c2d_collateral_tcb_info_check_sig(ti, qpub, &err), 0);
	qpub[10] ^= 1;
	assert_int_equal(c2d_collateral_qe_identity_check_sig(qi, qpub, &err), C2D_E_REFUSED);
}

static void test_dcapqvl_sigs(void **state)
{
	(void)state;
	struct c2d_collateral c;
	parse_dcapqvl(&c);
	check_sigs(&c.tcb, &c.qe, c.tcb_chain, c.qe_chain);
	c2d_collateral_free(&c);
}

static void test_pcs_sigs(void **state)
{
	(void)state;
	size_t tl, ql, n;
	char *tbuf = testfile_load(V "gotdx_sample_tcbInfo_response", &tl);
	char *qbuf = testfile_load(V "gotdx_sample_qeIdentity_response", &ql);
	char *tchain = testfile_load(V "gotdx_tcb_info_issuer_chain.pem", &n);
	char *qchain = testfile_load(V "gotdx_qe_identity_issuer_chain.pem", &n);
	struct c2d_tcb_info ti;
	struct c2d_qe_identity qi;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_collateral_json_parse_pcs_tcb_info(tbuf, tl, "tcb.json", &ti, &err), 0);
	assert_int_equal(c2d_collateral_json_parse_pcs_qe_identity(qbuf, ql, "qe.json", &qi, &err), 0);
	/* The body is the inner value, byte for byte, where it stands. */
	assert_ptr_equal(strstr(tbuf, (char *)"{\"id\":\"TDX\""), tbuf + 11);
	assert_memory_equal(ti.body, tbuf + 11, ti.body_len);
	assert_memory_equal(tbuf + 11 + ti.body_len, ",\"signature\":\"", 14);
	assert_int_equal(ti.nmodules, 0);
	assert_int_equal(ti.levels[0].tcb_date, t("2023-02-15T00:00:00Z"));
	check_sigs(&ti, &qi, tchain, qchain);

	/* The same content, reformatted (jansson, indented): same values, other
	 * bytes, so the signature no longer holds. */
	json_t *doc = json_loadb(tbuf, tl, 0, NULL);
	char *pretty = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	struct c2d_tcb_info re;
	uint8_t pub[65];
	assert_int_equal(c2d_collateral_json_parse_pcs_tcb_info(pretty, strlen(pretty), "pretty.json", &re, &err), 0);
	assert_int_equal(re.levels[1].adv.n, ti.levels[1].adv.n);
	assert_memory_equal(re.signature, ti.signature, 64);
	leaf_key(tchain, pub);
	assert_int_equal(c2d_collateral_tcb_info_check_sig(&re, pub, &err), C2D_E_REFUSED);
	free(pretty);
	json_decref(doc);
	c2d_collateral_tcb_info_free(&re);
	c2d_collateral_tcb_info_free(&ti);
	c2d_collateral_qe_identity_free(&qi);
	free(tbuf);
	free(qbuf);
	free(tchain);
	free(qchain);
}

/* Read from the PCK certificate of tests/vectors/tdx/dcapqvl_tdx_quote
 * (its SGX extension, OID 1.2.840.113741.1.13.1), with Python's
 * cryptography: x509.load_pem_x509_certificate(<first PEM of the quote's
 * certification data>).extensions.get_extension_for_oid(
 * ObjectIdentifier("1.2.840.113741.1.13.1")).value.value, walked as DER:
 * .2.1-.2.16 (CPU SVN components) 03 03 02 02 04 01 00 05 00*8,
 * .2.17 (PCESVN) 0x0b, .3 (PCE-ID) 0000, .4 (FMSPC) b0c06f000000. */
static const uint8_t PCK_CPUSVN[16] = { 3, 3, 2, 2, 4, 1, 0, 5 };
static const uint8_t PCK_PCEID[2] = { 0, 0 };
static const uint8_t PCK_FMSPC[6] = { 0xb0, 0xc0, 0x6f, 0, 0, 0 };
static const uint16_t PCK_PCESVN = 11;

struct fixture {
	struct c2d_collateral c;
	uint8_t *quote;
	struct c2d_tdx_quote q;
	int64_t now;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t len;
	struct c2d_err err = { 0 };
	parse_dcapqvl(&f->c);
	f->quote = (uint8_t *)testfile_load(V "dcapqvl_tdx_quote", &len);
	assert_int_equal(c2d_tdxquote_parse(f->quote, len, &f->q, &err), 0);
	f->now = t("2025-07-01T00:00:00Z");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	c2d_collateral_free(&f->c);
	free(f->quote);
	free(f);
	return 0;
}

static int eval(struct fixture *f, const uint8_t *cpusvn, uint16_t pcesvn,
		const struct c2d_td_report *td, struct c2d_tcb_result *out, struct c2d_err *err)
{
	return c2d_collateral_tcb_info_eval(&f->c.tcb, PCK_FMSPC, PCK_PCEID, cpusvn, pcesvn, td, f->now, out, err);
}

static void test_eval_real(void **state)
{
	struct fixture *f = *state;
	struct c2d_tcb_result p, q;
	struct c2d_err err = { 0 };
	/* The quote's TEE_TCB_SVN is 06 01 03 00...: module 1 (TDX_01), SVN 6. */
	assert_int_equal(f->q.td.tee_tcb_svn[1], 1);
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &p, &err), 0);
	assert_string_equal(c2d_collateral_tcb_status_name(p.status), "UpToDate");   /* upstream's expectation */
	assert_int_equal(p.tcb_date, t("2024-03-13T00:00:00Z"));
	assert_int_equal(p.adv.n, 0);
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &f->q.qe_report, f->now, &q, &err), 0);
	assert_int_equal(q.status, C2D_TCB_UP_TO_DATE);
	assert_int_equal(q.tcb_date, t("2024-03-13T00:00:00Z"));
	assert_int_equal(c2d_collateral_tcb_result_merge(&p, &q, &p, &err), 0);
	assert_int_equal(p.status, C2D_TCB_UP_TO_DATE);
}

static void test_window(void **state)
{
	struct fixture *f = *state;
	struct c2d_tcb_result r;
	struct c2d_err err = { 0 };
	const int64_t saved = f->now;
	f->now = f->c.tcb.issue_date - 1;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "issueDate 2025-06-19T10:16:03Z"));
	f->now = f->c.tcb.issue_date;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), 0);
	f->now = f->c.tcb.next_update;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "nextUpdate 2025-07-19T10:16:03Z"));
	/* The QE identity's window is its own (nextUpdate 10:32:27). */
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &f->q.qe_report, f->now, &r, &err), 0);
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &f->q.qe_report, f->c.qe.next_update, &r, &err),
			 C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "QE identity: expired: nextUpdate 2025-07-19T10:32:27Z"));
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &f->q.qe_report, f->c.qe.issue_date - 1, &r, &err),
			 C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "QE identity: issueDate"));
	f->now = saved;
}

static void test_levels(void **state)
{
	struct fixture *f = *state;
	struct c2d_tcb_result r;
	struct c2d_err err = { 0 };
	uint8_t cpu[16], svn[16], mrs[48];
	struct c2d_td_report td = f->q.td;

	/* PCESVN below level 0's 11: level 1 (OutOfDate, 2018-01-04, with
	 * its 14 advisories in order). */
	assert_int_equal(eval(f, PCK_CPUSVN, 10, &td, &r, &err), 0);
	assert_int_equal(r.status, C2D_TCB_OUT_OF_DATE);
	assert_int_equal(r.tcb_date, t("2018-01-04T00:00:00Z"));
	assert_int_equal(r.adv.n, 14);
	assert_string_equal(r.adv.id[0], "INTEL-SA-00106");

	/* One CPU SVN component below every level: refused, not a status. */
	memcpy(cpu, PCK_CPUSVN, 16);
	cpu[7] = 4;
	assert_int_equal(eval(f, cpu, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "no TCB level matches"));

	/* A TDX component (index 2, the late microcode) below level 0's 2. */
	memcpy(svn, f->q.td.tee_tcb_svn, 16);
	td.tee_tcb_svn = svn;
	svn[2] = 1;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	svn[2] = 3;

	/* Module SVN 3 is below TDX_01's level 4 (UpToDate) and at its
	 * level 2 (OutOfDate): the platform status converges to OutOfDate. */
	svn[0] = 3;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), 0);
	assert_int_equal(r.status, C2D_TCB_OUT_OF_DATE);
	assert_int_equal(r.tcb_date, t("2024-03-13T00:00:00Z"));
	svn[0] = 1;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "TDX_01"));
	svn[0] = 6;

	/* Module version 2 has no identity; version 0 uses tdxModule and
	 * compares all 16 TDX components (index 0 is then 6 >= 5). */
	svn[1] = 2;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "TDX_02"));
	svn[1] = 0;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), 0);
	assert_int_equal(r.status, C2D_TCB_UP_TO_DATE);
	svn[0] = 4;   /* now a TDX component: below level 0's 5 */
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	svn[0] = 6;
	svn[1] = 1;

	/* MRSIGNERSEAM and SEAMATTRIBUTES. */
	memset(mrs, 0, sizeof(mrs));
	mrs[47] = 1;
	td.mrsignerseam = mrs;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "MRSIGNERSEAM"));
	td.mrsignerseam = f->q.td.mrsignerseam;
	td.seam_attributes = mrs + 40;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "SEAMATTRIBUTES"));
	td.seam_attributes = f->q.td.seam_attributes;

	/* The levels are walked in order: the first match wins. */
	f->c.tcb.levels[0].status = C2D_TCB_SW_HARDENING_NEEDED;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &td, &r, &err), 0);
	assert_int_equal(r.status, C2D_TCB_SW_HARDENING_NEEDED);
	f->c.tcb.levels[0].status = C2D_TCB_UP_TO_DATE;

	/* Another platform's TCB info. */
	uint8_t other[6] = { 0x50, 0x80, 0x6f, 0, 0, 0 };
	assert_int_equal(c2d_collateral_tcb_info_eval(&f->c.tcb, other, PCK_PCEID, PCK_CPUSVN, PCK_PCESVN, &td,
					   f->now, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "fmspc B0C06F000000"));
}

/* Levels out of descending order are refused, not walked: a lower level
 * listed first would take every platform that a higher one matches. */
static void test_level_order(void **state)
{
	struct fixture *f = *state;
	struct c2d_tcb_result r;
	struct c2d_err err = { 0 };
	struct c2d_tcb_level *l = f->c.tcb.levels, saved = l[0];
	assert_int_equal(f->c.tcb.nlevels, 2);
	l[0] = l[1];
	l[1] = saved;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TCB info: tcbLevels[1] is not below tcbLevels[0]: levels must be in "
			    "descending order");
	/* Equal levels too: the second could never be chosen. */
	l[1] = l[0];
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), C2D_E_REFUSED);
	/* A TDX component alone decides between levels of equal SGX TCB. */
	l[0] = saved;
	l[1] = saved;
	l[1].tdx_comp[2]--;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), 0);
	l[1].tdx_comp[2] += 2;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), C2D_E_REFUSED);
	c2d_collateral_free(&f->c);
	parse_dcapqvl(&f->c);

	/* The TDX module identity's and the QE identity's levels alike. */
	struct c2d_tdx_module_identity *m = NULL;
	for (size_t i = 0; i < f->c.tcb.nmodules; i++)
		if (strcmp(f->c.tcb.modules[i].id, "TDX_01") == 0)
			m = &f->c.tcb.modules[i];
	assert_non_null(m);
	assert_int_equal(m->nlevels, 2);
	m->levels[1].isvsvn = m->levels[0].isvsvn;
	assert_int_equal(eval(f, PCK_CPUSVN, PCK_PCESVN, &f->q.td, &r, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TCB info: TDX_01: tcbLevels[1] is not below tcbLevels[0]: levels must "
			    "be in descending order");
	c2d_collateral_free(&f->c);
	parse_dcapqvl(&f->c);

	struct c2d_qe_level *q = realloc(f->c.qe.levels, 2 * sizeof(*q));
	assert_non_null(q);
	q[1] = q[0];
	q[1].isvsvn++;
	f->c.qe.levels = q;
	f->c.qe.nlevels = 2;
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &f->q.qe_report, f->now, &r, &err),
			 C2D_E_REFUSED);
	assert_string_equal(err.msg, "QE identity: tcbLevels[1] is not below tcbLevels[0]: levels must be in "
			    "descending order");
	c2d_collateral_free(&f->c);
	parse_dcapqvl(&f->c);
}

static void test_qe_mismatch(void **state)
{
	struct fixture *f = *state;
	struct c2d_tcb_result r;
	struct c2d_err err = { 0 };
	struct c2d_sgx_report qe = f->q.qe_report;
	uint8_t buf[32];

	memcpy(buf, qe.mrsigner, 32);
	buf[31] ^= 1;
	qe.mrsigner = buf;
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "MRSIGNER"));
	qe.mrsigner = f->q.qe_report.mrsigner;

	qe.miscselect = 1;
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "MISCSELECT"));
	qe.miscselect = f->q.qe_report.miscselect;

	/* attributesMask byte 0 is FB: bit 2 is ignored, bit 1 (DEBUG) not. */
	memcpy(buf, qe.attributes, 16);
	qe.attributes = buf;
	buf[0] ^= 0x04;
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), 0);
	buf[0] ^= 0x06;
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "ATTRIBUTES byte 0"));
	qe.attributes = f->q.qe_report.attributes;

	qe.isvprodid = 1;
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "ISVPRODID"));
	qe.isvprodid = f->q.qe_report.isvprodid;

	qe.isvsvn = 3;   /* below the only level (4) */
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "no TCB level matches QE ISVSVN 3"));

	/* An OutOfDate QE level makes an UpToDate platform OutOfDate. */
	f->c.qe.levels[0].status = C2D_TCB_OUT_OF_DATE;
	qe.isvsvn = f->q.qe_report.isvsvn;
	struct c2d_tcb_result p = { .status = C2D_TCB_UP_TO_DATE };
	assert_int_equal(c2d_collateral_qe_identity_eval(&f->c.qe, &qe, f->now, &r, &err), 0);
	assert_int_equal(c2d_collateral_tcb_result_merge(&p, &r, &p, &err), 0);
	assert_int_equal(p.status, C2D_TCB_OUT_OF_DATE);
	f->c.qe.levels[0].status = C2D_TCB_UP_TO_DATE;
}

static void test_converge(void **state)
{
	(void)state;
	enum { U = C2D_TCB_UP_TO_DATE, S = C2D_TCB_SW_HARDENING_NEEDED,
	       C = C2D_TCB_CONFIGURATION_NEEDED, CS = C2D_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	       O = C2D_TCB_OUT_OF_DATE, OC = C2D_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	       R = C2D_TCB_REVOKED };
	const int platform[7] = { U, S, C, CS, O, OC, R };
	const int with_outofdate[7] = { O, O, OC, OC, O, OC, R };
	for (int i = 0; i < 7; i++) {
		assert_int_equal(c2d_collateral_tcb_converge(platform[i], U), platform[i]);
		assert_int_equal(c2d_collateral_tcb_converge(platform[i], O), with_outofdate[i]);
		assert_int_equal(c2d_collateral_tcb_converge(platform[i], R), R);
	}
	/* Advisory IDs: union, first-seen order, no repeats. */
	struct c2d_tcb_result a = { .status = U }, b = { .status = U };
	struct c2d_err err = { 0 };
	a.adv.n = 2;
	strcpy(a.adv.id[0], "INTEL-SA-1");
	strcpy(a.adv.id[1], "INTEL-SA-2");
	b.adv.n = 2;
	strcpy(b.adv.id[0], "INTEL-SA-2");
	strcpy(b.adv.id[1], "INTEL-SA-3");
	assert_int_equal(c2d_collateral_tcb_result_merge(&a, &b, &a, &err), 0);
	assert_int_equal(a.adv.n, 3);
	assert_string_equal(a.adv.id[2], "INTEL-SA-3");
}

static void test_status_names(void **state)
{
	(void)state;
	for (int s = C2D_TCB_UP_TO_DATE; s <= C2D_TCB_REVOKED; s++)
		assert_int_equal(c2d_collateral_tcb_status_parse(c2d_collateral_tcb_status_name(s)), s);
	assert_string_equal(c2d_collateral_tcb_status_name(C2D_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED),
			    "ConfigurationAndSWHardeningNeeded");
	assert_string_equal(c2d_collateral_tcb_status_name(0), "?");
	assert_string_equal(c2d_collateral_tcb_status_name(C2D_TCB_REVOKED + 1), "?");
	assert_int_equal(c2d_collateral_tcb_status_parse("uptodate"), 0);
	assert_int_equal(c2d_collateral_tcb_status_parse("UpToDate "), 0);
	assert_int_equal(c2d_collateral_tcb_status_parse(""), 0);
}

static void test_rfc3339(void **state)
{
	(void)state;
	int64_t v = 42;
	char out[C2D_RFC3339_LEN];
	/* Expected values from `date -u -d ... +%s`. */
	assert_int_equal(t("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(t("2025-06-19T10:16:03Z"), 1750328163);
	assert_int_equal(t("2000-02-29T12:34:56Z"), 951827696);
	assert_int_equal(t("9999-12-31T23:59:59Z"), 253402300799);
	assert_int_equal(t("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(t("2024-02-29T00:00:00Z"), t("2024-02-28T00:00:00Z") + 86400);
	static const char *const bad[] = {
		"1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
		"2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z",
		"2025-01-00T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T00:60:00Z",
		"2016-12-31T23:59:60Z", "2025-01-01t00:00:00Z", "2025-01-01T00:00:00z",
		"2025-01-01T00:00:00", "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:00.5Z",
		"2025-01-01 00:00:00Z", "2025-1-01T00:00:00Z", "+025-01-01T00:00:00Z",
		"2025-01-01T00:00:00ZZ", "", "2025-01-01T00:0a:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct c2d_err err = { 0 };
		if (c2d_date_rfc3339_parse(bad[i], &v, &err) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(err.status, C2D_E_INPUT);
		assert_string_equal(err.msg, "not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ");
		assert_int_equal(v, 42);
	}
	/* Every day of 1968-2104 at a varying time of day round-trips. */
	for (int64_t d = -731; d < 49710; d++) {
		int64_t x = d * 86400 + (d * 7919) % 86400;
		c2d_date_rfc3339_format(x, out);
		assert_int_equal(c2d_date_rfc3339_parse(out, &v, NULL), 0);
		assert_int_equal(v, x);
	}
	c2d_date_rfc3339_format(t("0000-01-01T00:00:00Z") - 1, out);
	assert_string_equal(out, "");
}

/* Parses a PCS TCB info with one substitution and checks the message. */
static void tcb_edit(const char *from, const char *to, const char *want)
{
	size_t len;
	char *buf = testfile_load(V "gotdx_sample_tcbInfo_response", &len);
	char *at = strstr(buf, from);
	assert_non_null(at);
	size_t fl = strlen(from), tl = strlen(to);
	char *e = malloc(len + tl + 1);
	memcpy(e, buf, (size_t)(at - buf));
	memcpy(e + (at - buf), to, tl);
	strcpy(e + (at - buf) + tl, at + fl);
	struct c2d_tcb_info ti;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_collateral_json_parse_pcs_tcb_info(e, strlen(e), "tcb.json", &ti, &err), C2D_E_INPUT);
	if (strstr(err.msg, want) == NULL)
		fail_msg("edit %s -> %s: \"%s\" lacks \"%s\"", from, to, err.msg, want);
	assert_null(strchr(err.msg, '\n'));
	assert_null(ti.levels);
	free(e);
	free(buf);
}

static void test_strict(void **state)
{
	(void)state;
	/* { text in the file, replacement, what the message must say } */
	static const char *const edits[][3] = {
		{ "{\"svn\":5,", "{\"svn\":\"5\",", "tcb.json: tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].svn: must be an integer" },
		{ "{\"svn\":2,\"category\":\"OS/VMM\",\"type\":\"TXT SINIT\"}", "{\"svn\":256}", "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[2].svn: must be an integer from 0 to 255" },
		{ "\"issueDate\":\"2023-06-18T08:42:58Z\"", "\"issueDate\":\"2023-06-18T08:42:58+00:00\"", "tcb.json: tcbInfo.issueDate: must be a UTC time" },
		{ "\"fmspc\":\"50806f000000\"", "\"fmspc\":\"50806f0000\"", "tcbInfo.fmspc: must be 12 hex digits" },
		{ "\"fmspc\":\"50806f000000\"", "\"fmspc\":\"0x806f000000\"", "tcbInfo.fmspc: must be 12 hex digits" },
		{ "\"pceId\":\"0000\",", "", "tcbInfo.pceId: missing" },
		{ "\"version\":3", "\"version\":2", "tcbInfo.version: must be an integer from 3 to 3" },
		{ "\"id\":\"TDX\"", "\"id\":\"SGX\"", "tcbInfo.id: is \"SGX\"" },
		{ "\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"Fine\"", "tcbInfo.tcbLevels[0].tcbStatus: unknown status \"Fine\"" },
		{ "\"INTEL-SA-00106\"", "\"INTEL SA\"", "tcbInfo.tcbLevels[1].advisoryIDs[0]: must be a printable" },
		{ "\"INTEL-SA-00106\"", "7", "tcbInfo.tcbLevels[1].advisoryIDs[0]" },
		{ "{\"tcbInfo\":", "{\"signature\":\"00\",\"tcbInfo\":", "duplicate key \"signature\"" },
		{ "{\"tcbInfo\":", "{\"extra\":1,\"tcbInfo\":", "unknown top-level key \"extra\"" },
		{ "{\"tcbInfo\":", "{\"tcbinfo\":", "no top-level member \"tcbInfo\"" },
		{ "\"tcbType\":0,", "\"tcbType\":0,\"tcbType\":1,", "duplicate" },
		{ "\"tdxtcbcomponents\":[{\"svn\":3", "\"tdxtcbcomponents\":[{\"svn\":3},{\"svn\":3", "tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents: must be an array of 16 to 16 entries" },
		{ "\"signature\":\"", "\"signature\":\"00", "signature: must be 128 hex digits" },
		{ "\"tcbLevels\":[", "\"tcbLevels\":[1,", "tcbInfo.tcbLevels: entry 0 must be an object" },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		tcb_edit(edits[i][0], edits[i][1], edits[i][2]);
}

/* The span scanner against jansson: the span of a member re-parses to
 * the member's value; malformed documents are refused with an offset. */
static void test_span(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	size_t off, len;
	static const char *const good[] = {
		"{\"a\":1,\"k\":{\"x\":[1,-2.5e+3,true,false,null,\"\\u00e9\\\"}\"]},\"b\":[]}",
		" {\"k\" : \"\\\\\" } ",
		"{\"k\":0.0e0}",
		"{\"k\":[[[]]],\"z\":{}}",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *d = good[i];
		assert_int_equal(c2d_collateral_json_member_span(d, strlen(d), "k", "t", &off, &len, &err), 0);
		json_t *doc = json_loads(d, 0, NULL);
		json_t *v = json_loadb(d + off, len, JSON_DECODE_ANY, NULL);
		assert_non_null(doc);
		assert_non_null(v);
		assert_true(json_equal(v, json_object_get(doc, "k")));
		json_decref(v);
		json_decref(doc);
	}
	static const char *const badd[] = {
		"{\"k\":01}", "{\"k\":1.}", "{\"k\":-}", "{\"k\":.5}", "{\"k\":1e}", "{\"k\":\"\\x\"}",
		"{\"k\":\"\\u12g4\"}", "{\"k\":\"a\nb\"}", "{\"k\":\"abc}", "{\"k\":[1,]}", "{\"k\":1,}",
		"{\"k\" 1}", "{k:1}", "{\"k\":tru}", "{\"k\":1}x", "[{\"k\":1}]", "{\"k\":1,\"k\":2}",
		"{\"j\":1}", "", "{",
	};
	for (size_t i = 0; i < sizeof(badd) / sizeof(badd[0]); i++) {
		const char *d = badd[i];
		if (c2d_collateral_json_member_span(d, strlen(d), "k", "t", &off, &len, &err) != C2D_E_INPUT)
			fail_msg("accepted %s", d);
		assert_memory_equal(err.msg, "t: ", 3);
	}
	/* Deep nesting is refused, not recursed into without bound. */
	char deep[300] = "{\"k\":";
	memset(deep + 5, '[', 200);
	deep[205] = '\0';
	assert_int_equal(c2d_collateral_json_member_span(deep, strlen(deep), "k", "t", &off, &len, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "nesting too deep"));
}

static void test_load_files(void **state)
{
	(void)state;
	struct c2d_collateral c;
	struct c2d_err err = { 0 };
	struct c2d_collateral_paths p = {
		.tcb_info = V "gotdx_sample_tcbInfo_response",
		.qe_identity = V "gotdx_sample_qeIdentity_response",
		.pck_crl = V "gotdx_pckcrl", .root_crl = V "gotdx_rootcrl.der",
		.tcb_chain = V "gotdx_tcb_info_issuer_chain.pem",
		.qe_chain = V "gotdx_qe_identity_issuer_chain.pem",
	};
	int r = c2d_collateral_json_load_files(&p, &c, &err);
	if (r != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.pck_crl[0], 0x30);
	assert_int_equal(c.root_crl[0], 0x30);
	assert_null(c.pck_crl_chain);
	assert_string_equal(c.qe.id, "TD_QE");
	c2d_collateral_free(&c);
	p.qe_chain = V "gotdx_rootcrl.der";
	assert_int_equal(c2d_collateral_json_load_files(&p, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "gotdx_rootcrl.der: not a PEM certificate chain"));
	assert_null(c.tcb.levels);
	p.qe_chain = V "gotdx_qe_identity_issuer_chain.pem";
	p.tcb_info = V "gotdx_sample_qeIdentity_response";
	assert_int_equal(c2d_collateral_json_load_files(&p, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "no top-level member \"tcbInfo\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcapqvl_parse),
		cmocka_unit_test(test_dcapqvl_sigs),
		cmocka_unit_test(test_pcs_sigs),
		cmocka_unit_test_setup_teardown(test_eval_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qe_mismatch, setup, teardown),
		cmocka_unit_test(test_converge),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_load_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
