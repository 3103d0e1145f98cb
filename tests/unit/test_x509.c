/* Unit tests of DER reading, X.509 chains, the SGX PCK extension and CRLs
 * (host/attest/der.c, x509.c, pckext.c, crl.c) on the PCK chains of two real
 * TDX quotes, Intel's real CRLs (tests/vectors/tdx), and a small CA made
 * with Python's cryptography (tests/vectors/x509/make.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "c2d/crl.h"
#include "c2d/der.h"
#include "c2d/hex.h"
#include "c2d/pckext.h"
#include "c2d/tdxquote.h"
#include "c2d/tdxverify.h"
#include "c2d/x509.h"
#include "testfile.h"

#define DCAP_QUOTE "tests/vectors/tdx/dcapqvl_tdx_quote"
#define GOTDX_QUOTE "tests/vectors/tdx/gotdx_tdx_prod_quote_SPR_E4.dat"

static int64_t at(int y, int m, int d)
{
	return c2d_der_unix_time(y, m, d, 0, 0, 0);
}

/* The PCK chain a quote carries, decoded. */
static void quote_chain(const char *path, struct c2d_pem_chain *chain)
{
	size_t len;
	uint8_t *buf = testfile_load(path, &len);
	struct c2d_tdx_quote q;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, &err), C2D_OK);
	assert_int_equal(c2d_x509_pem_chain_decode((const char *)q.pck_chain, q.pck_chain_len, chain, &err),
			 C2D_OK);
	free(buf);
}

static void pem_file(const char *path, struct c2d_pem_chain *chain)
{
	size_t len;
	uint8_t *buf = testfile_load(path, &len);
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_x509_pem_chain_decode((const char *)buf, len, chain, &err), C2D_OK);
	free(buf);
}

static void parse_nth(const struct c2d_pem_chain *chain, size_t i, struct c2d_x509 *c)
{
	struct c2d_err err = { 0 };
	assert_true(i < chain->n);
	assert_int_equal(c2d_x509_parse(chain->buf + chain->off[i], chain->len[i], c, &err), C2D_OK);
}

static void assert_cn(const struct c2d_x509 *c, const char *want)
{
	char cn[64];
	c2d_x509_cn(c, cn, sizeof(cn));
	assert_string_equal(cn, want);
}

static int verify_intel(const struct c2d_pem_chain *chain, int64_t now, struct c2d_x509 *leaf,
			struct c2d_err *err)
{
	return c2d_x509_chain_verify(chain, c2d_intel_sgx_root_der, c2d_intel_sgx_root_der_len,
				     now, leaf, err);
}

/* --- DER ------------------------------------------------------------------- */

static int der_time(const char *enc, size_t len, int64_t *t, struct c2d_err *err)
{
	struct c2d_der d;
	c2d_der_init(&d, (const uint8_t *)enc, len, "time");
	return c2d_der_time(&d, "t", t, err);
}

static void test_der_time(void **state)
{
	(void)state;
	int64_t t;
	char s[32];
	struct c2d_err err = { 0 };
#define TIME(lit) der_time(lit, sizeof(lit) - 1, &t, &err)
	assert_int_equal(TIME("\x17\x0d" "250701000000Z"), C2D_OK);
	assert_int_equal(t, 1751328000);                    /* date -d 2025-07-01 +%s */
	assert_int_equal(TIME("\x17\x0d" "491231235959Z"), C2D_OK);
	assert_int_equal(t, 2524607999);                    /* YY < 50: 20YY */
	assert_int_equal(TIME("\x17\x0d" "500101000000Z"), C2D_OK);
	assert_int_equal(t, -631152000);                    /* YY >= 50: 19YY */
	assert_int_equal(TIME("\x18\x0f" "20500101000000Z"), C2D_OK);
	assert_int_equal(t, 2524608000);
	assert_int_equal(TIME("\x17\x0d" "240229120000Z"), C2D_OK);
	assert_int_equal(t, 1709208000);                    /* a leap day */
	assert_int_equal(TIME("\x18\x0f" "20490101000000Z"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "RFC 5280 requires UTCTime"));
	assert_int_equal(TIME("\x17\x0d" "230229120000Z"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "time offset 0: t: date or time out of range"));
	assert_int_equal(TIME("\x17\x0b" "2507010000Z"), C2D_E_INPUT);     /* no seconds */
	assert_int_equal(TIME("\x17\x0d" "250701000000+"), C2D_E_INPUT);   /* no Z */
	assert_int_equal(TIME("\x17\x11" "250701000000+0100"), C2D_E_INPUT);
	assert_int_equal(TIME("\x18\x13" "20500101000000.123Z"), C2D_E_INPUT);
	assert_int_equal(TIME("\x17\x0d" "25070100000 Z"), C2D_E_INPUT);
	assert_int_equal(TIME("\x17\x0d" "251301000000Z"), C2D_E_INPUT);
	assert_int_equal(TIME("\x17\x0d" "250701240000Z"), C2D_E_INPUT);
	assert_int_equal(TIME("\x17\x0d" "250701000060Z"), C2D_E_INPUT);
	assert_int_equal(TIME("\x04\x0d" "250701000000Z"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "expected UTCTime or GeneralizedTime, found 0x04"));
#undef TIME
	/* Formatting is the inverse of the conversion, across eras. */
	for (int64_t u = -62135596800LL; u < 253402300800LL; u += 86400LL * 97 + 3607) {
		int y, mo, d, h, mi, se;
		c2d_der_format_time(u, s);
		assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se), 6);
		assert_int_equal(c2d_der_unix_time(y, mo, d, h, mi, se), u);
	}
	c2d_der_format_time(1751328000, s);
	assert_string_equal(s, "2025-07-01T00:00:00Z");
}

