/* Unit tests of the exact, constant-time DP samplers and the accountant
 * (guest/runtime/dp/dp.c).
 *
 * The statistical tests draw 10^6 samples per distribution from a ChaCha20
 * stream with a fresh random key (printed, and taken from C2D_DP_SEED=<64
 * hex> when set, to replay a failure), and compare them with the exact pmf,
 * computed here in long double (the test may use floating point; the module
 * may not). χ²: cells merged until each expects >= 20 draws; the p-value
 * P(χ²_df >= X) is computed exactly (regularised incomplete gamma) and must
 * be >= 10^-7; Kolmogorov-Smirnov: the largest gap between the empirical
 * and the exact CDF must stay below the one of probability 10^-7. With
 * seven distributions, each checked by χ², KS, mean and variance (the last
 * two at 6.5 standard errors, two-sided 8·10^-11 each), a correct sampler
 * fails a run less than once in 10^6 (up to the χ² approximation of the
 * multinomial).
 *
 * The constant work is checked by counting: the source counts its bytes
 * and calls, and the test build of dp.c counts every loop trip
 * (c2d_dp_loops, compiled with -DC2D_DP_COUNT_LOOPS). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bearssl.h>

#include "c2d/dp.h"
#include "c2d/random.h"
#include "chacha_src.h"

/* dp.c's loop trips, in the test build only. */
extern uint64_t c2d_dp_loops;

/* --- sources ---------------------------------------------------------------- */

/* A source repeating a fixed byte pattern: the "worst bytes". */
struct pattern_src {
	const uint8_t *p;
	size_t len, pos;
	uint64_t bytes;
};

static int pattern_fill(void *ctx, uint8_t *out, size_t len, struct c2d_err *err)
{
	(void)err;
	struct pattern_src *s = ctx;
	for (size_t i = 0; i < len; i++) {
		out[i] = s->p[s->pos];
		s->pos = (s->pos + 1) % s->len;
	}
	s->bytes += len;
	return C2D_OK;
}

static int failing_fill(void *ctx, uint8_t *out, size_t len, struct c2d_err *err)
{
	(void)ctx;
	(void)out;
	(void)len;
	return c2d_fail(err, C2D_E_IO, "test source: exhausted");
}

static void run_seed(uint8_t key[32])
{
	const char *env = getenv("C2D_DP_SEED");
	if (env != NULL && strlen(env) == 64) {
		for (int i = 0; i < 32; i++) {
			unsigned v;
			assert_int_equal(sscanf(env + 2 * i, "%2x", &v), 1);
			key[i] = (uint8_t)v;
		}
	} else {
		struct c2d_err err = { 0 };
		assert_int_equal(c2d_random(key, 32, &err), C2D_OK);
	}
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	print_message("C2D_DP_SEED=%s\n", hex);
}

/* --- statistics --------------------------------------------------------------- */

/* P(χ²_df >= x) = Q(df/2, x/2): 1 - the series of the lower regularised
 * gamma function, which converges for every x; long double keeps ~12
 * significant digits of Q down to 10^-7. */
static long double chi2_sf(unsigned df, long double x)
{
	long double a = df / 2.0L, h = x / 2.0L;
	if (h <= 0)
		return 1;
	long double term = 1 / a, sum = term;
	for (int n = 1; n < 100000; n++) {
		term *= h / (a + n);
		sum += term;
		if (term < sum * 1e-21L)
			break;
	}
	long double p = expl(a * logl(h) - h - lgammal(a)) * sum;
	return p >= 1 ? 0 : 1 - p;
}

/* A histogram of integer draws in [-r, r] and the exact pmf on it. */
struct hist {
	long r;
	uint64_t n;
	uint64_t *obs;
	long double *pmf;
};

static void hist_init(struct hist *h, long r)
{
	h->r = r;
	h->n = 0;
	h->obs = calloc((size_t)(2 * r + 1), sizeof(*h->obs));
	h->pmf = calloc((size_t)(2 * r + 1), sizeof(*h->pmf));
	assert_non_null(h->obs);
	assert_non_null(h->pmf);
}

static void hist_free(struct hist *h)
{
	free(h->obs);
	free(h->pmf);
}

static void hist_add(struct hist *h, int64_t x)
{
	/* Beyond r the pmf is below 10^-40: a draw there is a bug. */
	if (x < -h->r || x > h->r)
		fail_msg("draw %lld outside [-%ld, %ld]", (long long)x, h->r, h->r);
	h->obs[x + h->r]++;
	h->n++;
}

