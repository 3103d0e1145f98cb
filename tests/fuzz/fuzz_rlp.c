/* libFuzzer target: the strict RLP decoder. Every item it accepts lies
 * inside the input, and since only canonical encodings are accepted,
 * re-encoding the decoded tree gives back exactly the input. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *base;
static size_t base_len;

/* Re-encodes item into e; returns 0, or -1 if a nested item is refused. */
static int reencode(const struct c2d_rlp_item *it, struct c2d_rlp *e, int depth)
{
	assert(it->p >= base && it->p + it->len <= base + base_len);
	assert((size_t)(it->p - base) == it->off);
	if (!it->list) {
		c2d_rlp_bytes(e, it->p, it->len);
		return 0;
	}
	if (depth > 64)
		return -1;
	size_t pos = 0, mark = c2d_rlp_list_begin(e);
	struct c2d_rlp_item sub;
	int r;
	while ((r = c2d_rlp_next(it, &pos, &sub, NULL)) == 1)
		if (reencode(&sub, e, depth + 1) < 0)
			return -1;
	if (r < 0)
		return -1;
	c2d_rlp_list_end(e, mark);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_rlp_item it;
	struct c2d_rlp e;
	uint8_t *out;
	size_t n;
	if (c2d_rlp_decode_all(data, size, &it, NULL) != C2D_OK)
		return 0;
	base = data;
	base_len = size;
	c2d_rlp_init(&e);
	if (reencode(&it, &e, 0) < 0) {
		c2d_rlp_free(&e);
		return 0;
	}
	assert(c2d_rlp_finish(&e, &out, &n, NULL) == C2D_OK);
	assert(n == size && memcmp(out, data, size) == 0);
	free(out);
	return 0;
}