static int der_one(const char *enc, size_t len, struct c2d_err *err)
{
	struct c2d_der d;
	struct c2d_der_tlv t;
	c2d_der_init(&d, (const uint8_t *)enc, len, "obj");
	return c2d_der_any(&d, "x", &t, err);
}

static void test_der_lengths(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	struct c2d_der d, in;
	struct c2d_der_tlv t;
#define ONE(lit) der_one(lit, sizeof(lit) - 1, &err)
	assert_int_equal(ONE("\x04\x02" "ab"), C2D_OK);
	assert_int_equal(ONE("\x04\x81\x02" "ab"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "obj offset 0: x: long-form length below 128"));
	assert_int_equal(ONE("\x30\x80\x00\x00"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "indefinite length"));
	assert_int_equal(ONE("\x04\x82\x00\x80"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "leading zero octet"));
	assert_int_equal(ONE("\x04\x85\x01\x00\x00\x00\x00"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "more than four octets"));
	/* The largest lengths: refused without wrapping the bounds check. */
	assert_int_equal(ONE("\x04\x84\xff\xff\xff\xff" "ab"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "length 4294967295 runs past its container (2 bytes left)"));
	assert_int_equal(ONE("\x04\x83\xff\xff"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "length truncated"));
	assert_int_equal(ONE("\x1f\x81\x00\x00"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "multi-byte tag"));
	assert_int_equal(ONE("\x04"), C2D_E_INPUT);
	assert_int_equal(der_one("", 0, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "x: missing"));
#undef ONE
	/* A child longer than its parent, and bytes trailing inside one. */
	static const uint8_t nest[] = { 0x30, 0x03, 0x04, 0x02, 0x61, 0x62 };
	c2d_der_init(&d, nest, sizeof(nest), "obj");
	assert_int_equal(c2d_der_enter(&d, C2D_DER_SEQUENCE, "outer", &in, NULL, &err), C2D_OK);
	assert_int_equal(c2d_der_any(&in, "inner", &t, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "obj offset 2: inner: length 2 runs past its container (1 bytes left)"));
	static const uint8_t trail[] = { 0x30, 0x04, 0x05, 0x00, 0x05, 0x00 };
	c2d_der_init(&d, trail, sizeof(trail), "obj");
	assert_int_equal(c2d_der_enter(&d, C2D_DER_SEQUENCE, "outer", &in, NULL, &err), C2D_OK);
	assert_int_equal(c2d_der_get(&in, C2D_DER_NULL, "null", &t, &err), C2D_OK);
	assert_int_equal(c2d_der_end(&in, "outer", &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "obj offset 4: outer: 2 unexpected trailing bytes"));
	c2d_der_init(&d, trail, sizeof(trail), "obj");
	assert_int_equal(c2d_der_get(&d, C2D_DER_INTEGER, "int", &t, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "int: expected INTEGER (0x02), found 0x30"));
}

static int der_serial(const char *enc, size_t len, const uint8_t **v, size_t *n,
		      struct c2d_err *err)
{
	struct c2d_der d;
	c2d_der_init(&d, (const uint8_t *)enc, len, "int");
	return c2d_der_serial(&d, "serial", v, n, err);
}

static void test_der_values(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	const uint8_t *v;
	size_t n;
	uint32_t u;
	struct c2d_der d;
	struct c2d_der_tlv t;
#define SERIAL(lit) der_serial(lit, sizeof(lit) - 1, &v, &n, &err)
	assert_int_equal(SERIAL("\x02\x02\x00\x80"), C2D_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 0x80);                       /* sign octet stripped */
	assert_int_equal(SERIAL("\x02\x01\x7f"), C2D_OK);
	assert_int_equal(n, 1);
	assert_int_equal(SERIAL("\x02\x02\x00\x7f"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "not minimally encoded"));
	assert_int_equal(SERIAL("\x02\x02\xff\x80"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "not minimally encoded"));
	assert_int_equal(SERIAL("\x02\x00"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "empty integer"));
	assert_int_equal(SERIAL("\x02\x01\x80"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "negative serial"));
	assert_int_equal(SERIAL("\x02\x01\x00"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "serial number zero"));
	assert_int_equal(SERIAL("\x02\x15\x00\x80" "234567890123456789"), C2D_E_INPUT);
	assert_int_equal(SERIAL("\x02\x15" "\x01" "23456789012345678901"), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "longer than 20 octets"));
	assert_int_equal(SERIAL("\x02\x15\x00\x80" "2345678901234567890"), C2D_OK);
	assert_int_equal(n, 20);
