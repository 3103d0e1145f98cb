/*
 * c2d kms: the key management service (docs/cli.md, "c2d kms"). `serve`
 * runs the daemon (host/kms/kmsserve.h); `pubkey` prints the public key
 * that recipes carry, from the root key file (mode 0600); `log verify`
 * checks a release log's chain of hashes and, with --rpc, each release's
 * anchor against its spend on chain.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "c2d/hex.h"
#include "cli.h"
#include "ethtx.h"
#include "fsutil.h"
#include "keyfile.h"
#include "kmschain.h"
#include "kmscoll.h"
#include "kmsimage.h"
#include "kmskey.h"
#include "kmslog.h"
#include "kmsserve.h"
#include "kmsview_rpc.h"

#define IMAGES_MAX 16

static const char help[] =
	"usage: c2d kms serve --key FILE --rpc URL --app 0xADDRESS --policy FILE\n"
	"                     --collateral DIR --image DIR [--image DIR ...] [--root FILE]\n"
	"                     [--allow-simulated] [--listen ADDR:PORT] [--log FILE]\n"
	"                     [--confirmations N|finalized] [--challenge-lifetime SECONDS]\n"
	"       c2d kms pubkey --key FILE\n"
	"       c2d kms log verify FILE [--rpc URL --app 0xADDRESS]\n"
	"\n"
	"serve runs the KMS (docs/kms-protocol.md): HTTP on ADDR:PORT (default\n"
	"127.0.0.1:8453; port 0 picks one), the root key FILE (mode 0600; its address\n"
	"is the contract's kms and sends the budget spends), the consortium contract\n"
	"0xADDRESS at the JSON-RPC URL read N blocks deep (default 1) or at the\n"
	"finalized block, the TD policy FILE (its registers come from each image),\n"
	"collateral from DIR/fmspc/<FMSPC>/, each served image from its directory\n"
	"(measurements.json with initrd.cpio or analysis.conf), the release log FILE\n"
	"(default release.log), to which it appends a start line recording what it\n"
	"serves. --root names the simulation root that --allow-simulated trusts.\n"
	"It prints \"listening on ADDR:PORT\" when ready and stops on SIGTERM or\n"
	"SIGINT.\n"
	"\n"
	"pubkey prints the KMS's compressed public key (what recipes carry) and its\n"
	"address (the consortium contract's kms), from the root key FILE, which must\n"
	"have mode 0600. log verify checks a release log: every line canonical, in\n"
	"sequence, and chained to the one before by its hash; it prints the number of\n"
	"lines and of starts, and the head; with --rpc, each release's anchor must be\n"
	"the head its spend transaction carried on chain, and so must a refusal's\n"
	"that names a mined spend (one never mined, or reverted, is printed, not an\n"
	"error). Exit codes: 0 ok (serve: stopped by a\n"
	"signal), 1 an anchor the chain does not confirm, 2 usage, 3 a key, log,\n"
	"policy, image or collateral directory that does not check, 4 a file that\n"
	"cannot be read, the chain unreachable or the address in use.\n";

static c2d_status pubkey(int argc, char **argv, struct c2d_err *err)
{
	if (argc != 3 || strcmp(argv[1], "--key") != 0)
		return c2d_fail(err, C2D_E_USAGE, "expected --key FILE; see 'c2d kms --help'");
	secp256k1_context *ctx;
	struct c2d_kmskey *key;
	int r = c2d_key_secp_context(&ctx, err);
	if (r < 0)
		return r;
	if ((r = c2d_kmskey_load(ctx, argv[2], &key, err)) == C2D_OK) {
		char pub[67], addr[41];
		c2d_hex(key->pub, sizeof(key->pub), pub);
		c2d_hex(key->address, sizeof(key->address), addr);
		printf("public_key %s\naddress    0x%s\n", pub, addr);
		c2d_kmskey_free(key);
	}
	secp256k1_context_destroy(ctx);
	return r;
}

/* The on-chain check of one spend for c2d_kmslog_verify: a release's must
 * carry its anchor; so must a refusal's that was mined, but one never
 * mined, or reverted, charged and anchored nothing: reported, not an
 * error (docs/kms-protocol.md, "Release log"). */
