/* Unit tests of quote verification (host/attest/tdxverify.c) on the real
 * dcap-qvl quote and collateral, under ASan and UBSan. The shell test
 * tests/host/verify.sh covers the command line and the one-byte changes. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bearssl_ec.h>

#include "c2d/date.h"
#include "c2d/tdxverify.h"
#include "c2d/x509.h"
#include "collateral_json.h"
#include "simca.h"
#include "simquote.h"
#include "testfile.h"

struct fixture {
	uint8_t *quote;
	size_t quote_len;
	struct c2d_tdx_quote q;
	struct c2d_collateral col;
	int64_t now;
};

/* Every P-256 verification, by c2d or by BearSSL's X.509 engine, ends in
 * this BearSSL function (its ASN.1 form converts the signature and calls
 * it): the test links with --wrap to count them (the Makefile). */
static unsigned long ecdsa_count;
uint32_t __real_br_ecdsa_i31_vrfy_raw(const br_ec_impl *impl, const void *hash, size_t hash_len,
				      const br_ec_public_key *pk, const void *sig, size_t sig_len);
uint32_t __wrap_br_ecdsa_i31_vrfy_raw(const br_ec_impl *impl, const void *hash, size_t hash_len,
				      const br_ec_public_key *pk, const void *sig, size_t sig_len);
uint32_t __wrap_br_ecdsa_i31_vrfy_raw(const br_ec_impl *impl, const void *hash, size_t hash_len,
				      const br_ec_public_key *pk, const void *sig, size_t sig_len)
{
	__atomic_add_fetch(&ecdsa_count, 1, __ATOMIC_RELAXED);
	return __real_br_ecdsa_i31_vrfy_raw(impl, hash, hash_len, pk, sig, sig_len);
}

/* The strict defaults, which the real quote meets but for MRTD and
 * RTMR0-2, left unpinned here. */
static struct c2d_td_policy defaults;

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct c2d_err err = { 0 };
	size_t len;
	fx->quote = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote", &fx->quote_len);
	assert_int_equal(c2d_tdxquote_parse(fx->quote, fx->quote_len, &fx->q, &err), C2D_OK);
	uint8_t *json = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote_collateral.json", &len);
	assert_int_equal(c2d_collateral_json_parse_dcapqvl((const char *)json, len, "collateral", &fx->col, &err),
			 C2D_OK);
	free(json);
	assert_int_equal(c2d_date_rfc3339_parse("2025-07-01T00:00:00Z", &fx->now, NULL), 0);
	c2d_tdpolicy_default(&defaults);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	c2d_collateral_free(&fx->col);
	free(fx->quote);
	free(fx);
	return 0;
}

static void test_real_quote(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_verify_result res;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_OK);
	assert_true(res.signatures_ok);
	assert_false(res.simulated);
	assert_int_equal(res.status, C2D_TCB_UP_TO_DATE);
	assert_int_equal(res.qe_status, C2D_TCB_UP_TO_DATE);
	assert_int_equal(res.platform_status, C2D_TCB_UP_TO_DATE);
	char date[C2D_RFC3339_LEN];
	c2d_date_rfc3339_format(res.tcb_date, date);
	assert_string_equal(date, "2024-03-13T00:00:00Z");
	static const uint8_t fmspc[6] = { 0xb0, 0xc0, 0x6f, 0, 0, 0 };
	assert_memory_equal(res.pck.fmspc, fmspc, 6);
	/* The pinned root passed explicitly is the same root. */
	pol.root_der = c2d_intel_sgx_root_der;
	pol.root_len = c2d_intel_sgx_root_der_len;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_OK);
	assert_false(res.simulated);
}

