/*
 * host/chain/rpc.h: an Ethereum JSON-RPC 2.0 client over HTTP(S) POST (libcurl;
 * JSON with jansson), and the eth_* methods c2d uses.
 *
 * A session (struct c2d_rpc) owns one curl handle, reused across calls
 * (keep-alive), with a connect timeout, a total timeout per request and a
 * cap on the response size; redirects are not followed and only http and
 * https are allowed. curl_easy_init() initialises libcurl on first use;
 * nothing else is global.
 *
 * Errors are one line naming the URL and the method
 * ("http://127.0.0.1:1: eth_chainId: couldn't connect to server: Connection
 * refused"): transport failures are C2D_E_IO; a response that is not a
 * well-formed JSON-RPC 2.0 response to this request (the id checked) is
 * C2D_E_INPUT; a JSON-RPC error object from the node is C2D_E_REFUSED,
 * and when it carries revert data (eth_call, eth_estimateGas) the message
 * is "reverted: <reason>" with the reason decoded (abi.h).
 *
 * Quantities are strict: "0x" and hex digits without leading zeros.
 *
 * Prefix: c2d_rpc_
 */
#ifndef C2D_HOST_RPC_H
#define C2D_HOST_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <secp256k1.h>

#include "c2d/err.h"

struct c2d_rpc {
	void *curl;               /* CURL * */
	const char *url;          /* the caller's string */
	long connect_ms;          /* default 5000 */
	long total_ms;            /* per request, default 30000 */
	size_t max_response;      /* bytes, default 16 MiB */
	long receipt_ms;          /* how long to wait for a receipt, default 120000 */
	long poll_ms;             /* between receipt polls, default 250 */
	uint64_t next_id;
};

/* A parsed response: exactly one of result (a new reference) or error. */
struct c2d_rpc_reply {
	json_t *result;
	int is_error;
	long long code;
	char message[200];        /* the node's message, made printable */
	uint8_t *data;            /* error.data when a hex string (revert data), malloc'd */
	size_t data_len;
	int has_data;
};

/* Parses one HTTP response body as the JSON-RPC 2.0 response to request
 * id: {"jsonrpc":"2.0","id":id} with either "result" (any JSON value) or
 * "error" {"code": integer, "message": string, ["data": ...]}. */
C2D_MUST_CHECK c2d_status c2d_rpc_parse_response(const char *body, size_t len, uint64_t id,
						 struct c2d_rpc_reply *out, struct c2d_err *err);
void c2d_rpc_reply_free(struct c2d_rpc_reply *rep);

C2D_MUST_CHECK c2d_status c2d_rpc_open(struct c2d_rpc *r, const char *url, struct c2d_err *err);
void c2d_rpc_close(struct c2d_rpc *r);
/* Calls method with params (a JSON array; the reference is stolen) and
 * hands back its result (a new reference the caller decrefs). */
C2D_MUST_CHECK c2d_status c2d_rpc_call(struct c2d_rpc *r, const char *method, json_t *params,
				       json_t **result, struct c2d_err *err);

/* "0x..." quantities (below 2^64, no leading zero) and data (*out
 * malloc'd). s may be NULL (a missing JSON member): C2D_E_INPUT, as for
 * any other text that is not one. */
C2D_MUST_CHECK c2d_status c2d_rpc_quantity_parse(const char *s, uint64_t *v, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_rpc_data_parse(const char *s, uint8_t **out, size_t *len,
					 struct c2d_err *err);
/* "0x..." malloc'd; NULL when out of memory. */
C2D_MUST_CHECK char *c2d_rpc_data_text(const uint8_t *p, size_t len);

/* --- eth_* ----------------------------------------------------------------------- */

C2D_MUST_CHECK c2d_status c2d_rpc_eth_chain_id(struct c2d_rpc *r, uint64_t *id, struct c2d_err *err);
/* The next nonce of addr, counting pending transactions. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_nonce(struct c2d_rpc *r, const uint8_t addr[20], uint64_t *nonce,
					struct c2d_err *err);
/* EIP-1559 fees: the tip from eth_maxPriorityFeePerGas, and a fee cap of
 * twice the latest block's baseFeePerGas plus the tip, which stays valid
 * through six full blocks of base-fee increases (12.5% each). */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_fees(struct c2d_rpc *r, uint64_t *tip, uint64_t *max_fee,
				       struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_rpc_eth_estimate_gas(struct c2d_rpc *r, const uint8_t from[20],
					       const uint8_t *to, const uint8_t *data, size_t len,
					       uint64_t *gas, struct c2d_err *err);
/* eth_call at block ("latest" or a quantity); from and to may be NULL. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_call(struct c2d_rpc *r, const uint8_t *from, const uint8_t to[20],
				       const uint8_t *data, size_t len, const char *block,
				       uint8_t **ret, size_t *ret_len, struct c2d_err *err);
/* eth_call on the state of the block whose hash is block_hash, named as
 * EIP-1898 does ({"blockHash", "requireCanonical": true}): a node that
 * does not have that block, or no longer has it on its canonical chain (a
 * reorganisation), answers an error (C2D_E_REFUSED), never another
 * block's state. *ret malloc'd. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_call_at(struct c2d_rpc *r, const uint8_t to[20], const uint8_t *data,
					      size_t len, const uint8_t block_hash[32], uint8_t **ret,
					      size_t *ret_len, struct c2d_err *err);
/* eth_blockNumber: the latest block's number. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_block_number(struct c2d_rpc *r, uint64_t *number, struct c2d_err *err);

struct c2d_block {
	uint64_t number;
	uint8_t hash[32];
	uint64_t timestamp;           /* Unix seconds, the block's header */
};
/* eth_getBlockByNumber(block, false), block a tag ("latest", "finalized")
 * or a quantity ("0x1f"). A node without that block (null; e.g.
 * "finalized" on a node that knows no finality) is C2D_E_REFUSED. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_block(struct c2d_rpc *r, const char *block, struct c2d_block *b,
					    struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_rpc_eth_send_raw(struct c2d_rpc *r, const uint8_t *raw, size_t len,
					   const uint8_t txhash[32], struct c2d_err *err);

struct c2d_receipt {
	int status;                   /* 1 success, 0 reverted */
	uint64_t block;
	uint8_t block_hash[32];
	uint64_t gas_used;
	int has_contract;
	uint8_t contract[20];
	uint8_t txhash[32];
};
struct c2d_log {
	uint8_t address[20];
	uint8_t topics[4][32];
	size_t ntopics;
	uint8_t *data;                /* malloc'd */
	size_t data_len;
	uint64_t block;
	uint8_t txhash[32];           /* the transaction that emitted it */
};

