/* The KMS's reads, spend and anchors on the consortium contract: see
 * kmschain.h and docs/chain.md, "The KMS and the chain". */
#include "kmschain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "c2d/hex.h"
#include "ethtx.h"
#include "keccak.h"

#define SIG_SPEND "spend(bytes32,(address,bytes32)[],uint64,uint64,bytes32,bytes32)"
#define SIG_RELEASED "Released(bytes32,bytes32,bytes32)"
#define MAX_DATASETS 64   /* the contract's MAX_DATASETS */

c2d_status c2d_kmschain_open(struct c2d_kmschain *kc, const char *url, const uint8_t app[20],
			     uint64_t confirmations, long timeout_ms, struct c2d_err *err)
{
	memset(kc, 0, sizeof(*kc));
	memcpy(kc->app, app, 20);
	kc->confirmations = confirmations;
	kc->wait_ms = 120000;
	kc->poll_ms = 250;
	int st = c2d_rpc_open(&kc->rpc, url, err);
	if (st < 0)
		return st;
	if (timeout_ms < 1 || timeout_ms > 600000)
		return c2d_fail(err, C2D_E_USAGE, "%s: the RPC timeout must be 1 to 600000 ms, not %ld", url,
				timeout_ms);
	kc->rpc.connect_ms = timeout_ms;
	kc->rpc.total_ms = timeout_ms;
	return c2d_rpc_eth_chain_id(&kc->rpc, &kc->chain_id, err);
}

void c2d_kmschain_close(struct c2d_kmschain *kc)
{
	c2d_rpc_close(&kc->rpc);
}

c2d_status c2d_kmschain_pin(struct c2d_kmschain *kc, struct c2d_block *at, struct c2d_err *err)
{
	/* A tag is resolved to one block once, and the reads then name that
	 * block by hash: reading each value at "latest" or "finalized" could
	 * mix the states of several blocks in one decision. */
	if (kc->confirmations == C2D_KMSCHAIN_FINALIZED)
		return c2d_rpc_eth_block(&kc->rpc, "finalized", at, err);
	uint64_t latest;
	char q[24];
	int st = c2d_rpc_eth_block_number(&kc->rpc, &latest, err);
	if (st < 0)
		return st;
	if (latest < kc->confirmations)
		return c2d_fail(err, C2D_E_REFUSED, "%s: the chain has %llu blocks, fewer than the %llu confirmations "
				"asked for", kc->rpc.url, (unsigned long long)latest + 1,
				(unsigned long long)kc->confirmations);
	snprintf(q, sizeof(q), "0x%llx", (unsigned long long)(latest - kc->confirmations));
	if ((st = c2d_rpc_eth_block(&kc->rpc, q, at, err)) < 0)
		return st;
	if (at->number != latest - kc->confirmations)
		return c2d_fail(err, C2D_E_INPUT, "%s: eth_getBlockByNumber(%s) answered block %llu", kc->rpc.url, q,
				(unsigned long long)at->number);
	return C2D_OK;
}

/* A view function of the contract at block `at`, its return data decoded
 * as `types` into *v (free with c2d_abi_free; it points into *ret, which
 * the caller frees after it). */
static int view_at(struct c2d_kmschain *kc, const struct c2d_block *at, const char *sig,
		   const struct c2d_abi_value *args, size_t n, const char *types, struct c2d_abi_value **v,
		   uint8_t **ret, struct c2d_err *err)
{
	uint8_t *cd;
	size_t cl, rl;
	*v = NULL;
	*ret = NULL;
	int st = c2d_abi_call(sig, args, n, &cd, &cl, err);
	if (st < 0)
		return st;
	st = c2d_rpc_eth_call_at(&kc->rpc, kc->app, cd, cl, at->hash, ret, &rl, err);
	free(cd);
	if (st < 0)
		return st;
	/* A call to an address without code returns nothing, not an error. */
	if (rl == 0)
		st = c2d_fail(err, C2D_E_INPUT, "%s: %s at block %llu returned nothing: no consortium contract there",
			      kc->rpc.url, sig, (unsigned long long)at->number);
	else if ((st = c2d_abi_decode(types, *ret, rl, v, err)) < 0)
		c2d_err_prefix(err, "%s: %s", kc->rpc.url, sig);
	if (st < 0) {
		free(*ret);
		*ret = NULL;
	}
	return st;
}