/* Sets pmf ∝ weight(x) on [-r, r], normalised. */
static void hist_pmf(struct hist *h, long double (*w)(long x, const void *p), const void *p)
{
	long double z = 0;
	for (long x = -h->r; x <= h->r; x++)
		z += h->pmf[x + h->r] = w(x, p);
	for (long x = -h->r; x <= h->r; x++)
		h->pmf[x + h->r] /= z;
}

/* The χ² p-value of the histogram against its pmf. */
static long double hist_chi2(const struct hist *h, unsigned *df_out)
{
	long double chi = 0, e = 0, last_e = 0;
	uint64_t o = 0, last_o = 0;
	unsigned cells = 0;
	for (long i = 0; i < 2 * h->r + 1; i++) {
		e += h->pmf[i] * h->n;
		o += h->obs[i];
		if (e >= 20) {
			if (cells > 0)
				chi += (last_o - last_e) * (last_o - last_e) / last_e;
			last_e = e, last_o = o, cells++;
			e = 0, o = 0;
		}
	}
	/* The tail left over joins the last closed cell. */
	last_e += e, last_o += o;
	chi += (last_o - last_e) * (last_o - last_e) / last_e;
	assert_true(cells >= 2);
	*df_out = cells - 1;
	return chi2_sf(cells - 1, chi);
}

#define P_MIN 1e-7L
#define Z_MAX 6.5L

/* χ², mean and variance of the histogram against its pmf. */
static void hist_check(const struct hist *h, const char *what)
{
	unsigned df;
	long double p = hist_chi2(h, &df);
	long double m = 0, v = 0, m4 = 0, sm = 0, sv = 0;
	for (long x = -h->r; x <= h->r; x++)
		m += x * h->pmf[x + h->r];
	for (long x = -h->r; x <= h->r; x++) {
		long double d = x - m, q = h->pmf[x + h->r];
		v += d * d * q;
		m4 += d * d * d * d * q;
	}
	for (long x = -h->r; x <= h->r; x++)
		sm += (long double)x * h->obs[x + h->r];
	sm /= h->n;
	for (long x = -h->r; x <= h->r; x++)
		sv += (x - sm) * (x - sm) * h->obs[x + h->r];
	sv /= h->n - 1;
	long double zm = (sm - m) / sqrtl(v / h->n), zv = (sv - v) / sqrtl((m4 - v * v) / h->n);
	/* KS: P(sqrt(n)·D > x) <= 2e^(-2x²) (Dvoretzky-Kiefer-Wolfowitz,
	 * Massart's constant), which is also conservative for a discrete
	 * distribution; 2e^(-2x²) = P_MIN at x = 2.866. */
	long double ks = 0, fe = 0, fo = 0;
	for (long x = -h->r; x <= h->r; x++) {
		fe += h->pmf[x + h->r];
		fo += (long double)h->obs[x + h->r] / h->n;
		if (fabsl(fo - fe) > ks)
			ks = fabsl(fo - fe);
	}
	long double ks_max = sqrtl(logl(2 / P_MIN) / 2 / h->n);
	print_message("%s: chi2 df %u p %.3Lg; KS %.2Lg (max %.2Lg); mean %.5Lf (exact %.5Lf, z %.2Lf); var %.4Lf (exact %.4Lf, z %.2Lf)\n",
		      what, df, p, ks, ks_max, sm, m, zm, sv, v, zv);
	if (p < P_MIN)
		fail_msg("%s: chi2 p-value %Lg below %Lg", what, p, P_MIN);
	if (ks > ks_max)
		fail_msg("%s: KS distance %Lg above %Lg", what, ks, ks_max);
	if (fabsl(zm) > Z_MAX || fabsl(zv) > Z_MAX)
		fail_msg("%s: mean or variance off by more than %.1Lf standard errors", what, Z_MAX);
}

static long double w_laplace(long x, const void *p)
{
	const long double *t = p;
	return expl(-labs(x) / *t);
}

static long double w_gauss(long x, const void *p)
{
	const long double *s2 = p;
	return expl(-(long double)x * x / (2 * *s2));
}

#define DRAWS 1000000

/* One distribution of a family: its parameters and exact weight. */
struct dist {
	uint64_t num, den;
	long double param;   /* t or σ² */
	long r;              /* histogram half-width: tail beyond < 10^-40 */
};

/* A sampler as the tests see it: set up for (num, den), then draw. */
union sampler {
	struct c2d_dp_laplace l;
	struct c2d_dp_gaussian g;
};