/* The node's receipt and log objects, as eth_getTransactionReceipt and
 * eth_getLogs answer them: the fields c2d reads must be present and well
 * formed (quantities, 20-byte addresses, 32-byte hashes and topics, at
 * most 4 topics), else C2D_E_INPUT naming the log. A receipt's logs are
 * parsed when logs is non-NULL. *logs malloc'd (c2d_rpc_logs_free), also
 * when there are none. */
C2D_MUST_CHECK c2d_status c2d_rpc_receipt_parse(const json_t *j, struct c2d_receipt *rc, struct c2d_log **logs,
						size_t *nlogs, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_rpc_logs_parse(const json_t *j, struct c2d_log **logs, size_t *n,
					     struct c2d_err *err);
/* One eth_getTransactionReceipt: *found 0 (and C2D_OK) while the node
 * knows no receipt (not mined yet, or unknown). With logs non-NULL and a
 * receipt found, its logs into *logs, *nlogs (free with
 * c2d_rpc_logs_free). */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_receipt(struct c2d_rpc *r, const uint8_t txhash[32],
					      struct c2d_receipt *rc, int *found, struct c2d_log **logs,
					      size_t *nlogs, struct c2d_err *err);
/* Polls eth_getTransactionReceipt every poll_ms for at most receipt_ms. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_wait_receipt(struct c2d_rpc *r, const uint8_t txhash[32],
					       struct c2d_receipt *rc, struct c2d_err *err);
/* eth_getLogs from block 0 to latest for address, topics[i] NULL for any;
 * *logs malloc'd (free with c2d_rpc_logs_free). */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_get_logs(struct c2d_rpc *r, const uint8_t address[20],
					   const uint8_t *const topics[4], struct c2d_log **logs,
					   size_t *n, struct c2d_err *err);
void c2d_rpc_logs_free(struct c2d_log *logs, size_t n);

/* Sends a transaction from sk's account: nonce (pending), fees, gas
 * (estimated, +25%: a revert here is C2D_E_REFUSED with its reason and
 * nothing is sent), signs, sends; txhash is the transaction's hash, set
 * once signed, before sending, so that it is known when the send fails or
 * its answer is lost (the transaction may still be mined). It does not
 * wait. to NULL: creation. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_send_tx(struct c2d_rpc *r, const secp256k1_context *ctx,
					      const uint8_t sk[32], uint64_t chain_id, const uint8_t *to,
					      const uint8_t *data, size_t len, uint8_t txhash[32],
					      struct c2d_err *err);
/* For a receipt with status 0 of the call (from, to, data): always
 * C2D_E_REFUSED, with the reason found by replaying the call with eth_call
 * on the state after its block, then before it. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_explain_revert(struct c2d_rpc *r, const uint8_t from[20],
						     const uint8_t *to, const uint8_t *data, size_t len,
						     const struct c2d_receipt *rc, struct c2d_err *err);
/* Sleeps ms milliseconds, resuming after signals. */
void c2d_rpc_sleep_ms(long ms);

/* c2d_rpc_eth_send_tx, then c2d_rpc_eth_wait_receipt; a receipt with
 * status 0 is c2d_rpc_eth_explain_revert's C2D_E_REFUSED. */
C2D_MUST_CHECK c2d_status c2d_rpc_eth_transact(struct c2d_rpc *r, const secp256k1_context *ctx,
					   const uint8_t sk[32], uint64_t chain_id,
					   const uint8_t *to, const uint8_t *data, size_t len,
					   struct c2d_receipt *rc, struct c2d_err *err);

#endif
