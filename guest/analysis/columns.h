/*
 * guest/analysis/columns.h: finding the input columns an analysis reads.
 *
 * An analysis is written for certain columns of certain types and, for
 * categories, certain labels in a certain order (a label's index is what a
 * row holds). columns_find() finds column name in schema s and
 * refuses (C2D_E_INPUT, naming the analysis, the column and what differs)
 * another type, nullability where none is allowed, or other labels. labels
 * may be NULL (not a category). No allocation; not constant-time.
 *
 * Prefix: columns_
 */
#ifndef C2D_ANALYSIS_COLUMNS_H
#define C2D_ANALYSIS_COLUMNS_H

#include <stdint.h>

#include "c2d/err.h"
#include "c2d/schema.h"

C2D_MUST_CHECK c2d_status columns_find(const struct c2d_schema *s, const char *analysis,
					       const char *name, uint8_t type, int nullable_ok,
					       const char *const *labels, uint32_t n, uint32_t *at,
					       struct c2d_err *err);

#endif
