/* risk-model on the CPU: see riskmodel.h. */
#include "riskmodel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/rowfile.h"
#include "columns.h"

struct cols {
	uint32_t age, sex, egfr, creat, sbp, diabetes, stage, outcome;
	double lo[4], hi[4];   /* age, egfr, creatinine, systolic_bp */
};

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

static int bind(const struct c2d_schema *s, struct cols *c, struct c2d_err *err)
{
	int r;
	if ((r = analysis_find_column(s, "risk-model", "age", C2D_T_INT64, 0, NULL, 0, &c->age, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "sex", C2D_T_CATEGORY, 0, sex_labels, 2, &c->sex, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "egfr", C2D_T_FLOAT64, 1, NULL, 0, &c->egfr, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "creatinine", C2D_T_FLOAT64, 0, NULL, 0, &c->creat, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "systolic_bp", C2D_T_INT64, 0, NULL, 0, &c->sbp, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "diabetes", C2D_T_BOOL, 0, NULL, 0, &c->diabetes, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "ckd_stage", C2D_T_CATEGORY, 0, stage_labels, 6, &c->stage, err)) < 0 ||
	    (r = analysis_find_column(s, "risk-model", "outcome", C2D_T_BOOL, 0, NULL, 0, &c->outcome, err)) < 0)
		return r;
	const uint32_t num[4] = { c->age, c->egfr, c->creat, c->sbp };
	for (int k = 0; k < 4; k++)
		if ((r = bounds(s, num[k], &c->lo[k], &c->hi[k], err)) < 0)
			return r;
	return C2D_OK;
}

/* Declared-bounds standardisation: clamp, then map [lo, hi] to [-1, 1].
 * tests/tools/riskmodel_ref.py computes the same expression. */
