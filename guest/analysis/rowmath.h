/*
 * guest/analysis/rowmath.h: what one row contributes to each analysis, written
 * once for the CPU path (C17, gcc) and the CUDA path (nvcc compiles the
 * same lines into the kernels of host/gpu/kernels.cu).
 *
 * Keeping the per-row arithmetic in one place is what makes the two
 * backends comparable: they differ only in how the rows are walked and
 * how the integer partial sums are added, and integer addition is exact
 * in any order. The one floating-point difference left is in exp() and
 * log1p(), which CUDA computes within 1 ulp where glibc and musl round
 * differently, so a risk-model row's lattice value may differ by one unit
 * (2^-24) in a coordinate; the kernels are built with --fmad=false so that
 * every other product, sum and quotient rounds as on the CPU (x86-64
 * without -mfma contracts nothing). docs/performance.md states the
 * resulting tolerance.
 *
 * Inputs are already checked values (c2d_rg_decode: finite doubles, labels
 * in range). Pure functions of their arguments; no state. Not
 * constant-time.
 */
#ifndef C2D_ANALYSIS_ROWMATH_H
#define C2D_ANALYSIS_ROWMATH_H

#include <stdint.h>

#ifdef __CUDACC__
#define ROWMATH static __host__ __device__ __forceinline__
#else
#include <math.h>
#define ROWMATH static inline
#endif

/* --- cohort-stats --------------------------------------------------------- */

#define RW_CS_STAGES 6
#define RW_CS_BANDS 4
#define RW_CS_SEXES 2
#define RW_CS_EGFR_SCALE 8
#define RW_CS_EGFR_MAX 200.0

/* The age band: how many of the band boundaries from[1..] the age has
 * reached (18-39 holds every age below 40). */
ROWMATH unsigned rw_band(int64_t age, const int64_t from[RW_CS_BANDS])
{
	unsigned b = 0;
	for (unsigned k = 1; k < RW_CS_BANDS; k++)
		b += age >= from[k];
	return b;
}

/* eGFR clamped to [0, 200] on the 2^-8 lattice, rounded toward zero. The
 * product is exact (a power of two) and below 2^16, so the conversion is
 * exact too. A missing value is stored as zero, whose value is zero. */
ROWMATH int64_t rw_egfr_lattice(double x)
{
	x = x > 0.0 ? x : 0.0;
	x = x < RW_CS_EGFR_MAX ? x : RW_CS_EGFR_MAX;
	return (int64_t)(x * (double)(1 << RW_CS_EGFR_SCALE));
}

/* The cell within a site's output; the pooled index is the same without
 * the site term. */
ROWMATH unsigned rw_cs_cell(unsigned site, unsigned stage, unsigned band, unsigned sex)
{
	return ((site * RW_CS_STAGES + stage) * RW_CS_BANDS + band) * RW_CS_SEXES + sex;
}

/* --- risk-model ----------------------------------------------------------- */

#define RW_RM_DIM 14
#define RW_RM_CLIP_LAT 16777216.0        /* 2^24: C = 1 on the gradient lattice */
#define RW_RM_LOSS_LAT 65536.0           /* 2^16 */
#define RW_RM_LOSS_MAX 8.0

/* Declared-bounds standardisation: clamp, then map [lo, hi] to [-1, 1].
 * tests/tools/riskmodel_ref.py computes the same expression. */
ROWMATH double rw_scaled(double x, double lo, double hi)
{
	if (!(x > lo))
		x = lo;
	if (x > hi)
		x = hi;
	return (x - lo) / (hi - lo) * 2.0 - 1.0;
}

/* A row's raw values, as the columns hold them. */
struct rw_rm_row {
	int64_t age, sbp;
	double egfr, creat;
	int egfr_present, male, diabetes, outcome;
	unsigned stage;                  /* 0..5 */
};

/* The bounds of age, eGFR, creatinine, systolic BP, from the schema. */
struct rw_rm_bounds {
	double lo[4], hi[4];
};

/* The feature vector of riskmodel.h; returns the label. */
ROWMATH int rw_rm_features(const struct rw_rm_row *r, const struct rw_rm_bounds *b,
			   double x[RW_RM_DIM])
{
	for (int j = 0; j < RW_RM_DIM; j++)
		x[j] = 0.0;
	x[0] = 1.0;
	x[1] = rw_scaled((double)r->age, b->lo[0], b->hi[0]);
	x[2] = r->egfr_present ? rw_scaled(r->egfr, b->lo[1], b->hi[1]) : -1.0;
	x[3] = rw_scaled(r->creat, b->lo[2], b->hi[2]);
	x[4] = rw_scaled((double)r->sbp, b->lo[3], b->hi[3]);
	x[5] = r->egfr_present ? 0.0 : 1.0;
	x[6] = r->male ? 1.0 : 0.0;
	x[7] = r->diabetes ? 1.0 : 0.0;
	x[8 + (r->stage < 6 ? r->stage : 5)] = 1.0;
	return r->outcome;
}

/* log(1 + exp(-m)) for the margin m = ±z, without overflow. */
ROWMATH double rw_softplus_neg(double m)
{
	return m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
}

ROWMATH double rw_sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* One row's contribution to the gradient round at real weights w: the
 * gradient (p - y)·x scaled to L2 norm at most 1 and truncated toward zero
 * to the 2^-24 lattice (so its lattice L2 norm is at most 2^24 whatever the
 * rounding), the loss clamped to [0, 8] and truncated to 2^-16, and the
 * confusion cell y·2 + (z >= 0). */
struct rw_rm_contrib {
	int64_t grad[RW_RM_DIM];
	int64_t loss;
	unsigned cell;
};

ROWMATH void rw_rm_contrib(const double w[RW_RM_DIM], const double x[RW_RM_DIM], int y,
			   struct rw_rm_contrib *c)
{
	double z = 0, nx = 0;
	for (int j = 0; j < RW_RM_DIM; j++) {
		z += w[j] * x[j];
		nx += x[j] * x[j];
	}
	double e = rw_sigmoid(z) - y, norm = fabs(e) * sqrt(nx), s = e;
	if (norm > 1.0)
		s = e / norm;
	for (int j = 0; j < RW_RM_DIM; j++)
		c->grad[j] = (int64_t)(s * x[j] * RW_RM_CLIP_LAT);
	double l = rw_softplus_neg(y ? z : -z);
	if (!(l > 0))
		l = 0;
	if (l > RW_RM_LOSS_MAX)
		l = RW_RM_LOSS_MAX;
	c->loss = (int64_t)(l * RW_RM_LOSS_LAT);
	c->cell = (unsigned)(y * 2 + (z >= 0));
}

#endif
