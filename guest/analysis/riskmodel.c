/* risk-model on the CPU: see riskmodel.h. */
#include "riskmodel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/rowfile.h"
#include "columns.h"
#include "rowmath.h"

_Static_assert(RW_RM_DIM == RM_DIM, "rowmath.h and riskmodel.h disagree");
_Static_assert(RW_RM_CLIP_LAT == (double)RM_CLIP_LAT, "the gradient lattice");
_Static_assert(RW_RM_LOSS_LAT == (double)(1 << RM_LOSS_SCALE), "the loss lattice");
_Static_assert(RW_RM_LOSS_MAX == RM_LOSS_MAX, "the loss clamp");

static const char *const sex_labels[] = { "F", "M" };
static const char *const stage_labels[] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };

static int bounds(const struct c2d_schema *s, uint32_t i, double *lo, double *hi,
		  struct c2d_err *err)
{
	const struct c2d_column *c = &s->cols[i];
	unsigned both = C2D_COL_HAS_MIN | C2D_COL_HAS_MAX;
	if ((c->flags & both) != both)
		return c2d_fail(err, C2D_E_INPUT, "risk-model: column '%s' has no declared [min, max]",
				c->name);
	*lo = c->type == C2D_T_FLOAT64 ? c->min.f : (double)c->min.i;
	*hi = c->type == C2D_T_FLOAT64 ? c->max.f : (double)c->max.i;
	if (!(*hi > *lo))
		return c2d_fail(err, C2D_E_INPUT, "risk-model: column '%s': empty range", c->name);
	return C2D_OK;
}

c2d_status riskmodel_bind(const struct c2d_schema *s, struct riskmodel_cols *c, struct c2d_err *err)
{
	int r;
	if ((r = columns_find(s, "risk-model", "age", C2D_T_INT64, 0, NULL, 0, &c->age, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "sex", C2D_T_CATEGORY, 0, sex_labels, 2, &c->sex, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "egfr", C2D_T_FLOAT64, 1, NULL, 0, &c->egfr, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "creatinine", C2D_T_FLOAT64, 0, NULL, 0, &c->creat, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "systolic_bp", C2D_T_INT64, 0, NULL, 0, &c->sbp, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "diabetes", C2D_T_BOOL, 0, NULL, 0, &c->diabetes, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "ckd_stage", C2D_T_CATEGORY, 0, stage_labels, 6, &c->stage, err)) < 0 ||
	    (r = columns_find(s, "risk-model", "outcome", C2D_T_BOOL, 0, NULL, 0, &c->outcome, err)) < 0)
		return r;
	const uint32_t num[4] = { c->age, c->egfr, c->creat, c->sbp };
	for (int k = 0; k < 4; k++)
		if ((r = bounds(s, num[k], &c->b.lo[k], &c->b.hi[k], err)) < 0)
			return r;
	return C2D_OK;
}

static double f64_at(const struct c2d_rg_col *c, uint32_t i)
{
	uint64_t bits = c2d_get_le64(c->data + 8 * (size_t)i);
	double x;
	memcpy(&x, &bits, sizeof(x));
	return x;
}

static int bit_at(const struct c2d_rg_col *c, uint32_t i)
{
	return (c->data[i >> 3] >> (i & 7)) & 1;
}

/* Row i's features (rowmath.h, shared with the CUDA kernels) and label. */
int riskmodel_row(const struct riskmodel_cols *k, const struct c2d_rg_col *col, uint32_t i, double x[RM_DIM])
{
	const struct rw_rm_row r = {
		.age = (int64_t)c2d_get_le64(col[k->age].data + 8 * (size_t)i),
		.sbp = (int64_t)c2d_get_le64(col[k->sbp].data + 8 * (size_t)i),
		.egfr = f64_at(&col[k->egfr], i),
		.creat = f64_at(&col[k->creat], i),
		.egfr_present = c2d_rg_present(&col[k->egfr], i),
		.male = c2d_get_le16(col[k->sex].data + 2 * (size_t)i) == 1,
		.diabetes = bit_at(&col[k->diabetes], i),
		.outcome = bit_at(&col[k->outcome], i),
		/* c2d_rg_decode checked the label is below 6 */
		.stage = c2d_get_le16(col[k->stage].data + 2 * (size_t)i),
	};
	return rw_rm_features(&r, &k->b, x);
}

/* Calls fn on every row of the file. */
typedef void (*row_fn)(void *ctx, const double x[RM_DIM], int y);

static int each_row(const uint8_t *p, size_t len, row_fn fn, void *ctx, uint64_t *rows,
		    struct c2d_err *err)
{
	struct c2d_rowfile f;
	struct riskmodel_cols k;
	int r = c2d_rowfile_open(&f, p, len, err);
	if (r < 0)
		return r;
	struct c2d_rg_col *col = calloc(f.schema.ncols, sizeof(*col));
	if (col == NULL) {
		c2d_rowfile_close(&f);
		return c2d_fail(err, C2D_E_NOMEM, "risk-model: out of memory");
	}
	uint32_t n;
	*rows = 0;
	if ((r = riskmodel_bind(&f.schema, &k, err)) == C2D_OK) {
		while ((r = c2d_rowfile_next(&f, &n, col, err)) == 1) {
			for (uint32_t i = 0; i < n; i++) {
				double x[RM_DIM];
				int y = riskmodel_row(&k, col, i, x);
				fn(ctx, x, y);
			}
			*rows += n;
		}
	}
	free(col);
	c2d_rowfile_close(&f);
	return r < 0 ? r : C2D_OK;
}

/* --- the gradient oracle ------------------------------------------------ */

struct pass {
	double w[RM_DIM];
	struct riskmodel_round *out;
};

/* One row's contribution (rowmath.h: the same code runs in the kernel). */
static void pass_row(void *ctx, const double x[RM_DIM], int y)
{
	struct pass *ps = ctx;
	struct rw_rm_contrib c;
	rw_rm_contrib(ps->w, x, y, &c);
	for (int j = 0; j < RM_DIM; j++)
		ps->out->grad[j] += c.grad[j];
	ps->out->loss += c.loss;
	ps->out->rows++;
	ps->out->confusion[c.cell]++;
}

c2d_status riskmodel_pass(const uint8_t *rowfile, size_t len, const int64_t w[RM_DIM],
			  struct riskmodel_round *out, struct c2d_err *err)
{
	struct pass ps = { .out = out };
	uint64_t rows;
	memset(out, 0, sizeof(*out));
	for (int j = 0; j < RM_DIM; j++) {
		if (w[j] > RM_W_MAX || w[j] < -RM_W_MAX)
			return c2d_fail(err, C2D_E_INPUT, "risk-model: weights[%d] beyond 2^8", j);
		/* Exact: |w| < 2^53 and the scale is a power of two. */
		ps.w[j] = (double)w[j] / (double)(INT64_C(1) << RM_W_SCALE);
	}
	/* Each row adds < 2^24 to a gradient entry: 2^39 rows cannot wrap. */
	int r = each_row(rowfile, len, pass_row, &ps, &rows, err);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}
