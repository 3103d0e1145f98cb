/* Helpers shared by the tests of analyses (test_analysis, test_riskmodel). */
#ifndef C2D_TESTS_ANALYSISTEST_H
#define C2D_TESTS_ANALYSISTEST_H

#include <limits.h>
#include <stdint.h>

#include "c2d/schema.h"

/* The directory of the running test, where the analysis binaries are
 * built (out/test/); aborts if /proc/self/exe cannot be read. */
void analysistest_bindir(char dir[PATH_MAX]);

/* Makes c a category column with these labels (strdup'ed: the schema's
 * c2d_schema_free() releases them). */
void analysistest_set_cats(struct c2d_column *c, const char *const *labels, uint32_t n);

#endif