#undef SERIAL
	static const uint8_t small[] = { 0x02, 0x02, 0x01, 0x00, 0x0a, 0x01, 0x03 };
	c2d_der_init(&d, small, sizeof(small), "obj");
	assert_int_equal(c2d_der_uint(&d, C2D_DER_INTEGER, "i", 255, &u, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "value above 255"));
	c2d_der_init(&d, small, sizeof(small), "obj");
	assert_int_equal(c2d_der_uint(&d, C2D_DER_INTEGER, "i", 256, &u, &err), C2D_OK);
	assert_int_equal(u, 256);
	assert_int_equal(c2d_der_uint(&d, C2D_DER_ENUMERATED, "e", 2, &u, &err), C2D_E_INPUT);
	static const uint8_t oid_bad[] = { 0x06, 0x02, 0x80, 0x01 };
	c2d_der_init(&d, oid_bad, sizeof(oid_bad), "obj");
	assert_int_equal(c2d_der_oid(&d, "oid", &t, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "subidentifier not minimal"));
	static const uint8_t oid_open[] = { 0x06, 0x02, 0x2a, 0x86 };
	c2d_der_init(&d, oid_open, sizeof(oid_open), "obj");
	assert_int_equal(c2d_der_oid(&d, "oid", &t, &err), C2D_E_INPUT);
	static const uint8_t bool_bad[] = { 0x01, 0x01, 0x01 };
	int b;
	c2d_der_init(&d, bool_bad, sizeof(bool_bad), "obj");
	assert_int_equal(c2d_der_bool(&d, "b", &b, &err), C2D_E_INPUT);
	static const uint8_t bits_bad[] = { 0x03, 0x02, 0x01, 0xfe };
	c2d_der_init(&d, bits_bad, sizeof(bits_bad), "obj");
	assert_int_equal(c2d_der_bits(&d, "bits", &v, &n, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "unused bits"));
}

/* --- the pinned root and PEM ----------------------------------------------- */

static void test_intel_root(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = testfile_load("tests/vectors/tdx/dcapqvl_TrustedRootCA.der", &len);
	assert_int_equal(len, c2d_intel_sgx_root_der_len);
	assert_memory_equal(der, c2d_intel_sgx_root_der, len);
	struct c2d_pem_chain pem;
	pem_file("tests/vectors/tdx/gotdx_trusted_root.pem", &pem);
	assert_int_equal(pem.n, 1);
	assert_int_equal(pem.len[0], len);
	assert_memory_equal(pem.buf + pem.off[0], der, len);
	struct c2d_x509 root;
	parse_nth(&pem, 0, &root);
	assert_cn(&root, "Intel SGX Root CA");
	assert_true(root.is_ca);
	assert_null(root.sgx_ext);
	assert_int_equal(root.issuer_len, root.subject_len);
	assert_memory_equal(root.issuer, root.subject, root.subject_len);
	assert_int_equal(root.not_after, c2d_der_unix_time(2049, 12, 31, 23, 59, 59));
	c2d_x509_pem_chain_free(&pem);
	c2d_x509_pem_chain_free(&pem);               /* safe twice */
	free(der);
}

static void test_pem(void **state)
{
	(void)state;
	size_t len;
	uint8_t *txt = testfile_load("tests/vectors/tdx/gotdx_pck_crl_issuer_chain.pem", &len);
	char *buf = malloc(len + 64);
	struct c2d_pem_chain c;
	struct c2d_err err = { 0 };

	memcpy(buf, txt, len);
	memcpy(buf + len, "\n\0\0 \t\r\n", 7);  /* trailing white space and NULs */
	assert_int_equal(c2d_x509_pem_chain_decode(buf, len + 7, &c, &err), C2D_OK);
	assert_int_equal(c.n, 2);
	c2d_x509_pem_chain_free(&c);
	/* Without the final newline, the last END line still counts. */
	size_t end = len;
	while (buf[end - 1] == '\n')
		end--;
	assert_int_equal(c2d_x509_pem_chain_decode(buf, end, &c, &err), C2D_OK);
	assert_int_equal(c.n, 2);
	c2d_x509_pem_chain_free(&c);
	/* Text before, between or after the objects is refused. */
	memcpy(buf + len, "junk\n", 5);
	assert_int_equal(c2d_x509_pem_chain_decode(buf, len + 5, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "text after the last certificate"));
	assert_null(c.buf);
	char *pre = malloc(len + 8);
	memcpy(pre, "hello\n", 6);
	memcpy(pre + 6, txt, len);
	assert_int_equal(c2d_x509_pem_chain_decode(pre, len + 6, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "PEM chain offset 0: text outside a PEM object"));
	free(pre);
	/* Truncated: no END line, then a damaged Base64 line. */
	const char *nl = memchr(buf + len / 3, '\n', len);   /* at a line's end */
	assert_int_equal(c2d_x509_pem_chain_decode(buf, (size_t)(nl - buf) + 1, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "PEM chain: certificate 1 has no END line"));
	assert_int_equal(c2d_x509_pem_chain_decode(buf, len / 3, &c, &err), C2D_E_INPUT);
	memcpy(buf, txt, len);
	buf[100] = '*';
	assert_int_equal(c2d_x509_pem_chain_decode(buf, len, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "bad Base64"));
	/* The armour must be exact (RFC 7468): BearSSL alone would take a
	 * damaged END label or trailing text on the BEGIN line. */
	memcpy(buf, txt, len);
	char *endl = strstr(buf, "-----END CERTIFICATE-----");
	endl[12] = 'U';
	assert_int_equal(c2d_x509_pem_chain_decode(buf, len, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "END line of certificate 1 is not"));
	memcpy(buf, txt, len);
	buf[26] = 'x';   /* the last dash of "-----BEGIN CERTIFICATE-----" */
	assert_int_equal(c2d_x509_pem_chain_decode(buf, len, &c, &err), C2D_E_INPUT);
	memcpy(buf, txt, len);
	/* Another kind of object. */
	const char *key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	assert_int_equal(c2d_x509_pem_chain_decode(key, strlen(key), &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "a PRIVATE KEY object, only CERTIFICATE"));
	assert_int_equal(c2d_x509_pem_chain_decode("\n\0", 2, &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "no certificate"));
	/* Four certificates are the most. */
	size_t rlen;
	uint8_t *root = testfile_load("tests/vectors/tdx/gotdx_trusted_root.pem", &rlen);
	char *many = malloc(5 * (rlen + 1));
	for (size_t i = 0; i < 5; i++) {   /* the file has no final newline */
		memcpy(many + i * (rlen + 1), root, rlen);
		many[i * (rlen + 1) + rlen] = '\n';
	}
	assert_int_equal(c2d_x509_pem_chain_decode(many, 4 * (rlen + 1), &c, &err), C2D_OK);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.len[3], c2d_intel_sgx_root_der_len);
	c2d_x509_pem_chain_free(&c);
	assert_int_equal(c2d_x509_pem_chain_decode(many, 5 * (rlen + 1), &c, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "more than 4 certificates"));
	free(many);
	free(root);
	struct c2d_pem_chain q;
	quote_chain(DCAP_QUOTE, &q);
	assert_int_equal(q.n, 3);
	c2d_x509_pem_chain_free(&q);
	free(buf);
	free(txt);
}

