/*
 * host/chain/kmschain.h: what the KMS asks of the consortium contract, and
 * what it writes to it (docs/chain.md, "The KMS and the chain").
 *
 * Pinned reads. Every decision reads the chain at one block, chosen once
 * by c2d_kmschain_pin() and recorded by the caller: `confirmations` blocks
 * below the latest, or the node's "finalized" block. Each read then names
 * that block by its hash (EIP-1898, requireCanonical), so all the reads of
 * one decision see the same state, and a block that a reorganisation has
 * removed is an error rather than another block's state.
 *
 * Spend. c2d_kmschain_spend() sends spend(composeHash, datasets, microEps,
 * microRho, runId, logHead) from the KMS's chain key and returns only when
 * its receipt lies `confirmations` deep (or in a finalized block) and its
 * block is still canonical. Keys may be released only after C2D_OK.
 *
 * Anchors. c2d_kmschain_verify() checks release-log heads against the
 * Released events that spends emitted.
 *
 * Errors and time. Every function returns C2D_OK or a negative C2D_E_*
 * with one line in *err naming the URL and the method, never a key. A
 * transport failure or a timeout is C2D_E_IO, a node's error or a revert
 * C2D_E_REFUSED, a malformed answer C2D_E_INPUT: each of them means "no"
 * to the KMS. Every request is bounded by the session's connect_ms and
 * total_ms (libcurl's CURLOPT_CONNECTTIMEOUT_MS and CURLOPT_TIMEOUT_MS,
 * set by c2d_kmschain_open()); nothing is retried, so a read costs at most
 * one request's time per call it makes (one to four). The wait of a spend
 * is bounded by wait_ms on the monotonic clock, each of its requests
 * shortened to the time left.
 *
 * Ownership and threads. A struct c2d_kmschain owns its RPC session (one
 * libcurl handle): use one per thread. The chain key is the caller's;
 * nothing here keeps or logs it. Nothing is constant-time: all the data is
 * public, except the key, which only libsecp256k1 touches.
 *
 * Prefix: c2d_kmschain_
 */
#ifndef C2D_HOST_KMSCHAIN_H
#define C2D_HOST_KMSCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"
#include "rpc.h"

/* confirmations: read at, and wait for, the node's "finalized" block. */
#define C2D_KMSCHAIN_FINALIZED UINT64_MAX

struct c2d_kmschain {
	struct c2d_rpc rpc;
	uint8_t app[20];          /* the consortium contract (dstack's app id) */
	uint64_t chain_id;        /* the node's, read at open */
	uint64_t confirmations;   /* a depth, or C2D_KMSCHAIN_FINALIZED */
	long wait_ms;             /* a spend's wait for its depth, default 120000 */
	long poll_ms;             /* between polls of that wait, default 250 */
};

/* Opens a session to url (http:// or https://) for the contract app:
 * timeout_ms bounds each request (connect and total; 1 to 600000), and
 * eth_chainId must answer within it. Close with c2d_kmschain_close(),
 * also after a failure. C2D_E_USAGE for a bad URL or timeout. */
C2D_MUST_CHECK c2d_status c2d_kmschain_open(struct c2d_kmschain *kc, const char *url, const uint8_t app[20],
					    uint64_t confirmations, long timeout_ms, struct c2d_err *err);
void c2d_kmschain_close(struct c2d_kmschain *kc);

/* The block a decision reads at: with confirmations N, number latest - N
 * (C2D_E_REFUSED while the chain is shorter than N); with
 * C2D_KMSCHAIN_FINALIZED, the node's finalized block (C2D_E_REFUSED if it
 * has none). */
C2D_MUST_CHECK c2d_status c2d_kmschain_pin(struct c2d_kmschain *kc, struct c2d_block *at, struct c2d_err *err);

/* What the contract says of a compose-hash at block `at`. */
struct c2d_kmschain_compose {
	int allowed;              /* isAppAllowed(app, composeHash): k live approvals, not revoked */
	char reason[64];          /* its reason: "" when allowed */
	int revoked;              /* isRevoked(composeHash) */
	uint64_t approvals;       /* approvalCount(composeHash) */
	uint64_t threshold;       /* k */
};
C2D_MUST_CHECK c2d_status c2d_kmschain_read_compose(struct c2d_kmschain *kc, const struct c2d_block *at,
						    const uint8_t compose[32], struct c2d_kmschain_compose *out,
						    struct c2d_err *err);

/* What the contract says of one sealed dataset, (owner, id), for a run of
 * compose at block `at`: the owner's own consent and the pair's budget. */
