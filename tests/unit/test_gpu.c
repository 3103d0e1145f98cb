/*
 * The CUDA path's host side and kernels, on the SIMT emulator
 * (tests/tools/simtdrv.cc): host/gpu/gpu.c and host/gpu/kernels.cu
 * unchanged, with device memory in host memory and every block's threads
 * as real threads. Shows that the tiling, the column offsets, the bitmaps'
 * bit positions across tiles and groups, the shared-memory reductions, the
 * atomics and the warp shuffles compute what the CPU path computes: exactly
 * (the emulator's exp() is the CPU's, so even the risk-model sums must be
 * equal here), and that the GPU path refuses what the CPU path refuses.
 * What needs the hardware (tests/host/gpu.sh) is said there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysistest.h"
#include "c2d/rowfile.h"
#include "c2d/rowgroup.h"
#include "gpu.h"
#include "gpu_abi.h"

#define NCOLS 9

/* Every column both analyses read, in an order neither expects. */
static struct c2d_schema schema(void)
{
	static const char *const sex[] = { "F", "M" };
	static const char *const stage[] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };
	static const char *const site[] = { "A", "B", "C", "D", "X" };
	struct c2d_schema s = { NCOLS, calloc(NCOLS, sizeof(struct c2d_column)) };
	strcpy(s.cols[0].name, "outcome");
	s.cols[0].type = C2D_T_BOOL;
	analysistest_set_num(&s.cols[1], "age", C2D_T_INT64, 18, 100);
	strcpy(s.cols[2].name, "site");
	analysistest_set_cats(&s.cols[2], site, 5);
	analysistest_set_num(&s.cols[3], "egfr", C2D_T_FLOAT64, 0, 250);
	s.cols[3].flags |= C2D_COL_NULLABLE;
	strcpy(s.cols[4].name, "sex");
	analysistest_set_cats(&s.cols[4], sex, 2);
	analysistest_set_num(&s.cols[5], "creatinine", C2D_T_FLOAT64, 0.1, 20);
	strcpy(s.cols[6].name, "ckd_stage");
	analysistest_set_cats(&s.cols[6], stage, 6);
	analysistest_set_num(&s.cols[7], "systolic_bp", C2D_T_INT64, 60, 260);
	strcpy(s.cols[8].name, "diabetes");
	s.cols[8].type = C2D_T_BOOL;
	return s;
}

/* xorshift64*: test data only. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * UINT64_C(2685821657736338717);
}

struct table {
	uint64_t seed;
};

/* Row i: ages hit the band boundaries, eGFR is missing for about 1 row in
 * 7 and crosses cohort-stats' clamp at 200 (the schema's bound is 250). */
static void row(struct c2d_rg_builder *b, size_t i, const void *ctx)
{
	static const int64_t ages[] = { 18, 39, 40, 59, 60, 74, 75, 100 };
	const struct table *t = ctx;
	uint64_t r = t->seed + i * UINT64_C(0x9e3779b97f4a7c15);
	r = next(&r);
	c2d_rg_set_bool(b, 0, (int)(r & 1));
	c2d_rg_set_i64(b, 1, r & 2 ? ages[(r >> 2) & 7] : 18 + (int64_t)((r >> 5) % 83));
	c2d_rg_set_cat(b, 2, (uint16_t)((r >> 12) % 5));
	if ((r >> 16) % 7 == 0)
		c2d_rg_set_null(b, 3);
	else
		c2d_rg_set_f64(b, 3, (double)((r >> 20) % 230001) / 1000.0);
	c2d_rg_set_cat(b, 4, (uint16_t)((r >> 44) & 1));
	c2d_rg_set_f64(b, 5, 0.1 + (double)((r >> 45) % 1990) / 100.0);
	c2d_rg_set_cat(b, 6, (uint16_t)((r >> 56) % 6));
	c2d_rg_set_i64(b, 7, 60 + (int64_t)((r >> 20) % 201));
	c2d_rg_set_bool(b, 8, (int)((r >> 62) & 1));
}

/* The rows file init would hand the child (n rows in groups of at most
 * cap), copied out of its sealed memfd into a buffer the test may change. */
static uint8_t *rows(const struct c2d_schema *s, uint32_t n, uint32_t cap, uint64_t seed,
		     size_t *len)
{
	struct analysis_input in;
	struct table t = { seed };
	analysistest_make_input(s, n, cap, row, &t, &in);
	off_t end = lseek(in.fd, 0, SEEK_END);
	assert_true(end > 0);
	*len = (size_t)end;
	uint8_t *p = malloc(*len);
	assert_non_null(p);
	assert_int_equal(pread(in.fd, p, *len, 0), (ssize_t)*len);
	analysis_input_close(&in);
	return p;
}

