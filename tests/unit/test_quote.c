/* Unit tests of TDX quote parsing (guest/runtime/tdx/tdxquote.c) on real quotes from
 * real TDX machines (tests/vectors/tdx, copied from public test data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "c2d/digest.h"
#include "c2d/hex.h"
#include "c2d/p256.h"
#include "c2d/tdxquote.h"
#include "testfile.h"

static void check_common(const struct c2d_tdx_quote *q)
{
	uint8_t vendor[16], digest[32], zero[32] = { 0 };
	assert_int_equal(q->version, 4);
	assert_int_equal(q->att_key_type, 2);
	assert_int_equal(q->tee_type, 0x81);
	assert_int_equal(q->body_type, 2);
	assert_int_equal(q->signed_len, 48 + 584);
	assert_int_equal(c2d_hex_decode("939A7233F79C4CA9940A0DB3957F0607", 32, vendor, 16, NULL), C2D_OK);
	assert_memory_equal(q->qe_vendor_id, vendor, 16);
	assert_null(q->td.mrservicetd);
	/* The QE binds the attestation key: report_data = SHA-256(attestation
	 * key ‖ QE auth data) ‖ 32 zero bytes. */
	uint8_t *bound = malloc(64 + q->qe_auth_len);
	memcpy(bound, q->att_key, 64);
	memcpy(bound + 64, q->qe_auth, q->qe_auth_len);
	c2d_digest_sha256(bound, 64 + q->qe_auth_len, digest);
	free(bound);
	assert_memory_equal(q->qe_report.report_data, digest, 32);
	assert_memory_equal(q->qe_report.report_data + 32, zero, 32);
	assert_true(q->pck_chain_len > 1000);
	assert_memory_equal(q->pck_chain, "-----BEGIN CERTIFICATE-----", 27);
	assert_false(c2d_tdxquote_is_debug(&q->td));

	/* The attestation key signs header ‖ body, and nothing else: one
	 * flipped bit anywhere in the signed bytes breaks the signature. */
	uint8_t pub[C2D_P256_PUB_LEN];
	c2d_p256_pub_from_xy(q->att_key, pub);
	assert_int_equal(c2d_p256_verify_raw(pub, q->signed_data, q->signed_len, q->signature, NULL), C2D_OK);
	uint8_t *copy = malloc(q->signed_len);
	for (size_t i = 0; i < q->signed_len; i += 37) {
		memcpy(copy, q->signed_data, q->signed_len);
		copy[i] ^= 0x01;
		assert_int_equal(c2d_p256_verify_raw(pub, copy, q->signed_len, q->signature, NULL), C2D_E_REFUSED);
	}
	free(copy);
}

static void test_dcapqvl_quote(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote", &len);
	struct c2d_tdx_quote q;
	struct c2d_err err = { 0 };
	assert_int_equal(len, 5006);
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, &err), C2D_OK);
	check_common(&q);
	char hex[97];
	c2d_hex(q.td.mrtd, 8, hex);
	assert_string_equal(hex, "91eb2b44d141d4ec");
	c2d_hex(q.td.td_attributes, 8, hex);
	assert_string_equal(hex, "0000001000000000");   /* SEPT_VE_DISABLE */
	assert_int_equal(q.used, 4936);                  /* the rest is padding */
	free(buf);
}

static void test_gotdx_quote(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = testfile_load("tests/vectors/tdx/gotdx_tdx_prod_quote_SPR_E4.dat", &len);
	struct c2d_tdx_quote q;
	assert_int_equal(len, 4974);
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, NULL), C2D_OK);
	check_common(&q);
	char hex[17];
	c2d_hex(q.td.mrtd, 8, hex);
	assert_string_equal(hex, "6363b8043668a3ad");
	assert_int_equal(q.used, 4974 - 39);             /* 39 trailing bytes ignored */
	free(buf);
}

/* A version 5 quote with a TD 1.5 body, built from the v4 one: the body
 * descriptor goes in, the body grows by TEE_TCB_SVN2 and MRSERVICETD. */
static void test_v5_td15(void **state)
{
	(void)state;
	size_t len;
	uint8_t *v4 = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote", &len);
	uint8_t *v5 = calloc(1, len + 6 + 64);
	memcpy(v5, v4, 48);
	v5[0] = 5;
	v5[48] = 3;                      /* body type: TD 1.5 */
	v5[50] = 648 & 0xff;
	v5[51] = 648 >> 8;               /* body size */
	memcpy(v5 + 54, v4 + 48, 584);
	memset(v5 + 54 + 584, 0xaa, 16); /* TEE_TCB_SVN2 */
	memset(v5 + 54 + 600, 0xbb, 48); /* MRSERVICETD */
	memcpy(v5 + 54 + 648, v4 + 632, len - 632);
	struct c2d_tdx_quote q, q4;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_tdxquote_parse(v5, len + 70, &q, &err), C2D_OK);
	assert_int_equal(c2d_tdxquote_parse(v4, len, &q4, NULL), C2D_OK);
	assert_int_equal(q.version, 5);
	assert_int_equal(q.body_type, 3);
	assert_int_equal(q.signed_len, 54 + 648);
	assert_memory_equal(q.td.mrtd, q4.td.mrtd, 48);
	assert_memory_equal(q.td.rtmr[3], q4.td.rtmr[3], 48);
	assert_memory_equal(q.td.report_data, q4.td.report_data, 64);
	assert_int_equal(q.td.tee_tcb_svn2[0], 0xaa);
	assert_int_equal(q.td.mrservicetd[47], 0xbb);
	assert_memory_equal(q.signature, q4.signature, 64);
	/* A TD 1.0 body in a v5 quote works too; a wrong size does not. */
	v5[50] = 584 & 0xff;
	v5[51] = 584 >> 8;
	assert_int_equal(c2d_tdxquote_parse(v5, len + 70, &q, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "body size 584, a type 3 body is 648"));
	v5[48] = 7;
	assert_int_equal(c2d_tdxquote_parse(v5, len + 70, &q, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "body type 7"));
	free(v4);
	free(v5);
}

static void test_malformed(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote", &len);
	struct c2d_tdx_quote q;
	struct c2d_err err = { 0 };
	/* Every truncation before the end of the signature data fails cleanly. */
	for (size_t cut = 0; cut < 4936; cut++)
		assert_int_equal(c2d_tdxquote_parse(buf, cut, &q, NULL), C2D_E_INPUT);
	buf[4] = 0;                       /* an SGX quote */
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "TEE type 0x0 is not TDX"));
	buf[4] = 0x81;
	buf[632] ^= 0x10;                 /* signature data length */
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, &err), C2D_E_INPUT);
	buf[632] ^= 0x10;
	buf[48 + 120] |= 1;               /* the TD's debug attribute */
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, NULL), C2D_OK);
	assert_true(c2d_tdxquote_is_debug(&q.td));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcapqvl_quote),
		cmocka_unit_test(test_gotdx_quote),
		cmocka_unit_test(test_v5_td15),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