static int view_u64(struct c2d_kmschain *kc, const struct c2d_block *at, const char *sig,
		    const struct c2d_abi_value *args, size_t n, uint64_t *out, struct c2d_err *err)
{
	struct c2d_abi_value *v;
	uint8_t *ret;
	int st = view_at(kc, at, sig, args, n, "(uint256)", &v, &ret, err);
	if (st == 0)
		st = c2d_abi_get_u64(&v->items[0], sig, out, err);
	c2d_abi_free(v);
	free(ret);
	return st;
}

c2d_status c2d_kmschain_read_compose(struct c2d_kmschain *kc, const struct c2d_block *at, const uint8_t compose[32],
				     struct c2d_kmschain_compose *out, struct c2d_err *err)
{
	static const uint8_t zero[32];
	struct c2d_abi_value h = c2d_abi_bytes32(compose), none, *v;
	/* dstack's AppBootInfo; the contract reads only appId and composeHash. */
	struct c2d_abi_value f[9] = {
		c2d_abi_address(kc->app), c2d_abi_bytes32(compose), c2d_abi_address(zero), c2d_abi_bytes32(zero),
		c2d_abi_bytes32(zero),    c2d_abi_bytes32(zero),    c2d_abi_bytes32(zero), c2d_abi_string(""),
		c2d_abi_array(&none, 0),
	};
	struct c2d_abi_value info = c2d_abi_tuple(f, 9);
	uint8_t *ret;
	uint64_t revoked;
	memset(out, 0, sizeof(*out));
	int st = view_at(kc, at, "isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))",
			 &info, 1, "(bool,string)", &v, &ret, err);
	if (st < 0)
		return st;
	out->allowed = v->items[0].word[31];
	snprintf(out->reason, sizeof(out->reason), "%.*s", (int)(v->items[1].len < 63 ? v->items[1].len : 63),
		 (const char *)v->items[1].data);
	c2d_abi_free(v);
	free(ret);
	if ((st = view_u64(kc, at, "isRevoked(bytes32)", &h, 1, &revoked, err)) < 0 ||
	    (st = view_u64(kc, at, "approvalCount(bytes32)", &h, 1, &out->approvals, err)) < 0 ||
	    (st = view_u64(kc, at, "threshold()", NULL, 0, &out->threshold, err)) < 0)
		return st;
	out->revoked = revoked != 0;
	return C2D_OK;
}