/* --- chains ---------------------------------------------------------------- */

/* cached_keys: the platform's Configuration entry, as `openssl asn1parse`
 * shows it (dynamicPlatform and SMTEnabled are TRUE in both). */
static void check_quote_chain(const char *path, int64_t now, const char *fmspc, int cached_keys)
{
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf, inter;
	struct c2d_pck_ext ext;
	struct c2d_err err = { 0 };
	uint8_t want[6];

	quote_chain(path, &chain);
	assert_int_equal(chain.n, 3);
	assert_int_equal(verify_intel(&chain, now, &leaf, &err), C2D_OK);
	assert_cn(&leaf, "Intel SGX PCK Certificate");
	assert_false(leaf.is_ca);
	parse_nth(&chain, 1, &inter);
	assert_cn(&inter, "Intel SGX PCK Platform CA");
	assert_true(inter.is_ca);
	assert_non_null(leaf.sgx_ext);
	assert_int_equal(c2d_pck_ext_parse(leaf.sgx_ext, leaf.sgx_ext_len, &ext, &err), C2D_OK);
	assert_int_equal(c2d_hex_decode(fmspc, 12, want, 6, NULL), 0);
	assert_memory_equal(ext.fmspc, want, 6);
	assert_int_equal(ext.pceid[0], 0);
	assert_int_equal(ext.pceid[1], 0);
	assert_int_equal(ext.sgx_type, 1);                  /* Scalable */
	assert_true(ext.has_instance_id);                   /* a platform CA's PCK */
	assert_int_equal(ext.dynamic_platform, 1);
	assert_int_equal(ext.cached_keys, cached_keys);
	assert_int_equal(ext.smt_enabled, 1);

	/* Validity is inclusive at both ends; a second outside fails, naming
	 * the certificate. */
	assert_int_equal(verify_intel(&chain, leaf.not_after, &leaf, &err), C2D_OK);
	assert_int_equal(verify_intel(&chain, leaf.not_before, &leaf, &err), C2D_OK);
	assert_int_equal(verify_intel(&chain, leaf.not_after + 1, &leaf, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 1 (Intel SGX PCK Certificate): expired at"));
	assert_int_equal(verify_intel(&chain, leaf.not_before - 1, &leaf, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 1 (Intel SGX PCK Certificate): not yet valid at"));
	struct c2d_pem_chain upper = chain;   /* intermediate and root */
	upper.off[0] = chain.off[1], upper.len[0] = chain.len[1];
	upper.off[1] = chain.off[2], upper.len[1] = chain.len[2];
	upper.n = 2;
	assert_int_equal(verify_intel(&upper, now, &leaf, &err), C2D_OK);
	assert_int_equal(verify_intel(&upper, inter.not_after + 1, &leaf, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 1 (Intel SGX PCK Platform CA): expired"));

	/* Without the root the chain still ends at it; the leaf alone does
	 * not (its issuer is not the root). */
	struct c2d_pem_chain part = chain;
	part.n = 2;
	assert_int_equal(verify_intel(&part, now, &leaf, &err), C2D_OK);
	part.n = 1;
	assert_int_equal(verify_intel(&part, now, &leaf, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 1 (Intel SGX PCK Certificate): unknown issuer"));
	c2d_x509_pem_chain_free(&chain);
}

static void test_dcapqvl_chain(void **state)
{
	(void)state;
	struct c2d_pck_ext ext;
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf;
	check_quote_chain(DCAP_QUOTE, at(2025, 7, 1), "B0C06F000000", 1);
	/* Values read independently with `openssl asn1parse -strparse`. */
	quote_chain(DCAP_QUOTE, &chain);
	parse_nth(&chain, 0, &leaf);
	assert_int_equal(c2d_pck_ext_parse(leaf.sgx_ext, leaf.sgx_ext_len, &ext, NULL), C2D_OK);
	assert_int_equal(ext.pcesvn, 11);
	static const uint8_t comp[16] = { 3, 3, 2, 2, 4, 1, 0, 5 };
	assert_memory_equal(ext.comp_svn, comp, 16);
	static const uint8_t cpusvn[16] = { 3, 3, 2, 2, 4, 1, 0, 5 };
	assert_memory_equal(ext.cpusvn, cpusvn, 16);
	char hex[33];
	c2d_hex(ext.ppid, 16, hex);
	assert_string_equal(hex, "811dca2a26b952e85bb6448b097ba4fd");
	c2d_x509_pem_chain_free(&chain);
}

static void test_gotdx_chain(void **state)
{
	(void)state;
	check_quote_chain(GOTDX_QUOTE, at(2023, 7, 1), "50806F000000", 0);
}

/* The names the verifier pins match Intel's real certificates exactly,
 * and nothing else: another CN, another attribute, a changed byte, a
 * truncation. */
static void test_pinned_names(void **state)
{
	(void)state;
	const struct c2d_tdxverify_pki *intel = &c2d_tdxverify_intel_pki;
	struct c2d_pem_chain chain;
	struct c2d_x509 c;
	pem_file("tests/vectors/tdx/gotdx_tcb_info_issuer_chain.pem", &chain);
	parse_nth(&chain, 0, &c);
	assert_true(c2d_x509_name_is(c.subject, c.subject_len, &intel->tcb_signing));
	assert_false(c2d_x509_name_is(c.subject, c.subject_len, &intel->platform_ca));
	assert_false(c2d_x509_name_is(c.issuer, c.issuer_len, &intel->tcb_signing));   /* the root */
	uint8_t name[256];
	assert_true(c.subject_len <= sizeof(name));
	for (size_t i = 0; i < c.subject_len; i++) {
		memcpy(name, c.subject, c.subject_len);
		name[i] ^= 0x01;
		assert_false(c2d_x509_name_is(name, c.subject_len, &intel->tcb_signing));
		assert_false(c2d_x509_name_is(c.subject, i, &intel->tcb_signing));
	}
	struct c2d_x509_dn dn = intel->tcb_signing;
	dn.st = "C";
	assert_false(c2d_x509_name_is(c.subject, c.subject_len, &dn));
	c2d_x509_pem_chain_free(&chain);

	/* Both real quotes' PCK certificates come from the Platform CA. */
	quote_chain(DCAP_QUOTE, &chain);
	parse_nth(&chain, 0, &c);
	assert_true(c2d_x509_name_is(c.issuer, c.issuer_len, &intel->platform_ca));
	assert_false(c2d_x509_name_is(c.issuer, c.issuer_len, &intel->processor_ca));
	c2d_x509_pem_chain_free(&chain);
	quote_chain(GOTDX_QUOTE, &chain);
	parse_nth(&chain, 0, &c);
	assert_true(c2d_x509_name_is(c.issuer, c.issuer_len, &intel->platform_ca));
	c2d_x509_pem_chain_free(&chain);
}

/* Every byte of every certificate of the chain matters: a changed byte
 * in the TBS part, the names or the signature fails verification (or
 * parsing), whichever certificate it is in. */
static void test_chain_mutations(void **state)
{
	(void)state;
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf, c;
	struct c2d_err err = { 0 };
	int64_t now = at(2025, 7, 1);

	quote_chain(DCAP_QUOTE, &chain);
	uint8_t *orig = malloc(chain.off[2] + chain.len[2]);
	memcpy(orig, chain.buf, chain.off[2] + chain.len[2]);
	for (size_t i = 0; i < chain.n; i++) {
		uint8_t *der = chain.buf + chain.off[i];
		for (size_t k = 0; k < chain.len[i]; k++) {
			der[k] ^= 0x01;
			assert_int_not_equal(verify_intel(&chain, now, &leaf, NULL), C2D_OK);
			der[k] ^= 0x01;
		}
		/* And with the messages that say which and why. */
		parse_nth(&chain, i, &c);
		size_t tbs_at = (size_t)(c.tbs - der) + c.tbs_len - 70;  /* inside the key */
		size_t issuer_at = (size_t)(c.issuer - der) + 15;         /* inside the CN */
		size_t sig_at = chain.len[i] - 1;                         /* s's last byte */
		der[tbs_at] ^= 0x01;
		assert_int_equal(verify_intel(&chain, now, &leaf, &err), C2D_E_REFUSED);
		if (i < 2) {
			char want[96];
			snprintf(want, sizeof(want), "certificate %zu (", i + 1);
			assert_non_null(strstr(err.msg, want));
			assert_true(strstr(err.msg, "bad signature") != NULL ||
				    strstr(err.msg, "unknown issuer") != NULL);
		} else {
			assert_non_null(strstr(err.msg, "root of the chain is not the pinned root"));
		}
		der[tbs_at] ^= 0x01;
		der[issuer_at] ^= 0x01;
		assert_int_not_equal(verify_intel(&chain, now, &leaf, &err), C2D_OK);
		if (i < 2)
			assert_non_null(strstr(err.msg, "unknown issuer"));
		der[issuer_at] ^= 0x01;
		der[sig_at] ^= 0x01;
		assert_int_equal(verify_intel(&chain, now, &leaf, &err), C2D_E_REFUSED);
		if (i == 0)
			assert_non_null(strstr(err.msg, "certificate 1 (Intel SGX PCK Certificate): bad signature (by certificate 2 (Intel SGX PCK Platform CA))"));
		der[sig_at] ^= 0x01;
	}
	assert_memory_equal(chain.buf, orig, chain.off[2] + chain.len[2]);
	assert_int_equal(verify_intel(&chain, now, &leaf, &err), C2D_OK);
	free(orig);
	c2d_x509_pem_chain_free(&chain);
}

static void test_other_roots(void **state)
{
	(void)state;
	struct c2d_pem_chain chain, ours, badku;
	struct c2d_x509 leaf, inter;
	struct c2d_err err = { 0 };
	size_t ca_len;
	uint8_t *ca = testfile_load("tests/vectors/x509/ca.der", &ca_len);

	/* A chain ending at another self-signed root. */
	pem_file("tests/vectors/x509/chain.pem", &ours);
	assert_int_equal(verify_intel(&ours, at(2025, 1, 15), &leaf, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 2 (c2d test CA): root of the chain is not the pinned root"));
	assert_int_equal(c2d_x509_chain_verify(&ours, ca, ca_len, at(2025, 1, 15), &leaf, &err), C2D_OK);
	assert_cn(&leaf, "c2d test leaf");
	/* Intel's chain against that root, by the same rule. */
	quote_chain(GOTDX_QUOTE, &chain);
	assert_int_equal(c2d_x509_chain_verify(&chain, ca, ca_len, at(2025, 1, 15), &leaf, &err),
			 C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 3 (Intel SGX Root CA): root of the chain is not the pinned root"));
	chain.n = 2;
	assert_int_equal(c2d_x509_chain_verify(&chain, ca, ca_len, at(2025, 1, 15), &leaf, &err),
			 C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "certificate 2 (Intel SGX PCK Platform CA): unknown issuer"));
	chain.n = 3;
	/* A pinned "root" that is not self-signed. */
	parse_nth(&chain, 1, &inter);
	assert_int_equal(c2d_x509_chain_verify(&chain, inter.der, inter.der_len, at(2023, 7, 1), &leaf,
					       &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "pinned root: not a self-signed CA certificate"));
	/* A chain c2d's own checks accept but BearSSL refuses: the
	 * intermediate's keyUsage does not allow certificate signing. The
	 * second engine is not a formality. */
	pem_file("tests/vectors/x509/badku_chain.pem", &badku);
	assert_int_equal(c2d_x509_chain_verify(&badku, ca, ca_len, at(2025, 1, 15), &leaf, &err),
			 C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "BearSSL refuses it: key usage forbids it"));
	c2d_x509_pem_chain_free(&badku);
	c2d_x509_pem_chain_free(&chain);
	c2d_x509_pem_chain_free(&ours);
	free(ca);
}

/* --- CRLs ------------------------------------------------------------------ */

static void test_gotdx_crls(void **state)
{
	(void)state;
	size_t len, rlen;
	uint8_t *der = testfile_load("tests/vectors/tdx/gotdx_pckcrl", &len);
	uint8_t *rder = testfile_load("tests/vectors/tdx/gotdx_rootcrl.der", &rlen);
	struct c2d_crl crl, rcrl;
	struct c2d_pem_chain issuers;
	struct c2d_x509 ca, root;
	struct c2d_err err = { 0 };
	int64_t now = at(2023, 7, 1);

	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_OK);
	assert_true(crl.n_revoked > 10);
	assert_int_equal(crl.this_update, c2d_der_unix_time(2023, 6, 8, 7, 27, 52));
	assert_int_equal(crl.next_update, c2d_der_unix_time(2023, 7, 8, 7, 27, 52));
	pem_file("tests/vectors/tdx/gotdx_pck_crl_issuer_chain.pem", &issuers);
	assert_int_equal(verify_intel(&issuers, now, &ca, &err), C2D_OK);
	assert_cn(&ca, "Intel SGX PCK Platform CA");
	assert_int_equal(c2d_crl_verify(&crl, &ca, now, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&crl, &ca, crl.this_update, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&crl, &ca, crl.next_update - 1, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&crl, &ca, crl.next_update, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "CRL of Intel SGX PCK Platform CA: stale at 2023-07-08T07:27:52Z (nextUpdate 2023-07-08T07:27:52Z)"));
	assert_int_equal(c2d_crl_verify(&crl, &ca, crl.this_update - 1, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "not yet valid"));
	parse_nth(&issuers, 1, &root);
	assert_int_equal(c2d_crl_verify(&crl, &root, now, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "CRL: its issuer is not Intel SGX Root CA"));

	assert_int_equal(c2d_crl_parse(rder, rlen, &rcrl, &err), C2D_OK);
	assert_int_equal(rcrl.n_revoked, 0);
	assert_null(rcrl.revoked);
	assert_int_equal(c2d_crl_verify(&rcrl, &root, now, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&rcrl, &ca, now, &err), C2D_E_REFUSED);
	assert_int_equal(c2d_crl_verify(&rcrl, &root, at(2024, 4, 3), &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "stale"));
	/* A copy whose signature byte changed. */
	der[len - 1] ^= 0x01;
	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&crl, &ca, now, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "CRL: bad signature (by Intel SGX PCK Platform CA)"));
	c2d_x509_pem_chain_free(&issuers);
	free(der);
	free(rder);
}

/* The collateral JSON's hex string under key, decoded. */
static uint8_t *collateral_der(const char *json, const char *key, size_t *len)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *s = strstr(json, pat);
	assert_non_null(s);
	s = strchr(s + strlen(pat), '"');
	assert_non_null(s);
	s++;
	const char *e = strchr(s, '"');
	assert_non_null(e);
	*len = (size_t)(e - s) / 2;
	uint8_t *der = malloc(*len);
	assert_int_equal(c2d_hex_decode(s, (size_t)(e - s), der, *len, NULL), 0);
	return der;
}

static void test_dcapqvl_crls(void **state)
{
	(void)state;
	size_t jlen, plen, rlen;
	uint8_t *json = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote_collateral.json", &jlen);
	json[jlen] = '\0';
	uint8_t *pck = collateral_der((const char *)json, "pck_crl", &plen);
	uint8_t *rootcrl = collateral_der((const char *)json, "root_ca_crl", &rlen);
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf, inter, root;
	struct c2d_crl crl, rcrl;
	struct c2d_err err = { 0 };
	int64_t now = at(2025, 7, 1);

	quote_chain(DCAP_QUOTE, &chain);
	assert_int_equal(verify_intel(&chain, now, &leaf, &err), C2D_OK);
	parse_nth(&chain, 1, &inter);
	parse_nth(&chain, 2, &root);
	assert_int_equal(c2d_crl_parse(pck, plen, &crl, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&crl, &inter, now, &err), C2D_OK);
	assert_int_equal(c2d_crl_revokes(&crl, &leaf), 0);
	assert_int_equal(c2d_crl_parse(rootcrl, rlen, &rcrl, &err), C2D_OK);
	assert_int_equal(c2d_crl_verify(&rcrl, &root, now, &err), C2D_OK);
	assert_int_equal(c2d_crl_revokes(&rcrl, &inter), 0);
	assert_int_equal(c2d_crl_verify(&crl, &inter, at(2025, 8, 1), &err), C2D_E_REFUSED);
	c2d_x509_pem_chain_free(&chain);
	free(pck);
	free(rootcrl);
	free(json);
}

static void test_revokes(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = testfile_load("tests/vectors/tdx/gotdx_pckcrl", &len);
	struct c2d_crl crl;
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf, fake;
	uint8_t serial[21];

	assert_int_equal(c2d_crl_parse(der, len, &crl, NULL), C2D_OK);
	/* The first serial listed, as `openssl crl -text` shows it. */
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(c2d_hex_decode("6FC34E5023E728923435D61AA4B83C618166AD35", 40, serial, 20, NULL), 0);
	fake.serial = serial;
	fake.serial_len = 20;
	assert_int_equal(c2d_crl_revokes(&crl, &fake), 1);
	serial[19] ^= 1;
	assert_int_equal(c2d_crl_revokes(&crl, &fake), 0);
	serial[19] ^= 1;
	fake.serial_len = 19;                   /* a prefix is another number */
	assert_int_equal(c2d_crl_revokes(&crl, &fake), 0);
	/* The one listed with a sign octet in its DER (high bit set). */
	assert_int_equal(c2d_hex_decode("EFAE6E9715FCA13B87E333E8261ED6D990A926AD", 40, serial, 20, NULL), 0);
	fake.serial_len = 20;
	assert_int_equal(c2d_crl_revokes(&crl, &fake), 1);
	/* The real PCK leaf of the same platform CA is not revoked. */
	quote_chain(GOTDX_QUOTE, &chain);
	parse_nth(&chain, 0, &leaf);
	assert_int_equal(c2d_crl_revokes(&crl, &leaf), 0);
	c2d_x509_pem_chain_free(&chain);
	free(der);
}

/* A CRL with a real signature that revokes a certificate we hold. */
static void test_revoked_fixture(void **state)
{
	(void)state;
	size_t clen, crllen, len;
	uint8_t *ca_der = testfile_load("tests/vectors/x509/ca.der", &clen);
	uint8_t *crl_der = testfile_load("tests/vectors/x509/crl.der", &crllen);
	uint8_t *leaf_der = testfile_load("tests/vectors/x509/leaf.der", &len);
	struct c2d_x509 ca, leaf;
	struct c2d_crl crl;
	struct c2d_err err = { 0 };

	assert_int_equal(c2d_x509_parse(ca_der, clen, &ca, &err), C2D_OK);
	assert_int_equal(c2d_x509_parse(leaf_der, len, &leaf, &err), C2D_OK);
	assert_int_equal(leaf.serial_len, 19);   /* 20 in DER: the sign octet went */
	assert_int_equal(c2d_crl_parse(crl_der, crllen, &crl, &err), C2D_OK);
	assert_int_equal(crl.n_revoked, 2);
	assert_int_equal(c2d_crl_verify(&crl, &ca, at(2025, 1, 15), &err), C2D_OK);
	assert_int_equal(c2d_crl_revokes(&crl, &leaf), 1);
	assert_int_equal(c2d_crl_revokes(&crl, &ca), 0);
	assert_int_equal(c2d_crl_verify(&crl, &ca, at(2025, 2, 1), &err), C2D_E_REFUSED);
	assert_int_equal(c2d_crl_verify(&crl, &leaf, at(2025, 1, 15), &err), C2D_E_REFUSED);
	free(ca_der);
	free(crl_der);
	free(leaf_der);
}

/* Refusals of CRL shapes c2d does not accept, built by editing a real
 * CRL's DER (the parse runs before any signature check). */
static void test_crl_shapes(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = testfile_load("tests/vectors/tdx/gotdx_rootcrl.der", &len);
	struct c2d_crl crl;
	struct c2d_err err = { 0 };
	/* Offsets from `openssl asn1parse`: version INTEGER at 7, nextUpdate
	 * UTCTime at 143, crlExtensions [0] at 158. */
	assert_int_equal(der[7], 0x02);
	der[9] = 0;                              /* v1 */
	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "CRL offset 7: version 1, only v2 is accepted"));
	der[9] = 1;
	assert_int_equal(der[143], 0x17);
	der[143] = 0x04;                         /* nextUpdate gone: an OCTET STRING */
	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "CRL offset 143: nextUpdate missing"));
	der[143] = 0x17;
	assert_int_equal(der[158], 0xa0);
	der[158] = 0xa1;
	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "unexpected trailing bytes"));
	der[158] = 0xa0;
	/* thisUpdate after nextUpdate: 23 -> 25 in "230403102251Z". */
	der[128 + 3] = '5';
	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "nextUpdate is not after thisUpdate"));
	der[128 + 3] = '3';
	assert_int_equal(c2d_crl_parse(der, len, &crl, &err), C2D_OK);
	/* Trailing bytes after the CRL. */
	assert_int_equal(c2d_crl_parse(der, len + 1, &crl, &err), C2D_E_INPUT);
	free(der);
}

