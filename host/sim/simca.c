/* The simulated quoter's PKI and collateral: see simca.h. */
#include "simca.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl.h>

#include "c2d/hex.h"
#include "c2d/random.h"
#include "c2d/tdxverify.h"
#include "der_write.h"
#include "fsutil.h"
#include "keyfile.h"

/* Label bytes, zero-padded: readable in any hex dump as simulated. */
const struct c2d_simplatform c2d_simca_platform = {
	.fmspc = { 0x00, 0xc0, 0xde, 0x00, 0x00, 0x00 },
	.pce_id = { 0x00, 0x00 },
	.sgx_svn = { 3, 3, 2, 2, 4, 1, 0, 5 },
	.pcesvn = 11,
	.cpusvn = { 3, 3, 2, 2, 4, 1, 0, 5 },
	.tee_tcb_svn = { 5, 1, 2 },
	.mrseam = "c2d simulated TDX module (NOT Intel)",
	.td_attributes = { 0, 0, 0, 0x10 },
	.xfam = { 0xe7, 0x02, 0x06 },
	.qe_miscselect = 0,
	.qe_attributes = { 0x15, 0, 0, 0, 0, 0, 0, 0, 0xe7 },
	.qe_mrenclave = "c2d simulated TD QE (NOT Intel)",
	.qe_mrsigner = "c2d simulated QE signer",
	.qe_isvprodid = 2,
	.qe_isvsvn = 4,
	.qe_id = "c2d sim QE id",
	.ppid = "c2d sim PPID",
	.platform_instance_id = "c2d sim platform",
};

/* Fixed certificate validity: 2025-01-01T00:00:00Z to 2049-12-31T23:59:59Z. */
#define NOT_BEFORE ((time_t)1735689600)
#define NOT_AFTER ((time_t)2524607999)
#define CRL_DAYS 30

#define OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define OID_SGX "1.2.840.113741.1.13.1"
#define URL_ROOT_CRL "https://sim.c2d.invalid/sgx/certification/v4/rootcacrl"
#define URL_PCK_CRL "https://sim.c2d.invalid/sgx/certification/v4/pckcrl?ca=platform&encoding=der"

static const char *const key_names[5] = { "root", "pca", "pck", "tcb", "ak" };
static const char *const cert_names[4] = { "root", "pca", "pck", "tcb" };

static const char CN_ROOT[] = "c2d simulated TDX root CA (NOT Intel)";
static const char CN_PCK[] = "c2d simulated PCK Certificate (NOT Intel)";
/* The verifier pins these two names (c2d/tdxverify.h). */
#define CN_PCA (c2d_tdxverify_sim_pki.platform_ca.cn)
#define CN_TCB (c2d_tdxverify_sim_pki.tcb_signing.cn)

/* --- keys ------------------------------------------------------------- */

static const uint8_t p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* 1 <= sk < n; BearSSL assumes it and does not check. */
static int scalar_ok(const uint8_t sk[32])
{
	int nonzero = 0, cmp = 0;
	for (int i = 0; i < 32; i++) {
		nonzero |= sk[i];
		if (cmp == 0 && sk[i] != p256_order[i])
			cmp = sk[i] < p256_order[i] ? -1 : 1;
	}
	return nonzero && cmp < 0;
}

static int key_pub(struct c2d_simkey *k)
{
	br_ec_private_key sk = { BR_EC_secp256r1, k->sk, 32 };
	return br_ec_compute_pub(&br_ec_p256_m31, NULL, k->pub, &sk) == 65;
}

static int key_generate(struct c2d_simkey *k, struct c2d_err *err)
{
	uint8_t seed[48];
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	int r = c2d_random(seed, sizeof(seed), err);
	if (r < 0)
		return r;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof(seed));
	size_t n = br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &sk, kbuf, BR_EC_secp256r1);
	if (n == 32)
		memcpy(k->sk, kbuf, 32);
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(&rng, sizeof(rng));
	explicit_bzero(kbuf, sizeof(kbuf));
	if (n != 32 || !key_pub(k))
		return c2d_fail(err, C2D_E_INTERNAL, "P-256 key generation failed");
	return C2D_OK;
}

