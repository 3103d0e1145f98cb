/* Helpers shared by the tests of analyses (test_analysis, test_riskmodel). */
#ifndef C2D_TESTS_ANALYSISTEST_H
#define C2D_TESTS_ANALYSISTEST_H

#include <limits.h>
#include <stdint.h>

#include "analysis.h"
#include "c2d/rowgroup.h"
#include "c2d/schema.h"

/* The directory of the running test, where the analysis binaries are
 * built (out/test/); aborts if /proc/self/exe cannot be read. */
void analysistest_bindir(char dir[PATH_MAX]);

/* Makes c a category column with these labels (strdup'ed: the schema's
 * c2d_schema_free() releases them). */
void analysistest_set_cats(struct c2d_column *c, const char *const *labels, uint32_t n);

/* Makes c a numeric column (int64 or float64) called name with the
 * declared bounds [lo, hi]. */
void analysistest_set_num(struct c2d_column *c, const char *name, uint8_t type, double lo,
			  double hi);

/* Writes row i of a table into b: one c2d_rg_set_*() a column of the
 * schema, in order; ctx is the one given to analysistest_make_input(). */
typedef void analysistest_row_fn(struct c2d_rg_builder *b, size_t i, const void *ctx);

/* Opens in for schema s and fills it with rows 0..n-1, each written by
 * row(b, i, ctx), in row groups of at most cap rows: every group is
 * encoded, decoded and handed to analysis_input_rows() as
 * c2d_unseal_body() would hand it; then seals in. Any failure fails the
 * running cmocka test. The caller closes in (analysis_input_close()). */
void analysistest_make_input(const struct c2d_schema *s, size_t n, uint32_t cap,
			     analysistest_row_fn *row, const void *ctx, struct analysis_input *in);

#endif