static void sampler_init(union sampler *u, int gauss, uint64_t num, uint64_t den)
{
	struct c2d_err err = { 0 };
	int rc = gauss ? c2d_dp_gaussian_init(&u->g, num, den, &err) : c2d_dp_laplace_init(&u->l, num, den, &err);
	if (rc != C2D_OK)
		fail_msg("init %llu/%llu: %s", (unsigned long long)num, (unsigned long long)den, err.msg);
}

static int sampler_draw(const union sampler *u, int gauss, const struct c2d_rng *rng, int64_t *x,
			struct c2d_err *err)
{
	return gauss ? c2d_dp_gaussian_draw(&u->g, rng, x, err) : c2d_dp_laplace_draw(&u->l, rng, x, err);
}

/* DRAWS samples of each distribution, checked against its pmf; for the
 * second, also against a slightly wrong pmf, which must fail (the test has
 * power). */
static void stats_family(const char *name, int gauss, long double (*w)(long x, const void *p),
			 const struct dist *d, size_t nd, long double wrong, long draws)
{
	uint8_t key[32];
	run_seed(key);
	struct chacha_src src;
	struct c2d_rng rng = chacha_src_rng(&src, key);
	struct c2d_err err = { 0 };
	static union sampler u;
	for (size_t k = 0; k < nd; k++) {
		struct hist h;
		hist_init(&h, d[k].r);
		hist_pmf(&h, w, &d[k].param);
		sampler_init(&u, gauss, d[k].num, d[k].den);
		for (long i = 0; i < draws; i++) {
			int64_t x;
			if (sampler_draw(&u, gauss, &rng, &x, &err) != C2D_OK)
				fail_msg("%s: %s", name, err.msg);
			hist_add(&h, x);
		}
		char what[64];
		snprintf(what, sizeof(what), "%s %llu/%llu", name, (unsigned long long)d[k].num,
			 (unsigned long long)d[k].den);
		hist_check(&h, what);
		if (k == 1) {
			unsigned df;
			hist_pmf(&h, w, &wrong);
			assert_true(hist_chi2(&h, &df) < P_MIN);
		}
		hist_free(&h);
	}
}

static void test_laplace_stats(void **state)
{
	(void)state;
	static const struct dist d[] = {
		{ 1, 2, 0.5L, 70 }, { 1, 1, 1, 120 }, { 3, 1, 3, 320 }, { 21, 2, 10.5L, 1070 },
	};
	/* t = 1 against t = 1.02. */
	stats_family("Laplace t =", 0, w_laplace, d, 4, 1.02L, DRAWS);
}

static void test_gauss_stats(void **state)
{
	(void)state;
	static const struct dist d[] = { { 1, 1, 1, 28 }, { 4, 1, 4, 42 }, { 100, 1, 100, 154 } };
	/* 10^6 draws each, as for the Laplace; a Gaussian draw costs 80
	 * rounds, so C2D_DP_GAUSS_DRAWS may ask for fewer while working on the
	 * sampler (docs/testing.md). The power check, σ² = 4 against a wrong
	 * σ², must fail with certainty at that count: against 4.1 the χ²
	 * statistic's noncentrality is about 300 at 10^6 draws, far above the
	 * 10^-7 critical value (about 60 at 14 degrees of freedom), but only
	 * about 60 at 2·10^5, where a correct sampler would pass it half the
	 * time; fewer draws test against 4.3 (about 490 at 2·10^5). */
	const char *env = getenv("C2D_DP_GAUSS_DRAWS");
	long n = env != NULL ? atol(env) : 0;
	if (n <= 0)
		n = 1000000;
	stats_family("Gaussian sigma2 =", 1, w_gauss, d, 3, n >= 1000000 ? 4.1L : 4.3L, n);
}

static void test_chi2_sf(void **state)
{
	(void)state;
	assert_true(fabsl(chi2_sf(1, 23.92812698L) / 1e-6L - 1) < 1e-4L);
	assert_true(fabsl(chi2_sf(2, 27.63102112L) / 1e-6L - 1) < 1e-4L);
	assert_true(fabsl(chi2_sf(10, 10) - 0.4404932851L) < 1e-8L);
	assert_true(fabsl(chi2_sf(50, 100) / 3.454931383e-5L - 1) < 1e-8L);
}

/* Regression vectors from the independent Python reference
 * (tests/tools/dp_ref.py; tests/host/dp_vectors.sh checks they agree). */