static int key_write(const char *dir, const char *name, const struct c2d_simkey *k,
		     struct c2d_err *err)
{
	char path[4096], hex[66];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.key", dir, name) >= sizeof(path))
		return c2d_fail(err, C2D_E_USAGE, "%s: state directory path too long", dir);
	c2d_hex(k->sk, 32, hex);
	hex[64] = '\n';
	int r = c2d_fs_write_atomic(path, hex, 65, 0600, err);
	explicit_bzero(hex, sizeof(hex));
	return r;
}

static int key_read(const char *path, struct c2d_simkey *k, struct c2d_err *err)
{
	int r = c2d_key_secret_hex_read(path, k->sk, 32, err);
	if (r < 0)
		return r;
	if (!scalar_ok(k->sk) || !key_pub(k)) {
		explicit_bzero(k->sk, 32);
		return c2d_fail(err, C2D_E_INPUT, "%s: not a valid P-256 secret key (zero or above the group order)",
				path);
	}
	return C2D_OK;
}

typedef size_t (*sign_fn)(const br_ec_impl *, const br_hash_class *, const void *,
			  const br_ec_private_key *, void *);

/* ECDSA over SHA-256(msg); BearSSL's nonces are deterministic (RFC 6979). */
static size_t sign(const struct c2d_simkey *k, const void *msg, size_t len, void *sig, sign_fn fn)
{
	uint8_t hash[32];
	br_sha256_context h;
	/* BearSSL takes a non-const key; the scalar is only read. */
	br_ec_private_key sk = { BR_EC_secp256r1, (unsigned char *)(uintptr_t)k->sk, 32 };
	br_sha256_init(&h);
	br_sha256_update(&h, msg, len);
	br_sha256_out(&h, hash);
	return fn(&br_ec_p256_m31, &br_sha256_vtable, hash, &sk, sig);
}

static int sign_asn1(const struct c2d_simkey *k, const void *msg, size_t len, uint8_t sig[72],
		     size_t *sig_len, struct c2d_err *err)
{
	*sig_len = sign(k, msg, len, sig, br_ecdsa_i31_sign_asn1);
	return *sig_len == 0 ? c2d_fail(err, C2D_E_INTERNAL, "ECDSA P-256 signing failed") : C2D_OK;
}

c2d_status c2d_simca_sign_raw(const struct c2d_simkey *k, const void *msg, size_t len,
			      uint8_t sig[64], struct c2d_err *err)
{
	if (sign(k, msg, len, sig, br_ecdsa_i31_sign_raw) != 64)
		return c2d_fail(err, C2D_E_INTERNAL, "ECDSA P-256 signing failed");
	return C2D_OK;
}

/* --- certificates ------------------------------------------------------ */

/* Key identifier (and, as Intel does for its CAs, serial number): the
 * first 20 bytes of SHA-256 of the public point, top bit cleared so the
 * INTEGER stays 20 bytes and positive. */
static void key_id(const struct c2d_simkey *k, uint8_t id[20])
{
	uint8_t h[32];
	br_sha256_context c;
	br_sha256_init(&c);
	br_sha256_update(&c, k->pub, 65);
	br_sha256_out(&c, h);
	memcpy(id, h, 20);
	id[0] = (uint8_t)((id[0] & 0x7f) | 0x40);
}

static void rdn(struct c2d_derw *d, const char *oid, uint8_t tag, const char *v)
{
	size_t set = c2d_derw_begin(d), seq = c2d_derw_begin(d);
	c2d_derw_oid(d, oid);
	c2d_derw_tlv(d, tag, v, strlen(v));
	c2d_derw_end(d, C2D_DERW_SEQUENCE, seq);
	c2d_derw_end(d, C2D_DERW_SET, set);
}

/* Intel's names are CN, O, L, ST, C; these keep the shape, not the claim. */
static void name(struct c2d_derw *d, const char *cn)
{
	const struct c2d_x509_dn *dn = &c2d_tdxverify_sim_pki.tcb_signing;
	size_t m = c2d_derw_begin(d);
	rdn(d, "2.5.4.3", C2D_DERW_UTF8, cn);
	rdn(d, "2.5.4.10", C2D_DERW_UTF8, dn->o);
	rdn(d, "2.5.4.7", C2D_DERW_UTF8, dn->l);
	rdn(d, "2.5.4.8", C2D_DERW_UTF8, dn->st);
	rdn(d, "2.5.4.6", C2D_DERW_PRINTABLE, dn->c);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
}

static void alg_ecdsa_sha256(struct c2d_derw *d)
{
	size_t m = c2d_derw_begin(d);
	c2d_derw_oid(d, OID_ECDSA_SHA256);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
}

