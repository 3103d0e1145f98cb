/* The KMS's chain view over JSON-RPC: see kmsview_rpc.h. */
#include "kmsview_rpc.h"

#include <string.h>

/* The calling thread's slot, taken (the least recently used) if it has
 * none. Under slot_lock; the slot itself is only ever touched by its
 * thread, so its contents need no lock once found. */
static struct c2d_kmsview_rpc_slot *my_slot(struct c2d_kmsview_rpc *v)
{
	pthread_t self = pthread_self();
	struct c2d_kmsview_rpc_slot *s = NULL, *lru = &v->slot[0];
	pthread_mutex_lock(&v->slot_lock);
	for (size_t i = 0; i < C2D_KMSVIEW_RPC_SLOTS && s == NULL; i++) {
		if (v->slot[i].used != 0 && pthread_equal(v->slot[i].thread, self))
			s = &v->slot[i];
		else if (v->slot[i].used < lru->used)
			lru = &v->slot[i];
	}
	if (s == NULL) {
		s = lru;
		memset(s, 0, sizeof(*s));
		s->thread = self;
	}
	s->used = ++v->clock;
	pthread_mutex_unlock(&v->slot_lock);
	return s;
}

static c2d_status view_block(void *impl, uint64_t *block, struct c2d_err *err)
{
	struct c2d_kmsview_rpc *v = impl;
	struct c2d_kmsview_rpc_slot *s = my_slot(v);
	s->pinned = 0;
	pthread_mutex_lock(&v->read_lock);
	int st = c2d_kmschain_pin(&v->reads, &s->at, err);
	pthread_mutex_unlock(&v->read_lock);
	if (st < 0)
		return st;
	s->pinned = 1;
	*block = s->at.number;
	return C2D_OK;
}

/* The block this thread pinned, if it is `block`. */
static c2d_status pinned(struct c2d_kmsview_rpc *v, uint64_t block, struct c2d_block *at, struct c2d_err *err)
{
	struct c2d_kmsview_rpc_slot *s = my_slot(v);
	if (!s->pinned || s->at.number != block)
		return c2d_fail(err, C2D_E_USAGE, "chain view: block %llu is not the block this decision pinned",
				(unsigned long long)block);
	*at = s->at;
	return C2D_OK;
}

static c2d_status view_compose(void *impl, uint64_t block, const uint8_t compose_hash[32],
			       struct c2d_kmsview_compose *out, struct c2d_err *err)
{
	struct c2d_kmsview_rpc *v = impl;
	struct c2d_block at;
	struct c2d_kmschain_compose c;
	int st = pinned(v, block, &at, err);
	if (st < 0)
		return st;
	pthread_mutex_lock(&v->read_lock);
	st = c2d_kmschain_read_compose(&v->reads, &at, compose_hash, &c, err);
	pthread_mutex_unlock(&v->read_lock);
	if (st < 0)
		return st;
	*out = (struct c2d_kmsview_compose){ .revoked = c.revoked, .approvals = c.approvals,
					     .threshold = c.threshold };
	return C2D_OK;
}

static c2d_status view_dataset(void *impl, uint64_t block, const uint8_t compose_hash[32], const uint8_t owner[20],
			       const uint8_t dataset_id[32], struct c2d_kmsview_dataset *out, struct c2d_err *err)
{
	struct c2d_kmsview_rpc *v = impl;
	struct c2d_block at;
	struct c2d_kmschain_dataset_facts d;
	int st = pinned(v, block, &at, err);
	if (st < 0)
		return st;
	pthread_mutex_lock(&v->read_lock);
	st = c2d_kmschain_read_dataset(&v->reads, &at, compose_hash, owner, dataset_id, &d, err);
	pthread_mutex_unlock(&v->read_lock);
	if (st < 0)
		return st;
	*out = (struct c2d_kmsview_dataset){ .approved = d.approved, .expiry = d.expires_at,
					     .budget_set = d.budget_set, .cap_eps = d.cap_micro_eps,
					     .spent_eps = d.spent_micro_eps, .cap_rho = d.cap_micro_rho,
					     .spent_rho = d.spent_micro_rho };
	return C2D_OK;
}

