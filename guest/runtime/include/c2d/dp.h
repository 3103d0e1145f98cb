/*
 * c2d/dp.h: differential privacy noise, exact, in integer arithmetic only.
 *
 * The samplers are Algorithms 1-3 of Canonne, Kamath and Steinke, "The
 * Discrete Gaussian for Differential Privacy" (NeurIPS 2020): Bernoulli(
 * exp(-γ)) for rational γ, the discrete Laplace by a geometric built from
 * Bernoulli(exp(-1)) coins, and the discrete Gaussian by rejection from the
 * discrete Laplace. Each output has exactly the stated distribution given
 * uniform bytes: no floating point anywhere in this module (floating-point
 * Laplace noise leaks the value it hides, Mironov 2012); the build compiles
 * it with -mgeneral-regs-only and tests/host/dp_nofloat.sh checks its
 * object code. Arithmetic is in uint64_t and unsigned __int128; parameters
 * whose intermediate products could overflow are refused (limits below).
 *
 * Randomness comes from a struct c2d_rng: c2d_dp_rng_system() uses getrandom
 * (c2d/random.h); tests inject a deterministic source. Uniform integers in
 * [0, m) are drawn by rejection from whole bytes, never by a modulo.
 *
 * Iteration caps. Every loop here ends after an expected constant number of
 * rounds but is unbounded in principle, so each has a cap and, at the cap,
 * fails closed with C2D_E_INTERNAL ("... iteration cap") instead of giving a
 * biased sample. For valid parameters one sample fails with probability
 * below 2^-64 (the bound for each loop is next to its constant in dp.c and
 * in docs/privacy.md); with a broken source (constant bytes) it fails
 * quickly instead of hanging.
 *
 * Not constant-time: the number of coins and loop rounds depends on the
 * value drawn (a large |noise| takes more geometric rounds). Someone who can
 * time one sampler call finely learns something about its noise, and the
 * noise together with the released value about the exact aggregate. Inside
 * a TDX guest the only party placed to do so is the host, by interrupting
 * or single-stepping the TD; the sampling happens once per released cell
 * with no attacker input. This is an accepted, documented risk, not a
 * solved one: see docs/privacy.md, "Timing".
 *
 * No global state, no allocation, no printing. Errors follow c2d/err.h:
 * C2D_E_USAGE for parameters outside the documented ranges, C2D_E_REFUSED
 * for an overspent budget, C2D_E_INTERNAL for an iteration cap, and
 * whatever the source returns (C2D_E_IO for getrandom).
 *
 * Prefix: c2d_dp_
 */
#ifndef C2D_DP_H
#define C2D_DP_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

/* A source of uniformly random bytes. fill writes exactly len bytes or
 * fails (returning a negative C2D_E_* after c2d_fail). */
struct c2d_rng {
	int (*fill)(void *ctx, uint8_t *buf, size_t len, struct c2d_err *err);
	void *ctx;
};

/* Sets rng to the kernel's CSPRNG (getrandom, unbuffered): its fill fails
 * if getrandom does. */
void c2d_dp_rng_system(struct c2d_rng *rng);

/* Uniform integer in [0, m), m >= 1 (m == 1 draws nothing). */
C2D_MUST_CHECK c2d_status c2d_dp_uniform(const struct c2d_rng *rng, uint64_t m, uint64_t *out,
					 struct c2d_err *err);

/* Limits. Denominators and numerators are reduced by their gcd first; the
 * limits hold for the reduced fraction.
 * - Bernoulli(exp(-n/d)): any n, d >= 1.
 * - Discrete Laplace of scale t = n/d: n <= C2D_DP_LAPLACE_MAX_NUM, d >= 1;
 *   |sample| <= ((C2D_DP_GEOM_CAP + 1)·n - 1)/d < 2^63.
 * - Discrete Gaussian of variance σ² = n/d: 1 <= n, d <= C2D_DP_GAUSS_MAX;
 *   then 2·n·d·(floor(σ)+1)² < 2^120 and the rejection step fits in
 *   unsigned __int128. */
#define C2D_DP_LAPLACE_MAX_NUM (UINT64_C(1) << 56)
#define C2D_DP_GAUSS_MAX (UINT64_C(1) << 58)
/* Geometric rounds (Bernoulli(exp(-1)) coins in a row) before giving up. */
#define C2D_DP_GEOM_CAP 64

/* *out = 1 with probability exp(-gamma_num/gamma_den), else 0. */
C2D_MUST_CHECK c2d_status c2d_dp_bernoulli_exp(const struct c2d_rng *rng, uint64_t gamma_num,
					       uint64_t gamma_den, int *out, struct c2d_err *err);

/* P(x) ∝ exp(-|x|/t) over the integers, t = t_num/t_den > 0. */
C2D_MUST_CHECK c2d_status c2d_dp_discrete_laplace(const struct c2d_rng *rng, uint64_t t_num,
						  uint64_t t_den, int64_t *out, struct c2d_err *err);

/* P(x) ∝ exp(-x²/(2σ²)) over the integers, σ² = sigma2_num/sigma2_den > 0. */
C2D_MUST_CHECK c2d_status c2d_dp_discrete_gaussian(const struct c2d_rng *rng, uint64_t sigma2_num,
						   uint64_t sigma2_den, int64_t *out,
						   struct c2d_err *err);

