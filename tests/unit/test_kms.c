/* Unit tests of the KMS's core (host/kms/): the request parser, challenges,
 * the release log, the root key file, and the decision against simulated
 * quotes, their collateral in a directory behind the cache of prepared
 * collaterals, and the in-memory chain double (tests/tools/kmsview_mem.h),
 * down to a wrap key that the CVM side (c2d/kmsrelease.h) opens and that
 * unwraps the sealed test vector's dataset key. Every refusal is logged,
 * and no answer, message or log line holds the root key. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/kmsrelease.h"
#include "c2d/sealfmt.h"
#include "collateral_json.h"
#include "keyfile.h"
#include "kmscoll.h"
#include "kmsevent.h"
#include "kmsview_mem.h"
#include "kmsdecide.h"
#include "simca.h"
#include "simquote.h"
#include "testfile.h"

#define NOW 1767312000          /* 2026-01-02T00:00:00Z, inside the sim collateral */
#define LIFETIME 60
#define EPS 250000u             /* the image's charge: 0.25 epsilon, 0.125 rho */
#define RHO 125000u

/* Everything one decision needs, rebuilt per test. */
struct fx {
	char dir[64], keypath[96], logpath[96], coldir[96], fmspcdir[160], colfile[192], fmspc[13];
	secp256k1_context *secp;
	struct c2d_simca ca;
	struct c2d_kmscoll *coll;
	struct c2d_kmskey *key;
	char key_hex[65];
	struct c2d_td_policy td;
	struct c2d_kms_image image[2];
	struct kmsview_mem chain;
	struct c2d_kmsview iface;
	struct c2d_kmschal_store chal;
	struct c2d_kmslog log;
	struct c2d_kms_config cfg;
	uint8_t *sealed;
	size_t sealed_len, hdr_len;
	struct c2d_seal_header hdr;
	uint8_t eph_sk[32], run_sk[32], eph_pub[33], run_pub[33];
	/* What the next request is built from; tests change these. */
	struct c2d_simregs regs;
	uint8_t challenge[32];
	uint8_t claim_compose[32], claim_app[20];   /* the event log's */
	int log_off_by_one;                          /* RTMR3 not what the log replays to */
	uint8_t rd_eph[33];                          /* the key report_data binds */
	uint8_t *envelope;
	size_t decisions, starts;
};

static const uint8_t rtmr1[48] = { 0x11, 0x11 }, rtmr2[48] = { 0x22, 0x22 };
static const uint8_t zero32[32];

/* The start line the daemon writes before it serves. */
static void start_log(struct fx *f)
{
	struct c2d_err err = { 0 };
	struct c2d_kmslog_image im[2];
	for (int i = 0; i < 2; i++) {
		memcpy(im[i].compose_hash, f->image[i].compose_hash, 32);
		im[i].micro_eps = f->image[i].micro_eps;
		im[i].micro_rho = f->image[i].micro_rho;
	}
	struct c2d_kmslog_start s = { .time = NOW - 10, .images = im, .n_images = 2, .confirmations = 3,
				      .allow_simulated = 1 };
	memcpy(s.kms, f->key->address, 20);
	memcpy(s.app_id, f->cfg.app_id, 20);
	memset(s.policy_sha256, 0x90, 32);
	assert_int_equal(c2d_kmslog_append_start(&f->log, &s, &err), C2D_OK);
	f->starts++;
}

/* The collateral directory (host/kms/kmscoll.h) for the fixture's
 * platform: coldir, and fmspcdir = coldir/fmspc/<FMSPC>, created. */
static void collateral_dir(struct fx *f)
{
	struct c2d_err err = { 0 };
	struct c2d_tdx_quote q;
	uint8_t rd[64] = { 0 }, raw[6], *quote;
	size_t qlen;
	assert_int_equal(c2d_simquote_build(&f->ca, &f->regs, rd, &quote, &qlen, &err), C2D_OK);
	assert_int_equal(c2d_tdxquote_parse(quote, qlen, &q, &err), C2D_OK);
	assert_int_equal(c2d_kmscoll_fmspc(&q, raw, &err), C2D_OK);
	free(quote);
	c2d_hex(raw, 6, f->fmspc);
	snprintf(f->coldir, sizeof(f->coldir), "%s/col", f->dir);
	snprintf(f->fmspcdir, sizeof(f->fmspcdir), "%s/fmspc/%s", f->coldir, f->fmspc);
	snprintf(f->colfile, sizeof(f->colfile), "%s/collateral.json", f->fmspcdir);
	char cmd[192];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", f->fmspcdir);
	assert_int_equal(system(cmd), 0);
}

/* Writes the simulated collateral issued at `issued` to path by rename, as
 * an operator replaces a file; its modification time is `issued`, so that
 * each collateral's file has its own even where the clock's tick is coarse
 * and an inode number is reused. */
