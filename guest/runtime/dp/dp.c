/* Exact discrete Laplace and Gaussian noise and the ε/ρ accountant: see
 * c2d/dp.h. Hand-written: no library we depend on samples these; the
 * algorithms are Canonne, Kamath, Steinke 2020 (arXiv:2004.00010),
 * Algorithms 1-3, in integer arithmetic only. */
#include "c2d/dp.h"

#include <string.h>

#include "c2d/random.h"

typedef unsigned __int128 u128;

/*
 * Iteration caps and why each fails with probability below 2^-64 per
 * sample for valid parameters (docs/privacy.md has the derivations):
 * - UNIFORM_TRIES: a try is rejected with probability < 1/2, so 2^-128.
 * - SERIES_CAP: the γ <= 1 series goes past K rounds with probability
 *   γ^K/K! <= 1/32! < 2^-117.
 * - C2D_DP_GEOM_CAP: 64 or 65 Bernoulli(exp(-1)) ones in a row, e^-64 < 2^-92.
 * - LAPLACE_TRIES: one round of Algorithm 2 accepts with probability at
 *   least (1 - e^-1)/2 > 0.316, so 0.684^128 < 2^-70.
 * - GAUSS_TRIES: one round of Algorithm 3 accepts with probability at
 *   least 0.44 (the minimum is near σ² = 0.09), so 0.56^128 < 2^-107.
 * A sample makes at most GAUSS_TRIES · LAPLACE_TRIES · (2 + 66·SERIES_CAP)
 * < 2^25 uniform draws and fewer loops of the others, so the union of all
 * these stays below 2^-69.
 */
#define UNIFORM_TRIES 128
#define SERIES_CAP 32
#define LAPLACE_TRIES 128
#define GAUSS_TRIES 128

static int rng_system_fill(void *ctx, uint8_t *buf, size_t len, struct c2d_err *err)
{
	(void)ctx;
	return c2d_random(buf, len, err);
}

void c2d_dp_rng_system(struct c2d_rng *rng)
{
	rng->fill = rng_system_fill;
	rng->ctx = NULL;
}

static int cap_reached(struct c2d_err *err, const char *what)
{
	return c2d_fail(err, C2D_E_INTERNAL, "dp: %s: iteration cap reached (broken random source?)",
			what);
}

/* Uniform in [0, m), m >= 1: the fewest whole bytes covering m - 1, the
 * bits above m - 1's length masked off, values >= m drawn again. */
static int uniform128(const struct c2d_rng *rng, u128 m, u128 *out, struct c2d_err *err)
{
	u128 top = m - 1;
	unsigned bits = 0;
	while (bits < 128 && (top >> bits) != 0)
		bits++;
	if (bits == 0) {
		*out = 0;
		return C2D_OK;
	}
	size_t nbytes = (bits + 7) / 8;
	u128 mask = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
	for (int i = 0; i < UNIFORM_TRIES; i++) {
		uint8_t buf[16];
		int rc = rng->fill(rng->ctx, buf, nbytes, err);
		if (rc < 0)
			return rc;
		u128 v = 0;
		for (size_t j = nbytes; j-- > 0;)
			v = v << 8 | buf[j];
		v &= mask;
		if (v < m) {
			*out = v;
			return C2D_OK;
		}
	}
	return cap_reached(err, "uniform");
}

