/*
 * bench-dp: the cost of one draw of the constant-time DP samplers
 * (c2d/dp.h) against the previous, variable-time sampler
 * (bench/dp_vartime.c), on the same ChaCha20 stream (BearSSL, in memory,
 * so that the figure is the sampler's and not getrandom's), at the scales
 * the images use. Not a test: make bench reports the ratio.
 *
 *   bench-dp [DRAWS_SCALE]    prints "<mechanism> <num>/<den> <ns c2d>
 *                             <ns vartime>" lines, each the median of 5
 *                             runs of the two taking turns
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl_block.h>

#include "c2d/dp.h"
#include "../tests/tools/chacha_src.h"
#include "dp_vartime.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ns per draw of n draws: the constant-time sampler (set up once, as the
 * vector functions do) when vt is 0, the variable-time one otherwise. */
static double run(int gauss, int vt, uint64_t num, uint64_t den, long n, const struct c2d_rng *rng)
{
	static struct c2d_dp_laplace l;
	static struct c2d_dp_gaussian g;
	struct c2d_err err = { 0 };
	int64_t x, sum = 0;
	double t0 = now();
	int rc = vt || (gauss ? c2d_dp_gaussian_init(&g, num, den, &err) : c2d_dp_laplace_init(&l, num, den, &err));
	for (long i = 0; i < n && rc >= 0; i++) {
		rc = vt ? (gauss ? vartime_discrete_gaussian(rng, num, den, &x, &err)
				 : vartime_discrete_laplace(rng, num, den, &x, &err))
			: (gauss ? c2d_dp_gaussian_draw(&g, rng, &x, &err) : c2d_dp_laplace_draw(&l, rng, &x, &err));
		sum += x;
	}
	double t = now() - t0;
	if (rc < 0) {
		fprintf(stderr, "bench-dp: %s\n", err.msg);
		exit(1);
	}
	if (sum == INT64_MIN)   /* keeps the draws */
		puts("");
	return t * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	static const struct {
		int gauss;
		uint64_t num, den;
		long n;
	} cases[] = {
		{ 0, 8, 1, 200000 },                     /* cohort-stats' counts */
		{ 0, 409600, 1, 200000 },                /* cohort-stats' eGFR sums */
		{ 0, UINT64_C(1) << 56, 1, 100000 },     /* the largest scale */
		{ 1, 4, 1, 2000 },
		{ 1, UINT64_C(5) << 50, 1, 2000 },       /* risk-model's gradient */
	};
	double scale = argc > 1 ? atof(argv[1]) : 1;
	static const uint8_t key[32];
	struct chacha_src s;
	struct c2d_rng rng = chacha_src_rng(&s, key);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		long n = (long)(cases[c].n * scale) > 0 ? (long)(cases[c].n * scale) : 1;
		double ct[5], vt[5];
		for (int r = 0; r < 5; r++) {
			ct[r] = run(cases[c].gauss, 0, cases[c].num, cases[c].den, n, &rng);
			vt[r] = run(cases[c].gauss, 1, cases[c].num, cases[c].den, n, &rng);
		}
		qsort(ct, 5, sizeof(double), cmp_double);
		qsort(vt, 5, sizeof(double), cmp_double);
		printf("%s %llu/%llu %.1f %.1f\n", cases[c].gauss ? "gaussian" : "laplace",
		       (unsigned long long)cases[c].num, (unsigned long long)cases[c].den, ct[2], vt[2]);
	}
	return 0;
}