static void cohort_case(uint32_t n, uint32_t cap)
{
	struct c2d_schema s = schema();
	size_t len;
	uint8_t *p = rows(&s, n, cap, 0x5eed0000 + n, &len);
	struct cohort_stats *cpu = malloc(sizeof(*cpu)), *gpu = malloc(sizeof(*gpu));
	struct cudadrv *d;
	struct gpu_rows *g;
	struct c2d_err err = { 0 };
	assert_int_equal(cohort_stats_compute_threads(p, len, 1, cpu, NULL), C2D_OK);
	assert_int_equal(cudadrv_open(&d, NULL), C2D_OK);
	assert_int_equal(gpu_rows_open(d, GPU_COHORT_STATS, p, len, &g, &err), C2D_OK);
	memset(gpu, 0x5a, sizeof(*gpu));
	assert_int_equal(gpu_cohort_stats(g, gpu, &err), C2D_OK);
	assert_int_equal(gpu->rows, n);
	assert_memory_equal(gpu, cpu, sizeof(*cpu));
	/* Twice on the same upload: the accumulators are zeroed each time. */
	assert_int_equal(gpu_cohort_stats(g, gpu, &err), C2D_OK);
	assert_memory_equal(gpu, cpu, sizeof(*cpu));
	/* Not a risk-model handle. */
	struct riskmodel_round rr;
	int64_t w[RM_DIM] = { 0 };
	assert_int_equal(gpu_riskmodel_pass(g, w, &rr, &err), C2D_E_INTERNAL);
	gpu_rows_close(g);
	cudadrv_close(d);
	free(cpu);
	free(gpu);
	free(p);
	c2d_schema_free(&s);
}

/* Tiles cut groups (8192 rows a tile), groups are not multiples of 8 (the
 * bitmaps' bytes are shared across tiles), one group is a single row. */
static void test_cohort_stats_equals_cpu(void **state)
{
	(void)state;
	cohort_case(1, 1);
	cohort_case(20011, 20011);
	cohort_case(50021, 9001);
	cohort_case(17, 3);
}