/* Every truncation and every one-bit change of a CRL and of a
 * certificate: refused, or (when the change leaves the DER valid) caught
 * by the signature; never a crash (ASan and UBSan watch). */
static void test_mutations(void **state)
{
	(void)state;
	size_t len;
	uint8_t *der = testfile_load("tests/vectors/tdx/gotdx_pckcrl", &len);
	struct c2d_crl crl;
	struct c2d_pem_chain issuers, chain;
	struct c2d_x509 ca, leaf, c;
	struct c2d_err err = { 0 };
	int64_t now = at(2023, 7, 1);

	pem_file("tests/vectors/tdx/gotdx_pck_crl_issuer_chain.pem", &issuers);
	parse_nth(&issuers, 0, &ca);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(c2d_crl_parse(der, cut, &crl, NULL), C2D_E_INPUT);
	for (size_t k = 0; k < len; k++) {
		for (int bit = 0; bit < 8; bit += 3) {
			der[k] ^= (uint8_t)(1 << bit);
			if (c2d_crl_parse(der, len, &crl, NULL) == C2D_OK)
				assert_int_equal(c2d_crl_verify(&crl, &ca, now, &err), C2D_E_REFUSED);
			der[k] ^= (uint8_t)(1 << bit);
		}
	}
	assert_int_equal(c2d_crl_parse(der, len, &crl, NULL), C2D_OK);
	assert_int_equal(c2d_crl_verify(&crl, &ca, now, &err), C2D_OK);

	quote_chain(GOTDX_QUOTE, &chain);
	uint8_t *cert = chain.buf + chain.off[0];
	for (size_t cut = 0; cut < chain.len[0]; cut++)
		assert_int_equal(c2d_x509_parse(cert, cut, &c, NULL), C2D_E_INPUT);
	for (size_t k = 0; k < chain.len[0]; k++) {
		for (int bit = 1; bit < 8; bit += 3) {
			cert[k] ^= (uint8_t)(1 << bit);
			if (c2d_x509_parse(cert, chain.len[0], &c, NULL) == C2D_OK)
				assert_int_not_equal(verify_intel(&chain, now, &leaf, NULL), C2D_OK);
			cert[k] ^= (uint8_t)(1 << bit);
		}
	}
	assert_int_equal(verify_intel(&chain, now, &leaf, &err), C2D_OK);
	c2d_x509_pem_chain_free(&chain);
	c2d_x509_pem_chain_free(&issuers);
	free(der);
}

