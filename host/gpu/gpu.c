/* The analyses on a GPU: see gpu.h. */
#include "gpu.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/grow.h"
#include "c2d/rowfile.h"
#include "gpu_abi.h"

_Static_assert(GPU_CS_CELLS == CS_SITE_CELLS, "gpu_abi.h and cohort_stats.h disagree");
_Static_assert(GPU_RM_DIM == RM_DIM, "gpu_abi.h and riskmodel.h disagree");
_Static_assert(sizeof(struct gpu_cs_tile) == 9 * 8 && sizeof(struct gpu_rm_tile) == 11 * 8,
	       "tiles are arrays of 8-byte fields on both sides");

struct gpu_rows {
	struct cudadrv *d;
	enum gpu_analysis a;
	uint64_t file, tiles, acc;     /* device memory */
	unsigned ntiles;
	uint64_t rows;
	struct riskmodel_cols rm;      /* the bounds, for the parameter block */
};

/* A growing array of tiles of either kind. */
struct vec {
	uint8_t *p;
	size_t n, cap, size;
};

static int push(struct vec *v, const void *t, struct c2d_err *err)
{
	uint8_t *np = c2d_grow(v->p, &v->cap, v->n, 1, v->size, 256);
	if (np == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "gpu: out of memory");
	v->p = np;
	memcpy(v->p + v->n * v->size, t, v->size);
	v->n++;
	return C2D_OK;
}

static uint64_t at(const uint8_t *base, const uint8_t *p)
{
	return (uint64_t)(p - base);
}

static uint64_t valid_at(const uint8_t *base, const struct c2d_rg_col *c)
{
	return c->valid == NULL ? GPU_NO_COLUMN : at(base, c->valid);
}

/* The tiles of one group of n rows whose columns are col. */
static int group_tiles(struct gpu_rows *g, const uint8_t *p, const struct cohort_stats_cols *cs,
		       const struct c2d_rg_col *col, uint32_t n, struct vec *v, struct c2d_err *err)
{
	int r = C2D_OK;
	for (uint32_t r0 = 0; r0 < n && r == C2D_OK; r0 += GPU_TILE_ROWS) {
		uint64_t m = n - r0 < GPU_TILE_ROWS ? n - r0 : GPU_TILE_ROWS;
		if (g->a == GPU_COHORT_STATS) {
			struct gpu_cs_tile t = {
				.age = at(p, col[cs->age].data), .sex = at(p, col[cs->sex].data),
				.egfr = at(p, col[cs->egfr].data), .egfr_valid = valid_at(p, &col[cs->egfr]),
				.stage = at(p, col[cs->stage].data), .outcome = at(p, col[cs->outcome].data),
				.site = at(p, col[cs->site].data), .row0 = r0, .nrows = m,
			};
			r = push(v, &t, err);
		} else {
			const struct riskmodel_cols *k = &g->rm;
			struct gpu_rm_tile t = {
				.age = at(p, col[k->age].data), .sex = at(p, col[k->sex].data),
				.egfr = at(p, col[k->egfr].data), .egfr_valid = valid_at(p, &col[k->egfr]),
				.creat = at(p, col[k->creat].data), .sbp = at(p, col[k->sbp].data),
				.diabetes = at(p, col[k->diabetes].data), .stage = at(p, col[k->stage].data),
				.outcome = at(p, col[k->outcome].data), .row0 = r0, .nrows = m,
			};
			r = push(v, &t, err);
		}
	}
	return r;
}

/* Binds the analysis's columns, checks every group as the CPU path does,
 * and describes the tiles. */
static int describe(struct gpu_rows *g, const uint8_t *p, size_t len, struct vec *v,
		    struct c2d_err *err)
{
	struct c2d_rowfile f;
	struct cohort_stats_cols cs = { 0 };
	int r = c2d_rowfile_open(&f, p, len, err);
	if (r < 0)
		return r;
	uint8_t *check = calloc(f.schema.ncols, 1);
	struct c2d_rg_col *col = calloc(f.schema.ncols, sizeof(*col));
	if (check == NULL || col == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "gpu: out of memory");
	} else if (g->a == GPU_COHORT_STATS) {
		if ((r = cohort_stats_bind(&f.schema, &cs, check, err)) == C2D_OK)
			f.check = check;   /* the same columns the CPU path checks */
	} else {
		r = riskmodel_bind(&f.schema, &g->rm, err);
	}
	uint32_t n;
	while (r == C2D_OK && (r = c2d_rowfile_next(&f, &n, col, err)) == 1) {
		r = group_tiles(g, p, &cs, col, n, v, err);
		g->rows += n;
	}
	free(col);
	free(check);
	c2d_rowfile_close(&f);
	if (r == C2D_OK && v->n > 0x7fffffff)
		r = c2d_fail(err, C2D_E_INPUT, "gpu: %zu tiles: more than one launch holds", v->n);
	return r;
}

