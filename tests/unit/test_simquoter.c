/* Unit tests of the simulated quoter: the DER writer (host/sim/der_write.c)
 * against hand-checked encodings, the state directory (host/sim/simca.c), and
 * quotes (host/sim/simquote.c) that the real parser reads and whose signatures
 * and QE binding hold. The PKI itself is cross-checked with Python's
 * `cryptography` in tests/host/simquoter.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "c2d/digest.h"
#include "c2d/p256.h"
#include "c2d/tdxquote.h"
#include "der_write.h"
#include "simca.h"
#include "simquote.h"

static void expect_der(struct c2d_derw *d, const char *hex)
{
	size_t n = strlen(hex) / 2;
	uint8_t want[64];
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &want[i]);
	assert_int_equal(c2d_derw_finish(d, "test", NULL), C2D_OK);
	assert_int_equal(d->len, n);
	assert_memory_equal(d->buf, want, n);
	c2d_derw_free(d);
}

static void test_der(void **state)
{
	(void)state;
	struct c2d_derw d;
	c2d_derw_init(&d);
	c2d_derw_oid(&d, "1.2.840.10045.4.3.2");
	expect_der(&d, "06082a8648ce3d040302");
	c2d_derw_oid(&d, "1.2.840.113741.1.13.1.2.17");
	expect_der(&d, "060b2a864886f84d010d010211");
	/* INTEGER: minimal, with a sign byte when the top bit is set. */
	c2d_derw_small(&d, C2D_DERW_INTEGER, 0);
	c2d_derw_small(&d, C2D_DERW_INTEGER, 127);
	c2d_derw_small(&d, C2D_DERW_INTEGER, 128);
	c2d_derw_small(&d, C2D_DERW_INTEGER, 256);
	expect_der(&d, "020100" "02017f" "02020080" "02020100");
	c2d_derw_uint(&d, C2D_DERW_INTEGER, (const uint8_t *)"\x00\x00\x95\x6f", 4);
	expect_der(&d, "020300956f");
	/* Lengths: short form to 127, then 0x81 nn, 0x82 nn nn. */
	static uint8_t zeros[300];
	c2d_derw_tlv(&d, C2D_DERW_OCTET_STRING, zeros, 127);
	assert_int_equal(d.len, 129);
	assert_int_equal(d.buf[1], 0x7f);
	c2d_derw_free(&d);
	c2d_derw_tlv(&d, C2D_DERW_OCTET_STRING, zeros, 128);
	assert_int_equal(d.buf[1], 0x81);
	assert_int_equal(d.buf[2], 0x80);
	c2d_derw_free(&d);
	size_t m = c2d_derw_begin(&d);
	c2d_derw_raw(&d, zeros, 300);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, m);
	assert_int_equal(d.len, 304);
	assert_memory_equal(d.buf, "\x30\x82\x01\x2c", 4);
	c2d_derw_free(&d);
	/* Nested wrappers, BOOLEAN, BIT STRING. */
	m = c2d_derw_begin(&d);
	c2d_derw_bool(&d, 1);
	c2d_derw_bits(&d, "\x06", 1);
	c2d_derw_end(&d, C2D_DERW_CTX(3), m);
	expect_der(&d, "a307" "0101ff" "03020006");
}