/* BEGIN dp_ref.py */
static const int64_t ref_laplace[24] = {
	3, -7, 3, 5, 5, -4, -1, -5, 1, -3, -3, -13, -10, 7, 0, 1, -2, 1, -4, -7, 0, 4, 2, -6,
};
static const int64_t ref_gauss[24] = {
	2, 1, -3, 2, 3, 0, -1, 0, 0, 1, 1, 1, 1, 1, -4, -2, 0, 3, -1, -3, -3, 1, 0, 0,
};
/* END dp_ref.py */

static void expect_vector(int gauss, uint64_t num, uint64_t den, const int64_t *ref)
{
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	struct chacha_src src;
	struct c2d_rng rng = chacha_src_rng(&src, key);
	struct c2d_err err = { 0 };
	union sampler u;
	sampler_init(&u, gauss, num, den);
	for (int i = 0; i < 24; i++) {
		int64_t x;
		assert_int_equal(sampler_draw(&u, gauss, &rng, &x, &err), C2D_OK);
		assert_int_equal(x, ref[i]);
	}
}

static void test_reference_vectors(void **state)
{
	(void)state;
	expect_vector(0, 7, 2, ref_laplace);
	/* The gcd is taken out: 14/4 draws exactly as 7/2. */
	expect_vector(0, 14, 4, ref_laplace);
	expect_vector(1, 9, 2, ref_gauss);
	expect_vector(1, 18, 4, ref_gauss);
}