/*
 * The accountant of one run: basic (sequential) composition. Pure ε-DP
 * releases add their ε; zCDP releases (discrete Gaussian) add their ρ, in
 * a separate budget, since ρ-zCDP gives no pure ε. Both are in millionths
 * (1 = 10^-6), the chain's unit. A charge that would exceed its budget is
 * refused and changes nothing. The fields are read-only to callers.
 *
 * The ledger is what goes into the run's receipt: every release the vector
 * functions below made, one entry per kind (label, mechanism, sensitivity,
 * amount, number of values), with how many times it was made (a release
 * per epoch is one entry). For each mechanism, Σ amount × times over the
 * ledger is exactly what the budget says was spent through them. A
 * release of a new kind when C2D_DP_LEDGER_MAX kinds are recorded is
 * refused (C2D_E_USAGE) before anything is charged.
 */
#define C2D_DP_LEDGER_MAX 16
#define C2D_DP_LABEL_MAX 32

enum c2d_dp_mechanism { C2D_DP_LAPLACE = 1, C2D_DP_GAUSSIAN = 2 };

struct c2d_dp_release {
	char label[C2D_DP_LABEL_MAX];   /* what was released (an output's name) */
	uint8_t mechanism;              /* enum c2d_dp_mechanism */
	uint64_t sensitivity;           /* L1 (Laplace) or L2 (Gaussian), lattice units */
	uint64_t amount;                /* ε (Laplace) or ρ (Gaussian) of one release, millionths */
	uint64_t values;                /* values noised by one release */
	uint64_t times;                 /* releases of this kind */
};

struct c2d_dp_accountant {
	uint64_t budget_ueps, spent_ueps;
	uint64_t budget_urho, spent_urho;
	size_t nreleases;
	struct c2d_dp_release releases[C2D_DP_LEDGER_MAX];
};

/* A pure-ε budget, no zCDP budget (Gaussian releases are refused). */
void c2d_dp_accountant_init(struct c2d_dp_accountant *a, uint64_t budget_ueps);
/* Both budgets. */
void c2d_dp_accountant_init_zcdp(struct c2d_dp_accountant *a, uint64_t budget_ueps,
				uint64_t budget_urho);
/* Charges eps_ueps (> 0) / rho_urho (> 0) or refuses (C2D_E_REFUSED).
 * The budget only: nothing is entered in the ledger (the vector functions
 * charge through these and record their releases). */
C2D_MUST_CHECK c2d_status c2d_dp_charge_eps(struct c2d_dp_accountant *a, uint64_t eps_ueps,
					    struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_dp_charge_rho(struct c2d_dp_accountant *a, uint64_t rho_urho,
					    struct c2d_err *err);

/*
 * The lattice. Values are integers: counts, and sums in fixed point (a
 * clamped real x enters as trunc(x·2^scale)). Rounding to the lattice is
 * the caller's job and is folded into the sensitivity, as OpenDP and
 * Google's library do: a row's value, clamped to [lo, hi] and then rounded
 * toward zero to the lattice, lies in [-B, B] lattice units with
 * B = ceil(max(|lo|, |hi|)·2^scale); a sum over rows where each row
 * contributes to one cell then has L1 (and L2) sensitivity B under adding
 * or removing one row, and a count has sensitivity 1. The caller passes
 * that sensitivity here, in lattice units, for the whole vector.
 *
 * label names the released quantity (at most C2D_DP_LABEL_MAX - 1 bytes,
 * no control characters): it is the ledger entry's label and is named in
 * errors.
 *
 * c2d_dp_laplace_vector: pure ε-DP. Adds independent discrete Laplace
 * noise of scale t = l1_sensitivity / ε to each of values[0..n), with
 * ε = eps_ueps·10^-6, i.e. t = l1_sensitivity·10^6 / eps_ueps (reduced).
 * Order of work: parameters and ranges checked (every |value| must leave
 * room for the largest possible noise, so no addition can overflow), then
 * eps_ueps is charged and the release entered in the ledger, then values
 * are noised. A refusal (C2D_E_USAGE,
 * C2D_E_REFUSED) leaves values and the accountant untouched. A failure
 * while sampling (source error, iteration cap) keeps the charge and sets
 * every value to 0, so that nothing partly noised can be released by
 * mistake; the caller must fail the run. values may be NULL when n is 0.
 *
 * c2d_dp_gaussian_vector: ρ-zCDP with ρ = rho_urho·10^-6. Adds discrete
 * Gaussian noise of σ² = Δ²/(2ρ) = l2_sensitivity²·10^6 / (2·rho_urho)
 * (reduced; within C2D_DP_GAUSS_MAX) and charges rho_urho, with the same
 * order and failure rules.
 */
C2D_MUST_CHECK c2d_status c2d_dp_laplace_vector(const struct c2d_rng *rng,
						struct c2d_dp_accountant *a, const char *label,
						uint64_t l1_sensitivity, uint64_t eps_ueps,
						int64_t *values, size_t n, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_dp_gaussian_vector(const struct c2d_rng *rng,
						 struct c2d_dp_accountant *a, const char *label,
						 uint64_t l2_sensitivity, uint64_t rho_urho,
						 int64_t *values, size_t n, struct c2d_err *err);

/* The vector functions' parameter checks alone (no values, no charge), so
 * that a configuration can be refused before any run starts: 0, or what
 * the vector function would refuse the parameters with (C2D_E_USAGE). */
C2D_MUST_CHECK c2d_status c2d_dp_laplace_check(uint64_t l1_sensitivity, uint64_t eps_ueps,
					       struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_dp_gaussian_check(uint64_t l2_sensitivity, uint64_t rho_urho,
						struct c2d_err *err);

#endif