static void test_policy(void **state)
{
	struct fixture *fx = *state;
	struct c2d_td_policy td = defaults;
	struct c2d_verify_policy pol = { .td = &td };
	struct c2d_verify_result res;
	struct c2d_err err = { 0 };
	td.accept = C2D_ACCEPT(C2D_TCB_OUT_OF_DATE);
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: TCB status UpToDate is not accepted");
	/* The result still says what the TCB is. */
	assert_true(res.signatures_ok);
	assert_int_equal(res.status, C2D_TCB_UP_TO_DATE);

	/* Older collateral than the policy's minimum evaluation number: a
	 * TCB recovery cannot be rolled back by replaying signed collateral
	 * from before it (both parts are number 17). */
	td = defaults;
	assert_int_equal(fx->col.tcb.tcb_evaluation_data_number, 17);
	td.min_tcb_eval = 18;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: TCB info tcbEvaluationDataNumber 17 is below the minimum 18");
	td.min_tcb_eval = 17;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_OK);
	fx->col.tcb.tcb_evaluation_data_number = 18;
	td.min_tcb_eval = 18;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: QE identity tcbEvaluationDataNumber 17 is below the minimum 18");
	fx->col.tcb.tcb_evaluation_data_number = 17;

	/* The whole TDATTRIBUTES value: a policy that expects PKS as well
	 * refuses the real quote, naming the bit; so does one without
	 * SEPT_VE_DISABLE. */
	td = defaults;
	td.td_attributes[3] |= 0x40;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TD policy: TDATTRIBUTES 0000001000000000 are not the policy's "
			    "0000005000000000 (differs in PKS)");
	assert_true(res.signatures_ok);
	td.td_attributes[3] = 0;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "(differs in SEPT_VE_DISABLE)"));

	/* MRTD and the RTMRs where pinned: the real quote's own values pass,
	 * one other bit is refused by the register's name. */
	td = defaults;
	memcpy(td.reg[C2D_TDPOLICY_MRTD], fx->q.td.mrtd, 48);
	for (int i = 0; i < 3; i++)
		memcpy(td.reg[C2D_TDPOLICY_RTMR0 + i], fx->q.td.rtmr[i], 48);
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++)
		td.reg_state[i] = C2D_TDPOLICY_PINNED;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_OK);
	td.reg[C2D_TDPOLICY_RTMR1][47] ^= 1;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "TD policy: RTMR1 "));
}

static void test_refusals(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_verify_result res;
	struct c2d_err err = { 0 };

	assert_int_equal(c2d_tdxverify_quote(&fx->q, NULL, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "no collateral"));
	assert_false(res.signatures_ok);

	/* A debug TD is refused before anything else, by name. */
	uint8_t *copy = malloc(fx->quote_len);
	memcpy(copy, fx->quote, fx->quote_len);
	struct c2d_tdx_quote dq;
	copy[48 + 120] |= 1;
	assert_int_equal(c2d_tdxquote_parse(copy, fx->quote_len, &dq, &err), C2D_OK);
	assert_int_equal(c2d_tdxverify_quote(&dq, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "TD attributes: debug TD"));

	/* Another QE vendor. */
	memcpy(copy, fx->quote, fx->quote_len);
	copy[12] ^= 0x80;
	assert_int_equal(c2d_tdxquote_parse(copy, fx->quote_len, &dq, &err), C2D_OK);
	assert_int_equal(c2d_tdxverify_quote(&dq, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "header: QE vendor id is not Intel's");

	/* A changed register: the quote signature. */
	memcpy(copy, fx->quote, fx->quote_len);
	copy[48 + 328] ^= 1;   /* RTMR0 */
	assert_int_equal(c2d_tdxquote_parse(copy, fx->quote_len, &dq, &err), C2D_OK);
	assert_int_equal(c2d_tdxverify_quote(&dq, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "quote: signature by the attestation key"));
	assert_false(res.signatures_ok);
	free(copy);

	/* Another root, even with simulation allowed: the chain says no. */
	size_t n;
	uint8_t *other = testfile_load("tests/vectors/x509/ca.der", &n);
	pol.root_der = other;
	pol.root_len = n;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "simulation root needs --allow-simulated"));
	pol.allow_simulated = 1;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_E_REFUSED);
	assert_true(res.simulated);
	assert_non_null(strstr(err.msg, "PCK chain"));
	free(other);

	/* Time outside the collateral. */
	pol = (struct c2d_verify_policy){ .td = &defaults };
	int64_t late;
	assert_int_equal(c2d_date_rfc3339_parse("2025-07-20T00:00:00Z", &late, NULL), 0);
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, late, &res, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "stale"));
}