static c2d_status anchor_check(void *arg, uint64_t line, int release, const uint8_t spend_tx[32],
			       const uint8_t anchor[32], struct c2d_err *err)
{
	struct c2d_kmschain_anchor a = { .by_tx = 1 };
	struct c2d_kmschain_anchor_check out;
	memcpy(a.txhash, spend_tx, 32);
	memcpy(a.head, anchor, 32);
	int r = c2d_kmschain_verify(arg, &a, 1, &out, err);
	if (r == C2D_E_REFUSED && !release &&
	    (out.verdict == C2D_KMSCHAIN_UNMINED || out.verdict == C2D_KMSCHAIN_REVERTED)) {
		char h[65];
		c2d_hex(spend_tx, 32, h);
		printf("line %llu: the refusal's spend 0x%s %s\n", (unsigned long long)line, h,
		       out.verdict == C2D_KMSCHAIN_UNMINED ? "is not mined" : "reverted");
		return C2D_OK;
	}
	return r;
}

static c2d_status log_verify(int argc, char **argv, struct c2d_err *err)
{
	const char *rpc = NULL, *app = NULL;
	if (argc == 7 && strcmp(argv[3], "--rpc") == 0 && strcmp(argv[5], "--app") == 0) {
		rpc = argv[4];
		app = argv[6];
		argc = 3;
	}
	if (argc != 3 || strcmp(argv[1], "verify") != 0 || argv[2][0] == '-')
		return c2d_fail(err, C2D_E_USAGE, "expected verify FILE [--rpc URL --app 0xADDRESS]; see 'c2d kms --help'");
	uint8_t *buf, app_id[20];
	size_t len;
	struct c2d_kmslog_summary sum;
	struct c2d_kmschain kc = { 0 };
	int r = C2D_OK;
	if (app != NULL && (r = c2d_ethtx_address_parse(app, "--app", app_id, err)) < 0)
		return r;
	if ((r = c2d_fs_read_file(argv[2], C2D_KMSLOG_FILE_MAX, &buf, &len, err)) < 0)
		return r;
	if (rpc == NULL || (r = c2d_kmschain_open(&kc, rpc, app_id, 0, 10000, err)) == C2D_OK)
		r = c2d_kmslog_verify((const char *)buf, len, argv[2], rpc != NULL ? anchor_check : NULL, &kc, &sum,
				      err);
	c2d_kmschain_close(&kc);
	free(buf);
	if (r == C2D_OK) {
		char h[65];
		c2d_hex(sum.head, 32, h);
		printf("lines %llu\nstarts %llu\nhead  %s\n", (unsigned long long)sum.lines,
		       (unsigned long long)sum.starts, h);
	}
	return r;
}

struct serve_opts {
	const char *key, *rpc, *app, *policy, *collateral, *root, *log, *listen;
	const char *image[IMAGES_MAX];
	size_t n_images;
	int allow_simulated;
	uint64_t confirmations;
	int64_t lifetime;
};

static c2d_status serve_parse(int argc, char **argv, struct serve_opts *o, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "key", required_argument, 0, 'k' }, { "rpc", required_argument, 0, 'r' },
		{ "app", required_argument, 0, 'a' }, { "policy", required_argument, 0, 'p' },
		{ "collateral", required_argument, 0, 'c' }, { "image", required_argument, 0, 'i' },
		{ "root", required_argument, 0, 'R' }, { "allow-simulated", no_argument, 0, 's' },
		{ "listen", required_argument, 0, 'l' }, { "log", required_argument, 0, 'L' },
		{ "confirmations", required_argument, 0, 'n' },
		{ "challenge-lifetime", required_argument, 0, 't' }, { 0, 0, 0, 0 },
	};
	*o = (struct serve_opts){ .log = "release.log", .listen = "127.0.0.1:8453", .confirmations = 1,
				  .lifetime = 60 };
	char *end;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o->key = optarg; break;
		case 'r': o->rpc = optarg; break;
		case 'a': o->app = optarg; break;
		case 'p': o->policy = optarg; break;
		case 'c': o->collateral = optarg; break;
		case 'R': o->root = optarg; break;
		case 's': o->allow_simulated = 1; break;
		case 'l': o->listen = optarg; break;
		case 'L': o->log = optarg; break;
		case 'i':
			if (o->n_images == IMAGES_MAX)
				return c2d_fail(err, C2D_E_USAGE, "at most %d --image", IMAGES_MAX);
			o->image[o->n_images++] = optarg;
			break;
		case 'n':
			if (strcmp(optarg, "finalized") == 0) {
				o->confirmations = C2D_KMSCHAIN_FINALIZED;
				break;
			}
			o->confirmations = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || o->confirmations > 1000000)
				return c2d_fail(err, C2D_E_USAGE, "--confirmations %s: 0 to 1000000, or finalized", optarg);
			break;
		case 't':
			o->lifetime = strtoll(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end != '\0' || o->lifetime > 3600)
				return c2d_fail(err, C2D_E_USAGE, "--challenge-lifetime %s: 1 to 3600 seconds", optarg);
			break;
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d kms --help'");
		}
	}
	if (optind != argc || !o->key || !o->rpc || !o->app || !o->policy || !o->collateral || o->n_images == 0)
		return c2d_fail(err, C2D_E_USAGE, "serve needs --key --rpc --app --policy --collateral and --image; "
				"see 'c2d kms --help'");
	return C2D_OK;
}

