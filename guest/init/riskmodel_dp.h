/*
 * guest/init/riskmodel_dp.h: init's side of risk-model, differentially private
 * full-batch gradient descent with the analysis child as gradient oracle
 * (guest/analysis/riskmodel.h; the conversation is analysis_run_rounds()).
 *
 * init is the only place noise is added, and every released number is
 * computed here from noised quantities:
 *   round 0..T-1 (epoch t): send w_t; receive G (Σ clipped row gradients,
 *     lattice 2^24, per-row L2 <= C = 2^24), L (Σ clamped loss, 2^16) and
 *     the row count. Checks: c2d_agg_check (shapes, L1 <= n·bound), the
 *     count equal to the input's rows, ||G||_2 <= n·C.
 *     Noise: G + discrete Gaussian (L2 sensitivity C, ρ_epoch); L +
 *     discrete Laplace (L1 sensitivity 8·2^16, ε_loss); in round 0 only,
 *     the count + discrete Laplace (sensitivity 1, ε_rows): ñ = max(1, ·).
 *     Update, exact integer arithmetic, every division truncating toward
 *     zero (C's /, on __int128):
 *       m_j = Ĝ_j / ñ;  r_j = (w_j · λ_num) / λ_den for j >= 1, r_0 = 0;
 *       w_j ← clamp(w_j − ((m_j + r_j) · η_num) / η_den, ±RM_W_MAX)
 *   round T: send "final" w_T; receive the confusion counts at 0.5; add
 *     discrete Laplace (sensitivity 1: a row is in one cell; ε_conf).
 * Released: w_T (post-processing of noised gradients and ñ), the noised
 * loss sums per epoch and ñ (the curve is L̂_t/ñ), the noised confusion.
 * Spent: ρ = T·ρ_epoch (zCDP); ε = ε_rows + T·ε_loss + ε_conf (pure).
 *
 * The parameters are the image's privacy recipe, /etc/c2d/analysis.conf
 * (image/analyses/risk-model.conf, c2d/analysisconf.h), mapped by
 * riskmodel_dp_params_from_conf().
 *
 * Errors of riskmodel_dp_run(), each one fixed message of c2d/failure.h
 * (nothing of the child's answers or the row count goes into one):
 * INTERNAL for parameters out of range (more than RM_MAX_EPOCHS epochs:
 * the round limit), BUDGET for a run the accountant cannot cover,
 * AGG_BOUND for a count that is not the input's or a gradient above n·C,
 * INPUT for more than 2^37 rows, NOISE for a sampler's failure, and what
 * analysis_run_rounds() refuses. On failure *out is zeroed: nothing partly
 * computed is released.
 * Not constant-time (see docs/privacy.md, "Timing").
 *
 * Prefix of guest/init/riskmodel.c: riskmodel_dp_
 */
#ifndef C2D_INIT_RISKMODEL_DP_H
#define C2D_INIT_RISKMODEL_DP_H

#include <stdint.h>

#include "analysis.h"
#include "c2d/analysisconf.h"
#include "c2d/dp.h"
#include "c2d/err.h"
#include "riskmodel.h"

#define RM_MAX_EPOCHS C2D_ACONF_MAX_EPOCHS

struct riskmodel_params {
	unsigned epochs;             /* T, 1..RM_MAX_EPOCHS */
	uint64_t rho_epoch_urho;     /* ρ per epoch, millionths */
	uint64_t eps_loss_ueps;      /* ε per epoch for the loss */
	uint64_t eps_rows_ueps;      /* ε for the count, once */
	uint64_t eps_conf_ueps;      /* ε for the confusion matrix */
	int64_t eta_num, eta_den;    /* step size η > 0 */
	int64_t lambda_num, lambda_den; /* λ >= 0 */
};

/* The parameters of a risk-model conf: its epochs and privacy shares; η = 1
 * and λ = RM_LAMBDA are the model's, compiled in (the central fit uses the
 * same λ). Refuses (C2D_E_INPUT) a conf of another analysis, and shares
 * the mechanisms would refuse (c2d_dp_gaussian_check: the gradient noise's
 * variance must fit the sampler's limits), so that an image with such a
 * recipe fails at boot rather than in its first epoch. */
C2D_MUST_CHECK c2d_status riskmodel_dp_params_from_conf(const struct c2d_aconf *c,
						     struct riskmodel_params *p,
						     struct c2d_err *err);

struct riskmodel_release {
	int64_t coef[RM_DIM];          /* w_T, scale 2^RM_W_SCALE */
	unsigned epochs;
	int64_t loss[RM_MAX_EPOCHS];   /* noised Σ loss at w_t, scale 2^16 */
	int64_t rows;                  /* ñ */
	int64_t confusion[4];          /* noised, [actual·2 + predicted] */
	uint64_t spent_ueps, spent_urho;
};

/* Runs the conversation with spec->path (spec->schema is not used: each
 * round has its own) on the sealed input. acct must have room for the
 * whole run (checked before the child starts). */
C2D_MUST_CHECK c2d_status riskmodel_dp_run(const struct analysis_spec *spec,
					const struct analysis_input *in,
					const struct riskmodel_params *p, const struct c2d_rng *rng,
					struct c2d_dp_accountant *acct,
					struct riskmodel_release *out, struct c2d_err *err);

#endif
