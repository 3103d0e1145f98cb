/* libFuzzer target: the aggregate decoder and the schema check
 * (guest/runtime/protocol/aggfmt.c). Input: u64 n_rows, then the aggregate. Properties:
 * a decoded aggregate re-encodes to exactly its input (the format has one
 * encoding), and one that passes the check against the fake schema has
 * non-negative counts and an L1 norm within n_rows x bound per output. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/aggfmt.h"
#include "c2d/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct c2d_outspec fixed_outputs[] = {
	{ "rows", C2D_AGG_COUNT, 0, 1, { 2 }, 1 },
	{ "total", C2D_AGG_SUM, 4, 2, { 1, 2 }, 16 },
};
static const struct c2d_outschema fixed = {
	"fuzz", 2, fixed_outputs,
	C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(4, 1, 2) + C2D_AGG_OUTPUT_LEN(5, 2, 2),
};

static void round_trip(const struct c2d_agg *a, const uint8_t *p, size_t len)
{
	struct c2d_outspec *o = calloc(a->noutputs, sizeof(*o));
	const int64_t **v = calloc(a->noutputs, sizeof(*v));
	assert(o != NULL && v != NULL);
	for (size_t i = 0; i < a->noutputs; i++) {
		const struct c2d_agg_output *g = &a->outputs[i];
		o[i] = (struct c2d_outspec){ g->name, g->kind, g->scale, g->ndims, { 0 }, 1 };
		memcpy(o[i].dims, g->dims, sizeof(o[i].dims));
		v[i] = g->values;
	}
	struct c2d_outschema s = { "decoded", a->noutputs, o, 0 };
	s.max_bytes = c2d_agg_schema_wire_len(&s);
	assert(s.max_bytes == len);
	uint8_t *q = malloc(len);
	assert(q != NULL);
	assert(c2d_agg_encode(&s, v, q) == len);
	assert(memcmp(p, q, len) == 0);
	free(q);
	free(v);
	free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	uint64_t n_rows = c2d_get_le64(data);
	struct c2d_agg a;
	if (c2d_agg_decode(data + 8, size - 8, &a, NULL) < 0) {
		assert(a.outputs == NULL && a.noutputs == 0);
		return 0;
	}
	round_trip(&a, data + 8, size - 8);
	if (c2d_agg_check(&fixed, &a, n_rows, NULL) == C2D_OK) {
		for (size_t i = 0; i < a.noutputs; i++) {
			unsigned __int128 l1 = 0;
			for (size_t c = 0; c < a.outputs[i].ncells; c++) {
				int64_t x = a.outputs[i].values[c];
				assert(a.outputs[i].kind != C2D_AGG_COUNT || x >= 0);
				l1 += x < 0 ? (unsigned __int128)(-(x + 1)) + 1 : (unsigned __int128)x;
			}
			assert(l1 <= (unsigned __int128)n_rows * fixed_outputs[i].l1_bound);
		}
	}
	c2d_agg_free(&a);
	return 0;
}
