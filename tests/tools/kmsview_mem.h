/*
 * tests/tools/kmsview_mem.h: a TEST DOUBLE of the KMS's chain view
 * (c2d/kmsview.h), in memory, for unit tests of the decision. It is not
 * the contract: it answers whatever the test set, records the spends it is
 * asked for, and fails on demand. The real implementation is the JSON-RPC
 * client of host/chain/; the integration tests run that against anvil.
 */
#ifndef C2D_TEST_KMSVIEW_MEM_H
#define C2D_TEST_KMSVIEW_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/kmsview.h"

#define KMSVIEW_MEM_MAX 8

struct kmsview_mem {
	uint64_t block;
	struct c2d_kmsview_compose compose;
	size_t n;
	struct c2d_kmsview_pair pair[KMSVIEW_MEM_MAX];
	struct c2d_kmsview_dataset state[KMSVIEW_MEM_MAX];
	int fail_block, fail_read, fail_spend, fail_receipt;   /* 1: that call errs */
	int lose_spend;        /* 1: spend signs and sends (tx_hash 7b..), then errs */
	/* The last spend. */
	size_t spends;
	uint8_t spent_hash[32], spent_anchor[32], spent_run[32];
	size_t spent_n;
	uint64_t spent_eps, spent_rho;
};

/* Fills iface with m's functions. */
void kmsview_mem_iface(struct kmsview_mem *m, struct c2d_kmsview *iface);

/* The state of (owner, dataset id), added (zeroed) if new. */
struct c2d_kmsview_dataset *kmsview_mem_dataset(struct kmsview_mem *m, const uint8_t owner[20],
						  const uint8_t dataset_id[32]);

#endif