static void test_pck_ext_malformed(void **state)
{
	(void)state;
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf;
	struct c2d_pck_ext ext;
	struct c2d_err err = { 0 };

	quote_chain(DCAP_QUOTE, &chain);
	parse_nth(&chain, 0, &leaf);
	size_t n = leaf.sgx_ext_len;
	uint8_t *e = malloc(n);
	memcpy(e, leaf.sgx_ext, n);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(c2d_pck_ext_parse(e, cut, &ext, NULL), C2D_E_INPUT);
	/* Offsets from `openssl asn1parse -strparse` of the extension: FMSPC
	 * OCTET STRING at 427, SGX type ENUMERATED at 449, the PCESVN OID's
	 * last arc at 358. */
	assert_int_equal(e[428], 6);
	e[428] = 5;
	assert_int_equal(c2d_pck_ext_parse(e, n, &ext, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "SGX extension offset"));
	e[428] = 6;
	assert_int_equal(e[449], 0x0a);
	e[451] = 3;                              /* SGX type 3: unknown */
	assert_int_equal(c2d_pck_ext_parse(e, n, &ext, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "SGX type: value above 2"));
	e[451] = 1;
	assert_int_equal(e[358], 17);
	e[358] = 19;
	assert_int_equal(c2d_pck_ext_parse(e, n, &ext, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "PCESVN: wrong OID"));
	e[358] = 17;
	assert_int_equal(c2d_pck_ext_parse(e, n, &ext, &err), C2D_OK);
	free(e);
	c2d_x509_pem_chain_free(&chain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_time),
		cmocka_unit_test(test_der_lengths),
		cmocka_unit_test(test_der_values),
		cmocka_unit_test(test_intel_root),
		cmocka_unit_test(test_pem),
		cmocka_unit_test(test_dcapqvl_chain),
		cmocka_unit_test(test_gotdx_chain),
		cmocka_unit_test(test_chain_mutations),
		cmocka_unit_test(test_pinned_names),
		cmocka_unit_test(test_other_roots),
		cmocka_unit_test(test_gotdx_crls),
		cmocka_unit_test(test_dcapqvl_crls),
		cmocka_unit_test(test_revokes),
		cmocka_unit_test(test_revoked_fixture),
		cmocka_unit_test(test_crl_shapes),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_pck_ext_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