static c2d_status view_spend(void *impl, const uint8_t compose_hash[32], const struct c2d_kmsview_pair *pairs,
			     size_t n, uint64_t micro_eps, uint64_t micro_rho, const uint8_t run_id[32],
			     const uint8_t log_head[32], uint8_t tx_hash[32], struct c2d_err *err)
{
	struct c2d_kmsview_rpc *v = impl;
	struct c2d_kmsview_rpc_slot *s = my_slot(v);
	struct c2d_kmschain_dataset ds[64];
	if (n == 0 || n > sizeof(ds) / sizeof(ds[0]))
		return c2d_fail(err, C2D_E_USAGE, "chain view: %zu datasets in one spend (1 to 64)", n);
	for (size_t i = 0; i < n; i++) {
		memcpy(ds[i].owner, pairs[i].owner, 20);
		memcpy(ds[i].id, pairs[i].dataset_id, 32);
	}
	struct c2d_kmschain_spend sp = { .datasets = ds, .n = n, .micro_eps = micro_eps, .micro_rho = micro_rho };
	memcpy(sp.compose, compose_hash, 32);
	memcpy(sp.run_id, run_id, 32);
	memcpy(sp.log_head, log_head, 32);
	s->spent = 0;
	/* Send and wait as one: the nonce is the node's count of this
	 * account's transactions, so a second spend sent before the first is
	 * mined would reuse it. */
	pthread_mutex_lock(&v->spend_lock);
	int st = c2d_kmschain_spend(&v->spends, v->secp, v->sk, &sp, &s->tx, err);
	pthread_mutex_unlock(&v->spend_lock);
	/* The hash goes back whenever it is known (a deadline too), so that
	 * the log records a spend that may still be mined. */
	memcpy(tx_hash, s->tx.txhash, 32);
	if (st < 0)
		return st;
	s->spent = 1;
	return C2D_OK;
}

static c2d_status view_receipt(void *impl, const uint8_t tx_hash[32], uint64_t *block, struct c2d_err *err)
{
	struct c2d_kmsview_rpc *v = impl;
	struct c2d_kmsview_rpc_slot *s = my_slot(v);
	/* c2d_kmschain_spend already waited for the receipt at depth. */
	if (!s->spent || memcmp(s->tx.txhash, tx_hash, 32) != 0)
		return c2d_fail(err, C2D_E_USAGE, "chain view: no landed spend of this decision has that hash");
	*block = s->tx.block;
	return C2D_OK;
}

c2d_status c2d_kmsview_rpc_open(struct c2d_kmsview_rpc *v, const char *url, const uint8_t app[20],
				uint64_t confirmations, long timeout_ms, long wait_ms,
				const secp256k1_context *secp, const uint8_t *sk, struct c2d_kmsview *view,
				struct c2d_err *err)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->read_lock, NULL);
	pthread_mutex_init(&v->spend_lock, NULL);
	pthread_mutex_init(&v->slot_lock, NULL);
	v->secp = secp;
	v->sk = sk;
	*view = (struct c2d_kmsview){ .impl = v, .block = view_block, .compose = view_compose,
				      .dataset = view_dataset, .spend = view_spend, .receipt = view_receipt };
	int st = c2d_kmschain_open(&v->reads, url, app, confirmations, timeout_ms, err);
	if (st == C2D_OK)
		st = c2d_kmschain_open(&v->spends, url, app, confirmations, timeout_ms, err);
	v->spends.wait_ms = wait_ms;
	return st;
}

void c2d_kmsview_rpc_close(struct c2d_kmsview_rpc *v)
{
	c2d_kmschain_close(&v->reads);
	c2d_kmschain_close(&v->spends);
	pthread_mutex_destroy(&v->read_lock);
	pthread_mutex_destroy(&v->spend_lock);
	pthread_mutex_destroy(&v->slot_lock);
}
