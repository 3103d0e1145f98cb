/* Unit tests of the exact DP samplers and the accountant (guest/runtime/dp/dp.c).
 *
 * The statistical tests draw 10^6 samples per distribution from a ChaCha20
 * stream with a fresh random key (printed, and taken from C2D_DP_SEED=<64
 * hex> when set, to replay a failure), and compare them with the exact pmf,
 * computed here in long double (the test may use floating point; the module
 * may not). χ²: cells merged until each expects >= 20 draws; the p-value
 * P(χ²_df >= X) is computed exactly (regularised incomplete gamma) and must
 * be >= 10^-7. With at most ten such checks per run, plus mean and variance
 * checks at 6.5 standard errors (two-sided 8·10^-11 each), a correct
 * sampler fails a run less than once in 10^6 (up to the χ² approximation
 * of the multinomial). */
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

/* --- sources ---------------------------------------------------------------- */

/* The ChaCha20 keystream (RFC 8439, zero nonce, counter from 0) of key. */
struct chacha_src {
	uint8_t key[32];
	uint32_t counter;
	uint8_t buf[4096];
	size_t pos;
	br_chacha20_run run;
	uint64_t bytes;
};

static int chacha_fill(void *ctx, uint8_t *out, size_t len, struct c2d_err *err)
{
	(void)err;
	struct chacha_src *c = ctx;
	while (len > 0) {
		if (c->pos == sizeof(c->buf)) {
			static const uint8_t iv[12];
			memset(c->buf, 0, sizeof(c->buf));
			c->counter = c->run(c->key, iv, c->counter, c->buf, sizeof(c->buf));
			c->pos = 0;
		}
		size_t n = sizeof(c->buf) - c->pos;
		if (n > len)
			n = len;
		memcpy(out, c->buf + c->pos, n);
		c->pos += n;
		out += n;
		len -= n;
		c->bytes += n;
	}
	return C2D_OK;
}

static struct c2d_rng chacha_rng(struct chacha_src *c, const uint8_t key[32])
{
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, 32);
	c->pos = sizeof(c->buf);
	c->run = br_chacha20_sse2_get();
	if (c->run == 0)
		c->run = br_chacha20_ct_run;
	return (struct c2d_rng){ chacha_fill, c };
}

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
	print_message("%s: chi2 df %u p %.3Lg; mean %.5Lf (exact %.5Lf, z %.2Lf); var %.4Lf (exact %.4Lf, z %.2Lf)\n",
		      what, df, p, sm, m, zm, sv, v, zv);
	if (p < P_MIN)
		fail_msg("%s: chi2 p-value %Lg below %Lg", what, p, P_MIN);
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

typedef int (*sampler_fn)(const struct c2d_rng *rng, uint64_t num, uint64_t den, int64_t *out,
			  struct c2d_err *err);

/* DRAWS samples of each distribution, checked against its pmf; for the
 * second, also against a slightly wrong pmf, which must fail (the test has
 * power). */
