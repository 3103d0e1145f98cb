/* Finding an analysis's input columns: see columns.h. */
#include "columns.h"

#include <string.h>

c2d_status columns_find(const struct c2d_schema *s, const char *analysis, const char *name,
				uint8_t type, int nullable_ok, const char *const *labels, uint32_t n,
				uint32_t *at, struct c2d_err *err)
{
	for (uint32_t i = 0; i < s->ncols; i++) {
		const struct c2d_column *c = &s->cols[i];
		if (strcmp(c->name, name) != 0)
			continue;
		if (c->type != type)
			return c2d_fail(err, C2D_E_INPUT, "%s: column '%s' is %s, expected %s",
					analysis, name, c2d_schema_type_name(c->type), c2d_schema_type_name(type));
		if ((c->flags & C2D_COL_NULLABLE) && !nullable_ok)
			return c2d_fail(err, C2D_E_INPUT, "%s: column '%s' must not be nullable",
					analysis, name);
		/* A category's labels give the row's index: they must be the
		 * ones the analysis was written for, in order. */
		if (labels != NULL) {
			if (c->ncats != n)
				return c2d_fail(err, C2D_E_INPUT, "%s: column '%s' has %u labels, expected %u",
						analysis, name, c->ncats, n);
			for (uint32_t k = 0; k < n; k++)
				if (strcmp(c->cats[k], labels[k]) != 0)
					return c2d_fail(err, C2D_E_INPUT,
							"%s: column '%s' label %u is '%s', expected '%s'",
							analysis, name, k, c->cats[k], labels[k]);
		}
		*at = i;
		return C2D_OK;
	}
	return c2d_fail(err, C2D_E_INPUT, "%s: no column '%s'", analysis, name);
}