/* Extension header: SEQUENCE { oid, [critical], OCTET STRING { ... } };
 * returns the marks for ext_end. */
static void ext_begin(struct c2d_derw *d, const char *oid, int critical, size_t mark[2])
{
	mark[0] = c2d_derw_begin(d);
	c2d_derw_oid(d, oid);
	if (critical)
		c2d_derw_bool(d, 1);
	mark[1] = c2d_derw_begin(d);
}

static void ext_end(struct c2d_derw *d, const size_t mark[2])
{
	c2d_derw_end(d, C2D_DERW_OCTET_STRING, mark[1]);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, mark[0]);
}

static void ext_aki(struct c2d_derw *d, const uint8_t id[20])
{
	size_t e[2], m;
	ext_begin(d, "2.5.29.35", 0, e);
	m = c2d_derw_begin(d);
	c2d_derw_tlv(d, C2D_DERW_CTX_PRIM(0), id, 20);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	ext_end(d, e);
}

static void ext_crl_dp(struct c2d_derw *d, const char *url)
{
	size_t e[2], m[3];
	ext_begin(d, "2.5.29.31", 0, e);
	m[0] = c2d_derw_begin(d);                        /* CRLDistributionPoints */
	m[1] = c2d_derw_begin(d);                        /* DistributionPoint */
	m[2] = c2d_derw_begin(d);                        /* [0] distributionPoint */
	size_t full = c2d_derw_begin(d);                 /* [0] fullName */
	c2d_derw_tlv(d, C2D_DERW_CTX_PRIM(6), url, strlen(url));
	c2d_derw_end(d, C2D_DERW_CTX(0), full);
	c2d_derw_end(d, C2D_DERW_CTX(0), m[2]);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m[1]);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m[0]);
	ext_end(d, e);
}

static void ext_ski(struct c2d_derw *d, const uint8_t id[20])
{
	size_t e[2];
	ext_begin(d, "2.5.29.14", 0, e);
	c2d_derw_tlv(d, C2D_DERW_OCTET_STRING, id, 20);
	ext_end(d, e);
}

/* keyUsage (critical): CAs keyCertSign + cRLSign, leaves digitalSignature
 * + nonRepudiation, as Intel's. */
static void ext_key_usage(struct c2d_derw *d, int ca)
{
	size_t e[2];
	ext_begin(d, "2.5.29.15", 1, e);
	c2d_derw_raw(d, ca ? "\x03\x02\x01\x06" : "\x03\x02\x06\xc0", 4);
	ext_end(d, e);
}

/* basicConstraints (critical); pathlen < 0: not a CA. */
static void ext_basic(struct c2d_derw *d, int pathlen)
{
	size_t e[2], m;
	ext_begin(d, "2.5.29.19", 1, e);
	m = c2d_derw_begin(d);
	if (pathlen >= 0) {
		c2d_derw_bool(d, 1);
		c2d_derw_small(d, C2D_DERW_INTEGER, (uint64_t)pathlen);
	}
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	ext_end(d, e);
}

/* SEQUENCE { OID OID_SGX.sub, value } where value is written by the caller
 * between sgx_item_begin and c2d_derw_end. */
static size_t sgx_item_begin(struct c2d_derw *d, const char *sub)
{
	char oid[64];
	size_t m = c2d_derw_begin(d);
	snprintf(oid, sizeof(oid), "%s.%s", OID_SGX, sub);
	c2d_derw_oid(d, oid);
	return m;
}

/* Intel's SGX extension (PCK certificate profile): PPID, TCB (component
 * SVNs 1..16, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type (1: scalable, as on
 * TDX platforms), platform instance id and configuration. */