c2d_status c2d_dp_uniform(const struct c2d_rng *rng, uint64_t m, uint64_t *out, struct c2d_err *err)
{
	if (m == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: uniform: empty range [0, 0)");
	u128 v;
	int rc = uniform128(rng, m, &v, err);
	if (rc < 0)
		return rc;
	*out = (uint64_t)v;
	return C2D_OK;
}

/* Bernoulli(num/den), num <= den, den >= 1. */
static int bernoulli(const struct c2d_rng *rng, u128 num, u128 den, int *out, struct c2d_err *err)
{
	u128 u = 0;
	int rc = uniform128(rng, den, &u, err);
	if (rc < 0)
		return rc;
	*out = u < num;
	return C2D_OK;
}

/* Bernoulli(exp(-num/den)) for num <= den <= 2^123 (so den·SERIES_CAP
 * fits): K counts Bernoulli(γ/K) successes in a row; the chance that the
 * first failure comes at an odd K is Σ (-γ)^k/k! = exp(-γ). */
static int bexp_frac(const struct c2d_rng *rng, u128 num, u128 den, int *out, struct c2d_err *err)
{
	for (unsigned k = 1; k <= SERIES_CAP; k++) {
		int a = 0;
		int rc = bernoulli(rng, num, den * k, &a, err);
		if (rc < 0)
			return rc;
		if (!a) {
			*out = k & 1;
			return C2D_OK;
		}
	}
	return cap_reached(err, "Bernoulli(exp(-gamma)) series");
}

/* Bernoulli(exp(-γ)), γ = whole + num/den with num < den <= 2^123: exp(-γ)
 * is exp(-1)^whole · exp(-num/den), a product of independent coins, stopped
 * at the first 0. Past C2D_DP_GEOM_CAP ones it gives up rather than draw
 * an event of probability below e^-64. */
static int bexp(const struct c2d_rng *rng, u128 whole, u128 num, u128 den, int *out,
		struct c2d_err *err)
{
	for (u128 i = 0; i < whole; i++) {
		if (i == C2D_DP_GEOM_CAP)
			return cap_reached(err, "Bernoulli(exp(-gamma)), gamma > 1");
		int b = 0;
		int rc = bexp_frac(rng, 1, 1, &b, err);
		if (rc < 0)
			return rc;
		if (!b) {
			*out = 0;
			return C2D_OK;
		}
	}
	return bexp_frac(rng, num, den, out, err);
}

c2d_status c2d_dp_bernoulli_exp(const struct c2d_rng *rng, uint64_t gamma_num, uint64_t gamma_den,
				int *out, struct c2d_err *err)
{
	if (gamma_den == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: Bernoulli(exp(-n/d)): denominator 0");
	return bexp(rng, gamma_num / gamma_den, gamma_num % gamma_den, gamma_den, out, err);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* Reduces n/d, both >= 1. */
static void reduce(uint64_t *n, uint64_t *d)
{
	uint64_t g = gcd64(*n, *d);
	*n /= g;
	*d /= g;
}

/* Algorithm 2 with scale t/s (reduced, 1 <= t <= 2^56, s >= 1): X = U + t·V
 * is geometric, P(X = x) ∝ exp(-x/t), from a uniform remainder U accepted
 * with probability exp(-U/t) and a count V of exp(-1) coins; Y = floor(X/s)
 * and a sign, the sign of 0 drawn again so that 0 is not counted twice. */
static int laplace(const struct c2d_rng *rng, uint64_t t, uint64_t s, int64_t *out,
		   struct c2d_err *err)
{
	for (int tries = 0; tries < LAPLACE_TRIES; tries++) {
		u128 u = 0;
		int d = 0, rc = uniform128(rng, t, &u, err);
		if (rc < 0)
			return rc;
		if ((rc = bexp_frac(rng, u, t, &d, err)) < 0)
			return rc;
		if (!d)
			continue;
		uint64_t v = 0;
		for (;;) {
			int a = 0;
			if ((rc = bexp_frac(rng, 1, 1, &a, err)) < 0)
				return rc;
			if (!a)
				break;
			if (++v > C2D_DP_GEOM_CAP)
				return cap_reached(err, "discrete Laplace geometric");
		}
		/* t <= 2^56 and v <= 64: x < 65·2^56 < 2^63. */
		uint64_t x = (uint64_t)u + t * v;
		uint64_t y = x / s;
		uint8_t sign;
		if ((rc = rng->fill(rng->ctx, &sign, 1, err)) < 0)
			return rc;
		if ((sign & 1) && y == 0)
			continue;
		*out = (sign & 1) ? -(int64_t)y : (int64_t)y;
		return C2D_OK;
	}
	return cap_reached(err, "discrete Laplace");
}

static int laplace_params(uint64_t *t_num, uint64_t *t_den, struct c2d_err *err)
{
	if (*t_num == 0 || *t_den == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: discrete Laplace: scale %llu/%llu is not positive",
				(unsigned long long)*t_num, (unsigned long long)*t_den);
	reduce(t_num, t_den);
	if (*t_num > C2D_DP_LAPLACE_MAX_NUM)
		return c2d_fail(err, C2D_E_USAGE,
				"dp: discrete Laplace: scale numerator %llu above 2^56",
				(unsigned long long)*t_num);
	return C2D_OK;
}

c2d_status c2d_dp_discrete_laplace(const struct c2d_rng *rng, uint64_t t_num, uint64_t t_den,
				   int64_t *out, struct c2d_err *err)
{
	int rc = laplace_params(&t_num, &t_den, err);
	if (rc < 0)
		return rc;
	return laplace(rng, t_num, t_den, out, err);
}

/* floor(sqrt(n/d)): the largest r with r²·d <= n, by bisection. */
static uint64_t isqrt_frac(uint64_t n, uint64_t d)
{
	uint64_t lo = 0, hi = (uint64_t)1 << 32;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((u128)mid * mid * d <= n)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int gauss_params(uint64_t *a, uint64_t *b, struct c2d_err *err)
{
	if (*a == 0 || *b == 0)
		return c2d_fail(err, C2D_E_USAGE,
				"dp: discrete Gaussian: variance %llu/%llu is not positive",
				(unsigned long long)*a, (unsigned long long)*b);
	reduce(a, b);
	if (*a > C2D_DP_GAUSS_MAX || *b > C2D_DP_GAUSS_MAX)
		return c2d_fail(err, C2D_E_USAGE,
				"dp: discrete Gaussian: variance %llu/%llu has a term above 2^58",
				(unsigned long long)*a, (unsigned long long)*b);
	return C2D_OK;
}

/* Algorithm 3 for σ² = a/b (reduced, within C2D_DP_GAUSS_MAX): Y from the
 * discrete Laplace of scale t = floor(σ) + 1, kept with probability
 * exp(-(|Y| - σ²/t)²/(2σ²)) = exp(-(|Y|·b·t - a)² / (2·a·b·t²)). */
static int gaussian(const struct c2d_rng *rng, uint64_t a, uint64_t b, int64_t *out,
		    struct c2d_err *err)
{
	uint64_t t = isqrt_frac(a, b) + 1;
	/* σ >= 1: b·t² <= 4a, so den <= 8a² <= 2^119; σ < 1: t = 1,
	 * den = 2ab <= 2^117. */
	u128 den = (u128)2 * a * b * t * t;
	for (int tries = 0; tries < GAUSS_TRIES; tries++) {
		int64_t y = 0;
		int c = 0, rc = laplace(rng, t, 1, &y, err);
		if (rc < 0)
			return rc;
		/* |y| <= 65t, so |y|·b·t <= 65·b·t² < 2^68. */
		u128 mag = (u128)(y < 0 ? -(uint64_t)y : (uint64_t)y) * b * t;
		u128 diff = mag >= a ? mag - a : a - mag;
		if (diff >> 64) {
			/* γ >= 2^128 / 2^119: certainly past the cap, draw
			 * the coins the cap allows. */
			rc = bexp(rng, C2D_DP_GEOM_CAP + 1, 0, 1, &c, err);
		} else {
			u128 sq = diff * diff;
			rc = bexp(rng, sq / den, sq % den, den, &c, err);
		}
		if (rc < 0)
			return rc;
		if (c) {
			*out = y;
			return C2D_OK;
		}
	}
	return cap_reached(err, "discrete Gaussian");
}

c2d_status c2d_dp_discrete_gaussian(const struct c2d_rng *rng, uint64_t sigma2_num, uint64_t sigma2_den,
				    int64_t *out, struct c2d_err *err)
{
	int rc = gauss_params(&sigma2_num, &sigma2_den, err);
	if (rc < 0)
		return rc;
	return gaussian(rng, sigma2_num, sigma2_den, out, err);
}

/* --- the accountant ------------------------------------------------------- */

void c2d_dp_accountant_init(struct c2d_dp_accountant *a, uint64_t budget_ueps)
{
	c2d_dp_accountant_init_zcdp(a, budget_ueps, 0);
}

void c2d_dp_accountant_init_zcdp(struct c2d_dp_accountant *a, uint64_t budget_ueps,
				 uint64_t budget_urho)
{
	*a = (struct c2d_dp_accountant){ .budget_ueps = budget_ueps, .budget_urho = budget_urho };
}

static int charge_check(uint64_t budget, uint64_t spent, uint64_t amount, const char *unit,
			struct c2d_err *err)
{
	if (amount == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: a release must spend a positive %s", unit);
	if (spent > budget || amount > budget - spent)
		return c2d_fail(err, C2D_E_REFUSED,
				"dp: budget exceeded: %llu %s asked, %llu of %llu already spent",
				(unsigned long long)amount, unit, (unsigned long long)spent,
				(unsigned long long)budget);
	return C2D_OK;
}

c2d_status c2d_dp_charge_eps(struct c2d_dp_accountant *a, uint64_t eps_ueps, struct c2d_err *err)
{
	int rc = charge_check(a->budget_ueps, a->spent_ueps, eps_ueps, "micro-epsilon", err);
	if (rc < 0)
		return rc;
	a->spent_ueps += eps_ueps;
	return C2D_OK;
}

c2d_status c2d_dp_charge_rho(struct c2d_dp_accountant *a, uint64_t rho_urho, struct c2d_err *err)
{
	int rc = charge_check(a->budget_urho, a->spent_urho, rho_urho, "micro-rho", err);
	if (rc < 0)
		return rc;
	a->spent_urho += rho_urho;
	return C2D_OK;
}

/* --- vectors ---------------------------------------------------------------- */

/* Every |value| leaves room for the largest noise the sampler can return
 * (max_noise < 2^63), so that value + noise cannot overflow. */
static int check_room(const int64_t *values, size_t n, uint64_t max_noise, const char *what,
		      struct c2d_err *err)
{
	uint64_t room = (uint64_t)INT64_MAX - max_noise;
	for (size_t i = 0; i < n; i++) {
		uint64_t mag = values[i] < 0 ? -(uint64_t)values[i] : (uint64_t)values[i];
		if (mag > room)
			return c2d_fail(err, C2D_E_USAGE,
					"dp: %s: value %zu (%lld) too close to the int64 range for noise up to %llu",
					what, i, (long long)values[i], (unsigned long long)max_noise);
	}
	return C2D_OK;
}

enum mech { MECH_LAPLACE, MECH_GAUSSIAN };

/* Noises values[0..n) with the checked parameters (p, q); the charge has
 * been made. On failure the whole vector is zeroed. */
static int noise_all(const struct c2d_rng *rng, enum mech m, uint64_t p, uint64_t q,
		     int64_t *values, size_t n, struct c2d_err *err)
{
	for (size_t i = 0; i < n; i++) {
		int64_t z = 0;
		int rc = m == MECH_LAPLACE ? laplace(rng, p, q, &z, err) : gaussian(rng, p, q, &z, err);
		if (rc < 0) {
			memset(values, 0, n * sizeof(*values));
			c2d_err_prefix(err, "dp: noising value %zu of %zu", i, n);
			return rc;
		}
		values[i] += z;
	}
	return C2D_OK;
}

/* num·factor / den reduced into p/q, refused when p is above limit;
 * sens is the caller's sensitivity, for the message. */
static int ratio_micro(uint64_t num, uint64_t factor, uint64_t den, uint64_t limit, uint64_t sens,
		       uint64_t *p, uint64_t *q, const char *what, struct c2d_err *err)
{
	u128 n = (u128)num * factor;
	uint64_t g = gcd64((uint64_t)(n % den), den);   /* gcd(n, den) */
	n /= g;
	*q = den / g;
	if (n > limit)
		return c2d_fail(err, C2D_E_USAGE,
				"dp: %s: sensitivity %llu too large for this privacy parameter (numerator above 2^%d); coarsen the lattice",
				what, (unsigned long long)sens, limit == C2D_DP_LAPLACE_MAX_NUM ? 56 : 58);
	*p = (uint64_t)n;
	return C2D_OK;
}

/* The ledger entry of a release of this kind in *out: the existing one,
 * or a new one (times 0) when there is room. Refuses (C2D_E_USAGE) an
 * unfit label or a full ledger; the caller then charges nothing. */
static int ledger_slot(struct c2d_dp_accountant *a, const char *label, uint8_t mech,
		       uint64_t sens, uint64_t amount, size_t n, struct c2d_dp_release **out,
		       struct c2d_err *err)
{
	size_t len = label == NULL ? 0 : strlen(label);
	if (len == 0 || len >= C2D_DP_LABEL_MAX)
		return c2d_fail(err, C2D_E_USAGE, "dp: a release label must have 1 to %d bytes",
				C2D_DP_LABEL_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return c2d_fail(err, C2D_E_USAGE, "dp: a release label has a control character");
	for (size_t i = 0; i < a->nreleases; i++) {
		struct c2d_dp_release *e = &a->releases[i];
		if (strcmp(e->label, label) == 0 && e->mechanism == mech && e->sensitivity == sens &&
		    e->amount == amount && e->values == n) {
			*out = e;
			return C2D_OK;
		}
	}
	if (a->nreleases == C2D_DP_LEDGER_MAX)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: the ledger holds %d kinds of release at most",
				label, C2D_DP_LEDGER_MAX);
	struct c2d_dp_release *e = &a->releases[a->nreleases];
	memset(e, 0, sizeof(*e));
	memcpy(e->label, label, len);
	e->mechanism = mech;
	e->sensitivity = sens;
	e->amount = amount;
	e->values = n;
	*out = e;
	return C2D_OK;
}

/* Enters a charged release: a new kind takes its slot. */
static void ledger_enter(struct c2d_dp_accountant *a, struct c2d_dp_release *e)
{
	if (e->times++ == 0)
		a->nreleases++;
}

/* What both vector functions do once their parameters (p, q) are
 * checked, in this order: room for the largest noise in every value, the
 * ledger's slot, the charge of amount (ε or ρ by mechanism), the ledger
 * entry, the noise. Anything refused before the charge changes nothing. */
static int release(const struct c2d_rng *rng, struct c2d_dp_accountant *a, const char *label,
		   enum mech m, uint64_t sensitivity, uint64_t amount, uint64_t p, uint64_t q,
		   uint64_t max_noise, int64_t *values, size_t n, struct c2d_err *err)
{
	struct c2d_dp_release *e = NULL;
	int rc;
	if ((rc = check_room(values, n, max_noise, label != NULL ? label : "release", err)) < 0 ||
	    (rc = ledger_slot(a, label, m == MECH_LAPLACE ? C2D_DP_LAPLACE : C2D_DP_GAUSSIAN,
			      sensitivity, amount, n, &e, err)) < 0)
		return rc;
	rc = m == MECH_LAPLACE ? c2d_dp_charge_eps(a, amount, err) : c2d_dp_charge_rho(a, amount, err);
	if (rc < 0)
		return rc;
	ledger_enter(a, e);
	return noise_all(rng, m, p, q, values, n, err);
}

/* The Laplace vector's scale t/s = Δ₁·10^6 / eps_ueps, reduced. */
static int laplace_scale(const char *what, uint64_t l1_sensitivity, uint64_t eps_ueps, uint64_t *t,
			 uint64_t *s, struct c2d_err *err)
{
	if (l1_sensitivity == 0 || eps_ueps == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: sensitivity %llu and epsilon %llu must be positive",
				what, (unsigned long long)l1_sensitivity, (unsigned long long)eps_ueps);
	return ratio_micro(l1_sensitivity, 1000000, eps_ueps, C2D_DP_LAPLACE_MAX_NUM, l1_sensitivity,
			   t, s, what, err);
}

c2d_status c2d_dp_laplace_check(uint64_t l1_sensitivity, uint64_t eps_ueps, struct c2d_err *err)
{
	uint64_t t, s;
	return laplace_scale("Laplace vector", l1_sensitivity, eps_ueps, &t, &s, err);
}

c2d_status c2d_dp_laplace_vector(const struct c2d_rng *rng, struct c2d_dp_accountant *a,
				 const char *label, uint64_t l1_sensitivity, uint64_t eps_ueps,
				 int64_t *values, size_t n, struct c2d_err *err)
{
	const char *what = label != NULL ? label : "release";
	uint64_t t = 0, s = 1;
	int rc = laplace_scale(what, l1_sensitivity, eps_ueps, &t, &s, err);
	if (rc < 0)
		return rc;
	/* |noise| <= (t - 1 + t·GEOM_CAP) / s. */
	return release(rng, a, label, MECH_LAPLACE, l1_sensitivity, eps_ueps, t, s,
		       (t * (C2D_DP_GEOM_CAP + 1) - 1) / s, values, n, err);
}

/* The Gaussian vector's variance sa/sb = Δ₂²·10^6 / (2·rho_urho), reduced. */
static int gaussian_variance(const char *what, uint64_t l2_sensitivity, uint64_t rho_urho,
			     uint64_t *sa, uint64_t *sb, struct c2d_err *err)
{
	if (l2_sensitivity == 0 || rho_urho == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: sensitivity %llu and rho %llu must be positive",
				what, (unsigned long long)l2_sensitivity, (unsigned long long)rho_urho);
	if (l2_sensitivity > UINT32_MAX || rho_urho > UINT64_MAX / 2)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: sensitivity %llu or rho %llu out of range",
				what, (unsigned long long)l2_sensitivity, (unsigned long long)rho_urho);
	/* σ² = Δ²·10^6 / (2ρ); Δ² < 2^64. */
	int rc = ratio_micro(l2_sensitivity * l2_sensitivity, 1000000, 2 * rho_urho, C2D_DP_GAUSS_MAX,
			     l2_sensitivity, sa, sb, what, err);
	if (rc < 0)
		return rc;
	if (*sb > C2D_DP_GAUSS_MAX)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: rho %llu gives a variance denominator above 2^58",
				what, (unsigned long long)rho_urho);
	return C2D_OK;
}

c2d_status c2d_dp_gaussian_check(uint64_t l2_sensitivity, uint64_t rho_urho, struct c2d_err *err)
{
	uint64_t sa, sb;
	return gaussian_variance("Gaussian vector", l2_sensitivity, rho_urho, &sa, &sb, err);
}

c2d_status c2d_dp_gaussian_vector(const struct c2d_rng *rng, struct c2d_dp_accountant *a,
				  const char *label, uint64_t l2_sensitivity, uint64_t rho_urho,
				  int64_t *values, size_t n, struct c2d_err *err)
{
	const char *what = label != NULL ? label : "release";
	uint64_t sa = 0, sb = 1;
	int rc = gaussian_variance(what, l2_sensitivity, rho_urho, &sa, &sb, err);
	if (rc < 0)
		return rc;
	/* |noise| <= 65·t - 1 with t = floor(σ) + 1 <= 2^29 + 1. */
	uint64_t t = isqrt_frac(sa, sb) + 1;
	return release(rng, a, label, MECH_GAUSSIAN, l2_sensitivity, rho_urho, sa, sb,
		       t * (C2D_DP_GEOM_CAP + 1) - 1, values, n, err);
}
