/*
 * c2d-kmschaintool: test-only window onto host/chain/kmschain.c, so that
 * tests/chain/kms.sh can drive the KMS's pinned reads, spend and anchor
 * checks against anvil. Not part of the product. CONF is a number of
 * confirmations or "finalized"; KC_TIMEOUT_MS (default 5000) bounds each
 * request, KC_WAIT_MS (default 120000) a spend's wait. Exit 0 on success,
 * 1 with the error on stderr otherwise (2 for bad arguments).
 *
 *   pin RPC APP CONF                    prints "NUMBER HASH"
 *   compose RPC APP HASH COMPOSE        at block HASH: "allowed A reason R revoked V approvals N threshold K"
 *   dataset RPC APP HASH COMPOSE OWNER ID
 *                                       at block HASH: "approved A expires T budget S E0 E1 R0 R1"
 *   spend RPC APP CONF KEY COMPOSE EPS RHO RUN HEAD OWNER:ID...
 *                                       prints "tx HASH block N"
 *   read-then-spend RPC APP CONF KEY COMPOSE EPS RHO RUN HEAD OWNER:ID
 *                                       pins and reads, prints "read at N", waits for a
 *                                       line on stdin, then spends as above
 *   verify RPC APP run|tx ID HEAD [run|tx ID HEAD...]
 *                                       one line per anchor: "match|mismatch|missing ..."
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "ethtx.h"
#include "kmschain.h"

static void usage(void)
{
	fputs("c2d-kmschaintool: bad arguments (see its source)\n", stderr);
	exit(2);
}

static void die(const struct c2d_err *err)
{
	fprintf(stderr, "c2d-kmschaintool: %s\n", err->msg);
	exit(1);
}

static void fixed(const char *s, uint8_t *out, size_t n)
{
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	if (c2d_hex_decode(s, strlen(s), out, n, NULL) < 0)
		usage();
}

static void put(const char *label, const uint8_t *p, size_t n)
{
	char h[2 * 32 + 1];
	c2d_hex(p, n, h);
	printf("%s0x%s", label, h);
}

static long env_ms(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v != NULL ? strtol(v, NULL, 10) : dflt;
}

static void open_kc(struct c2d_kmschain *kc, const char *url, const char *app_text, const char *conf)
{
	struct c2d_err err = { 0 };
	uint8_t app[20];
	uint64_t c = C2D_KMSCHAIN_FINALIZED;
	if (c2d_ethtx_address_parse(app_text, "app", app, &err) < 0)
		die(&err);
	if (strcmp(conf, "finalized") != 0)
		c = strtoull(conf, NULL, 10);
	if (c2d_kmschain_open(kc, url, app, c, env_ms("KC_TIMEOUT_MS", 5000), &err) < 0)
		die(&err);
	kc->wait_ms = env_ms("KC_WAIT_MS", 120000);
}

static void spend(struct c2d_kmschain *kc, char **argv, int argc, int pause)
{
	struct c2d_err err = { 0 };
	struct c2d_kmschain_dataset ds[64];
	struct c2d_kmschain_spend s = { .datasets = ds };
	struct c2d_kmschain_tx tx;
	uint8_t sk[32];
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (argc < 7 || argc - 6 > 64 || ctx == NULL)
		usage();
	fixed(argv[0], sk, 32);
	fixed(argv[1], s.compose, 32);
	s.micro_eps = strtoull(argv[2], NULL, 10);
	s.micro_rho = strtoull(argv[3], NULL, 10);
	fixed(argv[4], s.run_id, 32);
	fixed(argv[5], s.log_head, 32);
	for (int i = 6; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		if (colon == NULL)
			usage();
		*colon = '\0';
		if (c2d_ethtx_address_parse(argv[i], "owner", ds[s.n].owner, &err) < 0)
			die(&err);
		fixed(colon + 1, ds[s.n++].id, 32);
	}
	if (pause) {
		/* The KMS's order: one pinned read of everything, then the spend. */
		struct c2d_block at;
		struct c2d_kmschain_compose cf;
		struct c2d_kmschain_dataset_facts df;
		char line[16];
		if (c2d_kmschain_pin(kc, &at, &err) < 0 || c2d_kmschain_read_compose(kc, &at, s.compose, &cf, &err) < 0 ||
		    c2d_kmschain_read_dataset(kc, &at, s.compose, ds[0].owner, ds[0].id, &df, &err) < 0)
			die(&err);
		printf("read at %llu allowed %d approved %d\n", (unsigned long long)at.number, cf.allowed, df.approved);
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			usage();
	}
	int st = c2d_kmschain_spend(kc, ctx, sk, &s, &tx, &err);
	explicit_bzero(sk, sizeof(sk));
	secp256k1_context_destroy(ctx);
	if (st < 0)
		die(&err);
	put("tx ", tx.txhash, 32);
	printf(" block %llu\n", (unsigned long long)tx.block);
}

