/* libFuzzer target: the sealed header parser (and the schema decoder in
 * it). Whatever it accepts must re-encode to the same bytes: one meaning,
 * one encoding. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/sealfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_seal_header h;
	uint32_t hl;
	uint64_t tl;
	if (size < C2D_SEAL_PREFIX_LEN || c2d_sealhdr_peek(data, &hl, &tl, NULL) < 0)
		return 0;
	if (c2d_sealhdr_parse(data, size < hl ? size : hl, &h, NULL) < 0)
		return 0;
	uint8_t *again;
	size_t len;
	assert(c2d_sealhdr_encode(&h, &again, &len, NULL) == C2D_OK);
	assert(len == hl && memcmp(again, data, len) == 0);
	free(again);
	c2d_sealhdr_free(&h);
	return 0;
}