static void test_parameters(void **state)
{
	(void)state;
	uint8_t key[32] = { 1 };
	struct chacha_src src;
	struct c2d_rng rng = chacha_src_rng(&src, key);
	struct c2d_err err = { 0 };
	int64_t x;
	struct c2d_dp_laplace l;
	struct c2d_dp_gaussian g;
	assert_int_equal(c2d_dp_laplace_init(&l, 0, 1, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_init(&l, 1, 0, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_init(&l, C2D_DP_LAPLACE_MAX_NUM + 1, 1, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "above 2^56"));
	/* The limit holds after reduction: 2^57/2 = 2^56/1, the largest scale,
	 * which takes all the geometric's bits. */
	assert_int_equal(c2d_dp_laplace_init(&l, C2D_DP_LAPLACE_MAX_NUM * 2, 2, &err), C2D_OK);
	assert_int_equal(l.geom.bits, C2D_DP_LAPLACE_BITS);
	for (int i = 0; i < 50; i++)
		assert_int_equal(c2d_dp_laplace_draw(&l, &rng, &x, &err), C2D_OK);
	/* A tiny scale is almost always 0, and never fails. */
	assert_int_equal(c2d_dp_laplace_init(&l, 1, UINT64_MAX, &err), C2D_OK);
	assert_int_equal(l.geom.bits, 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(c2d_dp_laplace_draw(&l, &rng, &x, &err), C2D_OK);
		assert_int_equal(x, 0);
	}
	/* The noise bound: 2^bits >= 64·t, the smallest such. */
	assert_int_equal(c2d_dp_laplace_init(&l, 1, 1, &err), C2D_OK);
	assert_int_equal(l.geom.bits, 6);
	assert_int_equal(c2d_dp_laplace_init(&l, 65, 1, &err), C2D_OK);
	assert_int_equal(l.geom.bits, 13);
	assert_int_equal(c2d_dp_laplace_init(&l, 409600, 1, &err), C2D_OK);
	assert_int_equal(l.geom.bits, 25);

	assert_int_equal(c2d_dp_gaussian_init(&g, 0, 1, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_gaussian_init(&g, 1, 0, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_gaussian_init(&g, C2D_DP_GAUSS_MAX + 1, 1, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "above 2^58"));
	assert_int_equal(c2d_dp_gaussian_init(&g, 1, C2D_DP_GAUSS_MAX + 1, &err), C2D_E_USAGE);
	/* The largest variance, the smallest variance, and a large odd pair:
	 * the rejection step's products stay within 128 bits (UBSan would
	 * not see an unsigned wrap, so check the draws are plausible). */
	assert_int_equal(c2d_dp_gaussian_init(&g, C2D_DP_GAUSS_MAX, 1, &err), C2D_OK);
	assert_int_equal(g.geom.bits, C2D_DP_GAUSS_BITS);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(c2d_dp_gaussian_draw(&g, &rng, &x, &err), C2D_OK);
		assert_true(x > -(INT64_C(1) << 29) * 8 && x < (INT64_C(1) << 29) * 8);
	}
	assert_int_equal(c2d_dp_gaussian_init(&g, 1, C2D_DP_GAUSS_MAX, &err), C2D_OK);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(c2d_dp_gaussian_draw(&g, &rng, &x, &err), C2D_OK);
		assert_int_equal(x, 0);
	}
	assert_int_equal(c2d_dp_gaussian_init(&g, C2D_DP_GAUSS_MAX - 1, C2D_DP_GAUSS_MAX - 3, &err), C2D_OK);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(c2d_dp_gaussian_draw(&g, &rng, &x, &err), C2D_OK);
		assert_true(x >= -7 && x <= 7);
	}

	/* Vectors: sizes, ranges, the room left for noise. */
	struct c2d_dp_accountant a;
	c2d_dp_accountant_init(&a, 1000000);
	int64_t v[3] = { 5, -5, INT64_MAX - 10 }, copy[3];
	memcpy(copy, v, sizeof(v));
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 0, 1000, v, 3, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 0, v, 3, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1000, v, 3, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "value 2"));
	/* Sensitivity · 10^6 / ε above 2^56: refused, asking for a coarser lattice. */
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", UINT64_C(1) << 40, 3, v, 2, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "coarsen"));
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "v", 1, 1, v, 2, &err), C2D_E_REFUSED);
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "v", UINT64_C(1) << 32, 1, v, 2, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "v", 1 << 20, 1, v, 2, &err), C2D_E_USAGE);
	assert_memory_equal(v, copy, sizeof(v));
	assert_int_equal(a.spent_ueps, 0);
	assert_int_equal(a.spent_urho, 0);
	/* Room exactly at the edge: t = 1, |noise| <= 2^6 - 1. */
	int64_t edge[2] = { INT64_MAX - 63, -(INT64_MAX - 63) };
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1000000, edge, 2, &err), C2D_OK);
	edge[0] = INT64_MAX - 62;
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1000000, edge, 2, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1, NULL, 0, &err), C2D_E_REFUSED);

	/* The checks alone refuse what the vector functions refuse for their
	 * parameters, with the same message, and accept the rest. */
	struct c2d_err e2 = { 0 };
	assert_int_equal(c2d_dp_laplace_check(UINT64_C(1) << 40, 3, &e2), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "Laplace vector", UINT64_C(1) << 40, 3, NULL, 0, &err), C2D_E_USAGE);
	assert_string_equal(e2.msg, err.msg);
	assert_int_equal(c2d_dp_laplace_check(0, 1000, &e2), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_check(1, 0, &e2), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_check(51200, 1, &e2), C2D_OK);
	assert_int_equal(c2d_dp_gaussian_check(1 << 20, 1, &e2), C2D_E_USAGE);
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "Gaussian vector", 1 << 20, 1, NULL, 0, &err), C2D_E_USAGE);
	assert_string_equal(e2.msg, err.msg);
	assert_int_equal(c2d_dp_gaussian_check(UINT64_C(1) << 32, 1, &e2), C2D_E_USAGE);
	assert_int_equal(c2d_dp_gaussian_check(0, 1, &e2), C2D_E_USAGE);
	/* risk-model's gradient: C = 2^24 with ρ = 0.025 fits, ρ = 10^-6 not. */
	assert_int_equal(c2d_dp_gaussian_check(UINT64_C(1) << 24, 25000, &e2), C2D_OK);
	assert_int_equal(c2d_dp_gaussian_check(UINT64_C(1) << 24, 1, &e2), C2D_E_USAGE);
	assert_int_equal(a.spent_ueps, 1000000);
}

/* Constant byte streams: each sampler fails closed, with the message of an
 * undecided draw, never a hang, never a value, after the same work. */
static void expect_fail(uint8_t byte, int gauss, uint64_t p, uint64_t q)
{
	struct pattern_src ps = { &byte, 1, 0, 0 };
	struct c2d_rng rng = { pattern_fill, &ps };
	struct c2d_err err = { 0 };
	union sampler u;
	int64_t x = 12345;
	sampler_init(&u, gauss, p, q);
	assert_int_equal(sampler_draw(&u, gauss, &rng, &x, &err), C2D_E_INTERNAL);
	assert_non_null(strstr(err.msg, "undecided"));
	assert_int_equal(x, 12345);
	assert_int_equal(ps.bytes, gauss ? C2D_DP_GAUSS_BYTES : C2D_DP_LAPLACE_BYTES);
}

