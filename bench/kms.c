/*
 * bench-kms: the KMS's release cost without the chain. N requests, each a
 * release of one dataset (the sealed test vector), go through
 * c2d_kms_handle in this process: the request parsed, a simulated quote
 * verified with real crypto (c2d sim-quoter's PKI) against its collateral
 * from the KMS's cache of prepared collaterals (host/kms/kmscoll.h, the
 * collateral directory in DIR/col, warm: one untimed release prepares it),
 * the challenge, the event log, the checks, the wrap key derived and
 * sealed to the CVM, the run certificate signed, and the release log's
 * line written and fsync'd. The chain is the in-memory double of
 * tests/tools/kmsview_mem.h (every read and spend answers at once), so the
 * figures exclude it. Not a test: make bench reports them
 * (docs/performance.md, "KMS release").
 *
 *   bench-kms DIR [N]     DIR: a new directory on the disk the release log
 *                         would live on (its fsync is part of the cost);
 *                         N releases (default 500)
 *
 * The requests are built before the clock starts: each its own challenge,
 * report_data bound to it, and a quote. Prints, in nanoseconds:
 *
 *   releases N            how many answers were releases (all, or exit 1)
 *   p50 NS, p99 NS        latency of one c2d_kms_handle
 *   rate R                releases per second, N over the whole run
 *   reads R               directory reads by the cache over the run, the
 *                         warm-up's included (1, or exit 1)
 *   collateral NS         of which, the median cache lookup (the FMSPC
 *                         from the PCK certificate, the files' identity,
 *                         the table)
 *   prepared NS           of which, the median quote verification against
 *                         the prepared collateral (the same quotes, parsed
 *                         and verified alone)
 *   quote NS              the same in one shot (c2d_tdxverify_quote, the
 *                         collateral parsed but not prepared): what the
 *                         KMS paid per quote before its cache
 *   log NS                of which, the median release-log append (a
 *                         line of the same shape, to a second log in DIR)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/kmsrelease.h"
#include "c2d/sealfmt.h"
#include "c2d/tdxverify.h"
#include "collateral_json.h"
#include "fsutil.h"
#include "keyfile.h"
#include "kmscoll.h"
#include "kmsdecide.h"
#include "kmsevent.h"
#include "kmsview_mem.h"
#include "simca.h"
#include "simquote.h"

#define NOW 1767312000          /* 2026-01-02T00:00:00Z, inside the sim collateral */
#define EPS 250000u             /* one run's charge: 0.25 epsilon, 0.125 rho */
#define RHO 125000u

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int die(const char *what, const struct c2d_err *err)
{
	fprintf(stderr, "bench-kms: %s: %s\n", what, err != NULL ? err->msg : "failed");
	exit(1);
}

struct cvm {
	struct c2d_simregs regs;
	uint8_t eph_pub[33], run_pub[33];
	const struct c2d_seal_header *hdr;
	const uint8_t *envelope;
	size_t env_len;
};

/* One CVM's request for challenge ch, and its quote (for the split). */
static char *request(const struct c2d_simca *ca, struct cvm *v, const uint8_t ch[32], uint8_t **quote,
		     size_t *qlen)
{
	struct c2d_err err = { 0 };
	uint8_t init_sha[32] = { 0x1d }, rd[64];
	char *log_text = kmsevent_boot_log(init_sha, v->hdr->recipe.compose_hash, v->hdr->recipe.app_id, 0,
					   v->regs.rtmr[3]);
	c2d_kmsr_report_data(ch, v->eph_pub, v->run_pub, rd);
	if (c2d_simquote_build(ca, &v->regs, rd, quote, qlen, &err) < 0)
		die("simulated quote", &err);
	json_t *envs = json_array();
	json_array_append_new(envs, kmsevent_hex(v->envelope, v->env_len));
	json_t *req = kmsevent_request(ch, *quote, *qlen, log_text, v->eph_pub, v->run_pub, envs);
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	free(log_text);
	if (text == NULL)
		die("out of memory", NULL);
	return text;
}

/* DIR/col/fmspc/<the quote's FMSPC>/collateral.json holding json, as an
 * operator lays it out (docs/kms-protocol.md, "Collateral"). */
