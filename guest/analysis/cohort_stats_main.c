/*
 * cohort-stats [THREADS]: the analysis child (see cohort_stats.h, child.h).
 * Reads the sealed rows on fd 3, writes the exact aggregate to fd 4, exits
 * 0. It never adds noise and never sees randomness: init does that.
 * THREADS (1 to 1024, at most 16 are used) replaces the CPU count, for the
 * tests: the cells do not depend on it.
 */
#include <stdlib.h>

#include "c2d/fdio.h"
#include "child.h"
#include "cohort_stats.h"
#include "cpus.h"

static int parse_threads(const char *s, unsigned *out, struct c2d_err *err)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v < 1 || v > 1024)
		return c2d_fail(err, C2D_E_USAGE,
				"cohort-stats: argument '%.16s': a thread count 1..1024 expected", s);
	*out = (unsigned)v;
	return C2D_OK;
}

int main(int argc, char **argv)
{
	const uint8_t *p;
	size_t len;
	child_start(&p, &len);
	struct c2d_err err = { 0 };
	unsigned threads = analysis_cpus();
	int r;
	if (argc > 1 && (r = parse_threads(argv[1], &threads, &err)) < 0)
		child_exit(r, &err);
	struct cohort_stats *cs = malloc(sizeof(*cs));
	uint8_t *out = malloc(cohort_stats_schema.max_bytes);
	if (cs == NULL || out == NULL)
		child_exit(c2d_fail(&err, C2D_E_NOMEM, "cohort-stats: out of memory"), &err);
	if ((r = cohort_stats_compute_threads(p, len, threads, cs, &err)) < 0)
		child_exit(r, &err);
	const int64_t *values[CS_NOUTPUTS];
	cohort_stats_values(cs, values);
	size_t n = c2d_agg_encode(&cohort_stats_schema, values, out);
	child_exit(c2d_fdio_write_all(CHILD_OUT_FD, out, n, "output", &err), &err);
}