static void test_fail_closed(void **state)
{
	(void)state;
	/* Zeros: U = 0 is below every power of q, the geometric runs past its
	 * 2^bits. */
	expect_fail(0x00, 0, 1, 1);
	expect_fail(0x00, 0, 409600, 1);
	expect_fail(0x00, 1, 4, 1);
	/* 0xff: every geometric is 0, and Y = 0 is never kept (U ~ 1): 80
	 * rejected rounds. The Laplace draws 0 - 0. */
	expect_fail(0xff, 1, 4, 1);
	expect_fail(0xff, 1, 1, 1000);
	struct pattern_src ps = { (const uint8_t *)"\xff", 1, 0, 0 };
	struct c2d_rng ff = { pattern_fill, &ps };
	struct c2d_err err = { 0 };
	union sampler u;
	int64_t x = 1;
	sampler_init(&u, 0, 3, 1);
	assert_int_equal(sampler_draw(&u, 0, &ff, &x, &err), C2D_OK);
	assert_int_equal(x, 0);

	/* A source error passes through unchanged. */
	struct c2d_rng bad = { failing_fill, NULL };
	sampler_init(&u, 1, 4, 1);
	assert_int_equal(sampler_draw(&u, 1, &bad, &x, &err), C2D_E_IO);
	assert_string_equal(err.msg, "test source: exhausted");

	/* A failure inside a vector: the charge stays, nothing partly noised
	 * survives. */
	static const uint8_t zero[] = { 0 };
	ps = (struct pattern_src){ zero, 1, 0, 0 };
	struct c2d_rng rng = { pattern_fill, &ps };
	struct c2d_dp_accountant a;
	int64_t v[4] = { 10, 20, 30, 40 };
	c2d_dp_accountant_init(&a, 100);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 60, v, 4, &err), C2D_E_INTERNAL);
	assert_non_null(strstr(err.msg, "noising value 0 of 4"));
	assert_int_equal(a.spent_ueps, 60);
	for (int i = 0; i < 4; i++)
		assert_int_equal(v[i], 0);
}

