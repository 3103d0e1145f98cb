/*
 * guest/analysis/riskmodel.h: risk-model, an L2-regularised logistic regression
 * of `outcome` on the cardio-renal cohort's columns.
 *
 * Objective (w_0 the intercept, not penalised; x_0 = 1):
 *   J(w) = (1/n) Σ_i loss(y_i, w·x_i) + (λ/2) Σ_{j>=1} w_j²,
 *   loss(y, z) = log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0.
 * This is scikit-learn's LogisticRegression(C = 1/(λ·n), fit_intercept)
 * objective divided by C·n.
 *
 * The feature vector (RM_DIM = 14 entries, in this order):
 *   0 intercept 1
 *   1 age, 2 egfr, 3 creatinine, 4 systolic_bp: clamped to the column's
 *     DECLARED [min, max] (from the schema, never from the data) and mapped
 *     to [-1, 1] as (x - min)/(max - min)·2 - 1; a missing eGFR is imputed
 *     as its lower bound (-1)
 *   5 egfr_missing: 1 if eGFR is null, else 0
 *   6 sex: 1 for M, 0 for F
 *   7 diabetes: 1 or 0
 *   8..13 ckd_stage one-hot G1, G2, G3a, G3b, G4, G5
 * The analysis refuses a schema without bounds on those four columns or
 * with other labels (the indices would mean something else).
 *
 * Two uses of the same features and objective:
 * - The private path (init/riskmodel.h): the child is a gradient oracle.
 *   Given weights on the lattice (scale 2^RM_W_SCALE), it returns the sum
 *   over rows of each row's gradient of the loss, clipped to L2 norm
 *   RM_CLIP (1.0) and rounded toward zero to scale 2^RM_G_SCALE, the sum of
 *   the per-row loss clamped to [0, RM_LOSS_MAX] at scale 2^RM_LOSS_SCALE,
 *   and the row count; or, in the last round, the confusion matrix at 0.5.
 *   Exact integer sums: the result does not depend on row order.
 * - The central baseline (host/central/riskmodel_central.h): the same
 *   features and objective fitted exactly on plaintext rows, for
 *   comparison; host only, never linked into the guest.
 *
 * Ownership: no allocation survives a call. Errors: C2D_E_INPUT for rows or
 * weights that do not decode or fit, C2D_E_NOMEM. Not constant-time.
 *
 * Prefix: riskmodel_
 * Prefix of guest/analysis/riskmodel_schema.c: riskmodel_schema_
 */
#ifndef C2D_ANALYSIS_RISKMODEL_H
#define C2D_ANALYSIS_RISKMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/aggfmt.h"
#include "c2d/err.h"
#include "c2d/rowgroup.h"
#include "c2d/schema.h"
#include "rowmath.h"

#define RM_DIM 14
#define RM_W_SCALE 24            /* weights, init -> child */
#define RM_G_SCALE 24            /* gradient sums */
#define RM_LOSS_SCALE 16
#define RM_CLIP_LAT (INT64_C(1) << RM_G_SCALE)   /* C = 1 in lattice units */
#define RM_LOSS_MAX 8
/* |w_j| <= 2^8 in real units: init clamps, the child refuses more. Then
 * |w·x| <= 14·2^8 and exp() of it cannot overflow a double. */
#define RM_W_MAX (INT64_C(1) << (RM_W_SCALE + 8))
/* A row's clipped gradient has L2 norm <= 2^24 lattice units, so its L1
 * norm is at most sqrt(14)·2^24 < 4·2^24: the bound c2d_agg_check uses
 * (init checks the L2 norm of the sum against n·C as well). */
#define RM_GRAD_L1 (4 * RM_CLIP_LAT)
#define RM_LOSS_BOUND ((uint64_t)RM_LOSS_MAX << RM_LOSS_SCALE)

/* Outputs of the gradient round, in order. */
enum { RM_OUT_GRAD, RM_OUT_LOSS, RM_OUT_ROWS, RM_GRAD_NOUTPUTS };

/* The messages and aggregates of the protocol (riskmodel_schema.c):
 * init -> child "weights" (gradient round) or "final" (confusion round),
 * one sum of RM_DIM values at scale RM_W_SCALE;
 * child -> init riskmodel_schema_grad or riskmodel_schema_confusion
 * (one count "confusion", 2 x 2: [actual][predicted], 0 = no, 1 = yes). */
extern const struct c2d_outschema riskmodel_schema_weights;
extern const struct c2d_outschema riskmodel_schema_final;
extern const struct c2d_outschema riskmodel_schema_grad;
extern const struct c2d_outschema riskmodel_schema_confusion;

struct riskmodel_round {
	int64_t grad[RM_DIM];   /* Σ clipped gradients, scale RM_G_SCALE */
	int64_t loss;           /* Σ clamped loss, scale RM_LOSS_SCALE */
	int64_t rows;
	int64_t confusion[4];   /* [actual·2 + predicted] */
};

/* The input columns risk-model reads, by index in the schema, and the
 * declared bounds of its four numeric features. riskmodel_bind() finds
 * them in s and refuses (C2D_E_INPUT) what the analysis was not written
 * for, as the header comment above says. */
struct riskmodel_cols {
	uint32_t age, sex, egfr, creat, sbp, diabetes, stage, outcome;
	struct rw_rm_bounds b;   /* age, egfr, creatinine, systolic_bp */
};

C2D_MUST_CHECK c2d_status riskmodel_bind(const struct c2d_schema *s, struct riskmodel_cols *c,
					 struct c2d_err *err);

/* One pass over the rows file (c2d/rowfile.h) at weights w (lattice,
 * |w_j| <= RM_W_MAX): the gradient round's sums and, in the same pass, the
 * confusion counts (predicted 1 when w·x >= 0, i.e. p >= 0.5). */
C2D_MUST_CHECK c2d_status riskmodel_pass(const uint8_t *rowfile, size_t len,
					 const int64_t w[RM_DIM], struct riskmodel_round *out,
					 struct c2d_err *err);

/* λ of the objective (both paths): RM_LAMBDA_NUM / RM_LAMBDA_DEN. */
#define RM_LAMBDA_NUM 1
#define RM_LAMBDA_DEN 100

/* Row i of a decoded row group (col: the group's columns, bound by
 * riskmodel_bind): its features x (rowmath.h, shared with the CUDA
 * kernels, which clamps a value outside the declared bounds to them), and
 * its label as the return value (0 or 1). Cannot fail: the decoder
 * checked the rows. */
int riskmodel_row(const struct riskmodel_cols *k, const struct c2d_rg_col *col, uint32_t i,
		  double x[RM_DIM]);

#endif
