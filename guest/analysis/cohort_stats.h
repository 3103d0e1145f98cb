/*
 * guest/analysis/cohort_stats.h: the cohort-stats analysis of the cardio-renal
 * demo, and its output schema (one definition, compiled into both the
 * analysis binary and init, which checks the analysis's output against it).
 *
 * Over the union of every owner's rows, per cell of
 *   site (5 labels A B C D X) x CKD stage (6: G1 G2 G3a G3b G4 G5)
 *   x age band (4: 18-39, 40-59, 60-74, 75+) x sex (2: F M)
 * and pooled over sites (stage x band x sex), it counts rows, rows with
 * the outcome, rows whose eGFR is missing, and sums eGFR clamped to
 * [0, 200] in fixed point with 8 fractional bits (x 256, then rounded
 * toward zero). Rates and means are computed after noise (post-processing):
 *   outcome rate = outcome / rows, mean eGFR = egfr_sum / 256 / (rows - egfr_null).
 *
 * Each row adds to exactly one cell of each output, by at most 1 (counts)
 * or 200 x 256 = 51200 lattice units (eGFR sums): those are the outputs'
 * L1 sensitivities under adding or removing one row. Integer sums in row
 * order: the result does not depend on how the rows are split into groups
 * or, later, threads.
 *
 * The input schema must have these columns (others are ignored): age
 * int64, sex category [F M], egfr float64 (nullable or not), ckd_stage
 * category [G1 .. G5], outcome bool, site category [A B C D X]; only egfr
 * may be nullable. Anything else is refused (C2D_E_INPUT).
 *
 * Prefix: cohort_stats_
 * Prefix of guest/analysis/cohort_stats_schema.c: cohort_stats_schema
 */
#ifndef C2D_ANALYSIS_COHORT_STATS_H
#define C2D_ANALYSIS_COHORT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/aggfmt.h"
#include "c2d/err.h"
#include "c2d/schema.h"

#define CS_SITES 5
#define CS_STAGES 6
#define CS_BANDS 4
#define CS_SEXES 2
#define CS_POOLED_CELLS (CS_STAGES * CS_BANDS * CS_SEXES)
#define CS_SITE_CELLS (CS_SITES * CS_POOLED_CELLS)
#define CS_EGFR_SCALE 8
#define CS_EGFR_MIN 0
#define CS_EGFR_MAX 200
#define CS_EGFR_BOUND ((uint64_t)CS_EGFR_MAX << CS_EGFR_SCALE)

/* The outputs, in wire order. */
enum {
	CS_SITE_ROWS, CS_SITE_OUTCOME, CS_SITE_EGFR_NULL, CS_SITE_EGFR_SUM,
	CS_POOLED_ROWS, CS_POOLED_OUTCOME, CS_POOLED_EGFR_NULL, CS_POOLED_EGFR_SUM,
	CS_NOUTPUTS
};

extern const struct c2d_outschema cohort_stats_schema;

/* The lower bound of each age band but the first (18-39 holds every age
 * below 40). */
extern const int64_t cohort_stats_schema_band_from[CS_BANDS];

struct cohort_stats {
	int64_t site_rows[CS_SITE_CELLS], site_outcome[CS_SITE_CELLS],
		site_egfr_null[CS_SITE_CELLS], site_egfr_sum[CS_SITE_CELLS];
	int64_t pooled_rows[CS_POOLED_CELLS], pooled_outcome[CS_POOLED_CELLS],
		pooled_egfr_null[CS_POOLED_CELLS], pooled_egfr_sum[CS_POOLED_CELLS];
	uint64_t rows;
};

/* Cell index of site, stage, band, sex within a site output; the pooled
 * output's index is the same without the site term. */
static inline size_t cohort_stats_cell(unsigned site, unsigned stage, unsigned band,
				       unsigned sex)
{
	return (((size_t)site * CS_STAGES + stage) * CS_BANDS + band) * CS_SEXES + sex;
}

/* The input columns cohort-stats reads, by index in the schema. */
struct cohort_stats_cols {
	uint32_t age, sex, egfr, stage, outcome, site;
};

/* Finds them in s (C2D_E_INPUT naming what differs) and, when check is not
 * NULL (s->ncols bytes), sets check[i] for each column read: a reader
 * checks the values of those columns and only those (c2d/rowfile.h), since
 * the others cannot reach the output. */
C2D_MUST_CHECK c2d_status cohort_stats_bind(const struct c2d_schema *s, struct cohort_stats_cols *c,
					    uint8_t *check, struct c2d_err *err);

/* Computes every output over the rows of a c2d/rowfile.h input (len bytes
 * at p). out is zeroed first. */
C2D_MUST_CHECK c2d_status cohort_stats_compute(const uint8_t *p, size_t len,
					       struct cohort_stats *out, struct c2d_err *err);

/* The same on at most `threads` threads (cohort_stats_compute uses one per
 * CPU it may run on, guest/analysis/cpus.h). The result is identical for every
 * thread count: the cells are exact integers, and partials are merged in a
 * fixed order. */
C2D_MUST_CHECK c2d_status cohort_stats_compute_threads(const uint8_t *p, size_t len,
						       unsigned threads, struct cohort_stats *out,
						       struct c2d_err *err);

/* Adds the site cells into the pooled cells (zero before), for a backend
 * that computes only the site cells (host/gpu/gpu.h). */
void cohort_stats_pool(struct cohort_stats *cs);

/* The output arrays in schema order, for c2d_agg_encode(). */
void cohort_stats_values(const struct cohort_stats *cs, const int64_t *values[CS_NOUTPUTS]);

#endif
