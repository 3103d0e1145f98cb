/* A test double of the KMS's chain view: see kmsview_mem.h. */
#include "kmsview_mem.h"

#include <string.h>

struct c2d_kmsview_dataset *kmsview_mem_dataset(struct kmsview_mem *m, const uint8_t owner[20],
						  const uint8_t dataset_id[32])
{
	for (size_t i = 0; i < m->n; i++)
		if (memcmp(m->pair[i].owner, owner, 20) == 0 && memcmp(m->pair[i].dataset_id, dataset_id, 32) == 0)
			return &m->state[i];
	if (m->n == KMSVIEW_MEM_MAX)
		return NULL;
	memcpy(m->pair[m->n].owner, owner, 20);
	memcpy(m->pair[m->n].dataset_id, dataset_id, 32);
	memset(&m->state[m->n], 0, sizeof(m->state[m->n]));
	return &m->state[m->n++];
}

static c2d_status mem_block(void *impl, uint64_t *block, struct c2d_err *err)
{
	struct kmsview_mem *m = impl;
	if (m->fail_block)
		return c2d_fail(err, C2D_E_IO, "rpc: connection refused (test double)");
	*block = m->block;
	return C2D_OK;
}

static c2d_status mem_compose(void *impl, uint64_t block, const uint8_t hash[32],
			      struct c2d_kmsview_compose *out, struct c2d_err *err)
{
	struct kmsview_mem *m = impl;
	(void)block;
	(void)hash;
	if (m->fail_read)
		return c2d_fail(err, C2D_E_IO, "rpc: timeout (test double)");
	*out = m->compose;
	return C2D_OK;
}

static c2d_status mem_dataset(void *impl, uint64_t block, const uint8_t hash[32], const uint8_t owner[20],
			      const uint8_t dataset_id[32], struct c2d_kmsview_dataset *out, struct c2d_err *err)
{
	struct kmsview_mem *m = impl;
	(void)block;
	(void)hash;
	for (size_t i = 0; i < m->n; i++)
		if (memcmp(m->pair[i].owner, owner, 20) == 0 && memcmp(m->pair[i].dataset_id, dataset_id, 32) == 0) {
			*out = m->state[i];
			return C2D_OK;
		}
	(void)err;
	memset(out, 0, sizeof(*out));
	return C2D_OK;
}

static c2d_status mem_spend(void *impl, const uint8_t hash[32], const struct c2d_kmsview_pair *pairs, size_t n,
			    uint64_t eps, uint64_t rho, const uint8_t run_id[32], const uint8_t log_head[32],
			    uint8_t tx_hash[32], struct c2d_err *err)
{
	struct kmsview_mem *m = impl;
	(void)pairs;
	if (m->fail_spend)
		return c2d_fail(err, C2D_E_IO, "rpc: the chain dropped out (test double)");
	m->spends++;
	memcpy(m->spent_hash, hash, 32);
	memcpy(m->spent_anchor, log_head, 32);
	memcpy(m->spent_run, run_id, 32);
	m->spent_n = n;
	m->spent_eps = eps;
	m->spent_rho = rho;
	memset(tx_hash, m->lose_spend ? 0x7b : 0x7a, 32);
	if (m->lose_spend)
		return c2d_fail(err, C2D_E_IO, "rpc: the answer to the spend was lost (test double)");
	return C2D_OK;
}

static c2d_status mem_receipt(void *impl, const uint8_t tx_hash[32], uint64_t *block, struct c2d_err *err)
{
	struct kmsview_mem *m = impl;
	(void)tx_hash;
	if (m->fail_receipt)
		return c2d_fail(err, C2D_E_IO, "rpc: no receipt in time (test double)");
	*block = m->block + 1;
	return C2D_OK;
}

void kmsview_mem_iface(struct kmsview_mem *m, struct c2d_kmsview *iface)
{
	*iface = (struct c2d_kmsview){ .impl = m, .block = mem_block, .compose = mem_compose,
					.dataset = mem_dataset, .spend = mem_spend, .receipt = mem_receipt };
}
