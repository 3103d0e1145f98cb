/*
 * c2d/kmsview.h: the KMS's view of the consortium contract (docs/chain.md,
 * docs/kms-protocol.md "Chain"), as a struct of function pointers, so that
 * the decision (host/kms/kmsdecide.h) runs the same against the JSON-RPC
 * client of host/chain/ and against an in-memory test double.
 *
 * Every read of one decision is made at one block number, which the
 * decision obtains first (head minus the configured confirmations) and
 * records in the release log; the implementation answers each read as of
 * that block (eth_call with that block number), never "latest".
 *
 * The functions, each returning C2D_OK or a negative C2D_E_* with one line
 * in err (an RPC error, a timeout, a reverted call: the decision turns
 * every one into a refusal, never a release). impl is the implementation's
 * own state; the decision passes it back unchanged and may call from
 * several threads at once only if the implementation says it may.
 *
 *   block(impl, &block, err)
 *       the block number to read at.
 *   compose(impl, block, compose_hash, &state, err)
 *       isRevoked(hash), approvalCount(hash), threshold(), at block.
 *   dataset(impl, block, compose_hash, owner, dataset_id, &state, err)
 *       hasApproved(hash, owner), approvalExpiry(hash, owner),
 *       budgetOf(owner, dataset_id), at block.
 *   spend(impl, compose_hash, datasets, n, micro_eps, micro_rho, run_id,
 *         log_head, tx_hash, err)
 *       sends spend(hash, [(owner, dataset id)...], eps, rho, run id,
 *       log head) from the KMS's address, all datasets in one transaction.
 *       tx_hash: the caller zeroes it; the implementation sets it to the
 *       transaction's hash as soon as the transaction is signed, before
 *       sending, and leaves it set on an error after that (an answer lost,
 *       a deadline, a revert): such a transaction may be on chain, and
 *       the decision logs it. All zero on return: nothing was signed.
 *       log_head is the release log's head before this release's line
 *       (host/kms/kmslog.h), never zero, which the contract records so
 *       that the chain timestamps the log.
 *   receipt(impl, tx_hash, &block, err)
 *       waits (bounded) until the transaction is mined and lies the
 *       configured confirmations deep; C2D_OK only for a successful
 *       receipt (status 1), *block its block number. A reverted or
 *       dropped transaction, or the wait's bound, is an error.
 *
 * Nothing here is secret; nothing is constant-time.
 *
 * Prefix: c2d_kmsview_ (this header declares types only)
 */
#ifndef C2D_KMSVIEW_H
#define C2D_KMSVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

/* What the contract says of a compose-hash at one block. */
struct c2d_kmsview_compose {
	int revoked;           /* isRevoked */
	uint64_t approvals;    /* approvalCount: live approvals */
	uint64_t threshold;    /* k */
};

/* What the contract says of one owner's dataset at one block. */
struct c2d_kmsview_dataset {
	int approved;          /* hasApproved(hash, owner): a live approval */
	uint64_t expiry;       /* approvalExpiry: 0 none; with approved 0 and
	                          expiry != 0, the approval expired then */
	int budget_set;        /* budgetOf: the owner set a budget for the id */
	uint64_t cap_eps, spent_eps, cap_rho, spent_rho;   /* micro-ε, micro-ρ */
};

/* One (owner, dataset id) pair that a run spends from. */
struct c2d_kmsview_pair {
	uint8_t owner[20];
	uint8_t dataset_id[32];
};

struct c2d_kmsview {
	void *impl;
	C2D_MUST_CHECK c2d_status (*block)(void *impl, uint64_t *block, struct c2d_err *err);
	C2D_MUST_CHECK c2d_status (*compose)(void *impl, uint64_t block, const uint8_t compose_hash[32],
					     struct c2d_kmsview_compose *out, struct c2d_err *err);
	C2D_MUST_CHECK c2d_status (*dataset)(void *impl, uint64_t block, const uint8_t compose_hash[32],
					     const uint8_t owner[20], const uint8_t dataset_id[32],
					     struct c2d_kmsview_dataset *out, struct c2d_err *err);
	C2D_MUST_CHECK c2d_status (*spend)(void *impl, const uint8_t compose_hash[32],
					   const struct c2d_kmsview_pair *pairs, size_t n,
					   uint64_t micro_eps, uint64_t micro_rho, const uint8_t run_id[32],
					   const uint8_t log_head[32], uint8_t tx_hash[32],
					   struct c2d_err *err);
	C2D_MUST_CHECK c2d_status (*receipt)(void *impl, const uint8_t tx_hash[32], uint64_t *block,
					     struct c2d_err *err);
};

#endif
