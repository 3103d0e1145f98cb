/*
 * host/cli/cli.h: the subcommands of `c2d`. Each takes its own argv (argv[0] is
 * the subcommand's name), prints its own --help to stdout, and returns 0 or
 * a negative c2d_status with err filled; main() prints err and maps the
 * status to the exit code documented in docs/cli.md.
 *
 * Prefix of host/cli/cmd_chain.c: c2d_cmd_chain
 * Prefix of host/cli/cmd_gencohort.c: c2d_cmd_gencohort
 * Prefix of host/cli/cmd_kms.c: c2d_cmd_kms
 * Prefix of host/cli/cmd_measure.c: c2d_cmd_measure
 * Prefix of host/cli/cmd_quote.c: c2d_cmd_quote
 * Prefix of host/cli/cmd_replay.c: c2d_cmd_replay
 * Prefix of host/cli/cmd_run.c: c2d_cmd_run
 * Prefix of host/cli/cmd_seal.c: c2d_cmd_seal
 * Prefix of host/cli/cmd_simquoter.c: c2d_cmd_simquoter
 * Prefix of host/cli/cmd_verify.c: c2d_cmd_verify
 */
#ifndef C2D_HOST_CLI_H
#define C2D_HOST_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

struct c2d_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv, struct c2d_err *err);
};

C2D_MUST_CHECK c2d_status c2d_cmd_measure(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_seal_keygen(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_seal_recipe(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_seal(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_seal_inspect(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_gencohort(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_run(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_quote(int argc, char **argv, struct c2d_err *err);
/* c2d quote replay (host/cli/cmd_replay.c), dispatched by c2d_cmd_quote. */
C2D_MUST_CHECK c2d_status c2d_cmd_replay(int argc, char **argv, struct c2d_err *err);
/* c2d quote verify (host/cli/cmd_verify.c), dispatched by c2d_cmd_quote. */
C2D_MUST_CHECK c2d_status c2d_cmd_verify(int argc, char **argv, struct c2d_err *err);
/* A trust anchor from a DER or PEM file (one certificate) into *der
 * (malloc'd): c2d quote verify --root and c2d kms serve --root. */
C2D_MUST_CHECK c2d_status c2d_cmd_verify_read_root(const char *path, uint8_t **der, size_t *len,
						   struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_simquoter(int argc, char **argv, struct c2d_err *err);
/* host/cli/cmd_chain.c: the consortium contract. */
C2D_MUST_CHECK c2d_status c2d_cmd_chain(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_chain_approve(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_chain_revoke(int argc, char **argv, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_cmd_chain_budget(int argc, char **argv, struct c2d_err *err);
/* host/cli/cmd_kms.c: the KMS: its daemon and offline commands. */
C2D_MUST_CHECK c2d_status c2d_cmd_kms(int argc, char **argv, struct c2d_err *err);

#endif