/* ADDR:PORT into addr (the caller's buffer) and *port. */
static c2d_status parse_listen(const char *s, char addr[64], uint16_t *port, struct c2d_err *err)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p = colon != NULL ? strtoul(colon + 1, &end, 10) : 0;
	if (colon == NULL || colon == s || (size_t)(colon - s) >= 64 || colon[1] < '0' || colon[1] > '9' ||
	    *end != '\0' || p > 65535)
		return c2d_fail(err, C2D_E_USAGE, "--listen %s: expected ADDR:PORT", s);
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	*port = (uint16_t)p;
	return C2D_OK;
}

static void sha256_of(const void *p, size_t n, uint8_t out[32])
{
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, p, n);
	br_sha256_out(&h, out);
}

/* The policy without registers: the KMS takes them from each image.
 * sha256: the file's, for the start line. */
static c2d_status load_policy(const char *path, struct c2d_td_policy *td, uint8_t sha256[32], struct c2d_err *err)
{
	uint8_t *buf;
	size_t len;
	char *meas = NULL;
	int r = c2d_fs_read_file(path, 1u << 20, &buf, &len, err);
	if (r < 0)
		return r;
	r = c2d_tdpolicy_json_parse((const char *)buf, len, path, td, &meas, err);
	sha256_of(buf, len, sha256);
	free(buf);
	if (r == C2D_OK && meas != NULL)
		r = c2d_fail(err, C2D_E_INPUT, "%s: measurements: the KMS takes the registers from each --image; "
			     "leave it out", path);
	free(meas);
	return r;
}

/* Everything serve holds, so that one function releases it all. */
struct kms {
	secp256k1_context *secp;
	struct c2d_kmskey *key;
	struct c2d_td_policy td;
	struct c2d_kms_image images[IMAGES_MAX];
	uint8_t policy_sha256[32];
	int has_root;                  /* --root: its SHA-256, for the start line */
	uint8_t root_sha256[32];
	struct c2d_kmscoll *coll;
	struct c2d_kmschal_store chal;
	int chal_open, log_open, chain_open;
	struct c2d_kmslog log;
	struct c2d_kmsview_rpc rpc;
	struct c2d_kmsview view;
	struct c2d_kms_config cfg;
};

static void kms_free(struct kms *k)
{
	if (k->chain_open)
		c2d_kmsview_rpc_close(&k->rpc);
	if (k->log_open)
		c2d_kmslog_close(&k->log);
	if (k->chal_open)
		c2d_kmschal_free(&k->chal);
	c2d_kmscoll_close(k->coll);
	c2d_kmskey_free(k->key);
	if (k->secp != NULL)
		secp256k1_context_destroy(k->secp);
	free(k);
}

/* The start line: what this KMS serves from now on (host/kms/kmslog.h). */
static c2d_status log_start(const struct serve_opts *o, struct kms *k, struct c2d_err *err)
{
	struct c2d_kmslog_image im[IMAGES_MAX];
	struct c2d_kmslog_start s = { .time = (int64_t)time(NULL), .images = im, .n_images = o->n_images,
				      .finalized = o->confirmations == C2D_KMSCHAIN_FINALIZED,
				      .confirmations = o->confirmations, .allow_simulated = o->allow_simulated,
				      .has_root = k->has_root };
	memcpy(s.kms, k->key->address, 20);
	memcpy(s.app_id, k->cfg.app_id, 20);
	memcpy(s.policy_sha256, k->policy_sha256, 32);
	memcpy(s.root_sha256, k->root_sha256, 32);
	for (size_t i = 0; i < o->n_images; i++) {
		memcpy(im[i].compose_hash, k->images[i].compose_hash, 32);
		im[i].micro_eps = k->images[i].micro_eps;
		im[i].micro_rho = k->images[i].micro_rho;
	}
	return c2d_kmslog_append_start(&k->log, &s, err);
}