static void ext_sgx(struct c2d_derw *d)
{
	const struct c2d_simplatform *p = &c2d_simca_platform;
	size_t e[2], m, tcb, comps;
	char sub[16];
	ext_begin(d, OID_SGX, 0, e);
	size_t all = c2d_derw_begin(d);
	m = sgx_item_begin(d, "1");
	c2d_derw_tlv(d, C2D_DERW_OCTET_STRING, p->ppid, 16);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);

	tcb = sgx_item_begin(d, "2");
	comps = c2d_derw_begin(d);
	for (int i = 0; i < 16; i++) {
		snprintf(sub, sizeof(sub), "2.%d", i + 1);
		m = sgx_item_begin(d, sub);
		c2d_derw_small(d, C2D_DERW_INTEGER, p->sgx_svn[i]);
		c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	}
	m = sgx_item_begin(d, "2.17");
	c2d_derw_small(d, C2D_DERW_INTEGER, p->pcesvn);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	m = sgx_item_begin(d, "2.18");
	c2d_derw_tlv(d, C2D_DERW_OCTET_STRING, p->cpusvn, 16);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, comps);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, tcb);

	m = sgx_item_begin(d, "3");
	c2d_derw_tlv(d, C2D_DERW_OCTET_STRING, p->pce_id, 2);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	m = sgx_item_begin(d, "4");
	c2d_derw_tlv(d, C2D_DERW_OCTET_STRING, p->fmspc, 6);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	m = sgx_item_begin(d, "5");
	c2d_derw_small(d, C2D_DERW_ENUMERATED, 1);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	m = sgx_item_begin(d, "6");
	c2d_derw_tlv(d, C2D_DERW_OCTET_STRING, p->platform_instance_id, 16);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	size_t conf = sgx_item_begin(d, "7"), flags = c2d_derw_begin(d);
	for (int i = 1; i <= 3; i++) {   /* dynamicPlatform, cachedKeys, SMTEnabled */
		snprintf(sub, sizeof(sub), "7.%d", i);
		m = sgx_item_begin(d, sub);
		c2d_derw_bool(d, 1);
		c2d_derw_end(d, C2D_DERW_SEQUENCE, m);
	}
	c2d_derw_end(d, C2D_DERW_SEQUENCE, flags);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, conf);
	c2d_derw_end(d, C2D_DERW_SEQUENCE, all);
	ext_end(d, e);
}

/* Wraps the TBS written in d as SEQUENCE { tbs, algorithm, signature }
 * and hands the buffer to out; d is released either way. */
static int sign_tbs(struct c2d_derw *d, const struct c2d_simkey *issuer, const char *what,
		    struct c2d_simcert *out, struct c2d_err *err)
{
	uint8_t sig[72];
	size_t sig_len;
	int r = c2d_derw_finish(d, what, err);
	if (r == C2D_OK && (r = sign_asn1(issuer, d->buf, d->len, sig, &sig_len, err)) == C2D_OK) {
		alg_ecdsa_sha256(d);
		c2d_derw_bits(d, sig, sig_len);
		c2d_derw_end(d, C2D_DERW_SEQUENCE, 0);
		r = c2d_derw_finish(d, what, err);
	}
	if (r < 0) {
		c2d_derw_free(d);
		return r;
	}
	out->der = d->buf;
	out->len = d->len;
	return C2D_OK;
}

enum cert_kind { ROOT, PLATFORM_CA, PCK, TCB_SIGNING };

static int make_cert(enum cert_kind kind, const struct c2d_simkey *subject,
		     const struct c2d_simkey *issuer, struct c2d_simcert *out, struct c2d_err *err)
{
	const char *const cns[] = { CN_ROOT, CN_PCA, CN_PCK, CN_TCB };
	uint8_t sid[20], iid[20];
	struct c2d_derw d;
	key_id(subject, sid);
	key_id(issuer, iid);
	c2d_derw_init(&d);
	size_t tbs = c2d_derw_begin(&d), m = c2d_derw_begin(&d);
	c2d_derw_small(&d, C2D_DERW_INTEGER, 2);     /* v3 */
	c2d_derw_end(&d, C2D_DERW_CTX(0), m);
	c2d_derw_uint(&d, C2D_DERW_INTEGER, sid, 20);
	alg_ecdsa_sha256(&d);
	name(&d, kind == PCK ? CN_PCA : CN_ROOT);
	m = c2d_derw_begin(&d);
	c2d_derw_time(&d, NOT_BEFORE);
	c2d_derw_time(&d, NOT_AFTER);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, m);
	name(&d, cns[kind]);
	m = c2d_derw_begin(&d);                      /* SubjectPublicKeyInfo */
	size_t alg = c2d_derw_begin(&d);
	c2d_derw_oid(&d, "1.2.840.10045.2.1");
	c2d_derw_oid(&d, "1.2.840.10045.3.1.7");
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, alg);
	c2d_derw_bits(&d, subject->pub, 65);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, m);
	size_t exts = c2d_derw_begin(&d), seq = c2d_derw_begin(&d);
	ext_aki(&d, iid);
	ext_crl_dp(&d, kind == PCK ? URL_PCK_CRL : URL_ROOT_CRL);
	ext_ski(&d, sid);
	ext_key_usage(&d, kind == ROOT || kind == PLATFORM_CA);
	ext_basic(&d, kind == ROOT ? 1 : kind == PLATFORM_CA ? 0 : -1);
	if (kind == PCK)
		ext_sgx(&d);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, seq);
	c2d_derw_end(&d, C2D_DERW_CTX(3), exts);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, tbs);
	return sign_tbs(&d, issuer, cns[kind], out, err);
}

