/*
 * host/kms/kmslog.h: the KMS's release log (docs/kms-protocol.md, "Release
 * log"): an append-only file of JSON lines, one per attestation request,
 * each a release or a refusal, each hash-chained to the one before.
 *
 * A line is a JSON object written with sorted keys, no white space and
 * ASCII only (jansson's JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII;
 * its members are strings of hex and names, and integers below 2^53, for
 * which this is RFC 8785's canonical form), then "\n". Its members:
 *   "v" 1; "seq" its index from 0; "prev" the head before it (hex);
 *   "time" unix seconds; "outcome" "release" or "refusal";
 *   "check" and "reason" (refusals): the first check that failed, and why;
 *   "compose_hash", "app_id" (once measured), "datasets" [{"owner",
 *   "dataset_id"}] (once the envelopes parsed), "block" (once read),
 *   "run_id", "run_signer", "spend_tx", "anchor" (releases: anchor is the
 *   head that went into the spend transaction).
 * Never a key: no member holds secret material, and the writer takes none.
 *
 *   head_0     = 32 zero bytes
 *   head_{i+1} = SHA-256("c2d-kms-log-v1" ‖ head_i ‖ line_i)
 * with line_i the line's bytes without its "\n". A release's anchor is a
 * head the log had when its spend was sent (releases run concurrently, so
 * it may be a few lines back); the contract records it, so the chain
 * timestamps every line up to it.
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
	int has_run;                   /* releases: run_id, run_signer, spend_tx, anchor */
	uint8_t run_id[32];
	uint8_t run_signer[20];
	uint8_t spend_tx[32];
	uint8_t anchor[32];
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

/* The on-chain check of a release, for c2d_kmslog_verify: that spend_tx
 * carried anchor (C2D_OK) or not (an error, passed on). */
typedef c2d_status (*c2d_kmslog_spend_check)(void *arg, const uint8_t spend_tx[32],
					     const uint8_t anchor[32], struct c2d_err *err);

/* Checks the log buf[0..len) (name: the file, for messages): every line
 * canonical, "seq" counting from 0, "prev" the running head, releases with
 * an anchor that is an earlier head and, when check is not NULL, accepted
 * by check. *lines and *head (either may be NULL): the count and the final
 * head. C2D_E_INPUT "name:LINE: why" for the first bad line. */
C2D_MUST_CHECK c2d_status c2d_kmslog_verify(const char *buf, size_t len, const char *name,
					    c2d_kmslog_spend_check check, void *arg, uint64_t *lines,
					    uint8_t head[32], struct c2d_err *err);

#endif
