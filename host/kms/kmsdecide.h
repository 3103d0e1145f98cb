/*
 * host/kms/kmsdecide.h: the KMS's decision (docs/kms-protocol.md, "The
 * checks"): from an attestation request to a release or to a refusal that
 * names the first check that failed, with one release-log line either way.
 *
 * The checks, in this order; the name in quotes is the refusal's "check":
 *   0. "request"      the request text parses (host/kms/kmsproto.h);
 *   1. "quote"        the quote verifies against its platform's collateral,
 *                     prepared once (host/kms/kmscoll.h): the DCAP chain
 *                     to the cache's root, and the TD policy's TCB,
 *                     attribute and XFAM rules (c2d/tdxverify.h);
 *   2. "report-data"  report_data = c2d_kmsr_report_data(challenge, E, R),
 *                     and E and R are secp256k1 points;
 *      "challenge"    the challenge was issued here, unused, and fresh. It
 *                     is taken (used up) when the request arrives, whatever
 *                     the outcome, so a refused request cannot be retried;
 *   3. "event-log"    the event log parses and replays to the quote's RTMR3,
 *                     and holds exactly one "c2d.compose-hash" (32 bytes)
 *                     and one "c2d.app-id" (20 bytes) runtime event in RTMR3;
 *      "measurements" the measured app id is this KMS's; the compose-hash
 *                     is one of the images it serves, and MRTD and RTMR0-2
 *                     are that image's published values, where pinned;
 *   4. per envelope, in request order:
 *      "envelope"     the header parses (c2d/sealfmt.h); no (owner, dataset
 *                     id) twice;
 *      "recipe"       its KMS key is this KMS's, its compose-hash and app id
 *                     the measured ones;
 *      "chain"        the chain answers (any error here: a refusal);
 *      "quorum"       at least k live approvals of the compose-hash;
 *      "owner-approval", "approval-expired"
 *                     the header's owner holds a live approval (or held one
 *                     that has expired);
 *      "revoked"      the compose-hash is not revoked;
 *      "budget", "budget-epsilon", "budget-rho"
 *                     (owner, dataset id) has a budget with room for the
 *                     image's ε and ρ charge;
 *   5. "wrap-key"     each wrap key, derived with the root key from its
 *                     header (c2d/keywrap.h), opens that header's wrapped key;
 *   6. "internal"     the log's head is not head_0: the daemon's start line
 *                     (c2d_kmslog_append_start) comes before any request,
 *                     and the contract reverts a spend of a zero head;
 *      "spend"        spend() of every pair in one transaction, anchored to
 *                     the log's head, and its receipt. Once the transaction
 *                     is signed it may be on chain whatever the error, so
 *                     such a refusal's line names it (spend_tx, anchor).
 * Then the release: each wrap key sealed to E (c2d/kmsrelease.h) and the run
 * certificate (host/kms/kmskey.h) for R's address and run id
 * SHA-256("c2d-kms-v1/run-id" ‖ challenge), after its log line is on disk.
 *
 * Secrets: the root key stays in its locked page; wrap keys, release keys
 * and the KMS's ephemeral secret live in one mlock'd page per request,
 * wiped before return. No message, log line or result holds any of them.
 * Not constant-time except in the crypto it calls.
 *
 * Thread-safety: the configuration is read only; the challenge store, the
 * collateral cache and the log lock themselves; the chain implementation
 * says whether it may be called from several threads. No global state.
 *
 * Prefix: c2d_kms_
 */
#ifndef C2D_HOST_KMSDECIDE_H
#define C2D_HOST_KMSDECIDE_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"
#include "c2d/kmsview.h"
#include "c2d/tdpolicy.h"
#include "kmschal.h"
#include "kmscoll.h"
#include "kmskey.h"
#include "kmslog.h"
#include "kmsproto.h"

/* An image this KMS serves: its compose-hash, its published registers
 * (MRTD, RTMR0-2, as in struct c2d_td_policy: pinned, any, or unset) and
 * what one run charges each dataset. */
struct c2d_kms_image {
	uint8_t compose_hash[32];
	int reg_state[C2D_TDPOLICY_NREGS];
	uint8_t reg[C2D_TDPOLICY_NREGS][48];
	uint64_t micro_eps, micro_rho;
};

struct c2d_kms_config {
	const secp256k1_context *secp;        /* randomized; signing and ECDH */
	const struct c2d_kmskey *key;
	uint8_t app_id[20];                   /* the consortium contract */
	const struct c2d_kms_image *images;
	size_t n_images;
	const struct c2d_td_policy *td;       /* TCB, attributes, XFAM, MRSEAM...; its
	                                         registers are replaced by the image's */
	/* The collateral cache (host/kms/kmscoll.h), which holds the trust
	 * anchor: Intel's root, or a simulation root only with allow_simulated.
	 * Its failure refuses the quote (check "quote") with its line, unless
	 * the quote fails first without collateral (a debug TD). */
	struct c2d_kmscoll *collateral;
	const struct c2d_kmsview *chain;
	struct c2d_kmschal_store *challenges;
	struct c2d_kmslog *log;
};

#define C2D_KMS_CHECK_LEN 24

struct c2d_kms_result {
	int released;
	char check[C2D_KMS_CHECK_LEN];        /* refusals: the check's name */
	char reason[C2D_ERR_MSG_MAX];         /* refusals: one line */
	struct c2d_kmsproto_release rel;      /* releases */
};

/* Decides req at time now (unix seconds) and logs the outcome. C2D_OK when
 * a decision was made and logged: res says which. A negative status when
 * none could be recorded (the log failed, memory ran out): nothing is
 * released then, and the daemon answers an internal error. */
C2D_MUST_CHECK c2d_status c2d_kms_decide(const struct c2d_kms_config *cfg,
					 const struct c2d_kmsproto_request *req, int64_t now,
					 struct c2d_kms_result *res, struct c2d_err *err);

/* What an answer of c2d_kms_answer is. */
enum c2d_kms_outcome {
	C2D_KMS_RELEASED = 1,
	C2D_KMS_REFUSED,         /* a check failed (the refusal names it) */
	C2D_KMS_MALFORMED,       /* the request did not parse: check "request" */
};

/* As c2d_kms_handle, and *outcome says which answer it is (the daemon's
 * HTTP status: 200, 403, 400). */
C2D_MUST_CHECK c2d_status c2d_kms_answer(const struct c2d_kms_config *cfg, const char *text, size_t len,
					 int64_t now, char **answer, enum c2d_kms_outcome *outcome,
					 struct c2d_err *err);

/* The whole exchange for one request text: parse, decide, log, answer.
 * *answer: malloc'd JSON (a release or a refusal; kmsproto.h), the
 * caller's to free. Errors as c2d_kms_decide. */
C2D_MUST_CHECK c2d_status c2d_kms_handle(const struct c2d_kms_config *cfg, const char *text, size_t len,
					 int64_t now, char **answer, struct c2d_err *err);

#endif