static void test_riskmodel_round_equals_cpu(void **state)
{
	(void)state;
	struct c2d_schema s = schema();
	size_t len;
	uint8_t *p = rows(&s, 30011, 8999, 0xfeed, &len);
	struct cudadrv *d;
	struct gpu_rows *g;
	struct c2d_err err = { 0 };
	assert_int_equal(cudadrv_open(&d, NULL), C2D_OK);
	assert_int_equal(gpu_rows_open(d, GPU_RISK_MODEL, p, len, &g, &err), C2D_OK);
	uint64_t x = 99;
	for (int k = 0; k < 4; k++) {
		int64_t w[RM_DIM];
		for (int j = 0; j < RM_DIM; j++) {
			/* 0; small; large (saturated sigmoids, clamped losses); the edge. */
			int64_t scale = k == 0 ? 0 : k == 1 ? INT64_C(1) << 22 : k == 2 ? INT64_C(1) << 28
											 : RM_W_MAX;
			w[j] = k == 3 ? (j & 1 ? RM_W_MAX : -RM_W_MAX)
				      : (int64_t)(next(&x) % (2 * (uint64_t)scale + 1)) - scale;
		}
		struct riskmodel_round a, b;
		assert_int_equal(riskmodel_pass(p, len, w, &b, NULL), C2D_OK);
		assert_int_equal(gpu_riskmodel_pass(g, w, &a, &err), C2D_OK);
		/* The same libm here: equal, not merely within the GPU's bound. */
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(a.rows, 30011);
	}
	int64_t w[RM_DIM] = { 0 };
	w[3] = RM_W_MAX + 1;
	struct riskmodel_round a;
	assert_int_equal(gpu_riskmodel_pass(g, w, &a, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "risk-model: weights[3] beyond 2^8");
	gpu_rows_close(g);
	cudadrv_close(d);
	free(p);
	c2d_schema_free(&s);
}

/* A value the CPU path refuses is refused before anything is uploaded,
 * with the CPU path's message. */
static void test_bad_rows_are_refused_alike(void **state)
{
	(void)state;
	struct c2d_schema s = schema();
	size_t len;
	uint8_t *p = rows(&s, 100, 64, 7, &len);
	/* The second group's ckd_stage of its first row: label 9 of 6. */
	size_t hl = c2d_rowfile_header_len(&s);
	size_t g2 = hl + C2D_RG_HEADER_LEN + c2d_rg_body_len(&s, 64);
	struct c2d_rowfile f;
	struct c2d_rowfile_group grp;
	struct c2d_rg_col cols[NCOLS];
	assert_int_equal(c2d_rowfile_open(&f, p, len, NULL), C2D_OK);
	assert_int_equal(c2d_rowfile_raw(&f, &grp, NULL), 1);
	assert_int_equal(c2d_rowfile_raw(&f, &grp, NULL), 1);
	assert_int_equal(grp.offset, g2);
	assert_int_equal(c2d_rowfile_decode(&f, &grp, cols, NULL), C2D_OK);
	((uint8_t *)cols[6].data)[0] = 9;
	c2d_rowfile_close(&f);
	struct cudadrv *d;
	struct gpu_rows *g = (struct gpu_rows *)1;
	struct c2d_err e1 = { 0 }, e2 = { 0 };
	struct cohort_stats *cs = malloc(sizeof(*cs));
	assert_int_equal(cohort_stats_compute_threads(p, len, 1, cs, &e1), C2D_E_INPUT);
	assert_int_equal(cudadrv_open(&d, NULL), C2D_OK);
	assert_int_equal(gpu_rows_open(d, GPU_COHORT_STATS, p, len, &g, &e2), C2D_E_INPUT);
	assert_null(g);
	assert_string_equal(e2.msg, e1.msg);
	struct riskmodel_round rr;
	int64_t w[RM_DIM] = { 0 };
	assert_int_equal(riskmodel_pass(p, len, w, &rr, &e1), C2D_E_INPUT);
	assert_int_equal(gpu_rows_open(d, GPU_RISK_MODEL, p, len, &g, &e2), C2D_E_INPUT);
	assert_string_equal(e2.msg, e1.msg);
	cudadrv_close(d);   /* aborts if anything stayed allocated */
	free(cs);
	free(p);
	c2d_schema_free(&s);
}

/* The benchmark's kernels: the generator is gpu_abi.h's on both sides,
 * and the warp-shuffle gradient equals a plain loop. */
static void test_dense_kernels(void **state)
{
	(void)state;
	const uint64_t n = 3001, seed = 42;   /* not a multiple of the 4-row step */
	struct cudadrv *d;
	uint64_t dx, dy, dp;
	const unsigned blocks = 3;
	assert_int_equal(cudadrv_open(&d, NULL), C2D_OK);
	assert_int_equal(cudadrv_alloc(d, n * GPU_DENSE_D * sizeof(float), &dx, NULL), C2D_OK);
	assert_int_equal(cudadrv_alloc(d, n, &dy, NULL), C2D_OK);
	assert_int_equal(cudadrv_alloc(d, blocks * GPU_DENSE_D * sizeof(double), &dp, NULL), C2D_OK);
	uint64_t nn = n, sd = seed;
	void *fill_args[] = { &dx, &dy, &nn, &sd };
	assert_int_equal(cudadrv_launch(d, GPU_DENSE_FILL_KERNEL, blocks, GPU_THREADS, fill_args, NULL),
			 C2D_OK);
	float *x = malloc(n * GPU_DENSE_D * sizeof(float));
	uint8_t *y = malloc(n);
	assert_int_equal(cudadrv_download(d, x, dx, n * GPU_DENSE_D * sizeof(float), NULL), C2D_OK);
	assert_int_equal(cudadrv_download(d, y, dy, n, NULL), C2D_OK);
	unsigned ones = 0;
	for (uint64_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < GPU_DENSE_D; j++) {
			assert_true(x[i * GPU_DENSE_D + j] == gpu_dense_value(seed, i, j));
			assert_true(x[i * GPU_DENSE_D + j] >= -1.0f && x[i * GPU_DENSE_D + j] < 1.0f);
		}
		assert_true(y[i] == gpu_dense_label(seed, i));
		ones += y[i];
	}
	assert_true(ones > n / 3 && ones < 2 * n / 3);

	struct gpu_dense_params prm = { .n = n, .seed = seed };
	for (int j = 0; j < GPU_DENSE_D; j++)
		prm.w[j] = 0.25 * gpu_dense_value(seed + 1, 0, (uint32_t)j);
	void *grad_args[] = { &dx, &dy, &prm, &dp };
	assert_int_equal(cudadrv_launch(d, GPU_DENSE_GRAD_KERNEL, blocks, GPU_THREADS, grad_args, NULL),
			 C2D_OK);
	double part[3 * GPU_DENSE_D], g[GPU_DENSE_D] = { 0 }, want[GPU_DENSE_D] = { 0 };
	assert_int_equal(cudadrv_download(d, part, dp, sizeof(part), NULL), C2D_OK);
	for (unsigned b = 0; b < blocks; b++)
		for (int j = 0; j < GPU_DENSE_D; j++)
			g[j] += part[b * GPU_DENSE_D + j];
	for (uint64_t i = 0; i < n; i++) {
		double z = 0;
		for (int j = 0; j < GPU_DENSE_D; j++)
			z += (double)x[i * GPU_DENSE_D + j] * (double)(float)prm.w[j];
		double e = 1.0 / (1.0 + exp(-z)) - y[i];
		for (int j = 0; j < GPU_DENSE_D; j++)
			want[j] += e * x[i * GPU_DENSE_D + j];
	}
	/* float products and sums in the kernel, double here: a few float
	 * roundings a row. */
	for (int j = 0; j < GPU_DENSE_D; j++)
		assert_true(fabs(g[j] - want[j]) <= 1e-5 * (double)n);
	cudadrv_free(d, dx);
	cudadrv_free(d, dy);
	cudadrv_free(d, dp);
	cudadrv_close(d);
	free(x);
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cohort_stats_equals_cpu),
		cmocka_unit_test(test_riskmodel_round_equals_cpu),
		cmocka_unit_test(test_bad_rows_are_refused_alike),
		cmocka_unit_test(test_dense_kernels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