static void write_collateral_to(struct fx *f, const char *path, int64_t issued)
{
	struct c2d_err err = { 0 };
	char *json, tmp[208];
	assert_int_equal(c2d_simca_collateral(&f->ca, issued, 0, &json, &err), C2D_OK);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *fp = fopen(tmp, "w");
	assert_non_null(fp);
	fputs(json, fp);
	assert_int_equal(fclose(fp), 0);
	free(json);
	struct timespec t[2] = { { .tv_sec = issued }, { .tv_sec = issued } };
	assert_int_equal(utimensat(AT_FDCWD, tmp, t, 0), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void write_collateral(struct fx *f, int64_t issued)
{
	write_collateral_to(f, f->colfile, issued);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct c2d_err err = { 0 };
	strcpy(f->dir, "/tmp/c2d-kms.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(c2d_key_secp_context(&f->secp, &err), C2D_OK);
	assert_int_equal(c2d_simca_open(&f->ca, f->dir, &err), C2D_OK);
	/* The sealed vector's KMS key, as an operator would install it. */
	size_t n;
	char *hex = testfile_load("tests/vectors/seal/kms.key", &n);
	memcpy(f->key_hex, hex, 64);
	free(hex);
	uint8_t sk[32];
	assert_int_equal(c2d_hex_decode(f->key_hex, 64, sk, 32, &err), C2D_OK);
	snprintf(f->keypath, sizeof(f->keypath), "%s/kms.key", f->dir);
	assert_int_equal(c2d_key_write(f->keypath, sk, &err), C2D_OK);
	explicit_bzero(sk, sizeof(sk));
	assert_int_equal(c2d_kmskey_load(f->secp, f->keypath, &f->key, &err), C2D_OK);

	f->sealed = testfile_load("tests/vectors/seal/vector.sealed", &f->sealed_len);
	uint64_t total = 0;
	uint32_t hlen = 0;
	assert_int_equal(c2d_sealhdr_peek(f->sealed, &hlen, &total, &err), C2D_OK);
	f->hdr_len = hlen;
	assert_int_equal(c2d_sealhdr_parse(f->sealed, f->hdr_len, &f->hdr, &err), C2D_OK);
	f->envelope = malloc(f->hdr_len);
	memcpy(f->envelope, f->sealed, f->hdr_len);

	c2d_tdpolicy_default(&f->td);
	for (int i = 0; i < 2; i++) {
		struct c2d_kms_image *im = &f->image[i];
		memcpy(im->compose_hash, f->hdr.recipe.compose_hash, 32);
		im->compose_hash[0] ^= (uint8_t)i;   /* image 1: another image the KMS serves */
		for (int r = 0; r < C2D_TDPOLICY_NREGS; r++)
			im->reg_state[r] = C2D_TDPOLICY_PINNED;
		memcpy(im->reg[C2D_TDPOLICY_RTMR1], rtmr1, 48);
		memcpy(im->reg[C2D_TDPOLICY_RTMR2], rtmr2, 48);
		im->micro_eps = EPS;
		im->micro_rho = RHO;
	}
	memcpy(f->regs.rtmr[1], rtmr1, 48);
	memcpy(f->regs.rtmr[2], rtmr2, 48);
	collateral_dir(f);
	write_collateral(f, NOW - 3600);
	assert_int_equal(c2d_kmscoll_open(f->coldir, f->ca.root_cert.der, f->ca.root_cert.len, 1, &f->coll, &err),
			 C2D_OK);

	/* A consortium of 2 of 3 that approved, and the owner's budget. */
	f->chain.block = 1000;
	f->chain.compose = (struct c2d_kmsview_compose){ .approvals = 2, .threshold = 2 };
	*kmsview_mem_dataset(&f->chain, f->hdr.owner, f->hdr.dataset_id) = (struct c2d_kmsview_dataset){
		.approved = 1, .budget_set = 1, .cap_eps = 1000000, .cap_rho = 1000000 };
	kmsview_mem_iface(&f->chain, &f->iface);

	assert_int_equal(c2d_kmschal_init(&f->chal, 16, LIFETIME, &err), C2D_OK);
	snprintf(f->logpath, sizeof(f->logpath), "%s/release.log", f->dir);
	assert_int_equal(c2d_kmslog_open(&f->log, f->logpath, &err), C2D_OK);

	memset(f->eph_sk, 0x41, 32);
	memset(f->run_sk, 0x52, 32);
	assert_int_equal(c2d_kw_pubkey(f->secp, f->eph_sk, f->eph_pub, &err), C2D_OK);
	assert_int_equal(c2d_kw_pubkey(f->secp, f->run_sk, f->run_pub, &err), C2D_OK);
	memcpy(f->rd_eph, f->eph_pub, 33);
	memcpy(f->claim_compose, f->hdr.recipe.compose_hash, 32);
	memcpy(f->claim_app, f->hdr.recipe.app_id, 20);
	assert_int_equal(c2d_kmschal_issue(&f->chal, NOW, f->challenge, &err), C2D_OK);

	f->cfg = (struct c2d_kms_config){ .secp = f->secp, .key = f->key, .images = f->image, .n_images = 2,
					  .td = &f->td, .collateral = f->coll, .chain = &f->iface, .challenges = &f->chal,
					  .log = &f->log };
	memcpy(f->cfg.app_id, f->hdr.recipe.app_id, 20);
	start_log(f);
	*state = f;
	return 0;
}

/* The root key's hex appears nowhere in text. */
static void assert_no_key(const struct fx *f, const char *text)
{
	assert_null(strstr(text, f->key_hex));
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	/* Every decision left exactly one line, the chain verifies, and the
	 * log never names the root key. */
	size_t len;
	struct c2d_kmslog_summary sum;
	char *log = testfile_load(f->logpath, &len);
	assert_int_equal(c2d_kmslog_verify(log, len, "log", NULL, NULL, &sum, &err), C2D_OK);
	assert_int_equal(sum.lines, f->decisions + f->starts);
	assert_int_equal(sum.starts, f->starts);
	assert_no_key(f, log);
	free(log);
	c2d_kmslog_close(&f->log);
	c2d_kmschal_free(&f->chal);
	c2d_kmskey_free(f->key);
	c2d_sealhdr_free(&f->hdr);
	c2d_kmscoll_close(f->coll);
	c2d_simca_close(&f->ca);
	secp256k1_context_destroy(f->secp);
	free(f->sealed);
	free(f->envelope);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The request text of the CVM the fixture describes. */
static char *request(struct fx *f)
{
	struct c2d_err err = { 0 };
	uint8_t init_sha[32] = { 0x1d }, rd[64];
	char *log_text = kmsevent_boot_log(init_sha, f->claim_compose, f->claim_app, 0, f->regs.rtmr[3]);
	f->regs.rtmr[3][0] ^= (uint8_t)f->log_off_by_one;
	c2d_kmsr_report_data(f->challenge, f->rd_eph, f->run_pub, rd);
	uint8_t *quote;
	size_t qlen;
	assert_int_equal(c2d_simquote_build(&f->ca, &f->regs, rd, &quote, &qlen, &err), C2D_OK);
	json_t *envs = json_array();
	json_array_append_new(envs, kmsevent_hex(f->envelope, f->hdr_len));
	json_t *req = kmsevent_request(f->challenge, quote, qlen, log_text, f->eph_pub, f->run_pub, envs);
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	free(quote);
	free(log_text);
	return text;
}

/* Runs the request the fixture describes (text: NULL for request(f)) and
 * returns the answer, checked for the root key. */
static json_t *decide_text(struct fx *f, const char *text)
{
	struct c2d_err err = { 0 };
	char *own = text == NULL ? request(f) : NULL, *answer;
	const char *t = text != NULL ? text : own;
	assert_int_equal(c2d_kms_handle(&f->cfg, t, strlen(t), NOW, &answer, &err), C2D_OK);
	f->decisions++;
	free(own);
	assert_no_key(f, answer);
	json_t *a = json_loads(answer, 0, NULL);
	assert_non_null(a);
	free(answer);
	return a;
}

/* Expects a refusal by check, whose reason contains what. */
static void expect_refusal(struct fx *f, const char *check, const char *what)
{
	json_t *a = decide_text(f, NULL);
	const char *got = json_string_value(json_object_get(a, "check"));
	const char *reason = json_string_value(json_object_get(a, "reason"));
	if (got == NULL || strcmp(got, check) != 0 || strstr(reason, what) == NULL)
		fail_msg("expected refusal %s (%s), got %s: %s", check, what, got != NULL ? got : "a release",
			 reason != NULL ? reason : "");
	assert_string_equal(json_string_value(json_object_get(a, "type")), "refusal");
	assert_null(json_object_get(a, "keys"));
	json_decref(a);
	assert_int_equal(f->chain.spends, 0);
}

static void hex_field(json_t *o, const char *key, uint8_t *out, size_t n)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_string(v));
	assert_int_equal(c2d_hex_decode(json_string_value(v), json_string_length(v), out, n, NULL), C2D_OK);
}

/* The whole release: the CVM opens its wrap key, which unwraps the sealed
 * vector's dataset key; the certificate recovers to the KMS's address; the
 * spend charged the image's ε and ρ, anchored to the log's head. */
static void test_release(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	uint8_t head0[32];
	c2d_kmslog_head(&f->log, head0);
	assert_memory_not_equal(head0, zero32, 32);   /* the start line's */
	json_t *a = decide_text(f, NULL);
	assert_string_equal(json_string_value(json_object_get(a, "type")), "release");
	uint8_t S[33], sealed[48], keys[32], wrap[32], dk[32], want[32];
	hex_field(a, "kms_ephemeral_key", S, 33);
	json_t *k = json_object_get(a, "keys");
	assert_int_equal(json_array_size(k), 1);
	assert_int_equal(c2d_hex_decode(json_string_value(json_array_get(k, 0)), 96, sealed, 48, NULL), C2D_OK);
	/* The CVM's side. */
	assert_int_equal(c2d_kmsr_derive(f->secp, f->eph_sk, S, S, f->eph_pub, f->challenge, 1, keys, &err), C2D_OK);
	assert_int_equal(c2d_kmsr_open(keys, sealed, wrap, &err), C2D_OK);
	assert_int_equal(c2d_kw_unwrap(wrap, f->hdr.wrapped_key, dk, &err), C2D_OK);
	char *secrets = testfile_load("tests/vectors/seal/secrets.hex", &(size_t){ 0 });
	assert_int_equal(c2d_hex_decode(secrets, 64, want, 32, &err), C2D_OK);
	free(secrets);
	assert_memory_equal(dk, want, 32);
	/* Another CVM key, or another challenge, opens nothing. */
	uint8_t other[32];
	memcpy(other, f->challenge, 32);
	other[0] ^= 1;
	assert_int_equal(c2d_kmsr_derive(f->secp, f->eph_sk, S, S, f->eph_pub, other, 1, keys, &err), C2D_OK);
	assert_int_equal(c2d_kmsr_open(keys, sealed, wrap, &err), C2D_E_REFUSED);

	json_t *c = json_object_get(a, "run_certificate");
	uint8_t app[20], ch[32], signer[20], run[32], sig[65], digest[32], addr[20], want_signer[20];
	hex_field(c, "app_id", app, 20);
	hex_field(c, "compose_hash", ch, 32);
	hex_field(c, "run_signer", signer, 20);
	hex_field(c, "run_id", run, 32);
	hex_field(c, "signature", sig, 65);
	assert_memory_equal(ch, f->hdr.recipe.compose_hash, 32);
	assert_memory_equal(app, f->hdr.recipe.app_id, 20);
	assert_int_equal(c2d_kmskey_address_of(f->secp, f->run_pub, want_signer, &err), C2D_OK);
	assert_memory_equal(signer, want_signer, 20);
	c2d_kmskey_cert_digest(app, ch, signer, run, digest);
	assert_int_equal(c2d_kmskey_recover(f->secp, digest, sig, addr, &err), C2D_OK);
	assert_memory_equal(addr, f->key->address, 20);
	json_decref(a);

	assert_int_equal(f->chain.spends, 1);
	assert_int_equal(f->chain.spent_n, 1);
	assert_int_equal(f->chain.spent_eps, EPS);
	assert_int_equal(f->chain.spent_rho, RHO);
	assert_memory_equal(f->chain.spent_anchor, head0, 32);
	assert_memory_equal(f->chain.spent_run, run, 32);
}

/* A fixed EIP-191 digest, recomputed independently with foundry's cast:
 *   inner = cast keccak 0x<"c2d-kms-v1/run-cert" in hex>aa..(20)cc..(32)55..(20)11..(32)
 *   cast keccak 0x<"\x19Ethereum Signed Message:\n32" in hex><inner>
 * the digest a contract's ecrecover checks. */
#define CERT_DIGEST_HEX "f80cae4858072a43509a261beea060fbb2189054406ec132d8942f060003f763"
static void test_cert_digest(void **state)
{
	(void)state;
	uint8_t app[20], ch[32], signer[20], run[32], d[32];
	memset(app, 0xaa, 20);
	memset(ch, 0xcc, 32);
	memset(signer, 0x55, 20);
	memset(run, 0x11, 32);
	c2d_kmskey_cert_digest(app, ch, signer, run, d);
	char h[65];
	c2d_hex(d, 32, h);
	assert_string_equal(h, CERT_DIGEST_HEX);
}

static void test_replayed_challenge(void **state)
{
	struct fx *f = *state;
	char *text = request(f);
	json_t *a = decide_text(f, text);
	assert_string_equal(json_string_value(json_object_get(a, "type")), "release");
	json_decref(a);
	a = decide_text(f, text);
	assert_string_equal(json_string_value(json_object_get(a, "check")), "challenge");
	assert_non_null(strstr(json_string_value(json_object_get(a, "reason")), "already used"));
	json_decref(a);
	free(text);
	assert_int_equal(f->chain.spends, 1);
}

static void test_expired_challenge(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	/* Issued one lifetime before now. */
	assert_int_equal(c2d_kmschal_issue(&f->chal, NOW - LIFETIME, f->challenge, &err), C2D_OK);
	expect_refusal(f, "challenge", "expired");
}

static void test_report_data_other_key(void **state)
{
	struct fx *f = *state;
	memset(f->rd_eph, 0, 33);
	memcpy(f->rd_eph, f->run_pub, 33);
	expect_refusal(f, "report-data", "does not bind");
}

/* A debug TD is refused from the quote: its DEBUG bit set after signing
 * (the verifier refuses it before it looks at the signature). */
static void test_debug_td(void **state)
{
	struct fx *f = *state;
	char *text = request(f);
	json_t *req = json_loads(text, 0, NULL);
	free(text);
	const char *qh = json_string_value(json_object_get(req, "quote"));
	size_t qlen = strlen(qh) / 2;
	uint8_t *q = malloc(qlen);
	assert_int_equal(c2d_hex_decode(qh, 2 * qlen, q, qlen, NULL), C2D_OK);
	struct c2d_tdx_quote pq;
	assert_int_equal(c2d_tdxquote_parse(q, qlen, &pq, NULL), C2D_OK);
	q[pq.td.td_attributes - q] |= 1;
	json_object_set_new(req, "quote", kmsevent_hex(q, qlen));
	free(q);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	json_t *a = decide_text(f, text);
	free(text);
	assert_string_equal(json_string_value(json_object_get(a, "check")), "quote");
	assert_non_null(strstr(json_string_value(json_object_get(a, "reason")), "debug"));
	json_decref(a);
}

static void test_td_attributes_mismatch(void **state)
{
	struct fx *f = *state;
	f->td.td_attributes[3] |= 0x40;   /* the policy wants PKS, the TD has it not */
	expect_refusal(f, "quote", "TDATTRIBUTES");
}

static void test_xfam_mismatch(void **state)
{
	struct fx *f = *state;
	f->td.xfam[0] ^= 0x04;
	expect_refusal(f, "quote", "XFAM");
}

static void test_simulated_not_allowed(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	c2d_kmscoll_close(f->coll);
	assert_int_equal(c2d_kmscoll_open(f->coldir, f->ca.root_cert.der, f->ca.root_cert.len, 0, &f->coll, &err),
			 C2D_OK);
	f->cfg.collateral = f->coll;
	expect_refusal(f, "quote", "allow-simulated");
}

/* No directory for the platform's FMSPC at all. */
static void test_no_collateral(void **state)
{
	struct fx *f = *state;
	char cmd[192];
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", f->fmspcdir);
	assert_int_equal(system(cmd), 0);
	expect_refusal(f, "quote", "collateral");
}

/* The next request's verdict: a release (check NULL), or a refusal by
 * check whose reason contains what. Each gets a challenge of its own. */
static void expect_verdict(struct fx *f, const char *check, const char *what)
{
	struct c2d_err err = { 0 };
	json_t *a = decide_text(f, NULL);
	const char *got = json_string_value(json_object_get(a, "check"));
	const char *reason = json_string_value(json_object_get(a, "reason"));
	if (check == NULL ? got != NULL : got == NULL || strcmp(got, check) != 0 || strstr(reason, what) == NULL)
		fail_msg("expected %s %s, got %s: %s", check != NULL ? check : "a release", what != NULL ? what : "",
			 got != NULL ? got : "a release", reason != NULL ? reason : "");
	json_decref(a);
	assert_int_equal(c2d_kmschal_issue(&f->chal, NOW, f->challenge, &err), C2D_OK);
}

/* A cache hit reads nothing: a file changed in place that keeps its size
 * and modification time (what `touch -r` does) is not seen, and the
 * cached verdict stands; once its modification time moves, it is read
 * again, and a collateral that does not prepare is refused by the
 * verifier's step, every time (failures are not cached). */
static void test_collateral_cached(void **state)
{
	struct fx *f = *state;
	expect_verdict(f, NULL, NULL);
	expect_verdict(f, NULL, NULL);
	assert_int_equal(c2d_kmscoll_reads(f->coll), 1);

	struct stat st;
	size_t len;
	assert_int_equal(stat(f->colfile, &st), 0);
	char *json = testfile_load(f->colfile, &len);
	char *p = strstr(json, "\"tcb_info_signature\"");
	assert_non_null(p);
	p = strchr(p + 20, '"') + 1;   /* the signature's first hex digit */
	*p = *p == '0' ? '1' : '0';
	int fd = open(f->colfile, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(json);
	struct timespec t[2] = { st.st_atim, st.st_mtim };
	assert_int_equal(utimensat(AT_FDCWD, f->colfile, t, 0), 0);
	expect_verdict(f, NULL, NULL);
	assert_int_equal(c2d_kmscoll_reads(f->coll), 1);

	t[1].tv_sec++;
	assert_int_equal(utimensat(AT_FDCWD, f->colfile, t, 0), 0);
	expect_verdict(f, "quote", "TCB info: ");
	expect_verdict(f, "quote", "TCB info: ");
	assert_int_equal(c2d_kmscoll_reads(f->coll), 3);
}

/* Collateral replaced while the KMS runs is used from the next request:
 * a stale collateral.json renamed over the cached one, then a new
 * directory in place of the FMSPC's. */
static void test_collateral_replaced(void **state)
{
	struct fx *f = *state;
	char fresh[192], old[192];
	expect_verdict(f, NULL, NULL);
	write_collateral(f, NOW - 31 * 86400);
	expect_verdict(f, "quote", "collateral.json's TCB info stale");
	snprintf(fresh, sizeof(fresh), "%s.new", f->fmspcdir);
	snprintf(old, sizeof(old), "%s.old", f->fmspcdir);
	assert_int_equal(mkdir(fresh, 0700), 0);
	snprintf(fresh + strlen(fresh), sizeof(fresh) - strlen(fresh), "/collateral.json");
	write_collateral_to(f, fresh, NOW - 7200);
	fresh[strlen(f->fmspcdir) + 4] = '\0';
	assert_int_equal(rename(f->fmspcdir, old), 0);
	assert_int_equal(rename(fresh, f->fmspcdir), 0);
	expect_verdict(f, NULL, NULL);
	expect_verdict(f, NULL, NULL);
	assert_int_equal(c2d_kmscoll_reads(f->coll), 3);
}

/* An entry held across its replacement stays whole until released: the
 * request that holds it verifies against it after a newer one took its
 * place in the table. */
static void test_collateral_held(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	struct c2d_kmscoll_entry *old, *cur;
	struct c2d_verify_result vr;
	struct c2d_tdx_quote q;
	uint8_t rd[64] = { 0 }, *quote;
	size_t qlen;
	assert_int_equal(c2d_simquote_build(&f->ca, &f->regs, rd, &quote, &qlen, &err), C2D_OK);
	assert_int_equal(c2d_tdxquote_parse(quote, qlen, &q, &err), C2D_OK);
	assert_int_equal(c2d_kmscoll_acquire(f->coll, &q, NOW, &old, &err), C2D_OK);
	write_collateral(f, NOW - 7200);
	assert_int_equal(c2d_kmscoll_acquire(f->coll, &q, NOW, &cur, &err), C2D_OK);
	assert_ptr_not_equal(old, cur);
	assert_int_equal(c2d_tdxverify_quote_prepared(&q, c2d_kmscoll_prepared(old), &f->td, NOW, &vr, &err), C2D_OK);
	c2d_kmscoll_release(f->coll, old);
	assert_int_equal(c2d_tdxverify_quote_prepared(&q, c2d_kmscoll_prepared(cur), &f->td, NOW, &vr, &err), C2D_OK);
	c2d_kmscoll_release(f->coll, cur);
	assert_int_equal(c2d_kmscoll_reads(f->coll), 2);
	free(quote);
}

/* Two threads verify against the cache while its file is replaced under
 * them: every verification passes (each collateral is good), each
 * replacement is read, and the entries replaced while held are freed by
 * their last holder (the sanitizers of the test build see any slip). */
struct hammer {
	struct fx *f;
	struct c2d_tdx_quote q;
	atomic_int stop;
	atomic_int done[2];
	int failed[2];
};

struct hammer_arg {
	struct hammer *h;
	int id;
};

static void *hammer(void *arg)
{
	struct hammer *h = ((struct hammer_arg *)arg)->h;
	int id = ((struct hammer_arg *)arg)->id;
	while (!atomic_load(&h->stop)) {
		struct c2d_err err = { 0 };
		struct c2d_kmscoll_entry *e;
		struct c2d_verify_result vr;
		if (c2d_kmscoll_acquire(h->f->coll, &h->q, NOW, &e, &err) < 0)
			h->failed[id]++;
		else {
			if (c2d_tdxverify_quote_prepared(&h->q, c2d_kmscoll_prepared(e), &h->f->td, NOW, &vr, &err) < 0)
				h->failed[id]++;
			c2d_kmscoll_release(h->f->coll, e);
		}
		atomic_fetch_add(&h->done[id], 1);
	}
	return NULL;
}

static void test_collateral_threads(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	struct hammer h = { .f = f };
	uint8_t rd[64] = { 0 }, *quote;
	size_t qlen;
	assert_int_equal(c2d_simquote_build(&f->ca, &f->regs, rd, &quote, &qlen, &err), C2D_OK);
	assert_int_equal(c2d_tdxquote_parse(quote, qlen, &h.q, &err), C2D_OK);
	pthread_t t[2];
	struct hammer_arg arg[2] = { { &h, 0 }, { &h, 1 } };
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &arg[i]), 0);
	for (int k = 1; k <= 4; k++) {
		write_collateral(f, NOW - 3600 - 60 * k);
		/* Both threads verify twice more against this one. */
		int d0 = atomic_load(&h.done[0]), d1 = atomic_load(&h.done[1]);
		while (atomic_load(&h.done[0]) < d0 + 2 || atomic_load(&h.done[1]) < d1 + 2)
			usleep(1000);
	}
	atomic_store(&h.stop, 1);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	free(quote);
	assert_int_equal(h.failed[0] + h.failed[1], 0);
	assert_true(c2d_kmscoll_reads(f->coll) >= 4);
}

static void test_collateral_missing(void **state)
{
	struct fx *f = *state;
	char want[96], file[192];
	assert_int_equal(unlink(f->colfile), 0);
	snprintf(want, sizeof(want), "collateral: FMSPC %s: tcbinfo.json missing", f->fmspc);
	expect_refusal(f, "quote", want);
	/* The separate files: the first one absent is named. */
	for (const char *const *n = (const char *const[]){ "tcbinfo.json", "tcbinfo-chain.pem", NULL }; *n; n++) {
		snprintf(file, sizeof(file), "%s/%s", f->fmspcdir, *n);
		FILE *fp = fopen(file, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	snprintf(want, sizeof(want), "collateral: FMSPC %s: qeidentity.json missing", f->fmspc);
	expect_refusal(f, "quote", want);
}

static void test_collateral_stale(void **state)
{
	struct fx *f = *state;
	char want[96];
	/* Issued 31 days before NOW: its nextUpdate (30 days on) has passed. */
	write_collateral(f, NOW - 31 * 86400);
	snprintf(want, sizeof(want), "collateral: FMSPC %s: collateral.json's TCB info stale (nextUpdate ",
		 f->fmspc);
	expect_refusal(f, "quote", want);
}

/* A debug TD is refused as such, even where collateral is missing. */
static void test_collateral_missing_debug_td(void **state)
{
	struct fx *f = *state;
	assert_int_equal(unlink(f->colfile), 0);
	test_debug_td(state);
}

static void test_log_does_not_replay(void **state)
{
	struct fx *f = *state;
	f->log_off_by_one = 1;
	expect_refusal(f, "event-log", "RTMR3");
}

/* The CVM booted another image the KMS serves: the envelope's recipe is
 * not for it. */
static void test_other_compose_hash(void **state)
{
	struct fx *f = *state;
	f->claim_compose[0] ^= 1;
	expect_refusal(f, "recipe", "compose-hash");
}

static void test_unknown_compose_hash(void **state)
{
	struct fx *f = *state;
	f->claim_compose[0] ^= 2;
	expect_refusal(f, "measurements", "not an image this KMS serves");
}

static void test_other_app(void **state)
{
	struct fx *f = *state;
	f->claim_app[19] ^= 1;
	expect_refusal(f, "measurements", "app");
}

static void test_rtmr1_mismatch(void **state)
{
	struct fx *f = *state;
	f->regs.rtmr[1][47] ^= 1;
	expect_refusal(f, "measurements", "RTMR1");
}

static void test_quorum(void **state)
{
	struct fx *f = *state;
	f->chain.compose.approvals = 1;
	expect_refusal(f, "quorum", "1 of the 2");
}

static void test_owner_not_approved(void **state)
{
	struct fx *f = *state;
	kmsview_mem_dataset(&f->chain, f->hdr.owner, f->hdr.dataset_id)->approved = 0;
	expect_refusal(f, "owner-approval", "has not approved");
}

static void test_approval_expired(void **state)
{
	struct fx *f = *state;
	struct c2d_kmsview_dataset *d = kmsview_mem_dataset(&f->chain, f->hdr.owner, f->hdr.dataset_id);
	d->approved = 0;
	d->expiry = NOW - 10;
	expect_refusal(f, "approval-expired", "expired");
}

static void test_revoked(void **state)
{
	struct fx *f = *state;
	f->chain.compose.revoked = 1;
	expect_refusal(f, "revoked", "revoked");
}

static void test_no_budget(void **state)
{
	struct fx *f = *state;
	kmsview_mem_dataset(&f->chain, f->hdr.owner, f->hdr.dataset_id)->budget_set = 0;
	expect_refusal(f, "budget", "no budget");
}

static void test_epsilon_exhausted(void **state)
{
	struct fx *f = *state;
	kmsview_mem_dataset(&f->chain, f->hdr.owner, f->hdr.dataset_id)->spent_eps = 1000000 - EPS + 1;
	expect_refusal(f, "budget-epsilon", "micro-epsilon left");
}

static void test_rho_exhausted(void **state)
{
	struct fx *f = *state;
	kmsview_mem_dataset(&f->chain, f->hdr.owner, f->hdr.dataset_id)->cap_rho = RHO - 1;
	expect_refusal(f, "budget-rho", "micro-rho left");
}

static void test_chain_unreachable(void **state)
{
	struct fx *f = *state;
	f->chain.fail_block = 1;
	expect_refusal(f, "chain", "connection refused");
}

static void test_chain_drops_at_spend(void **state)
{
	struct fx *f = *state;
	f->chain.fail_spend = 1;
	expect_refusal(f, "spend", "dropped out");
}

static void test_no_receipt(void **state)
{
	struct fx *f = *state;
	f->chain.fail_receipt = 1;
	json_t *a = decide_text(f, NULL);
	assert_string_equal(json_string_value(json_object_get(a, "check")), "spend");
	assert_null(json_object_get(a, "keys"));
	json_decref(a);
}

/* The spend was signed and sent, and its answer lost: it may be on chain,
 * so the refusal's line names it and the head it carried, and the log
 * verifier hands it to the on-chain check as a refusal's. */
struct seen {
	size_t calls;
	uint64_t line;
	int release;
	uint8_t tx[32], anchor[32];
};

static c2d_status record_check(void *arg, uint64_t line, int release, const uint8_t tx[32],
			       const uint8_t anchor[32], struct c2d_err *err)
{
	struct seen *s = arg;
	(void)err;
	s->calls++;
	s->line = line;
	s->release = release;
	memcpy(s->tx, tx, 32);
	memcpy(s->anchor, anchor, 32);
	return C2D_OK;
}

static void test_spend_answer_lost(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	uint8_t head[32], tx[32], want[32];
	c2d_kmslog_head(&f->log, head);
	f->chain.lose_spend = 1;
	json_t *a = decide_text(f, NULL);
	assert_string_equal(json_string_value(json_object_get(a, "check")), "spend");
	assert_null(json_object_get(a, "keys"));
	json_decref(a);
	assert_int_equal(f->chain.spends, 1);

	size_t len;
	char *log = testfile_load(f->logpath, &len);
	json_t *line = json_loads(strchr(log, '\n') + 1, JSON_DISABLE_EOF_CHECK, NULL);
	assert_string_equal(json_string_value(json_object_get(line, "outcome")), "refusal");
	hex_field(line, "spend_tx", tx, 32);
	memset(want, 0x7b, 32);   /* the double's signed transaction */
	assert_memory_equal(tx, want, 32);
	hex_field(line, "anchor", tx, 32);
	assert_memory_equal(tx, head, 32);
	assert_non_null(json_object_get(line, "run_id"));
	json_decref(line);

	struct seen seen = { 0 };
	assert_int_equal(c2d_kmslog_verify(log, len, "log", record_check, &seen, NULL, &err), C2D_OK);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.line, 2);
	assert_int_equal(seen.release, 0);
	assert_memory_equal(seen.anchor, head, 32);
	free(log);
}

/* Nothing signed (the chain dropped out before): no spend_tx. */
static void test_spend_unsigned_not_named(void **state)
{
	struct fx *f = *state;
	f->chain.fail_spend = 1;
	json_decref(decide_text(f, NULL));
	size_t len;
	char *log = testfile_load(f->logpath, &len);
	json_t *line = json_loads(strchr(log, '\n') + 1, JSON_DISABLE_EOF_CHECK, NULL);
	assert_string_equal(json_string_value(json_object_get(line, "check")), "spend");
	assert_null(json_object_get(line, "spend_tx"));
	assert_null(json_object_get(line, "anchor"));
	json_decref(line);
	free(log);
}

/* The start line: what the KMS serves, and no member a request's line has;
 * the head after it is what the first spend carries. */
static void test_start_line(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	size_t len;
	char *log = testfile_load(f->logpath, &len);
	json_t *s = json_loadb(log, len, JSON_DISABLE_EOF_CHECK, NULL);
	uint8_t kms[20], app[20], h[32];
	assert_string_equal(json_string_value(json_object_get(s, "outcome")), "start");
	hex_field(s, "kms", kms, 20);
	assert_memory_equal(kms, f->key->address, 20);
	hex_field(s, "app_id", app, 20);
	assert_memory_equal(app, f->cfg.app_id, 20);
	json_t *im = json_object_get(s, "images");
	assert_int_equal(json_array_size(im), 2);
	hex_field(json_array_get(im, 1), "compose_hash", h, 32);
	assert_memory_equal(h, f->image[1].compose_hash, 32);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(im, 1), "micro_eps")), EPS);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(im, 1), "micro_rho")), RHO);
	assert_int_equal(json_integer_value(json_object_get(s, "confirmations")), 3);
	assert_true(json_is_true(json_object_get(s, "allow_simulated")));
	hex_field(s, "policy_sha256", h, 32);
	assert_int_equal(h[0], 0x90);
	assert_null(json_object_get(s, "root_sha256"));
	assert_null(json_object_get(s, "check"));
	json_decref(s);
	struct c2d_kmslog_summary sum;
	assert_int_equal(c2d_kmslog_verify(log, len, "log", NULL, NULL, &sum, &err), C2D_OK);
	assert_int_equal(sum.starts, 1);
	assert_memory_not_equal(sum.head, zero32, 32);
	free(log);

	/* A start line that lacks a member, or carries a request's, is refused. */
	static const char *const bad[] = {
		"{\"outcome\":\"start\",\"prev\":\"%064d\",\"seq\":0,\"time\":1,\"v\":1}\n",
		"{\"outcome\":\"starts\",\"prev\":\"%064d\",\"seq\":0,\"time\":1,\"v\":1}\n",
	};
	static const char *const why[] = { "log:1: a start line without \"kms\"", "log:1: \"outcome\" is none of" };
	for (size_t i = 0; i < 2; i++) {
		char line[256];
		snprintf(line, sizeof(line), bad[i], 0);
		assert_int_equal(c2d_kmslog_verify(line, strlen(line), "log", NULL, NULL, NULL, &err), C2D_E_INPUT);
		assert_non_null(strstr(err.msg, why[i]));
	}
	/* The fixture's own line, given a "check": no longer a start line. */
	char *copy = testfile_load(f->logpath, &len);
	char *nl = strchr(copy, '\n');
	json_t *o = json_loadb(copy, (size_t)(nl - copy), 0, NULL);
	json_object_set_new(o, "check", json_string("quote"));
	char *t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	char line[2048];
	snprintf(line, sizeof(line), "%s\n", t);
	assert_int_equal(c2d_kmslog_verify(line, strlen(line), "log", NULL, NULL, NULL, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "log:1: a start line with a request's members");
	free(t);
	json_decref(o);
	free(copy);
}