struct c2d_kmschain_dataset_facts {
	int approved;             /* hasApproved(compose, owner): live, not expired */
	uint64_t expires_at;      /* approvalExpiry: 0 none or never; see docs/chain.md */
	int budget_set;           /* budgetOf(owner, id) */
	uint64_t cap_micro_eps, spent_micro_eps, cap_micro_rho, spent_micro_rho;
};
C2D_MUST_CHECK c2d_status c2d_kmschain_read_dataset(struct c2d_kmschain *kc, const struct c2d_block *at,
						    const uint8_t compose[32], const uint8_t owner[20],
						    const uint8_t dataset_id[32],
						    struct c2d_kmschain_dataset_facts *out, struct c2d_err *err);

struct c2d_kmschain_dataset {
	uint8_t owner[20];
	uint8_t id[32];
};

/* One run's charge: every dataset is charged micro_eps and micro_rho. */
struct c2d_kmschain_spend {
	uint8_t compose[32];
	const struct c2d_kmschain_dataset *datasets;   /* 1 to 64, the caller's */
	size_t n;
	uint64_t micro_eps, micro_rho;
	uint8_t run_id[32];
	uint8_t log_head[32];     /* the release log's head at this release; non-zero */
};

/* Where a spend landed. */
struct c2d_kmschain_tx {
	uint8_t txhash[32];
	uint64_t block;
	uint8_t block_hash[32];
};

/* Sends s's spend from sk's account (it must be the contract's kms) and
 * waits, polling every poll_ms for at most wait_ms, until its receipt lies
 * `confirmations` blocks below the latest (or in the finalized block) and
 * the block that holds it is still canonical. C2D_E_REFUSED: the node
 * refused the spend at estimation (with the contract's reason, nothing
 * sent) or mined it reverted (with the reason replayed); C2D_E_IO: the
 * node is unreachable or did not answer in time, or the deadline passed
 * (the spend may still be mined later: the run is then charged without a
 * release, which costs budget and never leaks a key). *out is zeroed
 * first; out->txhash is set once the transaction is signed, before it is
 * sent, and stays set whatever follows (an answer lost, a deadline, a
 * revert), so that a caller can name a spend that may be on chain; still
 * zero, nothing was signed. The rest of *out is set on C2D_OK and, as far
 * as known, on a deadline or a revert. */
C2D_MUST_CHECK c2d_status c2d_kmschain_spend(struct c2d_kmschain *kc, const secp256k1_context *ctx,
					     const uint8_t sk[32], const struct c2d_kmschain_spend *s,
					     struct c2d_kmschain_tx *out, struct c2d_err *err);

/* One anchor of a release log: a run (or the spend transaction that
 * charged it) and the head the log says it carried. */
struct c2d_kmschain_anchor {
	int by_tx;                /* 0: find the run's Released event by run_id; 1: in txhash's receipt */
	uint8_t run_id[32];
	uint8_t txhash[32];
	uint8_t head[32];
};

enum c2d_kmschain_verdict {
	C2D_KMSCHAIN_MATCH = 0,   /* the chain's head equals the log's */
	C2D_KMSCHAIN_MISMATCH,    /* the chain carries another head */
	C2D_KMSCHAIN_MISSING,     /* no such spend on chain (no Released event of the contract) */
	C2D_KMSCHAIN_UNMINED,     /* by_tx: the node knows no receipt (never mined, or not yet) */
	C2D_KMSCHAIN_REVERTED,    /* by_tx: mined, reverted: it charged nothing, anchored nothing */
};

struct c2d_kmschain_anchor_check {
	enum c2d_kmschain_verdict verdict;
	uint8_t chain_head[32];   /* MATCH, MISMATCH: what the chain carries */
	uint8_t run_id[32];       /* MATCH, MISMATCH: the run (from the event) */
	uint8_t compose[32];      /* MATCH, MISMATCH: its compose-hash */
	uint8_t txhash[32];       /* MATCH, MISMATCH: the spend */
	uint64_t block;           /* MATCH, MISMATCH: its block */
};

/* Checks each of a[0..n) against the contract's Released events (latest
 * state) and writes its verdict into out[i] (the caller's array of n).
 * C2D_OK only when every one is MATCH; C2D_E_REFUSED naming the first
 * that is not; any transport or node error as above, and then out is
 * incomplete. */
C2D_MUST_CHECK c2d_status c2d_kmschain_verify(struct c2d_kmschain *kc, const struct c2d_kmschain_anchor *a,
					      size_t n, struct c2d_kmschain_anchor_check *out,
					      struct c2d_err *err);

#endif
