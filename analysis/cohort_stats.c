/* cohort-stats on the CPU: see cohort_stats.h. */
#include "cohort_stats.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/rowfile.h"
#include "columns.h"

/* The columns the analysis reads, by index in the input schema. */
struct cols {
	uint32_t age, sex, egfr, stage, outcome, site;
};

static const char *const sex_labels[CS_SEXES] = { "F", "M" };
static const char *const stage_labels[CS_STAGES] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };
static const char *const site_labels[CS_SITES] = { "A", "B", "C", "D", "X" };

static int bind(const struct c2d_schema *s, struct cols *c, struct c2d_err *err)
{
	int r;
	if ((r = analysis_find_column(s, "cohort-stats", "age", C2D_T_INT64, 0, NULL, 0, &c->age, err)) < 0 ||
	    (r = analysis_find_column(s, "cohort-stats", "sex", C2D_T_CATEGORY, 0, sex_labels, CS_SEXES, &c->sex, err)) < 0 ||
	    (r = analysis_find_column(s, "cohort-stats", "egfr", C2D_T_FLOAT64, 1, NULL, 0, &c->egfr, err)) < 0 ||
	    (r = analysis_find_column(s, "cohort-stats", "ckd_stage", C2D_T_CATEGORY, 0, stage_labels, CS_STAGES, &c->stage, err)) < 0 ||
	    (r = analysis_find_column(s, "cohort-stats", "outcome", C2D_T_BOOL, 0, NULL, 0, &c->outcome, err)) < 0 ||
	    (r = analysis_find_column(s, "cohort-stats", "site", C2D_T_CATEGORY, 0, site_labels, CS_SITES, &c->site, err)) < 0)
		return r;
	return C2D_OK;
}

static unsigned band_of(int64_t age)
{
	unsigned b = 0;
	for (unsigned k = 1; k < CS_BANDS; k++)
		if (age >= cohort_stats_band_from[k])
			b = k;
	return b;
}

/* The clamped value on the lattice: min(max(x, 0), 200) x 2^8, rounded
 * toward zero. The product is exact (a power of two) and below 2^16, so
 * the conversion is exact too; x is finite (c2d_rg_decode checked). */
static int64_t egfr_lattice(double x)
{
	if (!(x > CS_EGFR_MIN))
		x = CS_EGFR_MIN;
	if (x > CS_EGFR_MAX)
		x = CS_EGFR_MAX;
	return (int64_t)(x * (double)(1 << CS_EGFR_SCALE));
}

static void add_group(struct cohort_stats *cs, const struct cols *k, uint32_t n,
		      const struct c2d_rg_col *col)
{
	const struct c2d_rg_col *egfr = &col[k->egfr];
	const uint8_t *outcome = col[k->outcome].data;
	for (uint32_t i = 0; i < n; i++) {
		unsigned site = c2d_get_le16(col[k->site].data + 2 * (size_t)i);
		unsigned stage = c2d_get_le16(col[k->stage].data + 2 * (size_t)i);
		unsigned sex = c2d_get_le16(col[k->sex].data + 2 * (size_t)i);
		unsigned band = band_of((int64_t)c2d_get_le64(col[k->age].data + 8 * (size_t)i));
		size_t cell = cohort_stats_cell(site, stage, band, sex);
		cs->site_rows[cell]++;
		cs->site_outcome[cell] += (outcome[i >> 3] >> (i & 7)) & 1;
		if (c2d_rg_present(egfr, i)) {
			uint64_t bits = c2d_get_le64(egfr->data + 8 * (size_t)i);
			double x;
			memcpy(&x, &bits, sizeof(x));
			cs->site_egfr_sum[cell] += egfr_lattice(x);
		} else {
			cs->site_egfr_null[cell]++;
		}
	}
	cs->rows += n;
}

/* Pooled cells are sums of the site cells in site order: integers, so the
 * result is exact whatever the order. */
static void pool(struct cohort_stats *cs)
{
	for (unsigned s = 0; s < CS_SITES; s++) {
		for (size_t c = 0; c < CS_POOLED_CELLS; c++) {
			size_t sc = (size_t)s * CS_POOLED_CELLS + c;
			cs->pooled_rows[c] += cs->site_rows[sc];
			cs->pooled_outcome[c] += cs->site_outcome[sc];
			cs->pooled_egfr_null[c] += cs->site_egfr_null[sc];
			cs->pooled_egfr_sum[c] += cs->site_egfr_sum[sc];
		}
	}
}

int cohort_stats_compute(const uint8_t *p, size_t len, struct cohort_stats *out,
			 struct c2d_err *err)
{
	struct c2d_rowfile f;
	struct cols k;
	memset(out, 0, sizeof(*out));
	int r = c2d_rowfile_open(&f, p, len, err);
	if (r < 0)
		return r;
	struct c2d_rg_col *col = calloc(f.schema.ncols, sizeof(*col));
	if (col == NULL) {
		c2d_rowfile_close(&f);
		return c2d_fail(err, C2D_E_NOMEM, "cohort-stats: out of memory");
	}
	uint32_t n;
	if ((r = bind(&f.schema, &k, err)) == C2D_OK) {
		/* At most 2^63 rows fit in a u64 count, and each adds at most
		 * 51200 to a sum: a file of less than 2^40 rows cannot wrap. */
		while ((r = c2d_rowfile_next(&f, &n, col, err)) == 1)
			add_group(out, &k, n, col);
	}
	free(col);
	c2d_rowfile_close(&f);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	pool(out);
	return C2D_OK;
}

void cohort_stats_values(const struct cohort_stats *cs, const int64_t *values[CS_NOUTPUTS])
{
	values[CS_SITE_ROWS] = cs->site_rows;
	values[CS_SITE_OUTCOME] = cs->site_outcome;
	values[CS_SITE_EGFR_NULL] = cs->site_egfr_null;
	values[CS_SITE_EGFR_SUM] = cs->site_egfr_sum;
	values[CS_POOLED_ROWS] = cs->pooled_rows;
	values[CS_POOLED_OUTCOME] = cs->pooled_outcome;
	values[CS_POOLED_EGFR_NULL] = cs->pooled_egfr_null;
	values[CS_POOLED_EGFR_SUM] = cs->pooled_egfr_sum;
}