c2d_status gpu_rows_open(struct cudadrv *d, enum gpu_analysis a, const uint8_t *p, size_t len,
			 struct gpu_rows **out, struct c2d_err *err)
{
	*out = NULL;
	struct gpu_rows *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "gpu: out of memory");
	g->d = d;
	g->a = a;
	struct vec v = { .size = a == GPU_COHORT_STATS ? sizeof(struct gpu_cs_tile)
						       : sizeof(struct gpu_rm_tile) };
	size_t acc = (a == GPU_COHORT_STATS ? GPU_CS_ACC : GPU_RM_ACC) * sizeof(uint64_t);
	int r = describe(g, p, len, &v, err);
	if (r == C2D_OK)
		r = cudadrv_alloc(d, len, &g->file, err);
	if (r == C2D_OK)
		r = cudadrv_upload(d, g->file, p, len, err);
	if (r == C2D_OK)
		r = cudadrv_alloc(d, v.n * v.size, &g->tiles, err);
	if (r == C2D_OK)
		r = cudadrv_upload(d, g->tiles, v.p, v.n * v.size, err);
	if (r == C2D_OK)
		r = cudadrv_alloc(d, acc, &g->acc, err);
	g->ntiles = (unsigned)v.n;
	free(v.p);
	if (r < 0) {
		gpu_rows_close(g);
		return r;
	}
	*out = g;
	return C2D_OK;
}

void gpu_rows_close(struct gpu_rows *g)
{
	if (g == NULL)
		return;
	cudadrv_free(g->d, g->file);
	cudadrv_free(g->d, g->tiles);
	cudadrv_free(g->d, g->acc);
	free(g);
}

/* Zeroes the accumulators, runs kernel over every tile, reads them back. */
static int run(struct gpu_rows *g, const char *kernel, void *params, uint64_t *acc, size_t nacc,
	       struct c2d_err *err)
{
	void *args[] = { &g->file, &g->tiles, params, &g->acc };
	int r = cudadrv_zero(g->d, g->acc, nacc * sizeof(*acc), err);
	if (r == C2D_OK)
		r = cudadrv_launch(g->d, kernel, g->ntiles, GPU_THREADS, args, err);
	if (r == C2D_OK)
		r = cudadrv_download(g->d, acc, g->acc, nacc * sizeof(*acc), err);
	return r;
}

c2d_status gpu_cohort_stats(struct gpu_rows *g, struct cohort_stats *out, struct c2d_err *err)
{
	uint64_t acc[GPU_CS_ACC];
	struct gpu_cs_params prm;
	memset(out, 0, sizeof(*out));
	if (g->a != GPU_COHORT_STATS)
		return c2d_fail(err, C2D_E_INTERNAL, "gpu: rows opened for another analysis");
	memcpy(prm.band_from, cohort_stats_schema_band_from, sizeof(prm.band_from));
	int r = run(g, GPU_CS_KERNEL, &prm, acc, GPU_CS_ACC, err);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	/* Counts below 2^63 and sums below 2^40 rows x 51200: the u64 sums
	 * are the int64 cells. */
	for (size_t c = 0; c < CS_SITE_CELLS; c++) {
		out->site_rows[c] = (int64_t)acc[c];
		out->site_outcome[c] = (int64_t)acc[GPU_CS_CELLS + c];
		out->site_egfr_null[c] = (int64_t)acc[2 * GPU_CS_CELLS + c];
		out->site_egfr_sum[c] = (int64_t)acc[3 * GPU_CS_CELLS + c];
	}
	out->rows = g->rows;
	cohort_stats_pool(out);
	return C2D_OK;
}

c2d_status gpu_riskmodel_pass(struct gpu_rows *g, const int64_t w[RM_DIM], struct riskmodel_round *out,
			      struct c2d_err *err)
{
	uint64_t acc[GPU_RM_ACC];
	struct gpu_rm_params prm;
	memset(out, 0, sizeof(*out));
	if (g->a != GPU_RISK_MODEL)
		return c2d_fail(err, C2D_E_INTERNAL, "gpu: rows opened for another analysis");
	for (int j = 0; j < RM_DIM; j++) {
		if (w[j] > RM_W_MAX || w[j] < -RM_W_MAX)
			return c2d_fail(err, C2D_E_INPUT, "risk-model: weights[%d] beyond 2^8", j);
		prm.w[j] = (double)w[j] / (double)(INT64_C(1) << RM_W_SCALE);   /* exact */
	}
	for (int k = 0; k < 4; k++) {
		prm.lo[k] = g->rm.b.lo[k];
		prm.hi[k] = g->rm.b.hi[k];
	}
	int r = run(g, GPU_RM_KERNEL, &prm, acc, GPU_RM_ACC, err);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	/* Two's complement: the u64 sums of the rows' int64 values are the
	 * int64 sums (below 2^39 rows nothing wraps, as on the CPU). */
	for (int j = 0; j < RM_DIM; j++)
		out->grad[j] = (int64_t)acc[j];
	out->loss = (int64_t)acc[RM_DIM];
	out->rows = (int64_t)acc[RM_DIM + 1];
	for (int c = 0; c < 4; c++)
		out->confusion[c] = (int64_t)acc[RM_DIM + 2 + c];
	if ((uint64_t)out->rows != g->rows) {
		r = c2d_fail(err, C2D_E_INTERNAL, "gpu: the kernel saw %lld rows of %llu",
			     (long long)out->rows, (unsigned long long)g->rows);
		memset(out, 0, sizeof(*out));
	}
	return r;
}