/* A source that counts its bytes and calls, wrapping ChaCha20. */
static void count_work(const char *name, int gauss, uint64_t num, uint64_t den, int n, uint64_t *bytes,
		       uint64_t *calls)
{
	uint64_t loops0 = 0, *loops = &loops0;
	uint8_t key[32];
	run_seed(key);
	struct chacha_src src;
	struct c2d_rng rng = chacha_src_rng(&src, key);
	struct c2d_err err = { 0 };
	static union sampler u;
	sampler_init(&u, gauss, num, den);
	int64_t lo = 0, hi = 0;
	for (int i = 0; i < n; i++) {
		uint64_t b0 = src.bytes, c0 = src.calls, l0 = c2d_dp_loops;
		int64_t x;
		if (sampler_draw(&u, gauss, &rng, &x, &err) != C2D_OK)
			fail_msg("%s: %s", name, err.msg);
		uint64_t b = src.bytes - b0, c = src.calls - c0, l = c2d_dp_loops - l0;
		if (*bytes == 0)
			*bytes = b, *calls = c;
		if (*loops == 0)
			*loops = l;
		if (b != *bytes || c != *calls || l != *loops)
			fail_msg("%s %llu/%llu: draw %d (value %lld) took %llu bytes in %llu calls and %llu loop trips, the first %llu, %llu and %llu",
				 name, (unsigned long long)num, (unsigned long long)den, i, (long long)x,
				 (unsigned long long)b, (unsigned long long)c, (unsigned long long)l,
				 (unsigned long long)*bytes, (unsigned long long)*calls, (unsigned long long)*loops);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	print_message("%s %llu/%llu: %d draws in [%lld, %lld], each %llu bytes, %llu call, %llu loop trips\n", name,
		      (unsigned long long)num, (unsigned long long)den, n, (long long)lo, (long long)hi,
		      (unsigned long long)*bytes, (unsigned long long)*calls, (unsigned long long)*loops);
	/* The draws spread over the distribution, tails included. */
	assert_true(lo < 0 && hi > 0);
}

/* Every draw of a mechanism takes the same random bytes in one call, at
 * every scale, and the same loop trips at each scale (their number is
 * fixed by the public scale alone), whatever it draws: 10^5 draws each,
 * scales from t = 1/2 to 2^56 and σ² from 1/4 to 5·2^50 (risk-model's
 * gradient). The old sampler's work grew with |noise|. */
static void test_constant_work(void **state)
{
	(void)state;
	static const struct { uint64_t num, den; } lap[] = { { 1, 2 }, { 1, 1 }, { 21, 2 }, { 409600, 1 },
							      { UINT64_C(1) << 56, 1 } };
	static const struct { uint64_t num, den; } gau[] = { { 1, 4 }, { 100, 1 }, { UINT64_C(5) << 50, 1 } };
	uint64_t bytes = 0, calls = 0;
	for (size_t i = 0; i < sizeof(lap) / sizeof(lap[0]); i++)
		count_work("Laplace t =", 0, lap[i].num, lap[i].den, 100000, &bytes, &calls);
	assert_int_equal(bytes, C2D_DP_LAPLACE_BYTES);
	assert_int_equal(calls, 1);
	bytes = calls = 0;
	for (size_t i = 0; i < sizeof(gau) / sizeof(gau[0]); i++)
		count_work("Gaussian sigma2 =", 1, gau[i].num, gau[i].den, 100000, &bytes, &calls);
	assert_int_equal(bytes, C2D_DP_GAUSS_BYTES);
	assert_int_equal(calls, 1);
}

static void test_accountant(void **state)
{
	(void)state;
	uint8_t key[32] = { 2 };
	struct chacha_src src;
	struct c2d_rng rng = chacha_src_rng(&src, key);
	struct c2d_err err = { 0 };
	struct c2d_dp_accountant a;
	c2d_dp_accountant_init_zcdp(&a, 1000000, 50000);
	int64_t v[64], copy[64];
	for (int i = 0; i < 64; i++)
		v[i] = i * 1000;
	/* Spends add up to the budget exactly. */
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 3, 250000, v, 64, &err), C2D_OK);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 3, 700000, v, 64, &err), C2D_OK);
	assert_int_equal(c2d_dp_charge_eps(&a, 50000, &err), C2D_OK);
	assert_int_equal(a.spent_ueps, 1000000);
	/* Noise was added, and its scale fits t = 3/0.7 ≈ 4.3 (64 values). */
	int changed = 0;
	for (int i = 0; i < 64; i++) {
		changed += v[i] != i * 1000;
		assert_true(llabs(v[i] - i * 1000) < 400);
	}
	assert_true(changed > 32);
	/* Overspend: refused before any value changes. */
	memcpy(copy, v, sizeof(v));
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1, v, 64, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "budget exceeded"));
	assert_memory_equal(v, copy, sizeof(v));
	assert_int_equal(a.spent_ueps, 1000000);
	assert_int_equal(c2d_dp_charge_eps(&a, 0, &err), C2D_E_USAGE);

	/* ρ: its own budget. σ² = 4·10^6/(2·20000) = 100. */
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "v", 2, 20000, v, 64, &err), C2D_OK);
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "v", 2, 30000, v, 64, &err), C2D_OK);
	assert_int_equal(a.spent_urho, 50000);
	memcpy(copy, v, sizeof(v));
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "v", 2, 1, v, 64, &err), C2D_E_REFUSED);
	assert_memory_equal(v, copy, sizeof(v));
	/* No wrap-around in the sum: UINT64_MAX asked of a part-spent budget. */
	struct c2d_dp_accountant big;
	c2d_dp_accountant_init(&big, UINT64_MAX);
	assert_int_equal(c2d_dp_charge_eps(&big, 10, &err), C2D_OK);
	assert_int_equal(c2d_dp_charge_eps(&big, UINT64_MAX, &err), C2D_E_REFUSED);
	assert_int_equal(c2d_dp_charge_eps(&big, UINT64_MAX - 10, &err), C2D_OK);
	assert_int_equal(big.spent_ueps, UINT64_MAX);
}

/* The Gaussian's failure bound (docs/privacy.md) holds for its acceptance
 * rate: one round accepts with probability >= 0.44, over a grid of
 * variances, computed from the exact pmfs. */
static long double gauss_acceptance(long double s2)
{
	long double t = floorl(sqrtl(s2)) + 1, q = expl(-1 / t);
	long double acc = 0, z = (1 + q) / (1 - q);
	for (long y = -(long)(60 * t); y <= (long)(60 * t); y++) {
		long double d = fabsl((long double)y) - s2 / t;
		acc += powl(q, labs(y)) / z * expl(-d * d / (2 * s2));
	}
	return acc;
}

