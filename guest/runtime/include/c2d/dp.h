/*
 * c2d/dp.h: differential privacy noise, exact, in integer arithmetic only,
 * in constant time.
 *
 * The distributions are those of Canonne, Kamath and Steinke, "The Discrete
 * Gaussian for Differential Privacy" (NeurIPS 2020): the discrete Laplace,
 * P(x) ∝ e^(-|x|/t), and the discrete Gaussian, P(x) ∝ e^(-x²/(2σ²)) by
 * their Algorithm 3 (rejection from the discrete Laplace). No floating point
 * anywhere in this module (floating-point Laplace noise leaks the value it
 * hides, Mironov 2012): the build compiles it with -mgeneral-regs-only and
 * tests/host/dp_nofloat.sh checks its object code.
 *
 * Exact or nothing. Each draw compares uniform 128-bit numbers with the
 * thresholds of its distribution (powers of e^(-1/t), e^(-γ)), computed in
 * 128-bit fixed point with a proven error bound. A comparison the bound
 * cannot decide, a geometric past 2^bits, or 80 rejected Gaussian rounds
 * fail the draw (C2D_E_INTERNAL) instead of returning a value: below 2^-64
 * per draw, whatever the data, and otherwise the value has exactly its
 * distribution (docs/privacy.md, "The samplers").
 *
 * Constant time. A draw's work, its random bytes (one fill of
 * C2D_DP_LAPLACE_BYTES or C2D_DP_GAUSS_BYTES) and its loop trips depend on
 * neither the value drawn nor the random bytes, only on which mechanism it
 * is: no branch, memory index or division on a secret. The set-up functions
 * work on the public scale and are not constant time. What remains outside
 * this claim is in docs/privacy.md, "Timing".
 *
 * Randomness comes from a struct c2d_rng: c2d_dp_rng_system() uses getrandom
 * (c2d/random.h); tests inject a deterministic source.
 *
 * No global state, no allocation, no printing. Errors follow c2d/err.h:
 * C2D_E_USAGE for parameters outside the documented ranges, C2D_E_REFUSED
 * for an overspent budget, C2D_E_INTERNAL for an undecided draw, and
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

/* Limits. Fractions are reduced by their gcd first; the limits hold for
 * the reduced fraction.
 * - Discrete Laplace of scale t = n/d: n <= C2D_DP_LAPLACE_MAX_NUM, d >= 1.
 * - Discrete Gaussian of variance σ² = n/d: 1 <= n, d <= C2D_DP_GAUSS_MAX;
 *   then 2·n·d·(floor(σ)+1)² <= 2^119 and the rejection step fits in
 *   128 bits.
 * |sample| < 2^bits, bits the smallest with 2^bits >= 64·t (t = floor(σ)+1
 * for the Gaussian), so below 128·t + 1, and at most 2^62 - 1. */
#define C2D_DP_LAPLACE_MAX_NUM (UINT64_C(1) << 56)
#define C2D_DP_GAUSS_MAX (UINT64_C(1) << 58)
/* The fixed work of one draw: bits of each geometric, rounds, bytes. */
#define C2D_DP_LAPLACE_BITS 62
#define C2D_DP_GAUSS_BITS 36
#define C2D_DP_GAUSS_ROUNDS 80
#define C2D_DP_LAPLACE_BYTES 32
#define C2D_DP_GAUSS_BYTES (48 * C2D_DP_GAUSS_ROUNDS)

/* The samplers' set-up state, filled by the _init functions; the fields
 * are private. */
__extension__ typedef unsigned __int128 c2d_dp_u128;
struct c2d_dp_geom {
	c2d_dp_u128 q[C2D_DP_LAPLACE_BITS], top;
	unsigned bits;
};
struct c2d_dp_exp {
	c2d_dp_u128 e[15], ifact[13];   /* e^-(2^(i-8)), 1/k! */
};
struct c2d_dp_laplace {
	struct c2d_dp_geom geom;
};
struct c2d_dp_gaussian {
	struct c2d_dp_geom geom;
	struct c2d_dp_exp exp;
	c2d_dp_u128 bt, recip, wmax;
	uint64_t a;
	unsigned shift;
};

/* P(x) ∝ exp(-|x|/t) over the integers, t = t_num/t_den > 0: set up for
 * the scale (C2D_E_USAGE outside the limits), then draw (constant time). */
C2D_MUST_CHECK c2d_status c2d_dp_laplace_init(struct c2d_dp_laplace *s, uint64_t t_num,
					      uint64_t t_den, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_dp_laplace_draw(const struct c2d_dp_laplace *s,
					      const struct c2d_rng *rng, int64_t *out,
					      struct c2d_err *err);

/* P(x) ∝ exp(-x²/(2σ²)) over the integers, σ² = sigma2_num/sigma2_den > 0. */
C2D_MUST_CHECK c2d_status c2d_dp_gaussian_init(struct c2d_dp_gaussian *s, uint64_t sigma2_num,
					       uint64_t sigma2_den, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_dp_gaussian_draw(const struct c2d_dp_gaussian *s,
					       const struct c2d_rng *rng, int64_t *out,
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
 * while sampling (source error, undecided draw) keeps the charge and sets
 * every value to 0, so that nothing partly noised can be released by
 * mistake; the caller must fail the run. values may be NULL when n is 0.
 * Every value must leave room for the largest noise, 2^bits - 1 (above).
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
