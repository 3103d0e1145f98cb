/*
 * cohort-stats: the analysis child (see cohort_stats.h, child.h). Reads the
 * sealed rows on fd 3, writes the exact aggregate to fd 4, exits 0. It
 * never adds noise and never sees randomness: init does that.
 */
#include <stdlib.h>

#include "c2d/fdio.h"
#include "child.h"
#include "cohort_stats.h"

int main(void)
{
	struct c2d_err err = { 0 };
	const uint8_t *p;
	size_t len;
	int r = child_map_input(CHILD_IN_FD, &p, &len, &err);
	if (r < 0)
		child_exit(r, &err);
	struct cohort_stats *cs = malloc(sizeof(*cs));
	uint8_t *out = malloc(cohort_stats_schema.max_bytes);
	if (cs == NULL || out == NULL)
		child_exit(c2d_fail(&err, C2D_E_NOMEM, "cohort-stats: out of memory"), &err);
	if ((r = cohort_stats_compute(p, len, cs, &err)) < 0)
		child_exit(r, &err);
	const int64_t *values[CS_NOUTPUTS];
	cohort_stats_values(cs, values);
	size_t n = c2d_agg_encode(&cohort_stats_schema, values, out);
	child_exit(c2d_write_all(CHILD_OUT_FD, out, n, "output", &err), &err);
}