/* A log without a start line: the core refuses rather than send a spend
 * that the contract would revert for its zero head. */
static void test_zero_head(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	c2d_kmslog_close(&f->log);
	assert_int_equal(unlink(f->logpath), 0);
	assert_int_equal(c2d_kmslog_open(&f->log, f->logpath, &err), C2D_OK);
	f->starts = 0;
	expect_refusal(f, "internal", "no start line");
}

/* A header whose wrapped key was changed: the derived key opens nothing. */
static void test_wrong_header(void **state)
{
	struct fx *f = *state;
	f->envelope[213] ^= 1;
	expect_refusal(f, "wrap-key", "does not unwrap");
}

static void test_envelope_for_another_kms(void **state)
{
	struct fx *f = *state;
	f->envelope[44] ^= 1;   /* inside kms_public_key */
	json_t *a = decide_text(f, NULL);
	const char *check = json_string_value(json_object_get(a, "check"));
	/* Either the point no longer parses, or it is not this KMS's. */
	assert_true(strcmp(check, "recipe") == 0 || strcmp(check, "envelope") == 0);
	json_decref(a);
}

static void test_bad_request_logged(void **state)
{
	struct fx *f = *state;
	json_t *a = decide_text(f, "{\"c2d_kms\":1}");
	assert_string_equal(json_string_value(json_object_get(a, "check")), "request");
	assert_non_null(strstr(json_string_value(json_object_get(a, "reason")), "challenge: missing"));
	json_decref(a);
}