static void test_der_time(void **state)
{
	(void)state;
	struct c2d_derw d;
	c2d_derw_init(&d);
	/* RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
	c2d_derw_time(&d, 2524607999);   /* 2049-12-31T23:59:59Z */
	expect_der(&d, "170d3439313233313233353935395a");
	c2d_derw_time(&d, 2524608000);   /* 2050-01-01T00:00:00Z */
	expect_der(&d, "180f32303530303130313030303030305a");
	c2d_derw_time(&d, 0);
	expect_der(&d, "170d3730303130313030303030305a");
	c2d_derw_oid(&d, "1.2.x");
	assert_int_equal(c2d_derw_finish(&d, "test", NULL), C2D_E_INTERNAL);
	c2d_derw_free(&d);
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/c2d-simca.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_state(void **state)
{
	(void)state;
	struct c2d_simca a, b;
	struct c2d_err err = { 0 };
	char st[128], path[192];
	struct stat sb;
	snprintf(st, sizeof(st), "%s/state/sub", dir);
	assert_int_equal(c2d_simca_open(&a, st, &err), C2D_OK);
	assert_int_equal(stat(st, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	static const char *const keys[] = { "root", "pca", "pck", "tcb", "ak" };
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s.key", st, keys[i]);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	/* Reopening loads the same keys and certificates. */
	assert_int_equal(c2d_simca_open(&b, st, &err), C2D_OK);
	assert_memory_equal(a.root.pub, b.root.pub, 65);
	assert_memory_equal(a.ak.sk, b.ak.sk, 32);
	assert_int_equal(a.pck_cert.len, b.pck_cert.len);
	assert_memory_equal(a.pck_cert.der, b.pck_cert.der, a.pck_cert.len);
	assert_memory_equal(a.pck_serial, b.pck_serial, 20);
	/* Close wipes the secrets. */
	static const uint8_t zero[32];
	c2d_simca_close(&b);
	assert_memory_equal(b.root.sk, zero, 32);

	/* A key readable by others is refused. */
	snprintf(path, sizeof(path), "%s/pck.key", st);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(c2d_simca_open(&b, st, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "pck.key: key file is readable or writable by others"));
	assert_int_equal(chmod(path, 0600), 0);
	/* A certificate from another key is refused. */
	char other[192];
	snprintf(path, sizeof(path), "%s/pca.der", st);
	snprintf(other, sizeof(other), "%s/tcb.der", st);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.bak' && cp '%s' '%s'", path, path, other, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(c2d_simca_open(&b, st, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "pca.der: certificate does not match the key beside it"));
	/* Partial state is refused, naming what is missing. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(c2d_simca_open(&b, st, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "partial simulated-quoter state (8 of 9 files; pca missing)"));
	snprintf(cmd, sizeof(cmd), "mv '%s.bak' '%s'", path, path);
	assert_int_equal(system(cmd), 0);
	c2d_simca_close(&a);
}

static void test_quote(void **state)
{
	(void)state;
	struct c2d_simca ca;
	struct c2d_err err = { 0 };
	struct c2d_simregs regs = { 0 };
	uint8_t rd[64], *buf, pub[65], digest[32];
	size_t len;
	char st[128];
	snprintf(st, sizeof(st), "%s/q", dir);
	assert_int_equal(c2d_simca_open(&ca, st, &err), C2D_OK);
	for (size_t i = 0; i < sizeof(regs); i++)
		((uint8_t *)&regs)[i] = (uint8_t)(i * 13 + 1);
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(0xc0 ^ i);
	assert_int_equal(c2d_simquote_build(&ca, &regs, rd, &buf, &len, &err), C2D_OK);

	struct c2d_tdx_quote q;
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, &err), C2D_OK);
	assert_int_equal(q.version, 4);
	assert_int_equal(q.used, len);
	assert_memory_equal(q.td.mrtd, regs.mrtd, 48);
	for (int i = 0; i < 4; i++)
		assert_memory_equal(q.td.rtmr[i], regs.rtmr[i], 48);
	assert_memory_equal(q.td.report_data, rd, 64);
	assert_false(c2d_tdxquote_is_debug(&q.td));
	assert_memory_equal(q.td.tee_tcb_svn, c2d_simca_platform.tee_tcb_svn, 16);

	/* The attestation key signs header ‖ body. */
	c2d_p256_pub_from_xy(q.att_key, pub);
	assert_memory_equal(pub, ca.ak.pub, 65);
	assert_int_equal(c2d_p256_verify_raw(pub, q.signed_data, q.signed_len, q.signature, NULL), C2D_OK);
	buf[48 + 520] ^= 1;   /* report_data */
	assert_int_equal(c2d_p256_verify_raw(pub, q.signed_data, q.signed_len, q.signature, NULL), C2D_E_REFUSED);
	buf[48 + 520] ^= 1;
	/* The PCK key signs the QE report, which binds the attestation key. */
	assert_int_equal(c2d_p256_verify_raw(ca.pck.pub, q.qe_report.raw, 384, q.qe_report_sig, NULL), C2D_OK);
	assert_int_equal(c2d_p256_verify_raw(ca.pca.pub, q.qe_report.raw, 384, q.qe_report_sig, NULL), C2D_E_REFUSED);
	uint8_t bind[64 + C2D_SIM_QE_AUTH_LEN];
	memcpy(bind, q.att_key, 64);
	memcpy(bind + 64, q.qe_auth, q.qe_auth_len);
	assert_int_equal(q.qe_auth_len, C2D_SIM_QE_AUTH_LEN);
	c2d_digest_sha256(bind, sizeof(bind), digest);
	assert_memory_equal(q.qe_report.report_data, digest, 32);
	static const uint8_t zero[32];
	assert_memory_equal(q.qe_report.report_data + 32, zero, 32);
	/* The QE report carries the identity the QE identity publishes. */
	assert_memory_equal(q.qe_report.mrsigner, c2d_simca_platform.qe_mrsigner, 32);
	assert_int_equal(q.qe_report.isvprodid, c2d_simca_platform.qe_isvprodid);
	assert_int_equal(q.qe_report.isvsvn, c2d_simca_platform.qe_isvsvn);
	/* PCK chain: three PEM certificates, NUL-terminated as Intel's QE. */
	assert_int_equal(q.pck_chain[q.pck_chain_len - 1], 0);
	int n = 0;
	for (const char *p = (const char *)q.pck_chain; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	free(buf);

	/* Collateral is well-formed JSON text naming this platform. */
	char *json;
	assert_int_equal(c2d_simca_collateral(&ca, 1750327200, C2D_SIMCA_REVOKE_PCK, &json, &err), C2D_OK);
	assert_non_null(strstr(json, "\"tcb_info_signature\""));
	assert_non_null(strstr(json, "\\\"fmspc\\\":\\\"00C0DE000000\\\""));
	assert_non_null(strstr(json, "\\\"issueDate\\\":\\\"2025-06-19T10:00:00Z\\\""));
	assert_non_null(strstr(json, "\\\"nextUpdate\\\":\\\"2025-07-19T10:00:00Z\\\""));
	free(json);
	c2d_simca_close(&ca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_der_time),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
