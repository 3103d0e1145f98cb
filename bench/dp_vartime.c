/* The previous DP sampler of guest/runtime/dp/dp.c, kept verbatim (its
 * names changed) only as the reference that `make bench` times the
 * constant-time sampler against (bench/dp): variable time, its loops and
 * random bytes growing with |noise|. Not linked into anything else. */
#include <stdint.h>

#include "c2d/dp.h"
#include "dp_vartime.h"

#define VARTIME_GEOM_CAP 64

typedef unsigned __int128 u128;

/*
 * Iteration caps and why each fails with probability below 2^-64 per
 * sample for valid parameters (docs/privacy.md has the derivations):
 * - UNIFORM_TRIES: a try is rejected with probability < 1/2, so 2^-128.
 * - SERIES_CAP: the γ <= 1 series goes past K rounds with probability
 *   γ^K/K! <= 1/32! < 2^-117.
 * - VARTIME_GEOM_CAP: 64 or 65 Bernoulli(exp(-1)) ones in a row, e^-64 < 2^-92.
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
 * at the first 0. Past VARTIME_GEOM_CAP ones it gives up rather than draw
 * an event of probability below e^-64. */
static int bexp(const struct c2d_rng *rng, u128 whole, u128 num, u128 den, int *out,
		struct c2d_err *err)
{
	for (u128 i = 0; i < whole; i++) {
		if (i == VARTIME_GEOM_CAP)
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
			if (++v > VARTIME_GEOM_CAP)
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

c2d_status vartime_discrete_laplace(const struct c2d_rng *rng, uint64_t t_num, uint64_t t_den,
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
			rc = bexp(rng, VARTIME_GEOM_CAP + 1, 0, 1, &c, err);
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

c2d_status vartime_discrete_gaussian(const struct c2d_rng *rng, uint64_t sigma2_num, uint64_t sigma2_den,
				    int64_t *out, struct c2d_err *err)
{
	int rc = gauss_params(&sigma2_num, &sigma2_den, err);
	if (rc < 0)
		return rc;
	return gaussian(rng, sigma2_num, sigma2_den, out, err);
}
