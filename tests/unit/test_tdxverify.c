/* Unit tests of quote verification (host/attest/tdxverify.c) on the real
 * dcap-qvl quote and collateral, under ASan and UBSan. The shell test
 * tests/host/verify.sh covers the command line and the one-byte changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_quote),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_collateral_signers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