static double scaled(double x, double lo, double hi)
{
	if (!(x > lo))
		x = lo;
	if (x > hi)
		x = hi;
	return (x - lo) / (hi - lo) * 2.0 - 1.0;
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

/* Row i's features and label. */
static int row(const struct cols *k, const struct c2d_rg_col *col, uint32_t i, double x[RM_DIM])
{
	memset(x, 0, RM_DIM * sizeof(double));
	x[0] = 1.0;
	x[1] = scaled((double)(int64_t)c2d_get_le64(col[k->age].data + 8 * (size_t)i), k->lo[0],
		      k->hi[0]);
	int present = c2d_rg_present(&col[k->egfr], i);
	x[2] = present ? scaled(f64_at(&col[k->egfr], i), k->lo[1], k->hi[1]) : -1.0;
	x[3] = scaled(f64_at(&col[k->creat], i), k->lo[2], k->hi[2]);
	x[4] = scaled((double)(int64_t)c2d_get_le64(col[k->sbp].data + 8 * (size_t)i), k->lo[3],
		      k->hi[3]);
	x[5] = present ? 0.0 : 1.0;
	x[6] = c2d_get_le16(col[k->sex].data + 2 * (size_t)i) == 1 ? 1.0 : 0.0;
	x[7] = bit_at(&col[k->diabetes], i);
	unsigned st = c2d_get_le16(col[k->stage].data + 2 * (size_t)i);
	x[8 + (st < 6 ? st : 5)] = 1.0;   /* c2d_rg_decode checked st < 6 */
	return bit_at(&col[k->outcome], i);
}

/* log(1 + exp(-m)) for the margin m = ±z, without overflow. */
static double softplus_neg(double m)
{
	return m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
}

static double sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* Calls fn on every row of the file. */
typedef void (*row_fn)(void *ctx, const double x[RM_DIM], int y);

static int each_row(const uint8_t *p, size_t len, row_fn fn, void *ctx, uint64_t *rows,
		    struct c2d_err *err)
{
	struct c2d_rowfile f;
	struct cols k;
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
	if ((r = bind(&f.schema, &k, err)) == C2D_OK) {
		while ((r = c2d_rowfile_next(&f, &n, col, err)) == 1) {
			for (uint32_t i = 0; i < n; i++) {
				double x[RM_DIM];
				int y = row(&k, col, i, x);
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

/* One row's contribution. The gradient g = (p - y)·x is scaled to L2 norm
 * at most 1 and then truncated toward zero to the lattice, so that its
 * lattice L2 norm is at most 2^24 whatever the rounding; the loss is
 * clamped to [0, 8] and truncated likewise. */
static void pass_row(void *ctx, const double x[RM_DIM], int y)
{
	struct pass *ps = ctx;
	double z = 0, nx = 0;
	for (int j = 0; j < RM_DIM; j++) {
		z += ps->w[j] * x[j];
		nx += x[j] * x[j];
	}
	double e = sigmoid(z) - y, norm = fabs(e) * sqrt(nx), s = e;
	if (norm > 1.0)
		s = e / norm;
	for (int j = 0; j < RM_DIM; j++)
		ps->out->grad[j] += (int64_t)(s * x[j] * (double)RM_CLIP_LAT);
	double l = softplus_neg(y ? z : -z);
	if (!(l > 0))
		l = 0;
	if (l > RM_LOSS_MAX)
		l = RM_LOSS_MAX;
	ps->out->loss += (int64_t)(l * (double)(1 << RM_LOSS_SCALE));
	ps->out->rows++;
	ps->out->confusion[y * 2 + (z >= 0)]++;
}

int riskmodel_pass(const uint8_t *rowfile, size_t len, const int64_t w[RM_DIM],
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

/* --- the central fit ------------------------------------------------------ */

/* Gradient and Hessian of Σ loss at w. */
struct newton {
	double w[RM_DIM], g[RM_DIM], h[RM_DIM][RM_DIM];
};

static void newton_row(void *ctx, const double x[RM_DIM], int y)
{
	struct newton *nt = ctx;
	double z = 0;
	for (int j = 0; j < RM_DIM; j++)
		z += nt->w[j] * x[j];
	double p = sigmoid(z), e = p - y, v = p * (1 - p);
	for (int j = 0; j < RM_DIM; j++) {
		nt->g[j] += e * x[j];
		for (int k = 0; k <= j; k++)
			nt->h[j][k] += v * x[j] * x[k];
	}
}

/* Solves a x = b for symmetric positive definite a (lower triangle) by
 * Cholesky; 0 if a is not positive definite. */
static int solve_spd(double a[RM_DIM][RM_DIM], const double b[RM_DIM], double x[RM_DIM])
{
	double l[RM_DIM][RM_DIM] = { { 0 } }, t[RM_DIM] = { 0 };
	for (int j = 0; j < RM_DIM; j++) {
		double d = a[j][j];
		for (int k = 0; k < j; k++)
			d -= l[j][k] * l[j][k];
		if (!(d > 0))
			return 0;
		l[j][j] = sqrt(d);
		for (int i = j + 1; i < RM_DIM; i++) {
			double s = a[i][j];
			for (int k = 0; k < j; k++)
				s -= l[i][k] * l[j][k];
			l[i][j] = s / l[j][j];
		}
	}
	for (int i = 0; i < RM_DIM; i++) {
		double s = b[i];
		for (int k = 0; k < i; k++)
			s -= l[i][k] * t[k];
		t[i] = s / l[i][i];
	}
	for (int i = RM_DIM - 1; i >= 0; i--) {
		double s = t[i];
		for (int k = i + 1; k < RM_DIM; k++)
			s -= l[k][i] * x[k];
		x[i] = s / l[i][i];
	}
	return 1;
}

int riskmodel_fit_central_lambda(const uint8_t *rowfile, size_t len, double lambda,
				 struct riskmodel_result *out, struct c2d_err *err)
{
	struct newton nt;
	memset(out, 0, sizeof(*out));
	memset(&nt, 0, sizeof(nt));
	if (!(lambda > 0))
		return c2d_fail(err, C2D_E_USAGE, "risk-model: lambda must be positive");
	for (unsigned it = 0; it < RM_CENTRAL_MAX_ITER; it++) {
		uint64_t rows;
		memset(nt.g, 0, sizeof(nt.g));
		memset(nt.h, 0, sizeof(nt.h));
		int r = each_row(rowfile, len, newton_row, &nt, &rows, err);
		if (r < 0)
			return r;
		if (rows == 0)
			return c2d_fail(err, C2D_E_INPUT, "risk-model: no rows");
		/* ∇J and the Hessian of J: the mean, plus λ off the intercept. */
		double n = (double)rows, g[RM_DIM], step[RM_DIM], norm = 0;
		for (int j = 0; j < RM_DIM; j++) {
			g[j] = nt.g[j] / n + (j > 0 ? lambda * nt.w[j] : 0);
			norm += g[j] * g[j];
			for (int k = 0; k <= j; k++)
				nt.h[j][k] = nt.h[j][k] / n + (j == k && j > 0 ? lambda : 0);
		}
		out->grad_norm = sqrt(norm);
		out->iterations = it;
		out->rows = rows;
		if (out->grad_norm < RM_CENTRAL_TOL) {
			memcpy(out->coef, nt.w, sizeof(out->coef));
			return C2D_OK;
		}
		/* The intercept is not penalised, so with a constant column set
		 * (all one label) the Hessian can be singular: refused. */
		if (!solve_spd(nt.h, g, step))
			return c2d_fail(err, C2D_E_INPUT, "risk-model: singular Hessian at iteration %u",
					it);
		for (int j = 0; j < RM_DIM; j++)
			nt.w[j] -= step[j];
	}
	return c2d_fail(err, C2D_E_INTERNAL, "risk-model: no convergence in %d iterations",
			RM_CENTRAL_MAX_ITER);
}

int riskmodel_fit_central(const uint8_t *rowfile, size_t len, struct riskmodel_result *out,
			  struct c2d_err *err)
{
	return riskmodel_fit_central_lambda(rowfile, len,
					    (double)RM_LAMBDA_NUM / (double)RM_LAMBDA_DEN, out, err);
}