static void test_acceptance_bounds(void **state)
{
	(void)state;
	long double worst = 1;
	for (int i = 1; i <= 4000; i++)
		worst = fminl(worst, gauss_acceptance(i / 400.0L));
	for (long double s2 = 10; s2 < 1e6L; s2 *= 1.37L)
		worst = fminl(worst, gauss_acceptance(s2));
	print_message("worst Gaussian acceptance: %.4Lf\n", worst);
	assert_true(worst > 0.44L);
	/* C2D_DP_GAUSS_ROUNDS rounds all rejected: below 2^-66. */
	assert_true(C2D_DP_GAUSS_ROUNDS * log2l(1 - worst) < -66);
}

/* The ledger: one entry per kind of release, in the order first made,
 * with the count; for each mechanism Σ amount × times equals the spent
 * budget; a refused release (budget, label, full ledger) records and
 * charges nothing. */
static void test_ledger(void **state)
{
	(void)state;
	uint8_t key[32] = { 3 };
	struct chacha_src src;
	struct c2d_rng rng = chacha_src_rng(&src, key);
	struct c2d_err err = { 0 };
	struct c2d_dp_accountant a;
	int64_t v[4] = { 0 };
	c2d_dp_accountant_init_zcdp(&a, 2000000, 500000);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "rows", 1, 100000, v, 1, &err), C2D_OK);
	for (int t = 0; t < 20; t++) {
		assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "gradient", 1 << 24, 25000, v, 4, &err),
				 C2D_OK);
		assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "loss", 1 << 19, 20000, v, 1, &err), C2D_OK);
	}
	/* Same label, another amount: another kind. */
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "loss", 1 << 19, 30000, v, 1, &err), C2D_OK);
	assert_int_equal(a.nreleases, 4);
	const struct c2d_dp_release *r = a.releases;
	assert_string_equal(r[0].label, "rows");
	assert_int_equal(r[0].mechanism, C2D_DP_LAPLACE);
	assert_int_equal(r[0].times, 1);
	assert_string_equal(r[1].label, "gradient");
	assert_int_equal(r[1].mechanism, C2D_DP_GAUSSIAN);
	assert_int_equal(r[1].sensitivity, 1 << 24);
	assert_int_equal(r[1].values, 4);
	assert_int_equal(r[1].times, 20);
	assert_string_equal(r[2].label, "loss");
	assert_int_equal(r[2].times, 20);
	assert_int_equal(r[3].amount, 30000);
	assert_int_equal(r[3].times, 1);
	uint64_t eps = 0, rho = 0;
	for (size_t i = 0; i < a.nreleases; i++)
		*(r[i].mechanism == C2D_DP_LAPLACE ? &eps : &rho) += r[i].amount * r[i].times;
	assert_int_equal(eps, a.spent_ueps);
	assert_int_equal(rho, a.spent_urho);
	assert_int_equal(eps, 100000 + 20 * 20000 + 30000);
	assert_int_equal(rho, 500000);

	/* Refusals change neither the ledger nor the budget. */
	struct c2d_dp_accountant before = a;
	assert_int_equal(c2d_dp_gaussian_vector(&rng, &a, "gradient", 1 << 24, 25000, v, 4, &err),
			 C2D_E_REFUSED);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "", 1, 1000, v, 1, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, NULL, 1, 1000, v, 1, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "a\nforged line", 1, 1000, v, 1, &err),
			 C2D_E_USAGE);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "0123456789abcdef0123456789abcdef", 1, 1000,
					       v, 1, &err), C2D_E_USAGE);
	assert_memory_equal(&a, &before, sizeof(a));
	/* A full ledger refuses a new kind, not a known one. */
	char label[8];
	for (int k = 0; a.nreleases < C2D_DP_LEDGER_MAX; k++) {
		snprintf(label, sizeof(label), "out%d", k);
		assert_int_equal(c2d_dp_laplace_vector(&rng, &a, label, 1, 1000, v, 1, &err), C2D_OK);
	}
	before = a;
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "one more", 1, 1000, v, 1, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "ledger"));
	assert_int_equal(a.spent_ueps, before.spent_ueps);
	assert_int_equal(a.nreleases, C2D_DP_LEDGER_MAX);
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "rows", 1, 100000, v, 1, &err), C2D_OK);
	assert_int_equal(a.releases[0].times, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chi2_sf),
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_constant_work),
		cmocka_unit_test(test_accountant),
		cmocka_unit_test(test_ledger),
		cmocka_unit_test(test_acceptance_bounds),
		cmocka_unit_test(test_laplace_stats),
		cmocka_unit_test(test_gauss_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
