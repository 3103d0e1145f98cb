/* The output schema of cohort-stats: see cohort_stats.h. Part of the image
 * and so of the compose-hash: changing a bound here changes what the owners
 * approve. The outputs' shares of ε are in image/analyses/cohort-stats.conf,
 * which must name these outputs in this order. */
#include "cohort_stats.h"

#define SITE_DIMS 4, { CS_SITES, CS_STAGES, CS_BANDS, CS_SEXES }
#define POOLED_DIMS 3, { CS_STAGES, CS_BANDS, CS_SEXES }

static const struct c2d_outspec outputs[CS_NOUTPUTS] = {
	[CS_SITE_ROWS] = { "site_rows", C2D_AGG_COUNT, 0, SITE_DIMS, 1 },
	[CS_SITE_OUTCOME] = { "site_outcome", C2D_AGG_COUNT, 0, SITE_DIMS, 1 },
	[CS_SITE_EGFR_NULL] = { "site_egfr_null", C2D_AGG_COUNT, 0, SITE_DIMS, 1 },
	[CS_SITE_EGFR_SUM] = { "site_egfr_sum", C2D_AGG_SUM, CS_EGFR_SCALE, SITE_DIMS,
			       CS_EGFR_BOUND },
	[CS_POOLED_ROWS] = { "pooled_rows", C2D_AGG_COUNT, 0, POOLED_DIMS, 1 },
	[CS_POOLED_OUTCOME] = { "pooled_outcome", C2D_AGG_COUNT, 0, POOLED_DIMS, 1 },
	[CS_POOLED_EGFR_NULL] = { "pooled_egfr_null", C2D_AGG_COUNT, 0, POOLED_DIMS, 1 },
	[CS_POOLED_EGFR_SUM] = { "pooled_egfr_sum", C2D_AGG_SUM, CS_EGFR_SCALE, POOLED_DIMS,
				 CS_EGFR_BOUND },
};

#define SITE_LEN(name) C2D_AGG_OUTPUT_LEN(sizeof(name) - 1, 4, CS_SITE_CELLS)
#define POOLED_LEN(name) C2D_AGG_OUTPUT_LEN(sizeof(name) - 1, 3, CS_POOLED_CELLS)

const struct c2d_outschema cohort_stats_schema = {
	.analysis = "cohort-stats",
	.noutputs = CS_NOUTPUTS,
	.outputs = outputs,
	.max_bytes = C2D_AGG_HEADER_LEN + SITE_LEN("site_rows") + SITE_LEN("site_outcome") +
		     SITE_LEN("site_egfr_null") + SITE_LEN("site_egfr_sum") +
		     POOLED_LEN("pooled_rows") + POOLED_LEN("pooled_outcome") +
		     POOLED_LEN("pooled_egfr_null") + POOLED_LEN("pooled_egfr_sum"),
};

const int64_t cohort_stats_schema_band_from[CS_BANDS] = { 18, 40, 60, 75 };
