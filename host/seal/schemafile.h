/*
 * host/seal/schemafile.h: reading a table schema from its JSON file.
 *
 *   {"columns": [
 *     {"name": "age", "type": "int64", "min": 18, "max": 110},
 *     {"name": "egfr", "type": "float64", "min": 0, "max": 200, "nullable": true},
 *     {"name": "sex", "type": "category", "labels": ["F", "M"]},
 *     {"name": "diabetes", "type": "bool"},
 *     {"name": "visit", "type": "date", "min": "2000-01-01"}
 *   ]}
 *
 * Unknown keys, duplicate keys and wrong value types are errors (a typo in
 * a bound must not silently drop the bound). Errors name the file and the
 * line and column (JSON syntax) or the column entry (meaning).
 * The caller frees the result with c2d_schema_free().
 *
 * Prefix: c2d_schemafile_
 */
#ifndef C2D_HOST_SCHEMAFILE_H
#define C2D_HOST_SCHEMAFILE_H

#include "c2d/err.h"
#include "c2d/schema.h"

C2D_MUST_CHECK c2d_status c2d_schemafile_load(const char *path, struct c2d_schema *s,
					  struct c2d_err *err);

#endif