/* A v2 CRL signed by issuer, optionally revoking one serial. */
static int make_crl(const char *issuer_cn, const struct c2d_simkey *issuer, time_t now,
		    const uint8_t *revoked, struct c2d_simcert *out, struct c2d_err *err)
{
	uint8_t iid[20];
	struct c2d_derw d;
	key_id(issuer, iid);
	c2d_derw_init(&d);
	size_t tbs = c2d_derw_begin(&d);
	c2d_derw_small(&d, C2D_DERW_INTEGER, 1);     /* v2 */
	alg_ecdsa_sha256(&d);
	name(&d, issuer_cn);
	c2d_derw_time(&d, now);
	c2d_derw_time(&d, now + (time_t)CRL_DAYS * 86400);
	if (revoked != NULL) {
		size_t list = c2d_derw_begin(&d), entry = c2d_derw_begin(&d);
		c2d_derw_uint(&d, C2D_DERW_INTEGER, revoked, 20);
		c2d_derw_time(&d, now);
		size_t exts = c2d_derw_begin(&d), ext = c2d_derw_begin(&d);
		c2d_derw_oid(&d, "2.5.29.21");       /* reasonCode: keyCompromise */
		c2d_derw_raw(&d, "\x04\x03\x0a\x01\x01", 5);
		c2d_derw_end(&d, C2D_DERW_SEQUENCE, ext);
		c2d_derw_end(&d, C2D_DERW_SEQUENCE, exts);
		c2d_derw_end(&d, C2D_DERW_SEQUENCE, entry);
		c2d_derw_end(&d, C2D_DERW_SEQUENCE, list);
	}
	size_t exts = c2d_derw_begin(&d), seq = c2d_derw_begin(&d), ext = c2d_derw_begin(&d);
	c2d_derw_oid(&d, "2.5.29.20");               /* cRLNumber 1 */
	c2d_derw_raw(&d, "\x04\x03\x02\x01\x01", 5);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, ext);
	ext_aki(&d, iid);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, seq);
	c2d_derw_end(&d, C2D_DERW_CTX(0), exts);
	c2d_derw_end(&d, C2D_DERW_SEQUENCE, tbs);
	return sign_tbs(&d, issuer, "CRL", out, err);
}

/* --- state directory ---------------------------------------------------- */

static struct c2d_simkey *key_at(struct c2d_simca *ca, int i)
{
	struct c2d_simkey *k[5] = { &ca->root, &ca->pca, &ca->pck, &ca->tcb, &ca->ak };
	return k[i];
}

static struct c2d_simcert *cert_at(struct c2d_simca *ca, int i)
{
	struct c2d_simcert *c[4] = { &ca->root_cert, &ca->pca_cert, &ca->pck_cert, &ca->tcb_cert };
	return c[i];
}

void c2d_simca_close(struct c2d_simca *ca)
{
	for (int i = 0; i < 4; i++)
		free(cert_at(ca, i)->der);
	explicit_bzero(ca, sizeof(*ca));
}

/* The certificate's public key must be the key's: a state directory with
 * files from two different runs is refused. */
static int cert_matches(const char *path, const struct c2d_simcert *c, const struct c2d_simkey *k,
			struct c2d_err *err)
{
	br_x509_decoder_context x;
	br_x509_decoder_init(&x, NULL, NULL);
	br_x509_decoder_push(&x, c->der, c->len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&x);
	if (pk == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s: not an X.509 certificate (BearSSL error %d)", path,
				br_x509_decoder_last_error(&x));
	if (pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != BR_EC_secp256r1 ||
	    pk->key.ec.qlen != 65 || memcmp(pk->key.ec.q, k->pub, 65) != 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: certificate does not match the key beside it", path);
	return C2D_OK;
}

static int load(struct c2d_simca *ca, const char *dir, struct c2d_err *err)
{
	char path[4096];
	int r;
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, key_names[i]);
		if ((r = key_read(path, key_at(ca, i), err)) < 0)
			return r;
	}
	for (int i = 0; i < 4; i++) {
		struct c2d_simcert *c = cert_at(ca, i);
		snprintf(path, sizeof(path), "%s/%s.der", dir, cert_names[i]);
		if ((r = c2d_fs_read_file(path, 1u << 16, &c->der, &c->len, err)) < 0 ||
		    (r = cert_matches(path, c, key_at(ca, i), err)) < 0)
			return r;
	}
	return C2D_OK;
}