c2d_status c2d_kmschain_read_dataset(struct c2d_kmschain *kc, const struct c2d_block *at, const uint8_t compose[32],
				     const uint8_t owner[20], const uint8_t dataset_id[32],
				     struct c2d_kmschain_dataset_facts *out, struct c2d_err *err)
{
	struct c2d_abi_value ho[2] = { c2d_abi_bytes32(compose), c2d_abi_address(owner) };
	struct c2d_abi_value od[2] = { c2d_abi_address(owner), c2d_abi_bytes32(dataset_id) }, *v;
	uint64_t approved, w[4];
	uint8_t *ret;
	memset(out, 0, sizeof(*out));
	int st;
	if ((st = view_u64(kc, at, "hasApproved(bytes32,address)", ho, 2, &approved, err)) < 0 ||
	    (st = view_u64(kc, at, "approvalExpiry(bytes32,address)", ho, 2, &out->expires_at, err)) < 0 ||
	    (st = view_at(kc, at, "budgetOf(address,bytes32)", od, 2, "(bool,uint64,uint64,uint64,uint64)", &v, &ret,
			  err)) < 0)
		return st;
	for (size_t i = 0; i < 4 && st == 0; i++)
		st = c2d_abi_get_u64(&v->items[i + 1], "budgetOf", &w[i], err);
	out->approved = approved != 0;
	out->budget_set = v->items[0].word[31];
	out->cap_micro_eps = w[0];
	out->spent_micro_eps = w[1];
	out->cap_micro_rho = w[2];
	out->spent_micro_rho = w[3];
	c2d_abi_free(v);
	free(ret);
	return st;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the spend's receipt lies deep enough now, its block still
 * canonical: *deep 1 when so. */
static int at_depth(struct c2d_kmschain *kc, const struct c2d_receipt *rc, int *deep, struct c2d_err *err)
{
	struct c2d_block b;
	char q[24];
	int st;
	*deep = 0;
	if (kc->confirmations == C2D_KMSCHAIN_FINALIZED) {
		if ((st = c2d_rpc_eth_block(&kc->rpc, "finalized", &b, err)) < 0)
			return st;
		if (b.number < rc->block)
			return C2D_OK;
	} else {
		uint64_t latest;
		if ((st = c2d_rpc_eth_block_number(&kc->rpc, &latest, err)) < 0)
			return st;
		if (latest < rc->block || latest - rc->block < kc->confirmations)
			return C2D_OK;
	}
	snprintf(q, sizeof(q), "0x%llx", (unsigned long long)rc->block);
	if ((st = c2d_rpc_eth_block(&kc->rpc, q, &b, err)) < 0)
		return st;
	if (memcmp(b.hash, rc->block_hash, 32) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "%s: the block %llu that held the spend was replaced (a "
				"reorganisation)", kc->rpc.url, (unsigned long long)rc->block);
	*deep = 1;
	return C2D_OK;
}

c2d_status c2d_kmschain_spend(struct c2d_kmschain *kc, const secp256k1_context *ctx, const uint8_t sk[32],
			      const struct c2d_kmschain_spend *s, struct c2d_kmschain_tx *out, struct c2d_err *err)
{
	static const uint8_t zero[32];
	struct c2d_abi_value pairs[MAX_DATASETS], pv[MAX_DATASETS][2];
	uint8_t from[20], *cd;
	size_t cl;
	memset(out, 0, sizeof(*out));
	if (s->n == 0 || s->n > MAX_DATASETS)
		return c2d_fail(err, C2D_E_INPUT, "spend: %zu datasets; a run charges 1 to %d", s->n, MAX_DATASETS);
	if (memcmp(s->log_head, zero, 32) == 0)
		return c2d_fail(err, C2D_E_INPUT, "spend: the release log's head is zero");
	for (size_t i = 0; i < s->n; i++) {
		pv[i][0] = c2d_abi_address(s->datasets[i].owner);
		pv[i][1] = c2d_abi_bytes32(s->datasets[i].id);
		pairs[i] = c2d_abi_tuple(pv[i], 2);
	}
	struct c2d_abi_value args[6] = {
		c2d_abi_bytes32(s->compose), c2d_abi_array(pairs, s->n), c2d_abi_uint(s->micro_eps),
		c2d_abi_uint(s->micro_rho),  c2d_abi_bytes32(s->run_id), c2d_abi_bytes32(s->log_head),
	};
	int st = c2d_abi_call(SIG_SPEND, args, 6, &cd, &cl, err);
	if (st < 0)
		return st;
	long deadline = now_ms() + kc->wait_ms, total = kc->rpc.total_ms;
	if ((st = c2d_ethtx_address(ctx, sk, from, err)) < 0 ||
	    (st = c2d_rpc_eth_send_tx(&kc->rpc, ctx, sk, kc->chain_id, kc->app, cd, cl, out->txhash, err)) < 0) {
		free(cd);
		return st;
	}
	char h[65];
	c2d_hex(out->txhash, 32, h);
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0) {
			st = c2d_fail(err, C2D_E_IO, "%s: spend 0x%s: not %s within %ld ms", kc->rpc.url, h,
				      kc->confirmations == C2D_KMSCHAIN_FINALIZED ? "finalized" : "deep enough",
				      kc->wait_ms);
			break;
		}
		/* No request may outlast the deadline. */
		kc->rpc.total_ms = left < total ? left : total;
		struct c2d_receipt rc;
		int found, deep = 0;
		st = c2d_rpc_eth_receipt(&kc->rpc, out->txhash, &rc, &found, NULL, NULL, err);
		if (st == 0 && found) {
			out->block = rc.block;
			memcpy(out->block_hash, rc.block_hash, 32);
			if (rc.status != 1) {
				kc->rpc.total_ms = total;
				st = c2d_rpc_eth_explain_revert(&kc->rpc, from, kc->app, cd, cl, &rc, err);
				break;
			}
			st = at_depth(kc, &rc, &deep, err);
		}
		if (st < 0 || deep)
			break;
		left = deadline - now_ms();
		c2d_rpc_sleep_ms(left < kc->poll_ms ? (left > 0 ? left : 0) : kc->poll_ms);
	}
	kc->rpc.total_ms = total;
	free(cd);
	return st;
}

/* The Released log of the contract that anchors a (by run id, or among a
 * receipt's logs by transaction) into *c: its verdict MISSING when there
 * is none. */