static void collateral_dir(const char *dir, const char *json, const uint8_t *quote, size_t qlen)
{
	struct c2d_err err = { 0 };
	struct c2d_tdx_quote q;
	uint8_t raw[6];
	char fmspc[13], path[4096];
	if (c2d_tdxquote_parse(quote, qlen, &q, &err) < 0 || c2d_kmscoll_fmspc(&q, raw, &err) < 0)
		die("quote", &err);
	c2d_hex(raw, 6, fmspc);
	snprintf(path, sizeof(path), "%s/col", dir);
	int r = mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/col/fmspc", dir);
	r |= mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/col/fmspc/%s", dir, fmspc);
	if ((r | mkdir(path, 0700)) < 0)
		die(path, NULL);
	snprintf(path, sizeof(path), "%s/col/fmspc/%s/collateral.json", dir, fmspc);
	if (c2d_fs_write_atomic(path, json, strlen(json), 0600, &err) < 0)
		die(path, &err);
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };
	long n = argc > 2 ? atol(argv[2]) : 500;
	if (argc < 2 || argc > 3 || n < 1 || n > 100000) {
		fprintf(stderr, "usage: bench-kms DIR [N]\n");
		return 1;
	}
	const char *dir = argv[1];
	char path[4096];
	if (mkdir(dir, 0700) < 0) {
		fprintf(stderr, "bench-kms: %s: cannot create (it must not exist)\n", dir);
		return 1;
	}

	secp256k1_context *secp;
	struct c2d_simca ca;
	struct c2d_collateral col;
	char *json_text;
	if (c2d_key_secp_context(&secp, &err) < 0 || c2d_simca_open(&ca, dir, &err) < 0 ||
	    c2d_simca_collateral(&ca, NOW - 3600, 0, &json_text, &err) < 0 ||
	    c2d_collateral_json_parse_dcapqvl(json_text, strlen(json_text), "sim", &col, &err) < 0)
		die("simulated PKI", &err);

	/* The sealed test vector and its KMS key, installed as an operator
	 * would (mode 0600). */
	uint8_t *hex, *sealed, sk[32];
	size_t len, sealed_len;
	struct c2d_kmskey *key;
	snprintf(path, sizeof(path), "%s/kms.key", dir);
	if (c2d_fs_read_file("tests/vectors/seal/kms.key", 4096, &hex, &len, &err) < 0 || len < 64 ||
	    c2d_hex_decode((const char *)hex, 64, sk, 32, &err) < 0 ||
	    c2d_key_write(path, sk, &err) < 0 || c2d_kmskey_load(secp, path, &key, &err) < 0)
		die("tests/vectors/seal/kms.key (run from the repository's root)", &err);
	explicit_bzero(sk, sizeof(sk));
	explicit_bzero(hex, len);
	free(hex);
	uint32_t hlen = 0;
	uint64_t total = 0;
	struct c2d_seal_header hdr;
	if (c2d_fs_read_file("tests/vectors/seal/vector.sealed", 1u << 24, &sealed, &sealed_len, &err) < 0 ||
	    c2d_sealhdr_peek(sealed, &hlen, &total, &err) < 0 || c2d_sealhdr_parse(sealed, hlen, &hdr, &err) < 0)
		die("tests/vectors/seal/vector.sealed", &err);

	/* The image the vector's recipe names, its RTMR1/2 published. */
	static const uint8_t rtmr1[48] = { 0x11, 0x11 }, rtmr2[48] = { 0x22, 0x22 };
	struct c2d_td_policy td;
	struct c2d_kms_image image = { .micro_eps = EPS, .micro_rho = RHO };
	c2d_tdpolicy_default(&td);
	memcpy(image.compose_hash, hdr.recipe.compose_hash, 32);
	for (int r = 0; r < C2D_TDPOLICY_NREGS; r++)
		image.reg_state[r] = C2D_TDPOLICY_PINNED;
	memcpy(image.reg[C2D_TDPOLICY_RTMR1], rtmr1, 48);
	memcpy(image.reg[C2D_TDPOLICY_RTMR2], rtmr2, 48);

	/* A chain that approves at once and never runs out of budget. */
	struct kmsview_mem chain = { .block = 1000, .compose = { .approvals = 2, .threshold = 2 } };
	struct c2d_kmsview iface;
	*kmsview_mem_dataset(&chain, hdr.owner, hdr.dataset_id) = (struct c2d_kmsview_dataset){
		.approved = 1, .budget_set = 1, .cap_eps = UINT64_MAX / 2, .cap_rho = UINT64_MAX / 2 };
	kmsview_mem_iface(&chain, &iface);

	struct c2d_kmschal_store chal;
	struct c2d_kmslog log, log2;
	snprintf(path, sizeof(path), "%s/release.log", dir);
	if (c2d_kmschal_init(&chal, (size_t)n + 1, 3600, &err) < 0 || c2d_kmslog_open(&log, path, &err) < 0)
		die("challenges, release log", &err);
	struct c2d_kmscoll *coll;
	snprintf(path, sizeof(path), "%s/col", dir);
	if (c2d_kmscoll_open(path, ca.root_cert.der, ca.root_cert.len, 1, &coll, &err) < 0)
		die("collateral cache", &err);
	struct c2d_kms_config cfg = { .secp = secp, .key = key, .images = &image, .n_images = 1, .td = &td,
				      .collateral = coll, .chain = &iface, .challenges = &chal, .log = &log };
	memcpy(cfg.app_id, hdr.recipe.app_id, 20);
	/* The daemon's start line, without which nothing is anchored. */
	struct c2d_kmslog_image im = { .micro_eps = image.micro_eps, .micro_rho = image.micro_rho };
	struct c2d_kmslog_start start = { .time = NOW, .images = &im, .n_images = 1, .allow_simulated = 1 };
	memcpy(im.compose_hash, image.compose_hash, 32);
	memcpy(start.kms, key->address, 20);
	memcpy(start.app_id, cfg.app_id, 20);
	if (c2d_kmslog_append_start(&log, &start, &err) < 0)
		die("release log", &err);

	struct cvm v = { .hdr = &hdr, .envelope = sealed, .env_len = hlen };
	uint8_t eph_sk[32], run_sk[32];
	memset(eph_sk, 0x41, 32);
	memset(run_sk, 0x52, 32);
	if (c2d_kw_pubkey(secp, eph_sk, v.eph_pub, &err) < 0 || c2d_kw_pubkey(secp, run_sk, v.run_pub, &err) < 0)
		die("CVM keys", &err);
	memcpy(v.regs.rtmr[1], rtmr1, 48);
	memcpy(v.regs.rtmr[2], rtmr2, 48);

	/* Request n is the warm-up, answered before the clock starts. */
	char **req = calloc((size_t)n + 1, sizeof(*req));
	uint8_t **quote = calloc((size_t)n + 1, sizeof(*quote));
	size_t *qlen = calloc((size_t)n + 1, sizeof(*qlen));
	double *lat = calloc((size_t)n, sizeof(*lat)), *split = calloc((size_t)n, sizeof(*split));
	if (req == NULL || quote == NULL || qlen == NULL || lat == NULL || split == NULL)
		die("out of memory", NULL);
	for (long i = 0; i <= n; i++) {
		uint8_t ch[32];
		if (c2d_kmschal_issue(&chal, NOW, ch, &err) < 0)
			die("challenge", &err);
		req[i] = request(&ca, &v, ch, &quote[i], &qlen[i]);
	}
	collateral_dir(dir, json_text, quote[0], qlen[0]);

	long released = 0;
	double t0 = 0;
	for (long i = -1; i < n; i++) {
		char *answer;
		const char *text = req[i < 0 ? n : i];
		if (i == 0)
			t0 = now_ns();
		double t = now_ns();
		if (c2d_kms_handle(&cfg, text, strlen(text), NOW, &answer, &err) < 0)
			die("c2d_kms_handle", &err);
		if (i >= 0)
			lat[i] = now_ns() - t;
		json_t *a = json_loads(answer, 0, NULL);
		const char *type = json_string_value(json_object_get(a, "type"));
		if (type == NULL || strcmp(type, "release") != 0) {
			fprintf(stderr, "bench-kms: not a release: %s\n", answer);
			exit(1);
		}
		released += i >= 0;
		json_decref(a);
		free(answer);
	}
	double wall = now_ns() - t0;
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp_double);
	printf("releases %ld\n", released);
	printf("p50 %.0f\n", lat[n / 2]);
	printf("p99 %.0f\n", lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1]);
	printf("rate %.1f\n", (double)n / (wall / 1e9));
	uint64_t reads = c2d_kmscoll_reads(coll);
	printf("reads %llu\n", (unsigned long long)reads);
	if (reads != 1)
		die("the cache read its directory more than once", NULL);

	/* Where the time goes: the cache's lookup alone... */
	for (long i = 0; i < n; i++) {
		struct c2d_tdx_quote q;
		struct c2d_kmscoll_entry *e;
		if (c2d_tdxquote_parse(quote[i], qlen[i], &q, &err) < 0)
			die("quote", &err);
		double t = now_ns();
		if (c2d_kmscoll_acquire(coll, &q, NOW, &e, &err) < 0)
			die("collateral", &err);
		c2d_kmscoll_release(coll, e);
		split[i] = now_ns() - t;
	}
	qsort(split, (size_t)n, sizeof(split[0]), cmp_double);
	printf("collateral %.0f\n", split[n / 2]);
	/* ...the same quotes verified against the prepared collateral, and in
	 * one shot... */
	struct c2d_verify_policy pol = { .root_der = ca.root_cert.der, .root_len = ca.root_cert.len,
					 .allow_simulated = 1, .td = &td };
	struct c2d_tdxverify_prepared *prep;
	if (c2d_tdxverify_prepare(&col, &pol, NOW, &prep, &err) < 0)
		die("collateral", &err);
	for (long i = 0; i < n; i++) {
		struct c2d_tdx_quote q;
		struct c2d_verify_result res;
		double t = now_ns();
		if (c2d_tdxquote_parse(quote[i], qlen[i], &q, &err) < 0 ||
		    c2d_tdxverify_quote_prepared(&q, prep, &td, NOW, &res, &err) < 0)
			die("quote", &err);
		split[i] = now_ns() - t;
	}
	c2d_tdxverify_prepared_free(prep);
	qsort(split, (size_t)n, sizeof(split[0]), cmp_double);
	printf("prepared %.0f\n", split[n / 2]);
	for (long i = 0; i < n; i++) {
		struct c2d_tdx_quote q;
		struct c2d_verify_result res;
		double t = now_ns();
		if (c2d_tdxquote_parse(quote[i], qlen[i], &q, &err) < 0 ||
		    c2d_tdxverify_quote(&q, &col, &pol, NOW, &res, &err) < 0)
			die("quote", &err);
		split[i] = now_ns() - t;
	}
	qsort(split, (size_t)n, sizeof(split[0]), cmp_double);
	printf("quote %.0f\n", split[n / 2]);
	/* ...and a release line appended to a second log in the same place. */
	snprintf(path, sizeof(path), "%s/split.log", dir);
	if (c2d_kmslog_open(&log2, path, &err) < 0)
		die("split log", &err);
	struct c2d_kmsview_pair pair;
	memcpy(pair.owner, hdr.owner, 20);
	memcpy(pair.dataset_id, hdr.dataset_id, 32);
	struct c2d_kmslog_entry e = { .time = NOW, .release = 1, .has_compose = 1, .n_datasets = 1,
				      .datasets = &pair, .has_block = 1, .block = 1000, .has_run = 1 };
	memcpy(e.compose_hash, hdr.recipe.compose_hash, 32);
	memcpy(e.app_id, hdr.recipe.app_id, 20);
	for (long i = 0; i < n; i++) {
		double t = now_ns();
		if (c2d_kmslog_append(&log2, &e, &err) < 0)
			die("split log", &err);
		split[i] = now_ns() - t;
	}
	qsort(split, (size_t)n, sizeof(split[0]), cmp_double);
	printf("log %.0f\n", split[n / 2]);

	for (long i = 0; i <= n; i++) {
		free(req[i]);
		free(quote[i]);
	}
	free(req);
	free(quote);
	free(qlen);
	free(lat);
	free(split);
	c2d_kmslog_close(&log2);
	c2d_kmslog_close(&log);
	c2d_kmschal_free(&chal);
	c2d_kmscoll_close(coll);
	free(json_text);
	c2d_kmskey_free(key);
	c2d_sealhdr_free(&hdr);
	c2d_collateral_free(&col);
	c2d_simca_close(&ca);
	secp256k1_context_destroy(secp);
	free(sealed);
	return released == n ? 0 : 1;
}