static void stats_family(const char *name, sampler_fn draw,
			 long double (*w)(long x, const void *p), const struct dist *d, size_t nd,
			 long double wrong)
{
	uint8_t key[32];
	run_seed(key);
	struct chacha_src src;
	struct c2d_rng rng = chacha_rng(&src, key);
	struct c2d_err err = { 0 };
	for (size_t k = 0; k < nd; k++) {
		struct hist h;
		hist_init(&h, d[k].r);
		hist_pmf(&h, w, &d[k].param);
		for (int i = 0; i < DRAWS; i++) {
			int64_t x;
			if (draw(&rng, d[k].num, d[k].den, &x, &err) != C2D_OK)
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
	print_message("%s: %.1f bytes per draw\n", name, (double)src.bytes / ((double)nd * DRAWS));
}

static void test_laplace_stats(void **state)
{
	(void)state;
	static const struct dist d[] = {
		{ 1, 2, 0.5L, 70 }, { 1, 1, 1, 120 }, { 3, 1, 3, 320 }, { 21, 2, 10.5L, 1070 },
	};
	/* t = 1 against t = 1.02. */
	stats_family("Laplace t =", c2d_dp_discrete_laplace, w_laplace, d, 4, 1.02L);
}

static void test_gauss_stats(void **state)
{
	(void)state;
	static const struct dist d[] = { { 1, 1, 1, 28 }, { 4, 1, 4, 42 }, { 100, 1, 100, 154 } };
	/* σ² = 4 against 4.1. */
	stats_family("Gaussian sigma2 =", c2d_dp_discrete_gaussian, w_gauss, d, 3, 4.1L);
}

static void test_bernoulli_stats(void **state)
{
	(void)state;
	static const struct { uint64_t num, den; } gammas[] = { { 1, 10 }, { 1, 1 }, { 5, 2 } };
	uint8_t key[32];
	run_seed(key);
	struct chacha_src src;
	struct c2d_rng rng = chacha_rng(&src, key);
	struct c2d_err err = { 0 };
	for (size_t k = 0; k < sizeof(gammas) / sizeof(gammas[0]); k++) {
		long double p = expl(-(long double)gammas[k].num / gammas[k].den);
		uint64_t ones = 0;
		for (int i = 0; i < DRAWS; i++) {
			int b = -1;
			assert_int_equal(c2d_dp_bernoulli_exp(&rng, gammas[k].num, gammas[k].den, &b, &err),
					 C2D_OK);
			assert_true(b == 0 || b == 1);
			ones += (uint64_t)b;
		}
		/* Two cells: χ² with one degree of freedom is z². */
		long double e1 = p * DRAWS, e0 = DRAWS - e1;
		long double chi = (ones - e1) * (ones - e1) / e1 + (DRAWS - ones - e0) * (DRAWS - ones - e0) / e0;
		long double pv = chi2_sf(1, chi);
		print_message("Bernoulli(exp(-%llu/%llu)): %llu ones, expected %.1Lf, chi2 p %.3Lg\n",
			      (unsigned long long)gammas[k].num, (unsigned long long)gammas[k].den,
			      (unsigned long long)ones, e1, pv);
		assert_true(pv >= P_MIN);
	}
}

/* The exact p-values agree with the known quantiles (so that the threshold
 * means what it says): χ²_1 at 23.928 and χ²_2 at 27.631 are 10^-6;
 * for even df, Q(df/2, x/2) = e^(-x/2) Σ_{i<df/2} (x/2)^i/i!, which gives
 * 0.4404932851 for χ²_10 at 10 and 3.454931383e-5 for χ²_50 at 100. */
static void test_chi2_sf(void **state)
{
	(void)state;
	assert_true(fabsl(chi2_sf(1, 23.92812698L) / 1e-6L - 1) < 1e-4L);
	assert_true(fabsl(chi2_sf(2, 27.63102112L) / 1e-6L - 1) < 1e-4L);
	assert_true(fabsl(chi2_sf(10, 10) - 0.4404932851L) < 1e-8L);
	assert_true(fabsl(chi2_sf(50, 100) / 3.454931383e-5L - 1) < 1e-8L);
}

/* Uniform integers: all residues, no modulo bias (m = 3 from one byte
 * would give 0 a 86/256 share). */
static void test_uniform(void **state)
{
	(void)state;
	uint8_t key[32];
	run_seed(key);
	struct chacha_src src;
	struct c2d_rng rng = chacha_rng(&src, key);
	struct c2d_err err = { 0 };
	uint64_t cnt[3] = { 0 }, v;
	for (int i = 0; i < 300000; i++) {
		assert_int_equal(c2d_dp_uniform(&rng, 3, &v, &err), C2D_OK);
		assert_true(v < 3);
		cnt[v]++;
	}
	long double chi = 0;
	for (int i = 0; i < 3; i++)
		chi += (cnt[i] - 100000.0L) * (cnt[i] - 100000.0L) / 100000.0L;
	assert_true(chi2_sf(2, chi) >= P_MIN);
	/* m = 1 draws nothing; the top of the range is reachable. */
	uint64_t before = src.bytes;
	assert_int_equal(c2d_dp_uniform(&rng, 1, &v, &err), C2D_OK);
	assert_int_equal(v, 0);
	assert_int_equal(src.bytes, before);
	static const uint8_t top[] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pattern_src ps = { top, 8, 0, 0 };
	struct c2d_rng prng = { pattern_fill, &ps };
	assert_int_equal(c2d_dp_uniform(&prng, UINT64_MAX, &v, &err), C2D_OK);
	assert_true(v == UINT64_MAX - 1);
	assert_int_equal(ps.bytes, 8);
	/* Little-endian, masked to the range's bit length: 0xfe -> 6 of 8. */
	assert_int_equal(c2d_dp_uniform(&prng, 7, &v, &err), C2D_OK);
	assert_int_equal(v, 6);
	/* 0xff...ff is m itself for m = 2^64 - 1: drawn again, forever. */
	static const uint8_t ff[] = { 0xff };
	struct pattern_src pf = { ff, 1, 0, 0 };
	prng.ctx = &pf;
	assert_int_equal(c2d_dp_uniform(&prng, UINT64_MAX, &v, &err), C2D_E_INTERNAL);
	assert_int_equal(c2d_dp_uniform(&prng, 0, &v, &err), C2D_E_USAGE);
	/* The system source works and is not constant. */
	struct c2d_rng sys;
	uint64_t a, b;
	c2d_dp_rng_system(&sys);
	assert_int_equal(c2d_dp_uniform(&sys, UINT64_MAX, &a, &err), C2D_OK);
	assert_int_equal(c2d_dp_uniform(&sys, UINT64_MAX, &b, &err), C2D_OK);
	assert_true(a != b);
}

/* Regression vectors from the independent Python reference
 * (tests/tools/dp_ref.py; tests/host/dp_vectors.sh checks they agree). */
/* BEGIN dp_ref.py */
static const int ref_bexp[24] = {
	0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1,
};
static const int64_t ref_laplace[24] = {
	0, -2, 7, 1, 0, -1, -3, 1, -1, 0, -2, 3, 6, 7, 1, -3, 1, -5, 0, -4, 1, 2, -5, 4,
};
static const int64_t ref_gauss[24] = {
	-1, -1, -2, -2, 1, -3, -1, -2, 2, -1, -2, -3, -2, 1, 1, 3, -1, 2, -1, -2, -3, 0, 0, -6,
};
/* END dp_ref.py */

static void test_reference_vectors(void **state)
{
	(void)state;
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	struct chacha_src src;
	struct c2d_rng rng = chacha_rng(&src, key);
	struct c2d_err err = { 0 };
	for (int i = 0; i < 24; i++) {
		int b;
		assert_int_equal(c2d_dp_bernoulli_exp(&rng, 5, 4, &b, &err), C2D_OK);
		assert_int_equal(b, ref_bexp[i]);
	}
	rng = chacha_rng(&src, key);
	for (int i = 0; i < 24; i++) {
		int64_t x;
		assert_int_equal(c2d_dp_discrete_laplace(&rng, 7, 2, &x, &err), C2D_OK);
		assert_int_equal(x, ref_laplace[i]);
	}
	/* The gcd is taken out: 14/4 draws exactly as 7/2. */
	rng = chacha_rng(&src, key);
	for (int i = 0; i < 24; i++) {
		int64_t x;
		assert_int_equal(c2d_dp_discrete_laplace(&rng, 14, 4, &x, &err), C2D_OK);
		assert_int_equal(x, ref_laplace[i]);
	}
	rng = chacha_rng(&src, key);
	for (int i = 0; i < 24; i++) {
		int64_t x;
		assert_int_equal(c2d_dp_discrete_gaussian(&rng, 9, 2, &x, &err), C2D_OK);
		assert_int_equal(x, ref_gauss[i]);
	}
}

static void test_parameters(void **state)
{
	(void)state;
	uint8_t key[32] = { 1 };
	struct chacha_src src;
	struct c2d_rng rng = chacha_rng(&src, key);
	struct c2d_err err = { 0 };
	int b;
	int64_t x;
	assert_int_equal(c2d_dp_bernoulli_exp(&rng, 1, 0, &b, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "denominator 0"));
	/* exp(0) = 1; a huge γ gives 0 (or the cap, with probability e^-64). */
	assert_int_equal(c2d_dp_bernoulli_exp(&rng, 0, 7, &b, &err), C2D_OK);
	assert_int_equal(b, 1);
	assert_int_equal(c2d_dp_bernoulli_exp(&rng, UINT64_MAX, 1, &b, &err), C2D_OK);
	assert_int_equal(b, 0);
	assert_int_equal(c2d_dp_bernoulli_exp(&rng, UINT64_MAX, UINT64_MAX - 1, &b, &err), C2D_OK);

	assert_int_equal(c2d_dp_discrete_laplace(&rng, 0, 1, &x, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_discrete_laplace(&rng, 1, 0, &x, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_discrete_laplace(&rng, C2D_DP_LAPLACE_MAX_NUM + 1, 1, &x, &err),
			 C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "above 2^56"));
	/* The limit holds after reduction: 2^57/2 = 2^56/1. */
	assert_int_equal(c2d_dp_discrete_laplace(&rng, C2D_DP_LAPLACE_MAX_NUM * 2, 2, &x, &err), C2D_OK);
	assert_int_equal(c2d_dp_discrete_laplace(&rng, C2D_DP_LAPLACE_MAX_NUM, 1, &x, &err), C2D_OK);
	/* A tiny scale is almost always 0, and never fails. */
	assert_int_equal(c2d_dp_discrete_laplace(&rng, 1, UINT64_MAX, &x, &err), C2D_OK);
	assert_int_equal(x, 0);

	assert_int_equal(c2d_dp_discrete_gaussian(&rng, 0, 1, &x, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_discrete_gaussian(&rng, 1, 0, &x, &err), C2D_E_USAGE);
	assert_int_equal(c2d_dp_discrete_gaussian(&rng, C2D_DP_GAUSS_MAX + 1, 1, &x, &err), C2D_E_USAGE);
	assert_non_null(strstr(err.msg, "above 2^58"));
	assert_int_equal(c2d_dp_discrete_gaussian(&rng, 1, C2D_DP_GAUSS_MAX + 1, &x, &err), C2D_E_USAGE);
	/* The largest variance, the smallest variance, and a large odd pair:
	 * the rejection step's products stay within 128 bits (UBSan would
	 * not see an unsigned wrap, so check the draws are plausible). */
	for (int i = 0; i < 50; i++) {
		assert_int_equal(c2d_dp_discrete_gaussian(&rng, C2D_DP_GAUSS_MAX, 1, &x, &err), C2D_OK);
		assert_true(x > -(INT64_C(1) << 29) * 8 && x < (INT64_C(1) << 29) * 8);
		assert_int_equal(c2d_dp_discrete_gaussian(&rng, 1, C2D_DP_GAUSS_MAX, &x, &err), C2D_OK);
		assert_int_equal(x, 0);
		assert_int_equal(c2d_dp_discrete_gaussian(&rng, C2D_DP_GAUSS_MAX - 1, C2D_DP_GAUSS_MAX - 3,
							  &x, &err), C2D_OK);
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
	/* Room exactly at the edge: t = 1, |noise| <= 64. */
	int64_t edge[2] = { INT64_MAX - 64, -(INT64_MAX - 64) };
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1000000, edge, 2, &err), C2D_OK);
	edge[0] = INT64_MAX - 63;
	assert_int_equal(c2d_dp_laplace_vector(&rng, &a, "v", 1, 1, edge, 2, &err), C2D_E_USAGE);
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

/* Constant and adversarial byte streams: each sampler fails closed at its
 * cap, promptly, with a message naming the cap; never a hang, never a
 * value. */
static void expect_cap(const uint8_t *pat, size_t len, int which, uint64_t p, uint64_t q,
		       const char *loop)
{
	struct pattern_src ps = { pat, len, 0, 0 };
	struct c2d_rng rng = { pattern_fill, &ps };
	struct c2d_err err = { 0 };
	int b = -1;
	int64_t x = 12345;
	int rc = which == 0 ? c2d_dp_bernoulli_exp(&rng, p, q, &b, &err)
		 : which == 1 ? c2d_dp_discrete_laplace(&rng, p, q, &x, &err)
			      : c2d_dp_discrete_gaussian(&rng, p, q, &x, &err);
	assert_int_equal(rc, C2D_E_INTERNAL);
	assert_non_null(strstr(err.msg, "iteration cap"));
	if (strstr(err.msg, loop) == NULL)
		fail_msg("expected the %s cap, got: %s", loop, err.msg);
	assert_int_equal(b, -1);
	assert_int_equal(x, 12345);
}

static void test_caps(void **state)
{
	(void)state;
	static const uint8_t zero[] = { 0x00 }, ff[] = { 0xff }, one[] = { 0x01 }, geo[] = { 0x00, 0x01 };
	/* Zeros: every Bernoulli(γ/K) succeeds, the series never ends. */
	expect_cap(zero, 1, 0, 1, 1, "series");
	expect_cap(zero, 1, 1, 5, 1, "series");
	/* 0xff: a range of 3 rejects every draw. */
	expect_cap(ff, 1, 1, 3, 1, "uniform");
	expect_cap(ff, 1, 2, 3, 1, "uniform");
	/* 00 01: Bernoulli(exp(-1)) is always 1, so the geometric count and
	 * the γ > 1 product run away. */
	expect_cap(geo, 2, 1, 1, 1, "geometric");
	expect_cap(geo, 2, 0, 70, 1, "gamma > 1");
	/* 01: Laplace draws 0 with a minus sign forever. */
	expect_cap(one, 1, 1, 1, 1, "discrete Laplace:");

	/* A source error passes through unchanged. */
	struct c2d_rng bad = { failing_fill, NULL };
	struct c2d_err err = { 0 };
	int64_t x;
	assert_int_equal(c2d_dp_discrete_gaussian(&bad, 4, 1, &x, &err), C2D_E_IO);
	assert_string_equal(err.msg, "test source: exhausted");

	/* A cap inside a vector: the charge stays, nothing partly noised
	 * survives. */
	struct pattern_src ps = { geo, 2, 0, 0 };
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

static void test_accountant(void **state)
{
	(void)state;
	uint8_t key[32] = { 2 };
	struct chacha_src src;
	struct c2d_rng rng = chacha_rng(&src, key);
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

/* The caps' failure bounds (c2d/dp.h) hold for the acceptance rates: one
 * Laplace round accepts with probability >= 0.316 and one Gaussian round
 * with >= 0.44, over a grid of scales, computed from the exact pmfs. */
static void test_acceptance_bounds(void **state)
{
	(void)state;
	long double worst_l = 1, worst_g = 1;
	for (int t = 1; t <= 64; t++)
		for (int s = 1; s <= 64; s++) {
			long double pd = 0, tt = t;
			for (int u = 0; u < t; u++)
				pd += expl(-u / tt);
			pd /= t;
			long double acc = pd * (1 - (1 - expl(-s / tt)) / 2);
			if (acc < worst_l)
				worst_l = acc;
		}
	for (int i = 1; i <= 4000; i++) {
		long double s2 = i / 400.0L, t = floorl(sqrtl(s2)) + 1, q = expl(-1 / t);
		long double acc = 0, z = (1 + q) / (1 - q);
		for (long y = -(long)(60 * t); y <= (long)(60 * t); y++) {
			long double d = fabsl((long double)y) - s2 / t;
			acc += powl(q, labs(y)) / z * expl(-d * d / (2 * s2));
		}
		if (acc < worst_g)
			worst_g = acc;
	}
	print_message("worst acceptance: Laplace %.4Lf, Gaussian %.4Lf\n", worst_l, worst_g);
	assert_true(worst_l > 0.316L);
	assert_true(worst_g > 0.44L);
	/* 128 rounds each: below 2^-64 with room. */
	assert_true(128 * log2l(1 - worst_l) < -70);
	assert_true(128 * log2l(1 - worst_g) < -100);
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
	struct c2d_rng rng = chacha_rng(&src, key);
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
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_accountant),
		cmocka_unit_test(test_ledger),
		cmocka_unit_test(test_acceptance_bounds),
		cmocka_unit_test(test_bernoulli_stats),
		cmocka_unit_test(test_laplace_stats),
		cmocka_unit_test(test_gauss_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