static int find_released(struct c2d_kmschain *kc, const struct c2d_kmschain_anchor *a,
			 struct c2d_kmschain_anchor_check *c, struct c2d_err *err)
{
	uint8_t topic[32];
	struct c2d_log *logs = NULL;
	size_t n = 0, hits = 0;
	int st;
	memset(c, 0, sizeof(*c));
	c->verdict = C2D_KMSCHAIN_MISSING;
	c2d_keccak256(SIG_RELEASED, strlen(SIG_RELEASED), topic);
	if (a->by_tx) {
		struct c2d_receipt rc;
		int mined;
		st = c2d_rpc_eth_receipt(&kc->rpc, a->txhash, &rc, &mined, &logs, &n, err);
		if (st == 0 && !mined)
			c->verdict = C2D_KMSCHAIN_UNMINED;
		else if (st == 0 && rc.status != 1)
			c->verdict = C2D_KMSCHAIN_REVERTED;
	} else {
		const uint8_t *const topics[4] = { topic, a->run_id, NULL, NULL };
		st = c2d_rpc_eth_get_logs(&kc->rpc, kc->app, topics, &logs, &n, err);
	}
	if (st < 0)
		return st;
	for (size_t i = 0; i < n; i++) {
		const struct c2d_log *l = &logs[i];
		if (memcmp(l->address, kc->app, 20) != 0 || l->ntopics != 3 || memcmp(l->topics[0], topic, 32) != 0 ||
		    (!a->by_tx && memcmp(l->topics[1], a->run_id, 32) != 0))
			continue;
		if (l->data_len != 32) {
			st = c2d_fail(err, C2D_E_INPUT, "%s: a Released log with %zu bytes of data, not 32", kc->rpc.url,
				      l->data_len);
			break;
		}
		if (hits++ == 0) {
			memcpy(c->chain_head, l->data, 32);
			memcpy(c->run_id, l->topics[1], 32);
			memcpy(c->compose, l->topics[2], 32);
			memcpy(c->txhash, l->txhash, 32);
			c->block = l->block;
			/* Public values: no need for a constant-time comparison. */
			c->verdict = memcmp(l->data, a->head, 32) == 0 ? C2D_KMSCHAIN_MATCH : C2D_KMSCHAIN_MISMATCH;
		}
	}
	/* The contract charges a run once, so it emits one Released per run and
	 * per spend transaction; two would mean another contract's rules. */
	if (st == 0 && hits > 1)
		st = c2d_fail(err, C2D_E_INPUT, "%s: %zu Released logs for one anchor", kc->rpc.url, hits);
	c2d_rpc_logs_free(logs, n);
	return st;
}

c2d_status c2d_kmschain_verify(struct c2d_kmschain *kc, const struct c2d_kmschain_anchor *a, size_t n,
			       struct c2d_kmschain_anchor_check *out, struct c2d_err *err)
{
	size_t first_bad = n;
	for (size_t i = 0; i < n; i++) {
		int st = find_released(kc, &a[i], &out[i], err);
		if (st < 0) {
			c2d_err_prefix(err, "anchor %zu", i + 1);
			return st;
		}
		if (out[i].verdict != C2D_KMSCHAIN_MATCH && first_bad == n)
			first_bad = i;
	}
	if (first_bad == n)
		return C2D_OK;
	char want[65], got[65];
	c2d_hex(a[first_bad].head, 32, want);
	if (out[first_bad].verdict == C2D_KMSCHAIN_MISSING)
		return c2d_fail(err, C2D_E_REFUSED, "anchor %zu (head 0x%s): no spend of that %s on chain", first_bad + 1,
				want, a[first_bad].by_tx ? "transaction" : "run");
	if (out[first_bad].verdict != C2D_KMSCHAIN_MISMATCH)
		return c2d_fail(err, C2D_E_REFUSED, "anchor %zu (head 0x%s): the transaction %s", first_bad + 1, want,
				out[first_bad].verdict == C2D_KMSCHAIN_UNMINED ? "is not mined" : "reverted");
	c2d_hex(out[first_bad].chain_head, 32, got);
	return c2d_fail(err, C2D_E_REFUSED, "anchor %zu: the release log says head 0x%s, the chain 0x%s (block %llu)",
			first_bad + 1, want, got, (unsigned long long)out[first_bad].block);
}
