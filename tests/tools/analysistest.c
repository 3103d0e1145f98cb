/* See analysistest.h. */
#include "analysistest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

void analysistest_bindir(char dir[PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", dir, PATH_MAX - 1);
	if (n <= 0)
		abort();
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
}

void analysistest_set_cats(struct c2d_column *c, const char *const *labels, uint32_t n)
{
	c->type = C2D_T_CATEGORY;
	c->ncats = n;
	c->cats = calloc(n, sizeof(char *));
	if (c->cats == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++)
		c->cats[i] = strdup(labels[i]);
}

void analysistest_make_input(const struct c2d_schema *s, size_t n, uint32_t cap,
			     analysistest_row_fn *row, const void *ctx, struct analysis_input *in)
{
	struct c2d_rg_builder b;
	struct c2d_rg_col *cols = calloc(s->ncols, sizeof(*cols));
	uint8_t *g = malloc(C2D_RG_HEADER_LEN + c2d_rg_body_len(s, cap));
	assert_non_null(cols);
	assert_non_null(g);
	assert_int_equal(analysis_input_open(in, s, NULL), C2D_OK);
	assert_int_equal(c2d_rg_builder_init(&b, s, cap, NULL), C2D_OK);
	for (size_t i = 0; i < n; i++) {
		row(&b, i, ctx);
		if (c2d_rg_end_row(&b) || i + 1 == n) {
			uint32_t k = b.n;
			size_t len = c2d_rg_flush(&b, g);
			assert_int_equal(c2d_rg_decode(s, k, g + C2D_RG_HEADER_LEN,
						       len - C2D_RG_HEADER_LEN, cols, NULL), C2D_OK);
			assert_int_equal(analysis_input_rows(in, s, k, cols, NULL), C2D_OK);
		}
	}
	assert_int_equal(analysis_input_seal(in, NULL), C2D_OK);
	c2d_rg_builder_free(&b);
	free(cols);
	free(g);
}

void analysistest_set_num(struct c2d_column *c, const char *name, uint8_t type, double lo,
			  double hi)
{
	strcpy(c->name, name);
	c->type = type;
	c->flags = C2D_COL_HAS_MIN | C2D_COL_HAS_MAX;
	if (type == C2D_T_FLOAT64) {
		c->min.f = lo;
		c->max.f = hi;
	} else {
		c->min.i = (int64_t)lo;
		c->max.i = (int64_t)hi;
	}
}