static int create(struct c2d_simca *ca, const char *dir, struct c2d_err *err)
{
	char path[4096];
	int r;
	for (int i = 0; i < 5; i++)
		if ((r = key_generate(key_at(ca, i), err)) < 0)
			return r;
	if ((r = make_cert(ROOT, &ca->root, &ca->root, &ca->root_cert, err)) < 0 ||
	    (r = make_cert(PLATFORM_CA, &ca->pca, &ca->root, &ca->pca_cert, err)) < 0 ||
	    (r = make_cert(PCK, &ca->pck, &ca->pca, &ca->pck_cert, err)) < 0 ||
	    (r = make_cert(TCB_SIGNING, &ca->tcb, &ca->root, &ca->tcb_cert, err)) < 0)
		return r;
	/* Keys first, certificates last: an interrupted creation leaves a
	 * partial state, which c2d_simca_open refuses rather than guesses. */
	for (int i = 0; i < 5; i++)
		if ((r = key_write(dir, key_names[i], key_at(ca, i), err)) < 0)
			return r;
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.der", dir, cert_names[i]);
		const struct c2d_simcert *c = cert_at(ca, i);
		if ((r = c2d_fs_write_atomic(path, c->der, c->len, 0644, err)) < 0)
			return r;
	}
	return C2D_OK;
}

