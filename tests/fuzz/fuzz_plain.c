/* libFuzzer target: the plaintext parser (row groups and the end record)
 * and the row-group decoder, with a schema that has every type, nullable
 * and bounded. The input is fed in pieces of varying size, as chunks would
 * deliver it. Every value handed out must respect the schema. */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/unseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *labels[] = { "a", "b", "c" };
static struct c2d_column cols[5] = {
	{ .name = "i", .type = C2D_T_INT64, .flags = C2D_COL_HAS_MIN | C2D_COL_HAS_MAX,
	  .min.i = -5, .max.i = 1000 },
	{ .name = "f", .type = C2D_T_FLOAT64, .flags = C2D_COL_NULLABLE | C2D_COL_HAS_MAX,
	  .max.f = 1e6 },
	{ .name = "b", .type = C2D_T_BOOL, .flags = C2D_COL_NULLABLE },
	{ .name = "c", .type = C2D_T_CATEGORY, .ncats = 3, .cats = labels },
	{ .name = "d", .type = C2D_T_DATE },
};
static const struct c2d_schema schema = { 5, cols };

static int check(void *arg, const struct c2d_schema *s, uint32_t n,
		 const struct c2d_rg_col *c, struct c2d_err *err)
{
	(void)arg;
	(void)s;
	(void)err;
	for (uint32_t r = 0; r < n; r++) {
		int64_t i = (int64_t)c2d_get_le64(c[0].data + 8 * r);
		assert(i >= -5 && i <= 1000);
		if (c2d_rg_present(&c[1], r)) {
			uint64_t bits = c2d_get_le64(c[1].data + 8 * r);
			double f;
			memcpy(&f, &bits, 8);
			assert(isfinite(f) && f <= 1e6);
		}
		assert(c2d_get_le16(c[3].data + 2 * r) < 3);
	}
	return C2D_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_plain p;
	if (size < 1 || c2d_unseal_plain_init(&p, &schema, check, NULL, NULL) < 0)
		return 0;
	size_t step = (size_t)data[0] % 61 + 1, off = 1;
	int r = C2D_OK;
	while (off < size && r == C2D_OK) {
		size_t n = size - off < step ? size - off : step;
		r = c2d_unseal_plain_feed(&p, data + off, n, NULL);
		off += n;
	}
	if (r == C2D_OK)
		/* Any status will do: the fuzzer looks for crashes. */
		c2d_ignore(c2d_unseal_plain_finish(&p, p.rows, NULL));
	c2d_unseal_plain_free(&p);
	return 0;
}
