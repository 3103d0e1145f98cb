/*
 * c2d kms: the key management service's offline commands (docs/cli.md,
 * "c2d kms"). `pubkey` prints the public key that recipes carry, from the
 * root key file (mode 0600); `log verify` checks a release log's chain of
 * hashes. The daemon (`serve`) and the on-chain check of the log's anchors
 * (`log verify --rpc`) come with the chain client's spend anchor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "cli.h"
#include "fsutil.h"
#include "keyfile.h"
#include "kmskey.h"
#include "kmslog.h"

static const char help[] =
	"usage: c2d kms pubkey --key FILE\n"
	"       c2d kms log verify FILE\n"
	"\n"
	"pubkey prints the KMS's compressed public key (what recipes carry) and its\n"
	"address (the consortium contract's kms), from the root key FILE, which must\n"
	"have mode 0600. log verify checks a release log: every line canonical, in\n"
	"sequence, and chained to the one before by its hash; it prints the number of\n"
	"lines and the head. Exit codes: 0 ok, 2 usage, 3 a key or a log that does\n"
	"not check, 4 a file that cannot be read.\n";

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

static c2d_status log_verify(int argc, char **argv, struct c2d_err *err)
{
	if (argc != 3 || strcmp(argv[1], "verify") != 0 || argv[2][0] == '-')
		return c2d_fail(err, C2D_E_USAGE, "expected verify FILE; see 'c2d kms --help'");
	uint8_t *buf, head[32];
	size_t len;
	uint64_t lines;
	int r = c2d_fs_read_file(argv[2], C2D_KMSLOG_FILE_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	/* The on-chain check of each release's anchor plugs in here as the
	 * spend check, once the contract's spend records it. */
	r = c2d_kmslog_verify((const char *)buf, len, argv[2], NULL, NULL, &lines, head, err);
	free(buf);
	if (r == C2D_OK) {
		char h[65];
		c2d_hex(head, 32, h);
		printf("lines %llu\nhead  %s\n", (unsigned long long)lines, h);
	}
	return r;
}

c2d_status c2d_cmd_kms(int argc, char **argv, struct c2d_err *err)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		return C2D_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "pubkey") == 0)
		return pubkey(argc - 1, argv + 1, err);
	if (argc >= 2 && strcmp(argv[1], "log") == 0)
		return log_verify(argc - 1, argv + 1, err);
	return c2d_fail(err, C2D_E_USAGE, "expected pubkey or log verify; see 'c2d kms --help'");
}
