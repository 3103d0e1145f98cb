/*
 * host/kms/kmslog.h: the KMS's release log (docs/kms-protocol.md, "Release
 * log"): an append-only file of JSON lines, one per start of the KMS and
 * one per attestation request, each hash-chained to the one before.
 *
 * A line is a JSON object written with sorted keys, no white space and
 * ASCII only (jansson's JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII;
 * its members are strings of hex and names, booleans, and integers below
 * 2^53, for which this is RFC 8785's canonical form), then "\n". Every
 * line has "v" 1; "seq" its index from 0; "prev" the head before it (hex);
 * "time" unix seconds; "outcome" "start", "release" or "refusal".
 *
 * A start line records what the KMS serves from then on, all of it public:
 *   "kms" the root key's address; "app_id" the consortium contract;
 *   "images" [{"compose_hash", "micro_eps", "micro_rho"}] in the order
 *   served; "confirmations" the read depth, or "finalized";
 *   "allow_simulated"; "policy_sha256" the TD policy file's SHA-256;
 *   "root_sha256" (only with --root) the simulation root's (DER) SHA-256.
 * It has no "check", "datasets", "spend_tx" or "anchor". The daemon writes
 * one each time it starts, before it listens, so a restart with another
 * configuration shows in the log, and the head is never head_0 when a
 * spend is anchored (the contract refuses a zero head).
 *
 * A release or refusal records:
 *   "check" and "reason" (refusals): the first check that failed, and why;
 *   "compose_hash", "app_id" (once measured), "datasets" [{"owner",
 *   "dataset_id"}] (once the envelopes parsed), "block" (once read),
 *   "run_id", "run_signer", "spend_tx", "anchor" (releases, and refusals
 *   whose spend transaction was signed and so may be on chain: anchor is
 *   the head that went into the spend transaction).
 * Never a key: no member holds secret material, and the writer takes none.
 *
 *   head_0     = 32 zero bytes
 *   head_{i+1} = SHA-256("c2d-kms-log-v1" ‖ head_i ‖ line_i)
 * with line_i the line's bytes without its "\n". An anchor is a head the
 * log had when its spend was sent (releases run concurrently, so it may be
 * a few lines back); the contract records it, so the chain timestamps
 * every line up to it.
 *
 * Durability: the file is opened O_APPEND; a line is written with one
 * write() and fsync()ed before c2d_kmslog_append returns, so a release is
 * answered only after its line is on disk. A failed or short write leaves
 * the log closed for appends (every later append fails): the KMS stops
 * releasing rather than leave a gap.
 *
 * A struct c2d_kmslog is the caller's (no global state) and has its own
 * mutex: appends from several threads are serialised. Not constant-time:
 * everything in the log is public.
 *
 * Prefix: c2d_kmslog_
 */
#ifndef C2D_HOST_KMSLOG_H
#define C2D_HOST_KMSLOG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/kmsview.h"
#include "c2d/kmsrelease.h"

#define C2D_KMSLOG_FILE_MAX (1u << 30)

struct c2d_kmslog {
	pthread_mutex_t lock;
	int fd;                /* -1 once broken */
	uint64_t seq;          /* lines so far */
	uint8_t head[32];
};

/* What one line records; the has_ flags say which optional parts exist. */
struct c2d_kmslog_entry {
	int64_t time;
	int release;                   /* 1 release, 0 refusal */
	const char *check, *reason;    /* refusals */
	int has_compose;
	uint8_t compose_hash[32];
	uint8_t app_id[20];
	size_t n_datasets;
	const struct c2d_kmsview_pair *datasets;
	int has_block;
	uint64_t block;
	int has_run;                   /* run_id, run_signer, spend_tx, anchor: releases,
	                                  and refusals whose spend was signed */
	uint8_t run_id[32];
	uint8_t run_signer[20];
	uint8_t spend_tx[32];
	uint8_t anchor[32];
};

/* What one image costs a run, for the start line. */
struct c2d_kmslog_image {
	uint8_t compose_hash[32];
	uint64_t micro_eps, micro_rho;
};

/* What a start line records (see above). */
struct c2d_kmslog_start {
	int64_t time;
	uint8_t kms[20];               /* the root key's address */
	uint8_t app_id[20];
	const struct c2d_kmslog_image *images;   /* 1 or more, the caller's */
	size_t n_images;
	int finalized;                 /* 1: reads at the finalized block */
	uint64_t confirmations;        /* otherwise: this deep */
	int allow_simulated;
	uint8_t policy_sha256[32];
	int has_root;
	uint8_t root_sha256[32];
};

/* Opens (creating it mode 0644, the log being public) the log at path,
 * verifying what it holds and continuing its chain. C2D_E_INPUT naming the
 * line when the existing log does not verify, C2D_E_IO. */
C2D_MUST_CHECK c2d_status c2d_kmslog_open(struct c2d_kmslog *log, const char *path,
					  struct c2d_err *err);

void c2d_kmslog_close(struct c2d_kmslog *log);

/* The current head (to anchor a spend). */
void c2d_kmslog_head(struct c2d_kmslog *log, uint8_t head[32]);

/* Appends e's line, durably. C2D_E_IO (and the log is closed for appends),
 * C2D_E_NOMEM. */
C2D_MUST_CHECK c2d_status c2d_kmslog_append(struct c2d_kmslog *log, const struct c2d_kmslog_entry *e,
					    struct c2d_err *err);

/* Appends s's start line, durably; errors as c2d_kmslog_append, and
 * C2D_E_USAGE for a start without images. */
C2D_MUST_CHECK c2d_status c2d_kmslog_append_start(struct c2d_kmslog *log, const struct c2d_kmslog_start *s,
						  struct c2d_err *err);

/* The on-chain check of the spend that line `line` (from 1) names, for
 * c2d_kmslog_verify: release 1 for a release, 0 for a refusal whose spend
 * was signed. C2D_OK when the check accepts it, or an error, passed on. */
typedef c2d_status (*c2d_kmslog_spend_check)(void *arg, uint64_t line, int release, const uint8_t spend_tx[32],
					     const uint8_t anchor[32], struct c2d_err *err);

/* What c2d_kmslog_verify counted. */
struct c2d_kmslog_summary {
	uint64_t lines, starts, releases, refusals;
	uint8_t head[32];              /* the head after the last line */
};

/* Checks the log buf[0..len) (name: the file, for messages): every line
 * canonical, "seq" counting from 0, "prev" the running head, start lines
 * complete, releases (and refusals that name a spend) with both spend_tx
 * and an anchor that is an earlier head and, when check is not NULL,
 * accepted by check. *sum (may be NULL): what it counted. C2D_E_INPUT
 * "name:LINE: why" for the first bad line. */
C2D_MUST_CHECK c2d_status c2d_kmslog_verify(const char *buf, size_t len, const char *name,
					    c2d_kmslog_spend_check check, void *arg,
					    struct c2d_kmslog_summary *sum, struct c2d_err *err);

#endif
