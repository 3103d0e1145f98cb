/* cohort-stats on the CPU: see cohort_stats.h. */
#include "cohort_stats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/grow.h"
#include "c2d/rowfile.h"
#include "columns.h"
#include "cpus.h"
#include "rowmath.h"

/* The per-row arithmetic lives in rowmath.h, shared with the CUDA kernels. */
_Static_assert(RW_CS_STAGES == CS_STAGES && RW_CS_BANDS == CS_BANDS && RW_CS_SEXES == CS_SEXES,
	       "rowmath.h and cohort_stats.h disagree on the cells");
_Static_assert(RW_CS_EGFR_SCALE == CS_EGFR_SCALE && RW_CS_EGFR_MAX == CS_EGFR_MAX && CS_EGFR_MIN == 0,
	       "rowmath.h and cohort_stats.h disagree on the eGFR lattice");

static const char *const sex_labels[CS_SEXES] = { "F", "M" };
static const char *const stage_labels[CS_STAGES] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };
static const char *const site_labels[CS_SITES] = { "A", "B", "C", "D", "X" };

c2d_status cohort_stats_bind(const struct c2d_schema *s, struct cohort_stats_cols *c, uint8_t *check,
			     struct c2d_err *err)
{
	int r;
	if ((r = columns_find(s, "cohort-stats", "age", C2D_T_INT64, 0, NULL, 0, &c->age, err)) < 0 ||
	    (r = columns_find(s, "cohort-stats", "sex", C2D_T_CATEGORY, 0, sex_labels, CS_SEXES, &c->sex, err)) < 0 ||
	    (r = columns_find(s, "cohort-stats", "egfr", C2D_T_FLOAT64, 1, NULL, 0, &c->egfr, err)) < 0 ||
	    (r = columns_find(s, "cohort-stats", "ckd_stage", C2D_T_CATEGORY, 0, stage_labels, CS_STAGES, &c->stage, err)) < 0 ||
	    (r = columns_find(s, "cohort-stats", "outcome", C2D_T_BOOL, 0, NULL, 0, &c->outcome, err)) < 0 ||
	    (r = columns_find(s, "cohort-stats", "site", C2D_T_CATEGORY, 0, site_labels, CS_SITES, &c->site, err)) < 0)
		return r;
	if (check != NULL) {
		check[c->age] = check[c->sex] = check[c->egfr] = 1;
		check[c->stage] = check[c->outcome] = check[c->site] = 1;
	}
	return C2D_OK;
}

/* The kernel works in blocks: a first pass turns each row into its cell
 * and its eGFR contribution with straight-line code the compiler
 * vectorises (no branch depends on the data), a second pass adds them to
 * the cells. The cells are integers, so the result is exact and does not
 * depend on the block size or the order of rows. */
#define BLOCK 1024

static inline unsigned bit(const uint8_t *bits, uint32_t i)
{
	return (bits[i >> 3] >> (i & 7)) & 1;
}

static void add_group(struct cohort_stats *cs, const struct cohort_stats_cols *k, uint32_t n,
		      const struct c2d_rg_col *col)
{
	const struct c2d_rg_col *egfr = &col[k->egfr];
	const uint8_t *outcome = col[k->outcome].data;
	const uint8_t *site = col[k->site].data, *stage = col[k->stage].data;
	const uint8_t *sex = col[k->sex].data, *age = col[k->age].data;
	uint16_t cell[BLOCK];
	uint8_t out[BLOCK], present[BLOCK];
	int64_t value[BLOCK];

	for (uint32_t base = 0; base < n; base += BLOCK) {
		uint32_t m = n - base < BLOCK ? n - base : BLOCK;
		for (uint32_t j = 0; j < m; j++) {
			uint32_t i = base + j;
			cell[j] = (uint16_t)rw_cs_cell(c2d_get_le16(site + 2 * (size_t)i),
						       c2d_get_le16(stage + 2 * (size_t)i),
						       rw_band((int64_t)c2d_get_le64(age + 8 * (size_t)i),
							       cohort_stats_schema_band_from),
						       c2d_get_le16(sex + 2 * (size_t)i));
			double x;
			memcpy(&x, egfr->data + 8 * (size_t)i, sizeof(x));
			value[j] = rw_egfr_lattice(x);
		}
		for (uint32_t j = 0; j < m; j++) {
			uint32_t i = base + j;
			out[j] = (uint8_t)bit(outcome, i);
			present[j] = (uint8_t)(egfr->valid == NULL || bit(egfr->valid, i));
		}
		for (uint32_t j = 0; j < m; j++) {
			/* A missing value is stored as zero (c2d/rowgroup.h),
			 * whose lattice value is zero: no branch needed. */
			cs->site_rows[cell[j]]++;
			cs->site_outcome[cell[j]] += out[j];
			cs->site_egfr_sum[cell[j]] += value[j];
			cs->site_egfr_null[cell[j]] += 1 - present[j];
		}
	}
	cs->rows += n;
}

/* Pooled cells are sums of the site cells in site order: integers, so the
 * result is exact whatever the order. */
void cohort_stats_pool(struct cohort_stats *cs)
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

/* Work shared by the threads: the framed groups, and one partial result
 * per thread. Thread t takes groups t, t + T, t + 2T, ...; the partials
 * are integers added in thread order, so the result is the same for any
 * number of threads (exact arithmetic, not a floating-point reduction). */
