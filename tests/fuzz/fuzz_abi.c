/* libFuzzer target: the strict ABI decoder and revert decoding. The first
 * input byte picks a type (those of the consortium contract's calls and
 * returns, and nested arrays); whatever decodes points inside the input and
 * re-encodes to exactly the input, since only canonical encodings pass. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {
	"(string)", "(uint256)", "(bool)", "(address)", "(bool,string)",
	"(address,string,string)", "(bool,uint64,uint64,uint64,uint64)",
	"(bytes32,(address,bytes32)[],uint64,uint64,bytes32)",
	"(string,address[],string[],string[],uint256,address)",
	"((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))",
	"(uint256[][],string[])", "(bytes,bool,uint256[])", "(string[][])",
};

static const uint8_t *base;
static size_t base_len;

static void inside(const struct c2d_abi_value *v)
{
	if (v->kind == C2D_ABI_STRING || v->kind == C2D_ABI_BYTES)
		assert(v->len == 0 || (v->data >= base && v->data + v->len <= base + base_len));
	if (v->kind == C2D_ABI_ARRAY || v->kind == C2D_ABI_TUPLE)
		for (size_t i = 0; i < v->n; i++)
			inside(&v->items[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[96];
	c2d_abi_revert_reason(data, size, reason, sizeof(reason));
	assert(strlen(reason) < sizeof(reason));
	if (size < 1)
		return 0;
	const char *t = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	struct c2d_abi_value *v;
	if (c2d_abi_decode(t, data + 1, size - 1, &v, NULL) != C2D_OK)
		return 0;
	base = data + 1;
	base_len = size - 1;
	inside(v);
	uint8_t *out;
	size_t n;
	assert(c2d_abi_encode(t, v, &out, &n, NULL) == C2D_OK);
	assert(n == size - 1 && memcmp(out, data + 1, n) == 0);
	free(out);
	c2d_abi_free(v);
	return 0;
}