/* mkdir -p, the last component 0700. */
static int make_dirs(const char *dir, struct c2d_err *err)
{
	char p[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(p))
		return c2d_fail(err, C2D_E_USAGE, "state directory path empty or too long");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return c2d_fail_errno(err, C2D_E_IO, "%s: cannot create directory", p);
		p[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return c2d_fail(err, C2D_E_IO, "%s: not a directory", dir);
	return C2D_OK;
}

c2d_status c2d_simca_open(struct c2d_simca *ca, const char *dir, struct c2d_err *err)
{
	char path[4096];
	memset(ca, 0, sizeof(*ca));
	int r = make_dirs(dir, err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s/lock", dir) >= sizeof(path) - 16)
		return c2d_fail(err, C2D_E_USAGE, "%s: state directory path too long", dir);
	/* Two quoters starting at once must not both create keys. */
	int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", path);
	while (flock(lock, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot lock", path);
			close(lock);
			return r;
		}
	}
	int present = 0;
	const char *missing = NULL;
	for (int i = 0; i < 9; i++) {
		const char *nm = i < 5 ? key_names[i] : cert_names[i - 5];
		snprintf(path, sizeof(path), "%s/%s.%s", dir, nm, i < 5 ? "key" : "der");
		if (access(path, F_OK) == 0)
			present++;
		else if (missing == NULL)
			missing = i < 5 ? key_names[i] : cert_names[i - 5];
	}
	if (present == 0)
		r = create(ca, dir, err);
	else if (present == 9)
		r = load(ca, dir, err);
	else
		r = c2d_fail(err, C2D_E_INPUT,
			     "%s: partial simulated-quoter state (%d of 9 files; %s missing); remove the directory to start over",
			     dir, present, missing);
	close(lock);
	if (r < 0)
		c2d_simca_close(ca);
	else
		key_id(&ca->pck, ca->pck_serial);
	return r;
}

/* --- collateral ----------------------------------------------------------- */

c2d_status c2d_simca_pem(const struct c2d_simcert *cert, char **pem, size_t *len, struct c2d_err *err)
{
	size_t old = *pem ? *len : 0;
	size_t n = br_pem_encode(NULL, cert->der, cert->len, "CERTIFICATE", BR_PEM_LINE64);
	char *p = realloc(*pem, old + n + 1);
	if (p == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	br_pem_encode(p + old, cert->der, cert->len, "CERTIFICATE", BR_PEM_LINE64);
	*pem = p;
	*len = old + n;
	return C2D_OK;
}

static void upper_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static json_t *hexu(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	upper_hex(p, n, buf);
	return json_string(buf);
}

static json_t *date(time_t t)
{
	struct tm tm;
	char buf[32];
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return json_string(buf);
}

static json_t *svn_list(const uint8_t svn[16])
{
	json_t *a = json_array();
	for (int i = 0; i < 16; i++)
		json_array_append_new(a, json_pack("{s:i}", "svn", svn[i]));
	return a;
}

/* TCB info v3 for TDX, fields in Intel's order: one UpToDate level that
 * is exactly the simulated platform's, and the TDX module identity its
 * TEE_TCB_SVN names (TDX_<major version>). */
static json_t *tcb_info(time_t now)
{
	const struct c2d_simplatform *p = &c2d_simca_platform;
	static const uint8_t zero48[48];
	static const uint8_t zero8[8], ones8[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char module_id[16];
	snprintf(module_id, sizeof(module_id), "TDX_%02X", p->tee_tcb_svn[1]);
	json_t *module_level = json_pack("[{s:{s:i}, s:s, s:s}]", "tcb", "isvsvn", p->tee_tcb_svn[0],
					 "tcbDate", "2025-01-01T00:00:00Z", "tcbStatus", "UpToDate");
	return json_pack(
		"{s:s, s:i, s:o?, s:o?, s:o, s:o, s:i, s:i,"
		" s:{s:o, s:o, s:o},"
		" s:[{s:s, s:o, s:o, s:o, s:o}],"
		" s:[{s:{s:o, s:i, s:o}, s:s, s:s}]}",
		"id", "TDX", "version", 3, "issueDate", date(now),
		"nextUpdate", date(now + (time_t)CRL_DAYS * 86400), "fmspc", hexu(p->fmspc, 6),
		"pceId", hexu(p->pce_id, 2), "tcbType", 0,
		"tcbEvaluationDataNumber", (int)C2D_TDPOLICY_MIN_TCB_EVAL,
		"tdxModule", "mrsigner", hexu(zero48, 48), "attributes", hexu(zero8, 8),
		"attributesMask", hexu(ones8, 8),
		"tdxModuleIdentities", "id", module_id, "mrsigner", hexu(zero48, 48),
		"attributes", hexu(zero8, 8), "attributesMask", hexu(ones8, 8), "tcbLevels", module_level,
		"tcbLevels", "tcb", "sgxtcbcomponents", svn_list(p->sgx_svn), "pcesvn", p->pcesvn,
		"tdxtcbcomponents", svn_list(p->tee_tcb_svn), "tcbDate", "2025-01-01T00:00:00Z",
		"tcbStatus", "UpToDate");
}

/* QE identity v2 of the simulated TD quoting enclave. */
static json_t *qe_identity(time_t now)
{
	const struct c2d_simplatform *p = &c2d_simca_platform;
	uint8_t misc[4] = { (uint8_t)(p->qe_miscselect >> 24), (uint8_t)(p->qe_miscselect >> 16),
			    (uint8_t)(p->qe_miscselect >> 8), (uint8_t)p->qe_miscselect };
	static const uint8_t misc_mask[4] = { 0xff, 0xff, 0xff, 0xff };
	/* Intel's mask: every attribute bit of the first 8 bytes but
	 * PROVISIONKEY (bit 2, which the QE may or may not hold). */
	static const uint8_t attr_mask[16] = { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t attr[16];
	for (int i = 0; i < 16; i++)
		attr[i] = p->qe_attributes[i] & attr_mask[i];
	return json_pack("{s:s, s:i, s:o?, s:o?, s:i, s:o, s:o, s:o, s:o, s:o, s:i,"
			 " s:[{s:{s:i}, s:s, s:s}]}",
			 "id", "TD_QE", "version", 2, "issueDate", date(now),
			 "nextUpdate", date(now + (time_t)CRL_DAYS * 86400),
			 "tcbEvaluationDataNumber", (int)C2D_TDPOLICY_MIN_TCB_EVAL,
			 "miscselect", hexu(misc, 4), "miscselectMask", hexu(misc_mask, 4),
			 "attributes", hexu(attr, 16), "attributesMask", hexu(attr_mask, 16),
			 "mrsigner", hexu(p->qe_mrsigner, 32), "isvprodid", p->qe_isvprodid,
			 "tcbLevels", "tcb", "isvsvn", p->qe_isvsvn, "tcbDate", "2025-01-01T00:00:00Z",
			 "tcbStatus", "UpToDate");
}

/* Serialises body compactly (these exact bytes are what is signed) and
 * sets NAME and NAME_signature in out. */
static int signed_json(json_t *out, const char *key, json_t *body, const struct c2d_simkey *k,
		       struct c2d_err *err)
{
	if (body == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory building %s", key);
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (text == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory building %s", key);
	uint8_t sig[64];
	char hex[129], sig_key[64];
	int r = c2d_simca_sign_raw(k, text, strlen(text), sig, err);
	if (r == C2D_OK) {
		c2d_hex(sig, 64, hex);
		snprintf(sig_key, sizeof(sig_key), "%s_signature", key);
		json_object_set_new(out, key, json_string(text));
		json_object_set_new(out, sig_key, json_string(hex));
	}
	free(text);
	return r;
}

static int set_hex(json_t *out, const char *key, const struct c2d_simcert *c, struct c2d_err *err)
{
	char *hex = malloc(2 * c->len + 1);
	if (hex == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	c2d_hex(c->der, c->len, hex);
	json_object_set_new(out, key, json_string(hex));
	free(hex);
	return C2D_OK;
}

/* PEM of a chain, issuer-side order (signer first, root last). */
static int set_chain(json_t *out, const char *key, const struct c2d_simcert *const *certs, size_t n,
		     struct c2d_err *err)
{
	char *pem = NULL;
	size_t len = 0;
	int r = C2D_OK;
	for (size_t i = 0; i < n && r == C2D_OK; i++)
		r = c2d_simca_pem(certs[i], &pem, &len, err);
	if (r == C2D_OK)
		json_object_set_new(out, key, json_string(pem));
	free(pem);
	return r;
}

/* Signs body as key, with the TCB Signing key and its chain, or, for the
 * negative tests, with the PCK key and the PCK chain. */
static int signed_part(const struct c2d_simca *ca, json_t *out, const char *key, json_t *body,
		       int by_pck, struct c2d_err *err)
{
	const struct c2d_simcert *honest[] = { &ca->tcb_cert, &ca->root_cert };
	const struct c2d_simcert *pck[] = { &ca->pck_cert, &ca->pca_cert, &ca->root_cert };
	char chain_key[64];
	snprintf(chain_key, sizeof(chain_key), "%s_issuer_chain", key);
	int r = by_pck ? set_chain(out, chain_key, pck, 3, err) : set_chain(out, chain_key, honest, 2, err);
	if (r < 0) {
		json_decref(body);
		return r;
	}
	return signed_json(out, key, body, by_pck ? &ca->pck : &ca->tcb, err);
}

c2d_status c2d_simca_collateral(const struct c2d_simca *ca, time_t now, unsigned flags, char **json,
				struct c2d_err *err)
{
	struct c2d_simcert root_crl = { 0 }, pck_crl = { 0 };
	json_t *out = json_object();
	int r = out == NULL ? c2d_fail(err, C2D_E_NOMEM, "out of memory") : C2D_OK;
	if (r == C2D_OK)
		r = make_crl(CN_ROOT, &ca->root, now, NULL, &root_crl, err);
	if (r == C2D_OK)
		r = make_crl(CN_PCA, &ca->pca, now, flags & C2D_SIMCA_REVOKE_PCK ? ca->pck_serial : NULL,
			     &pck_crl, err);
	const struct c2d_simcert *pca_chain[] = { &ca->pca_cert, &ca->root_cert };
	if (r == C2D_OK)
		r = set_chain(out, "pck_crl_issuer_chain", pca_chain, 2, err);
	if (r == C2D_OK)
		r = set_hex(out, "root_ca_crl", &root_crl, err);
	if (r == C2D_OK)
		r = set_hex(out, "pck_crl", &pck_crl, err);
	if (r == C2D_OK)
		r = signed_part(ca, out, "tcb_info", tcb_info(now), !!(flags & C2D_SIMCA_TCB_INFO_BY_PCK), err);
	if (r == C2D_OK)
		r = signed_part(ca, out, "qe_identity", qe_identity(now),
				!!(flags & C2D_SIMCA_QE_IDENTITY_BY_PCK), err);
	if (r == C2D_OK && (*json = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
	free(root_crl.der);
	free(pck_crl.der);
	json_decref(out);
	return r;
}