/* The root key file: mode 0600 exactly, nothing else. */
static void test_key_mode(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	struct c2d_kmskey *k;
	static const mode_t modes[] = { 0640, 0644, 0400, 0700, 0604 };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(f->keypath, modes[i]), 0);
		assert_int_equal(c2d_kmskey_load(f->secp, f->keypath, &k, &err), C2D_E_INPUT);
		assert_null(k);
		assert_non_null(strstr(err.msg, "must have mode 0600"));
		assert_no_key(f, err.msg);
	}
	assert_int_equal(chmod(f->keypath, 0600), 0);
	assert_int_equal(c2d_kmskey_load(f->secp, f->keypath, &k, &err), C2D_OK);
	assert_memory_equal(k->pub, f->hdr.recipe.kms_pubkey, 33);
	c2d_kmskey_free(k);
}

static void test_parser(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	struct c2d_kmsproto_request req;
	char *text = request(f);
	json_t *good = json_loads(text, 0, NULL);
	free(text);
	static const struct {
		const char *key;
		const char *value;   /* JSON; NULL: remove the member */
		const char *msg;
	} cases[] = {
		{ "c2d_kms", "2", "c2d_kms: expected version 1" },
		{ "challenge", "\"00\"", "challenge: expected 64 hex digits" },
		{ "quote", "\"zz\"", "quote: not hex" },
		{ "quote", "\"\"", "quote: expected 1 to" },
		{ "event_log", "5", "event_log: expected a string" },
		{ "ephemeral_key", NULL, "ephemeral_key: missing" },
		{ "run_key", "\"02\"", "run_key: expected 66 hex digits" },
		{ "envelopes", "[]", "envelopes: expected an array of 1 to 64" },
		{ "envelopes", "[\"00\", \"0g\"]", "envelopes[1]: not hex" },
		{ "extra", "1", "unknown member \"extra\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = json_deep_copy(good);
		if (cases[i].value == NULL)
			json_object_del(r, cases[i].key);
		else
			json_object_set_new(r, cases[i].key, json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
		char *t = json_dumps(r, JSON_COMPACT);
		json_decref(r);
		assert_int_equal(c2d_kmsproto_parse_request(t, strlen(t), &req, &err), C2D_E_INPUT);
		c2d_kmsproto_request_free(&req);
		free(t);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
	}
	/* 65 envelopes: one over the bound. */
	json_t *many = json_array();
	for (int i = 0; i < 65; i++)
		json_array_append_new(many, json_string("00"));
	json_object_set_new(good, "envelopes", many);
	text = json_dumps(good, JSON_COMPACT);
	assert_int_equal(c2d_kmsproto_parse_request(text, strlen(text), &req, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "envelopes: expected an array of 1 to 64"));
	c2d_kmsproto_request_free(&req);
	free(text);
	json_decref(good);
	const char dup[] = "{\"c2d_kms\":1,\"c2d_kms\":1}";
	assert_int_equal(c2d_kmsproto_parse_request(dup, sizeof(dup) - 1, &req, &err), C2D_E_INPUT);
	c2d_kmsproto_request_free(&req);
}

/* A bounded store: full of live challenges it refuses to issue; expired
 * ones make room; a challenge is taken once. */
static void test_challenge_store(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	struct c2d_kmschal_store s;
	uint8_t c[4][32];
	assert_int_equal(c2d_kmschal_init(&s, 3, 10, &err), C2D_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(c2d_kmschal_issue(&s, 100 + i, c[i], &err), C2D_OK);
	assert_int_equal(c2d_kmschal_issue(&s, 105, c[3], &err), C2D_E_UNAVAILABLE);
	/* At 110 the first (issued at 100) has expired: room for one. */
	assert_int_equal(c2d_kmschal_issue(&s, 110, c[3], &err), C2D_OK);
	assert_int_equal(c2d_kmschal_take(&s, 110, c[0]), C2D_KMSCHAL_UNKNOWN);
	assert_int_equal(c2d_kmschal_take(&s, 110, c[1]), C2D_KMSCHAL_FRESH);
	assert_int_equal(c2d_kmschal_take(&s, 110, c[1]), C2D_KMSCHAL_UNKNOWN);
	assert_int_equal(c2d_kmschal_take(&s, 112, c[2]), C2D_KMSCHAL_EXPIRED);
	assert_int_equal(c2d_kmschal_take(&s, 119, c[3]), C2D_KMSCHAL_FRESH);
	assert_int_equal(s.n, 0);
	c2d_kmschal_free(&s);
	assert_int_equal(c2d_kmschal_init(&s, 0, 10, &err), C2D_E_USAGE);
}

/* The log's chain: a changed, dropped or reordered line is found, and the
 * log reopens where it stopped. */
static void test_log_chain(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	for (int i = 0; i < 3; i++)
		json_decref(decide_text(f, "[]"));
	size_t len;
	char *log = testfile_load(f->logpath, &len);
	assert_int_equal(c2d_kmslog_verify(log, len, "log", NULL, NULL, NULL, &err), C2D_OK);
	char *second = strchr(log, '\n') + 1;
	char *third = strchr(second, '\n') + 1;
	/* Changed: a byte of line 2's reason. */
	char *copy = malloc(len);
	memcpy(copy, log, len);
	char *p = strstr(copy + (second - log), "expected");
	p[0] = 'E';
	assert_int_equal(c2d_kmslog_verify(copy, len, "log", NULL, NULL, NULL, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "log:3: \"prev\" is not the head of the lines before it: the log was changed");
	/* Dropped: line 2. */
	size_t l2 = (size_t)(third - second);
	memcpy(copy, log, (size_t)(second - log));
	memcpy(copy + (second - log), third, len - (size_t)(third - log));
	assert_int_equal(c2d_kmslog_verify(copy, len - l2, "log", NULL, NULL, NULL, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "log:2: \"seq\" out of order");
	/* Torn: no final newline. */
	assert_int_equal(c2d_kmslog_verify(log, len - 1, "log", NULL, NULL, NULL, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "torn write"));
	free(copy);
	free(log);
	/* Reopened, the chain goes on. */
	c2d_kmslog_close(&f->log);
	assert_int_equal(c2d_kmslog_open(&f->log, f->logpath, &err), C2D_OK);
	assert_int_equal(f->log.seq, 4);
}

/* The CVM side in isolation: n keys, each opening only its own place. */
static void test_release_crypto(void **state)
{
	struct fx *f = *state;
	struct c2d_err err = { 0 };
	uint8_t s[32], S[33], kk[3 * 32], kc[3 * 32], wrap[3][32], sealed[48], out[32];
	memset(s, 0x33, 32);
	assert_int_equal(c2d_kw_pubkey(f->secp, s, S, &err), C2D_OK);
	assert_int_equal(c2d_kmsr_derive(f->secp, s, f->eph_pub, S, f->eph_pub, f->challenge, 3, kk, &err), C2D_OK);
	assert_int_equal(c2d_kmsr_derive(f->secp, f->eph_sk, S, S, f->eph_pub, f->challenge, 3, kc, &err), C2D_OK);
	assert_memory_equal(kk, kc, sizeof(kk));
	for (int i = 0; i < 3; i++)
		memset(wrap[i], 0xa0 + i, 32);
	c2d_kmsr_seal(kk + 32, wrap[1], sealed);
	assert_int_equal(c2d_kmsr_open(kc + 32, sealed, out, &err), C2D_OK);
	assert_memory_equal(out, wrap[1], 32);
	assert_int_equal(c2d_kmsr_open(kc, sealed, out, &err), C2D_E_REFUSED);
	assert_memory_equal(out, (uint8_t[32]){ 0 }, 32);
	assert_int_equal(c2d_kmsr_derive(f->secp, s, f->eph_pub, S, f->eph_pub, f->challenge, 65, kk, &err),
			 C2D_E_INPUT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_release), cmocka_unit_test(test_cert_digest), T(test_replayed_challenge),
		T(test_expired_challenge), T(test_report_data_other_key), T(test_debug_td),
		T(test_td_attributes_mismatch), T(test_xfam_mismatch), T(test_simulated_not_allowed),
		T(test_no_collateral), T(test_collateral_cached), T(test_collateral_replaced), T(test_collateral_held),
		T(test_collateral_threads), T(test_collateral_missing),
		T(test_collateral_stale), T(test_collateral_missing_debug_td), T(test_log_does_not_replay),
		T(test_other_compose_hash),
		T(test_unknown_compose_hash), T(test_other_app), T(test_rtmr1_mismatch), T(test_quorum),
		T(test_owner_not_approved), T(test_approval_expired), T(test_revoked), T(test_no_budget),
		T(test_epsilon_exhausted), T(test_rho_exhausted), T(test_chain_unreachable),
		T(test_chain_drops_at_spend), T(test_no_receipt), T(test_wrong_header),
		T(test_envelope_for_another_kms), T(test_bad_request_logged), T(test_key_mode),
		T(test_parser), cmocka_unit_test(test_challenge_store), T(test_log_chain),
		T(test_release_crypto), T(test_start_line), T(test_zero_head), T(test_spend_answer_lost),
		T(test_spend_unsigned_not_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