static int verify(struct c2d_kmschain *kc, char **argv, int argc)
{
	static const char *const names[] = { "match", "mismatch", "missing", "unmined", "reverted" };
	struct c2d_err err = { 0 };
	size_t n = (size_t)argc / 3;
	if (argc == 0 || argc % 3 != 0)
		usage();
	struct c2d_kmschain_anchor *a = calloc(n, sizeof(*a));
	struct c2d_kmschain_anchor_check *c = calloc(n, sizeof(*c));
	if (a == NULL || c == NULL)
		usage();
	for (size_t i = 0; i < n; i++) {
		a[i].by_tx = strcmp(argv[3 * i], "tx") == 0;
		fixed(argv[3 * i + 1], a[i].by_tx ? a[i].txhash : a[i].run_id, 32);
		fixed(argv[3 * i + 2], a[i].head, 32);
	}
	int st = c2d_kmschain_verify(kc, a, n, c, &err);
	if (st < 0 && st != C2D_E_REFUSED)
		die(&err);
	for (size_t i = 0; i < n; i++) {
		printf("%s", names[c[i].verdict]);
		if (c[i].verdict <= C2D_KMSCHAIN_MISMATCH) {
			put(" run ", c[i].run_id, 32);
			put(" head ", c[i].chain_head, 32);
			put(" tx ", c[i].txhash, 32);
			printf(" block %llu", (unsigned long long)c[i].block);
		}
		putchar('\n');
	}
	if (st < 0)
		fprintf(stderr, "c2d-kmschaintool: %s\n", err.msg);
	free(a);
	free(c);
	return st < 0;
}

int main(int argc, char **argv)
{
	struct c2d_kmschain kc;
	struct c2d_err err = { 0 };
	struct c2d_block at = { 0 };
	int rc = 0;
	if (argc < 5)
		usage();
	const char *cmd = argv[1];
	int pinned = strcmp(cmd, "compose") == 0 || strcmp(cmd, "dataset") == 0;
	open_kc(&kc, argv[2], argv[3], pinned || strcmp(cmd, "verify") == 0 ? "0" : argv[4]);
	if (pinned)
		fixed(argv[4], at.hash, 32);
	if (strcmp(cmd, "pin") == 0) {
		if (c2d_kmschain_pin(&kc, &at, &err) < 0)
			die(&err);
		printf("%llu", (unsigned long long)at.number);
		put(" ", at.hash, 32);
		putchar('\n');
	} else if (strcmp(cmd, "compose") == 0 && argc == 6) {
		struct c2d_kmschain_compose f;
		uint8_t h[32];
		fixed(argv[5], h, 32);
		if (c2d_kmschain_read_compose(&kc, &at, h, &f, &err) < 0)
			die(&err);
		printf("allowed %d reason '%s' revoked %d approvals %llu threshold %llu\n", f.allowed, f.reason,
		       f.revoked, (unsigned long long)f.approvals, (unsigned long long)f.threshold);
	} else if (strcmp(cmd, "dataset") == 0 && argc == 8) {
		struct c2d_kmschain_dataset_facts f;
		uint8_t h[32], owner[20], id[32];
		fixed(argv[5], h, 32);
		if (c2d_ethtx_address_parse(argv[6], "owner", owner, &err) < 0)
			die(&err);
		fixed(argv[7], id, 32);
		if (c2d_kmschain_read_dataset(&kc, &at, h, owner, id, &f, &err) < 0)
			die(&err);
		printf("approved %d expires %llu budget %d %llu %llu %llu %llu\n", f.approved,
		       (unsigned long long)f.expires_at, f.budget_set, (unsigned long long)f.cap_micro_eps,
		       (unsigned long long)f.spent_micro_eps, (unsigned long long)f.cap_micro_rho,
		       (unsigned long long)f.spent_micro_rho);
	} else if (strcmp(cmd, "spend") == 0 || strcmp(cmd, "read-then-spend") == 0) {
		spend(&kc, argv + 5, argc - 5, cmd[0] == 'r');
	} else if (strcmp(cmd, "verify") == 0) {
		rc = verify(&kc, argv + 4, argc - 4);
	} else {
		usage();
	}
	c2d_kmschain_close(&kc);
	return rc;
}