static c2d_status kms_open(const struct serve_opts *o, struct kms *k, struct c2d_err *err)
{
	uint8_t app[20];
	struct stat st;
	int r;
	if ((r = c2d_ethtx_address_parse(o->app, "--app", app, err)) < 0 ||
	    (r = c2d_key_secp_context(&k->secp, err)) < 0 ||
	    (r = c2d_kmskey_load(k->secp, o->key, &k->key, err)) < 0 || (r = load_policy(o->policy, &k->td, k->policy_sha256, err)) < 0)
		return r;
	for (size_t i = 0; i < o->n_images; i++)
		if ((r = c2d_kmsimage_load(o->image[i], &k->images[i], err)) < 0)
			return r;
	if (stat(o->collateral, &st) != 0 || !S_ISDIR(st.st_mode))
		return c2d_fail(err, C2D_E_INPUT, "--collateral %s: not a directory", o->collateral);
	uint8_t *root = NULL;
	size_t root_len = 0;
	if (o->root != NULL && (r = c2d_cmd_verify_read_root(o->root, &root, &root_len, err)) < 0)
		return r;
	if (root != NULL) {
		sha256_of(root, root_len, k->root_sha256);
		k->has_root = 1;
	}
	r = c2d_kmscoll_open(o->collateral, root, root_len, o->allow_simulated, &k->coll, err);
	free(root);
	if (r < 0)
		return r;
	if ((r = c2d_kmschal_init(&k->chal, 4096, o->lifetime, err)) < 0)
		return r;
	k->chal_open = 1;
	if ((r = c2d_kmslog_open(&k->log, o->log, err)) < 0)
		return r;
	k->log_open = 1;
	/* The root key sends the spends: the contract has one kms address,
	 * which both signs run certificates and may spend. */
	k->chain_open = 1;
	if ((r = c2d_kmsview_rpc_open(&k->rpc, o->rpc, app, o->confirmations, 10000, 120000, k->secp, k->key->sk,
				      &k->view, err)) < 0)
		return r;
	k->cfg = (struct c2d_kms_config){ .secp = k->secp, .key = k->key, .images = k->images,
					  .n_images = o->n_images, .td = &k->td,
					  .collateral = k->coll, .chain = &k->view,
					  .challenges = &k->chal, .log = &k->log };
	memcpy(k->cfg.app_id, app, 20);
	return log_start(o, k, err);
}

static c2d_status serve(int argc, char **argv, struct c2d_err *err)
{
	struct serve_opts o;
	char addr[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct c2d_kmsserve_opts so = { .addr = addr, .threads = ncpu < 2 ? 2 : ncpu > 16 ? 16 : (unsigned)ncpu,
					.connections = 256, .per_ip = 128, .timeout_s = 30 };
	int r;
	if ((r = serve_parse(argc, argv, &o, err)) < 0 || (r = parse_listen(o.listen, addr, &so.port, err)) < 0)
		return r;
	so.challenge_lifetime = o.lifetime;
	/* The process holds the root key: no core file, no ptrace by other
	 * processes of the same user, no /proc/PID/mem. */
	struct rlimit none = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return c2d_fail_errno(err, C2D_E_IO, "cannot disable core dumps");
	struct kms *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	if ((r = kms_open(&o, k, err)) == C2D_OK)
		r = c2d_kmsserve_run(&k->cfg, &so, stdout, err);
	kms_free(k);
	return r;
}

c2d_status c2d_cmd_kms(int argc, char **argv, struct c2d_err *err)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		return C2D_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return serve(argc - 1, argv + 1, err);
	if (argc >= 2 && strcmp(argv[1], "pubkey") == 0)
		return pubkey(argc - 1, argv + 1, err);
	if (argc >= 2 && strcmp(argv[1], "log") == 0)
		return log_verify(argc - 1, argv + 1, err);
	return c2d_fail(err, C2D_E_USAGE, "expected serve, pubkey or log verify; see 'c2d kms --help'");
}