#define MAX_THREADS 16

struct job {
	const struct c2d_rowfile *f;
	const struct cohort_stats_cols *k;
	const struct c2d_rowfile_group *groups;
	size_t ngroups, first, step;
	struct cohort_stats part;
	size_t failed_group;        /* ngroups when none failed */
	struct c2d_err err;
};

static void *work(void *arg)
{
	struct job *j = arg;
	struct c2d_rg_col *col = calloc(j->f->schema.ncols, sizeof(*col));
	j->failed_group = j->ngroups;
	if (col == NULL) {
		j->failed_group = j->first;
		c2d_fail(&j->err, C2D_E_NOMEM, "cohort-stats: out of memory");
		return NULL;
	}
	for (size_t g = j->first; g < j->ngroups; g += j->step) {
		if (c2d_rowfile_decode(j->f, &j->groups[g], col, &j->err) < 0) {
			j->failed_group = g;
			break;
		}
		add_group(&j->part, j->k, j->groups[g].nrows, col);
	}
	free(col);
	return NULL;
}

static void merge(struct cohort_stats *to, const struct cohort_stats *from)
{
	for (size_t c = 0; c < CS_SITE_CELLS; c++) {
		to->site_rows[c] += from->site_rows[c];
		to->site_outcome[c] += from->site_outcome[c];
		to->site_egfr_null[c] += from->site_egfr_null[c];
		to->site_egfr_sum[c] += from->site_egfr_sum[c];
	}
	to->rows += from->rows;
}

/* Frames every group (a cheap sequential walk that also checks the end
 * record), then decodes and counts them on up to MAX_THREADS threads. */
static int run_groups(const struct c2d_rowfile *f, struct c2d_rowfile *walk, const struct cohort_stats_cols *k,
		      size_t max_threads, struct cohort_stats *out, struct c2d_err *err)
{
	struct c2d_rowfile_group *groups = NULL, g;
	size_t n = 0, cap = 0;
	int r;
	while ((r = c2d_rowfile_raw(walk, &g, err)) == 1) {
		struct c2d_rowfile_group *ng = c2d_grow(groups, &cap, n, 1, sizeof(*groups), 64);
		if (ng == NULL) {
			free(groups);
			return c2d_fail(err, C2D_E_NOMEM, "cohort-stats: out of memory");
		}
		groups = ng;
		groups[n++] = g;
	}
	if (r < 0) {
		free(groups);
		return r;
	}
	size_t t = max_threads < 1 ? 1 : max_threads > MAX_THREADS ? MAX_THREADS : max_threads;
	if (t > n)
		t = n ? n : 1;
	struct job *jobs = calloc(t, sizeof(*jobs));
	pthread_t tid[MAX_THREADS];
	if (jobs == NULL) {
		free(groups);
		return c2d_fail(err, C2D_E_NOMEM, "cohort-stats: out of memory");
	}
	size_t started = 0;
	for (size_t i = 0; i < t; i++) {
		jobs[i] = (struct job){ .f = f, .k = k, .groups = groups, .ngroups = n,
					.first = i, .step = t };
		/* Thread 0's share runs here, after the others start. */
		if (i > 0 && pthread_create(&tid[i], NULL, work, &jobs[i]) != 0)
			break;
		started = i + 1;
	}
	if (started < t) {
		/* Fewer threads than planned: the same partition, done here. */
		for (size_t i = started; i < t; i++)
			work(&jobs[i]);
	}
	work(&jobs[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	/* The first failing group in file order names the error, whichever
	 * thread met it: the message does not depend on the thread count. */
	size_t worst = n;
	for (size_t i = 0; i < t; i++)
		if (jobs[i].failed_group < worst) {
			worst = jobs[i].failed_group;
			*err = jobs[i].err;
			r = jobs[i].err.status;
		}
	if (worst == n) {
		r = C2D_OK;
		for (size_t i = 0; i < t; i++)
			merge(out, &jobs[i].part);
	}
	free(jobs);
	free(groups);
	return r;
}

c2d_status cohort_stats_compute(const uint8_t *p, size_t len, struct cohort_stats *out,
				struct c2d_err *err)
{
	return cohort_stats_compute_threads(p, len, analysis_cpus(), out, err);
}

c2d_status cohort_stats_compute_threads(const uint8_t *p, size_t len, unsigned threads,
					struct cohort_stats *out, struct c2d_err *err)
{
	struct c2d_rowfile f;
	struct cohort_stats_cols k;
	memset(out, 0, sizeof(*out));
	int r = c2d_rowfile_open(&f, p, len, err);
	if (r < 0)
		return r;
	uint8_t *check = calloc(f.schema.ncols, 1);
	if (check == NULL) {
		c2d_rowfile_close(&f);
		return c2d_fail(err, C2D_E_NOMEM, "cohort-stats: out of memory");
	}
	if ((r = cohort_stats_bind(&f.schema, &k, check, err)) == C2D_OK) {
		f.check = check;
		/* At most 2^63 rows fit in a u64 count, and each adds at most
		 * 51200 to a sum: a file of less than 2^40 rows cannot wrap. */
		struct c2d_rowfile walk = f;
		r = run_groups(&f, &walk, &k, threads, out, err);
	}
	free(check);
	c2d_rowfile_close(&f);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	cohort_stats_pool(out);
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