/* The simulated PKI: its quote, and collateral from c2d_simca_collateral
 * with flags, verified at 2026-01-02 under the simulation root. */
struct sim {
	char dir[64];
	struct c2d_simca ca;
	uint8_t *quote;
	size_t len;
	struct c2d_tdx_quote q;
	struct c2d_verify_policy pol;
};

#define SIM_NOW 1767312000   /* 2026-01-02T00:00:00Z */

static void sim_open(struct sim *s)
{
	struct c2d_err err = { 0 };
	struct c2d_simregs regs = { 0 };
	uint8_t rd[64] = { 0 };
	strcpy(s->dir, "/tmp/c2d-tdxverify.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(c2d_simca_open(&s->ca, s->dir, &err), C2D_OK);
	assert_int_equal(c2d_simquote_build(&s->ca, &regs, rd, &s->quote, &s->len, &err), C2D_OK);
	assert_int_equal(c2d_tdxquote_parse(s->quote, s->len, &s->q, &err), C2D_OK);
	s->pol = (struct c2d_verify_policy){ .root_der = s->ca.root_cert.der,
					     .root_len = s->ca.root_cert.len, .allow_simulated = 1,
					     .td = &defaults };
}

static void sim_close(struct sim *s)
{
	char cmd[128];
	c2d_simca_close(&s->ca);
	free(s->quote);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

static void sim_collateral(struct sim *s, unsigned flags, struct c2d_collateral *col)
{
	struct c2d_err err = { 0 };
	char *json;
	assert_int_equal(c2d_simca_collateral(&s->ca, SIM_NOW - 3600, flags, &json, &err), C2D_OK);
	assert_int_equal(c2d_collateral_json_parse_dcapqvl(json, strlen(json), "sim", col, &err), C2D_OK);
	free(json);
}

/* Only the TCB Signing certificate, issued by the root itself, signs TCB
 * info and QE identity: a PCK key (on every platform) or a CA key that
 * chains to the root is refused, by the part it signed. */
static void test_collateral_signers(void **state)
{
	(void)state;
	struct sim s;
	struct c2d_collateral col;
	struct c2d_verify_result res;
	struct c2d_err err = { 0 };
	sim_open(&s);

	sim_collateral(&s, 0, &col);
	assert_int_equal(c2d_tdxverify_quote(&s.q, &col, &s.pol, SIM_NOW, &res, &err), C2D_OK);
	assert_true(res.simulated);

	/* A CA key (the Platform CA, issued by the root: a chain of two) that
	 * signs the TCB info. */
	char *pem = NULL;
	size_t pem_len = 0;
	assert_int_equal(c2d_simca_pem(&s.ca.pca_cert, &pem, &pem_len, &err), C2D_OK);
	assert_int_equal(c2d_simca_pem(&s.ca.root_cert, &pem, &pem_len, &err), C2D_OK);
	free(col.tcb_chain);
	col.tcb_chain = pem;
	assert_int_equal(c2d_simca_sign_raw(&s.ca.pca, col.tcb.body, col.tcb.body_len, col.tcb.signature,
					    &err), C2D_OK);
	assert_int_equal(c2d_tdxverify_quote(&s.q, &col, &s.pol, SIM_NOW, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TCB info issuer chain: the signer (c2d simulated PCK Platform CA "
			    "(NOT Intel)) is a CA, not the TCB Signing certificate");
	assert_false(res.signatures_ok);
	c2d_collateral_free(&col);

	static const struct {
		unsigned flag;
		const char *msg;
	} by_pck[] = {
		{ C2D_SIMCA_TCB_INFO_BY_PCK, "TCB info issuer chain: 3 certificates; it must be exactly the "
					     "TCB Signing certificate and the root" },
		{ C2D_SIMCA_QE_IDENTITY_BY_PCK, "QE identity issuer chain: 3 certificates; it must be exactly "
						"the TCB Signing certificate and the root" },
	};
	for (size_t i = 0; i < sizeof(by_pck) / sizeof(by_pck[0]); i++) {
		sim_collateral(&s, by_pck[i].flag, &col);
		assert_int_equal(c2d_tdxverify_quote(&s.q, &col, &s.pol, SIM_NOW, &res, &err), C2D_E_REFUSED);
		assert_string_equal(err.msg, by_pck[i].msg);
		assert_false(res.signatures_ok);
		c2d_collateral_free(&col);
	}
	sim_close(&s);
}

/* The one-shot call and the prepared path on q at now: the same status,
 * result and message; returns the status. */
static int both(const struct c2d_tdx_quote *q, const struct c2d_collateral *col,
		const struct c2d_tdxverify_prepared *p, const struct c2d_verify_policy *pol,
		int64_t now, struct c2d_err *err)
{
	struct c2d_verify_result r1, r2;
	struct c2d_err e1 = { 0 }, e2 = { 0 };
	int s1 = c2d_tdxverify_quote(q, col, pol, now, &r1, &e1);
	int s2 = c2d_tdxverify_quote_prepared(q, p, pol->td, now, &r2, &e2);
	assert_int_equal(s1, s2);
	assert_memory_equal(&r1, &r2, sizeof(r1));
	if (s1 < 0)
		assert_string_equal(e1.msg, e2.msg);
	*err = e2;
	return s2;
}

/* A prepared collateral verifies the real quote as the one-shot call
 * does, with only the quote's own signatures left: the PCK leaf (by c2d
 * and by BearSSL), the QE report and the quote. */
static void test_prepared(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_tdxverify_prepared *p;
	struct c2d_verify_result res;
	struct c2d_err err = { 0 };

	unsigned long before = ecdsa_count;
	assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &err), C2D_OK);
	unsigned long one_shot = ecdsa_count - before;
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	before = ecdsa_count;
	assert_int_equal(both(&fx->q, &fx->col, p, &pol, fx->now, &err), C2D_OK);
	assert_int_equal(ecdsa_count - before - one_shot, 4);
	assert_true(one_shot >= 15);

	/* The policy is the verification's: one prepared collateral serves
	 * policies that refuse. */
	struct c2d_td_policy td = defaults;
	td.accept = C2D_ACCEPT(C2D_TCB_OUT_OF_DATE);
	assert_int_equal(c2d_tdxverify_quote_prepared(&fx->q, p, &td, fx->now, &res, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: TCB status UpToDate is not accepted");
	assert_true(res.signatures_ok);

	/* Without a prepared collateral, as without collateral. */
	assert_int_equal(c2d_tdxverify_quote_prepared(&fx->q, NULL, &defaults, fx->now, &res, &err),
			 C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "no collateral"));
	c2d_tdxverify_prepared_free(p);

	/* A PCK CRL without its issuer chain: the PCK chain is verified in
	 * full, and the CRL with the quote's CA, at every quote. */
	char *chain = fx->col.pck_crl_chain;
	fx->col.pck_crl_chain = NULL;
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	before = ecdsa_count;
	assert_int_equal(c2d_tdxverify_quote_prepared(&fx->q, p, &defaults, fx->now, &res, &err), C2D_OK);
	assert_true(ecdsa_count - before > 4);
	c2d_tdxverify_prepared_free(p);
	fx->col.pck_crl_chain = chain;
}

/* Preparation refuses a broken signature of the collateral by its step;
 * the one-shot call refuses it with the same line. */
static void test_prepare_refusals(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_tdxverify_prepared *p;
	struct c2d_verify_result res;
	struct c2d_err err = { 0 }, one = { 0 };
	/* The last byte of a DER CRL is the end of its signature's s. */
	uint8_t *root_crl_end = fx->col.root_crl + fx->col.root_crl_len - 1;
	uint8_t *pck_crl_end = fx->col.pck_crl + fx->col.pck_crl_len - 1;
	const struct {
		uint8_t *byte;
		const char *msg;
	} cases[] = {
		{ &fx->col.tcb.signature[10],
		  "TCB info: signature does not verify with the TCB signing certificate's key" },
		{ &fx->col.qe.signature[40],
		  "QE identity: signature does not verify with the TCB signing certificate's key" },
		{ root_crl_end, "root CA CRL: CRL: bad signature (by Intel SGX Root CA)" },
		{ pck_crl_end, "PCK CRL: CRL: bad signature (by Intel SGX PCK Platform CA)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		*cases[i].byte ^= 0x01;
		p = (struct c2d_tdxverify_prepared *)&err;
		assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_E_REFUSED);
		assert_null(p);
		assert_string_equal(err.msg, cases[i].msg);
		assert_int_equal(c2d_tdxverify_quote(&fx->q, &fx->col, &pol, fx->now, &res, &one),
				 C2D_E_REFUSED);
		assert_string_equal(one.msg, cases[i].msg);
		*cases[i].byte ^= 0x01;
	}
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	c2d_tdxverify_prepared_free(p);

	/* Another root needs allow_simulated here too. */
	size_t n;
	uint8_t *other = testfile_load("tests/vectors/x509/ca.der", &n);
	pol.root_der = other;
	pol.root_len = n;
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "simulation root needs --allow-simulated"));
	free(other);
}

/* Every window is checked at each verification's time, not only at the
 * preparation's: a collateral prepared while current refuses a quote
 * once its CRLs or its TCB info are stale, as the one-shot call does. */
static void test_prepared_time(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_tdxverify_prepared *p;
	struct c2d_err err = { 0 };
	const struct {
		const char *at, *msg;
	} cases[] = {
		{ "2025-07-01T00:00:00Z", NULL },
		{ "2025-07-19T10:00:34Z", NULL },
		/* The PCK CRL's nextUpdate, the first window to close. */
		{ "2025-07-19T10:00:35Z", "PCK CRL: CRL of Intel SGX PCK Platform CA: stale at 2025-07-19T10:00:35Z "
					  "(nextUpdate 2025-07-19T10:00:35Z)" },
		/* The root CA CRL's, checked before the PCK CRL. */
		{ "2026-04-03T11:21:57Z", "root CA CRL: CRL of Intel SGX Root CA: stale at 2026-04-03T11:21:57Z "
					  "(nextUpdate 2026-04-03T11:21:57Z)" },
		/* Before the QE identity's issueDate. */
		{ "2025-06-19T10:20:00Z", "QE identity: issueDate 2025-06-19T10:32:27Z is after now "
					  "(2025-06-19T10:20:00Z)" },
		/* Long after: the certificates. */
		{ "2060-01-01T00:00:00Z", "PCK chain: pinned root (Intel SGX Root CA): expired at "
					  "2060-01-01T00:00:00Z (notAfter 2049-12-31T23:59:59Z)" },
	};
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t;
		assert_int_equal(c2d_date_rfc3339_parse(cases[i].at, &t, NULL), 0);
		int r = both(&fx->q, &fx->col, p, &pol, t, &err);
		if (cases[i].msg == NULL)
			assert_int_equal(r, C2D_OK);
		else {
			assert_int_equal(r, C2D_E_REFUSED);
			assert_string_equal(err.msg, cases[i].msg);
		}
	}
	c2d_tdxverify_prepared_free(p);

	/* The TCB info's nextUpdate, brought before the CRLs' (the parsed
	 * field: its signature covers the body, which is unchanged). */
	int64_t saved = fx->col.tcb.next_update, t;
	assert_int_equal(c2d_date_rfc3339_parse("2025-07-10T00:00:00Z", &fx->col.tcb.next_update, NULL), 0);
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	t = fx->col.tcb.next_update;
	assert_int_equal(both(&fx->q, &fx->col, p, &pol, t - 1, &err), C2D_OK);
	assert_int_equal(both(&fx->q, &fx->col, p, &pol, t, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TCB info: expired: nextUpdate 2025-07-10T00:00:00Z is not after now "
			    "(2025-07-10T00:00:00Z)");
	c2d_tdxverify_prepared_free(p);
	fx->col.tcb.next_update = saved;
}

/* A copy of the real quote, parsed into *q, to change; the caller frees
 * it. */
static uint8_t *quote_copy(const struct fixture *fx, struct c2d_tdx_quote *q)
{
	uint8_t *copy = malloc(fx->quote_len);
	assert_non_null(copy);
	memcpy(copy, fx->quote, fx->quote_len);
	assert_int_equal(c2d_tdxquote_parse(copy, fx->quote_len, q, NULL), C2D_OK);
	return copy;
}

/* A PCK chain whose CA differs from the prepared one, here by one byte
 * of its signature, is verified in full, and refused. */
static void test_prepared_other_ca(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_tdxverify_prepared *p;
	struct c2d_err err = { 0 };
	struct c2d_tdx_quote q;
	uint8_t *copy = quote_copy(fx, &q);
	/* The second certificate's Base64 ends with its signature: a
	 * character ten before its END line is inside s. */
	char *pem = (char *)copy + (q.pck_chain - copy);   /* NUL-terminated in the real quote */
	const char *end = "-----END CERTIFICATE-----";
	char *second = strstr(strstr(pem, end) + 1, end);
	assert_non_null(second);
	char *c = second - 11;
	assert_true(*c != '\n' && *c != '=');
	*c = *c == 'A' ? 'B' : 'A';
	assert_int_equal(c2d_tdxquote_parse(copy, fx->quote_len, &q, &err), C2D_OK);

	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	assert_int_equal(both(&q, &fx->col, p, &pol, fx->now, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "PCK chain: certificate 2 (Intel SGX PCK Platform CA): bad signature "
			    "(by certificate 3 (Intel SGX Root CA))");
	c2d_tdxverify_prepared_free(p);
	free(copy);

	/* The simulation's quote, its CA not Intel's, against the real
	 * collateral prepared: refused by its chain, as in one shot. */
	struct sim s;
	sim_open(&s);
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	assert_int_equal(both(&s.q, &fx->col, p, &pol, fx->now, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "PCK chain: "));
	c2d_tdxverify_prepared_free(p);
	sim_close(&s);
}

/* One prepared collateral, two threads verifying at once: the same
 * verdicts as alone (ASan watches the sharing). */
struct worker {
	const struct fixture *fx;
	const struct c2d_tdxverify_prepared *p;
	const struct c2d_tdx_quote *bad;
	int ok, refused;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 4; i++) {
		struct c2d_verify_result res;
		struct c2d_err err = { 0 };
		if (c2d_tdxverify_quote_prepared(&w->fx->q, w->p, &defaults, w->fx->now, &res, &err) == C2D_OK &&
		    res.status == C2D_TCB_UP_TO_DATE)
			w->ok++;
		if (c2d_tdxverify_quote_prepared(w->bad, w->p, &defaults, w->fx->now, &res, &err) == C2D_E_REFUSED &&
		    strstr(err.msg, "quote: signature by the attestation key") != NULL)
			w->refused++;
	}
	return NULL;
}

static void test_prepared_threads(void **state)
{
	struct fixture *fx = *state;
	struct c2d_verify_policy pol = { .td = &defaults };
	struct c2d_tdxverify_prepared *p;
	struct c2d_err err = { 0 };
	struct c2d_tdx_quote bad;
	uint8_t *copy = quote_copy(fx, &bad);
	copy[48 + 328] ^= 1;   /* RTMR0: the quote signature fails */
	assert_int_equal(c2d_tdxquote_parse(copy, fx->quote_len, &bad, &err), C2D_OK);
	assert_int_equal(c2d_tdxverify_prepare(&fx->col, &pol, fx->now, &p, &err), C2D_OK);
	struct worker w[2] = { { fx, p, &bad, 0, 0 }, { fx, p, &bad, 0, 0 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].ok, 4);
		assert_int_equal(w[i].refused, 4);
	}
	c2d_tdxverify_prepared_free(p);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_quote),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_collateral_signers),
		cmocka_unit_test(test_prepared),
		cmocka_unit_test(test_prepare_refusals),
		cmocka_unit_test(test_prepared_time),
		cmocka_unit_test(test_prepared_other_ca),
		cmocka_unit_test(test_prepared_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
