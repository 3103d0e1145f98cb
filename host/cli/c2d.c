/*
 * c2d: the host-side command line of compute-to-data on confidential VMs.
 * Runs outside the CVM. See docs/cli.md for every command and exit code.
 */
#include <stdio.h>
#include <string.h>

#include "c2d/aead.h"
#include "c2d/digest.h"
#include "cli.h"

static const struct c2d_command commands[] = {
	{ "keygen", "create a secp256k1 key file (0600) and its public key", c2d_cmd_seal_keygen },
	{ "recipe", "write the recipe owners seal to, from an image's measurements", c2d_cmd_seal_recipe },
	{ "seal", "seal a CSV/TSV table to a recipe", c2d_cmd_seal },
	{ "inspect", "print a sealed file's public header as JSON", c2d_cmd_seal_inspect },
	{ "gen-cohort", "write a synthetic cardio-renal cohort (CSV) for demos and tests", c2d_cmd_gencohort },
	{ "run", "run an analysis on the host: --central (plaintext) or --sealed (as the CVM)", c2d_cmd_run },
	{ "quote", "show a TDX quote (v4/v5); replay its event log to RTMR0-3", c2d_cmd_quote },
	{ "sim-quoter", "simulated TDX quotes and collateral for machines without TDX", c2d_cmd_simquoter },
	{ "measure", "compute the compose-hash and digests of a built image", c2d_cmd_measure },
	{ "chain", "deploy the consortium contract; show its owners, criteria, approvals", c2d_cmd_chain },
	{ "approve", "approve a compose-hash as a consortium owner (signed transaction)", c2d_cmd_chain_approve },
	{ "revoke", "revoke a compose-hash for good as a consortium owner", c2d_cmd_chain_revoke },
	{ "kms", "the key management service: its public key; verify its release log", c2d_cmd_kms },
	{ "budget", "set a dataset's privacy budget (epsilon) on the consortium contract", c2d_cmd_chain_budget },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: c2d <command> [options]   (c2d <command> --help for more)\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nexit codes: 0 ok, 1 refused, 2 usage, 3 bad input, 4 I/O error,\n"
		   "            5 out of memory, 70 internal error\n");
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* Before any command's first digest or AES-GCM context: an
		 * accelerated backend that fails its known answers is replaced
		 * by BearSSL's portable code, with one warning; a portable one
		 * that fails stops everything (docs/architecture.md, "Crypto
		 * self-tests"). */
		int r = c2d_digest_selftest(1, &err);
		if (r == 1)
			fprintf(stderr, "c2d: warning: %s; using the portable code\n", err.msg);
		if (r >= 0 && (r = c2d_gcm_selftest(1, &err)) == 1)
			fprintf(stderr, "c2d: warning: %s; using the portable code\n", err.msg);
		if (r >= 0)
			r = commands[i].run(argc - 1, argv + 1, &err);
		if (r < 0)
			fprintf(stderr, "c2d %s: %s\n", commands[i].name, err.msg);
		return c2d_exit_code(r);
	}
	fprintf(stderr, "c2d: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
