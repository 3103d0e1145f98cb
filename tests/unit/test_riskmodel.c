/* Unit tests of risk-model: the central fit against scikit-learn's
 * (tests/unit/riskmodel_ref.h, from tests/tools/riskmodel_ref.py), and the
 * private run with the image's recipe (image/analyses/risk-model.conf;
 * guest/init/riskmodel.c with the real child and misbehaving ones,
 * tests/tools/fakeriskmodel.c): the privacy charged, the released shapes,
 * the randomness, and the refusals. Also host/util/bigbuf.h, the memory of
 * the central fit's table: growth in place and past its reservation. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bearssl.h>
#include <cmocka.h>

#include "analysis.h"
#include "analysistest.h"
#include "bigbuf.h"
#include "c2d/analysisconf.h"
#include "c2d/failure.h"
#include "riskmodel_central.h"
#include "riskmodel_dp.h"
#include "riskmodel_ref.h"

static char bindir[PATH_MAX];

/* The columns of the demo cohort that risk-model reads, with its bounds. */
static struct c2d_schema risk_schema(void)
{
	static const char *const sex[] = { "F", "M" };
	static const char *const stage[] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };
	struct c2d_schema s = { 8, calloc(8, sizeof(struct c2d_column)) };
	analysistest_set_num(&s.cols[0], "age", C2D_T_INT64, 18, 100);
	strcpy(s.cols[1].name, "sex");
	analysistest_set_cats(&s.cols[1], sex, 2);
	analysistest_set_num(&s.cols[2], "egfr", C2D_T_FLOAT64, 0, 200);
	s.cols[2].flags |= C2D_COL_NULLABLE;
	analysistest_set_num(&s.cols[3], "creatinine", C2D_T_FLOAT64, 0.1, 20);
	analysistest_set_num(&s.cols[4], "systolic_bp", C2D_T_INT64, 60, 260);
	strcpy(s.cols[5].name, "diabetes");
	s.cols[5].type = C2D_T_BOOL;
	strcpy(s.cols[6].name, "ckd_stage");
	analysistest_set_cats(&s.cols[6], stage, 6);
	strcpy(s.cols[7].name, "outcome");
	s.cols[7].type = C2D_T_BOOL;
	return s;
}

/* Row i of the reference rows. */
static void ref_row(struct c2d_rg_builder *b, size_t i, const void *rows)
{
	const struct ref_row *r = (const struct ref_row *)rows + i;
	c2d_rg_set_i64(b, 0, r->age);
	c2d_rg_set_cat(b, 1, (uint16_t)r->sex);
	if (r->egfr < 0)
		c2d_rg_set_null(b, 2);
	else
		c2d_rg_set_f64(b, 2, r->egfr);
	c2d_rg_set_f64(b, 3, r->creat);
	c2d_rg_set_i64(b, 4, r->sbp);
	c2d_rg_set_bool(b, 5, r->diabetes);
	c2d_rg_set_cat(b, 6, (uint16_t)r->stage);
	c2d_rg_set_bool(b, 7, r->outcome);
}

struct fixture {
	struct c2d_schema s;
	struct analysis_input in;
	const uint8_t *p;
	size_t len;
};

/* The input of n rows written by row, in groups of cap, and its rows
 * file mapped. */
static void fixture_open(struct fixture *f, size_t n, uint32_t cap, analysistest_row_fn *row,
			 const void *ctx)
{
	f->s = risk_schema();
	analysistest_make_input(&f->s, n, cap, row, ctx, &f->in);
	f->len = (size_t)lseek(f->in.fd, 0, SEEK_END);
	f->p = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, f->in.fd, 0);
	assert_true(f->p != MAP_FAILED);
}

static void fixture_close(struct fixture *f)
{
	munmap((void *)f->p, f->len);
	analysis_input_close(&f->in);
	c2d_schema_free(&f->s);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	fixture_open(f, RM_REF_ROWS, 7, ref_row, rm_ref_rows);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	fixture_close(f);
	free(f);
	return 0;
}

/* --- the central fit ------------------------------------------------------ */

/* The central fit of f's rows (n of them) into res: converged, and
 * scikit-learn's coefficients to 10^-6. */
static void expect_sklearn_fit(const struct fixture *f, uint64_t n, struct riskmodel_result *res)
{
	struct c2d_err err = { 0 };
	if (riskmodel_central_fit(f->p, f->len, res, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(res->rows, n);
	assert_true(res->grad_norm < RM_CENTRAL_TOL);
	for (int j = 0; j < RM_DIM; j++)
		if (fabs(res->coef[j] - rm_ref_coef[j]) > 1e-6)
			fail_msg("coef[%d] = %.12g, scikit-learn %.12g", j, res->coef[j], rm_ref_coef[j]);
}

static void test_central_matches_sklearn(void **state)
{
	struct fixture *f = *state;
	struct riskmodel_result res;
	struct c2d_err err = { 0 };
	expect_sklearn_fit(f, RM_REF_ROWS, &res);
	/* The objective depends on lambda: another one moves the fit. */
	struct riskmodel_result other;
	assert_int_equal(riskmodel_central_fit_lambda(f->p, f->len, 0.1, &other, NULL), C2D_OK);
	assert_true(fabs(other.coef[1] - res.coef[1]) > 1e-3);
	/* Truncated rows are refused. */
	assert_int_equal(riskmodel_central_fit(f->p, f->len - 1, &res, &err), C2D_E_INPUT);
}

/* The oracle's exact sums at w = 0: p = 1/2 for every row, the loss log 2,
 * and each clipped gradient recomputed here from the features. */
static void test_pass_at_zero(void **state)
{
	struct fixture *f = *state;
	struct riskmodel_round rd;
	int64_t w[RM_DIM] = { 0 };
	assert_int_equal(riskmodel_pass(f->p, f->len, w, &rd, NULL), C2D_OK);
	assert_int_equal(rd.rows, RM_REF_ROWS);
	assert_int_equal(rd.loss, RM_REF_ROWS * (int64_t)(log(2.0) * 65536));
	/* z = 0 >= 0: everything predicted positive. */
	int pos = 0;
	for (int i = 0; i < RM_REF_ROWS; i++)
		pos += rm_ref_rows[i].outcome;
	assert_int_equal(rd.confusion[0], 0);
	assert_int_equal(rd.confusion[1], RM_REF_ROWS - pos);
	assert_int_equal(rd.confusion[3], pos);
	/* Intercept entry: (1/2 - y)·1 scaled by min(1, 1/(|1/2|·||x||));
	 * ||x|| >= 1 with x_0 = 1 and at least one one-hot entry, > 2 here. */
	int64_t g0 = 0;
	for (int i = 0; i < RM_REF_ROWS; i++) {
		const struct ref_row *r = &rm_ref_rows[i];
		double x[7] = { (double)(r->age - 18) / 82 * 2 - 1,
				r->egfr < 0 ? -1 : r->egfr / 200 * 2 - 1,
				(r->creat - 0.1) / 19.9 * 2 - 1, (double)(r->sbp - 60) / 200 * 2 - 1,
				r->egfr < 0, r->sex, r->diabetes };
		double nx = 2;   /* intercept and the stage */
		for (int j = 0; j < 7; j++)
			nx += x[j] * x[j];
		double e = 0.5 - r->outcome, norm = fabs(e) * sqrt(nx);
		g0 += (int64_t)((norm > 1 ? e / norm : e) * (double)RM_CLIP_LAT);
	}
	assert_true(llabs(rd.grad[0] - g0) <= RM_REF_ROWS);
	/* Weights beyond 2^8 are refused. */
	w[3] = RM_W_MAX + 1;
	assert_int_equal(riskmodel_pass(f->p, f->len, w, &rd, NULL), C2D_E_INPUT);
}

/* --- the private run ------------------------------------------------------ */

/* ChaCha20 keystream of a one-byte key: the deterministic source. */
struct chacha {
	uint8_t key[32];
	uint32_t counter;
};

static int chacha_fill(void *ctx, uint8_t *out, size_t len, struct c2d_err *err)
{
	(void)err;
	static const uint8_t iv[12];
	struct chacha *c = ctx;
	memset(out, 0, len);
	/* Whole blocks per call: the stream never repeats a block. */
	c->counter = br_chacha20_ct_run(c->key, iv, c->counter, out, len);
	if (len % 64)
		c->counter++;
	return C2D_OK;
}

/* The image's parameters: its shipped recipe, mapped as init maps it. */
static struct riskmodel_params image_params(void)
{
	struct c2d_aconf c;
	struct riskmodel_params p;
	struct c2d_err err = { 0 };
	if (c2d_aconf_load("image/analyses/risk-model.conf", &c, &err) != C2D_OK ||
	    riskmodel_dp_params_from_conf(&c, &p, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	return p;
}

static int run(struct fixture *f, const char *bin, char *mode, const struct riskmodel_params *p,
	       uint8_t seed, long deadline_ms, struct c2d_dp_accountant *acct,
	       struct riskmodel_release *out, struct c2d_err *err)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", bindir, bin);
	char *const argv[] = { path, mode, NULL };
	const struct analysis_spec spec = { path, argv, NULL, deadline_ms, NULL };
	struct chacha c = { { seed }, 0 };
	const struct c2d_rng rng = { chacha_fill, &c };
	c2d_dp_accountant_init_zcdp(acct, 1000000, 500000);
	return riskmodel_dp_run(&spec, &f->in, p, &rng, acct, out, err);
}

static void test_private_run(void **state)
{
	struct fixture *f = *state;
	const struct riskmodel_params params = image_params(), *p = &params;
	struct riskmodel_release a, b, c;
	struct c2d_dp_accountant acct;
	struct c2d_err err = { 0 };
	if (run(f, "risk-model", NULL, p, 1, 20000, &acct, &a, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	/* Charged as documented: ρ = T·ρ_epoch, ε = ε_rows + T·ε_loss + ε_conf. */
	assert_int_equal(a.epochs, 20);
	assert_int_equal(a.spent_urho, 20 * 25000);
	assert_int_equal(a.spent_ueps, 100000 + 20 * 20000 + 500000);
	assert_int_equal(acct.spent_urho, 500000);
	assert_int_equal(acct.spent_ueps, 1000000);
	/* The ledger the receipt will carry: four kinds, in release order. */
	assert_int_equal(acct.nreleases, 4);
	static const char *const label[4] = { "rows", "gradient", "loss", "confusion" };
	static const uint64_t times[4] = { 1, 20, 20, 1 };
	for (int k = 0; k < 4; k++) {
		assert_string_equal(acct.releases[k].label, label[k]);
		assert_int_equal(acct.releases[k].times, times[k]);
	}
	assert_int_equal(acct.releases[1].mechanism, C2D_DP_GAUSSIAN);
	assert_int_equal(acct.releases[1].sensitivity, RM_CLIP_LAT);
	assert_int_equal(acct.releases[1].values, RM_DIM);
	assert_int_equal(acct.releases[3].values, 4);
	assert_true(a.rows >= 1);
	for (int j = 0; j < RM_DIM; j++)
		assert_true(a.coef[j] <= RM_W_MAX && a.coef[j] >= -RM_W_MAX);
	/* The same source gives the same release, another one another. */
	assert_int_equal(run(f, "risk-model", NULL, p, 1, 20000, &acct, &b, NULL), C2D_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	/* The static musl build, as in the image, under its seccomp filter. */
	if (run(f, "../guest/risk-model", NULL, p, 1, 20000, &acct, &b, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(b.epochs, 20);
	assert_int_equal(b.spent_urho, a.spent_urho);
	assert_int_equal(b.spent_ueps, a.spent_ueps);
	assert_int_equal(run(f, "risk-model", NULL, p, 2, 20000, &acct, &c, NULL), C2D_OK);
	assert_memory_not_equal(a.coef, c.coef, sizeof(a.coef));
	/* The whole budget was spent: a second run on the same accountant is
	 * refused before the child starts. */
	struct chacha ch = { { 3 }, 0 };
	const struct c2d_rng rng = { chacha_fill, &ch };
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/risk-model", bindir);
	const struct analysis_spec spec = { path, NULL, NULL, 20000, NULL };
	assert_int_equal(riskmodel_dp_run(&spec, &f->in, p, &rng, &acct, &c, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, c2d_failure_msg(C2D_FAILURE_BUDGET));
}

static void test_round_limit(void **state)
{
	struct fixture *f = *state;
	struct riskmodel_params p = image_params();
	struct riskmodel_release a;
	struct c2d_dp_accountant acct;
	struct c2d_err err = { 0 };
	p.epochs = RM_MAX_EPOCHS + 1;
	assert_int_equal(run(f, "risk-model", NULL, &p, 1, 20000, &acct, &a, &err), C2D_E_INTERNAL);
	assert_string_equal(err.msg, c2d_failure_msg(C2D_FAILURE_INTERNAL));
	assert_int_equal(acct.spent_ueps, 0);
	/* A child answering once more than asked is refused. */
	p.epochs = 1;
	assert_int_equal(run(f, "c2d-fakeriskmodel", "twice", &p, 1, 20000, &acct, &a, &err),
			 C2D_E_REFUSED);
	assert_string_equal(err.msg, c2d_failure_msg(C2D_FAILURE_OVERFLOW));
}

/* Refused with kind k's fixed message and nothing else: no round, no
 * count, no value (docs/boot.md, "What leaves the CVM"). */
static void expect_refusal(void **state, char *mode, long deadline_ms, enum c2d_failure k)
{
	struct fixture *f = *state;
	struct riskmodel_release a;
	struct c2d_dp_accountant acct;
	struct c2d_err err = { 0 };
	const struct riskmodel_params p = image_params();
	int r = run(f, "c2d-fakeriskmodel", mode, &p, 1, deadline_ms, &acct,
		    &a, &err);
	if (r != C2D_E_REFUSED || strcmp(err.msg, c2d_failure_msg(k)) != 0)
		fail_msg("mode %s: status %d, '%s'; expected '%s'", mode, r, err.msg, c2d_failure_msg(k));
	/* Nothing is released. */
	static const struct riskmodel_release zero;
	assert_memory_equal(&a, &zero, sizeof(a));
}

static void test_misbehaving_children_are_refused(void **state)
{
	expect_refusal(state, "big-grad", 20000, C2D_FAILURE_AGG_BOUND);
	expect_refusal(state, "rows-short", 20000, C2D_FAILURE_AGG_BOUND);
	expect_refusal(state, "stall", 300, C2D_FAILURE_TIME);
	/* The next request meets either a closed channel or, sent before the
	 * child closed it, a child that then exits without answering: the
	 * same kind either way. */
	expect_refusal(state, "quit", 20000, C2D_FAILURE_ROUNDS);
	expect_refusal(state, "mute", 20000, C2D_FAILURE_ROUNDS);
}

/* --- the central fit on any number of threads ------------------------------ */

#define BIG_ROWS 40000   /* above the warm start's 2^15 rows */

/* Row i of a larger table: the reference rows over and over, each copy
 * moved a little (creatinine, blood pressure, within their bounds) so
 * that the groups' partial sums are not all alike. Each copy starts one
 * row further on, so that every 32nd row (the warm start's sample) is not
 * only the reference rows 0, 8, 16, 24 and 32. */
static void big_row(struct c2d_rg_builder *b, size_t i, const void *ctx)
{
	(void)ctx;
	struct ref_row r = rm_ref_rows[(i + i / RM_REF_ROWS) % RM_REF_ROWS];
	r.creat += (double)(i % 97) / 1000;
	r.sbp += (int64_t)(i % 11);
	ref_row(b, 0, &r);
}

/* The partial sums of each row group are added in file order, whatever
 * thread made them: 1, 2, 3 and 7 threads (and one per CPU) give the same
 * coefficients to the last bit, on a file of 40 groups (of 1000 rows, not
 * a multiple of the thread counts) that takes the warm start's sampled
 * path too. */
static void test_central_threads_bit_identical(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, BIG_ROWS, 1000, big_row, NULL);
	const uint8_t *p = f.p;
	size_t len = f.len;
	const double lambda = (double)RM_LAMBDA_NUM / RM_LAMBDA_DEN;
	struct riskmodel_result one, res;
	struct c2d_err err = { 0 };
	if (riskmodel_central_fit_threads(p, len, lambda, 1, &one, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(one.rows, BIG_ROWS);
	assert_true(one.grad_norm < RM_CENTRAL_TOL);
	static const unsigned threads[] = { 2, 3, 7 };
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		assert_int_equal(riskmodel_central_fit_threads(p, len, lambda, threads[i], &res, NULL), C2D_OK);
		if (memcmp(res.coef, one.coef, sizeof(one.coef)) != 0)
			fail_msg("%u threads: coefficients differ from 1 thread's", threads[i]);
		assert_int_equal(res.iterations, one.iterations);
		assert_memory_equal(&res.grad_norm, &one.grad_norm, sizeof(one.grad_norm));
	}
	assert_int_equal(riskmodel_central_fit(p, len, &res, NULL), C2D_OK);
	assert_memory_equal(res.coef, one.coef, sizeof(one.coef));
	fixture_close(&f);
}

/* The warm start is only a starting point: when the 1/32 sample is unlike
 * the whole (here the reference rows repeat with period 40, so every 32nd
 * row is one of 5 of them, a separable sample whose fit starts the full
 * Newton where its Hessian is singular), the fit on all rows starts again
 * from 0 and converges. */
static void periodic_row(struct c2d_rg_builder *b, size_t i, const void *ctx)
{
	(void)ctx;
	ref_row(b, i % RM_REF_ROWS, rm_ref_rows);
}

static void test_central_unlike_sample(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, BIG_ROWS, 1000, periodic_row, NULL);
	/* 1000 copies of the reference rows: the same mean loss, the same fit. */
	struct riskmodel_result res;
	expect_sklearn_fit(&f, BIG_ROWS, &res);
	fixture_close(&f);
}

/* Within its reservation a bigbuf grows without moving; past it, it moves
 * once and keeps every byte; a size that cannot be had fails, leaving the
 * buffer as it was. */
static void test_bigbuf_grows_in_place_then_moves(void **state)
{
	(void)state;
	struct c2d_bigbuf b;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_bigbuf_reserve(&b, (size_t)5 << 20, &err), C2D_OK);
	assert_int_equal(b.len, 0);
	uint8_t *at = NULL;
	uint32_t k = 0;
	/* 4 KiB + 1 at a time, each byte its offset's hash, to twice the reservation. */
	while (b.len < ((size_t)10 << 20)) {
		size_t n = 4097;
		assert_int_equal(c2d_bigbuf_room(&b, n, &err), C2D_OK);
		assert_true(b.ready >= b.len + n && b.cap >= b.ready);
		if (b.len + n <= ((size_t)5 << 20)) {
			if (at == NULL)
				at = b.p;
			assert_ptr_equal(b.p, at);   /* in place while it fits */
		}
		for (size_t i = 0; i < n; i++, k++)
			b.p[b.len + i] = (uint8_t)(k * 2654435761u >> 24);
		b.len += n;
	}
	assert_ptr_not_equal(b.p, at);       /* it moved once past the reservation */
	assert_int_equal((uintptr_t)b.p % ((uintptr_t)2 << 20), 0);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.p[i], (uint8_t)((uint32_t)i * 2654435761u >> 24));
	struct c2d_bigbuf before = b;
	assert_int_equal(c2d_bigbuf_room(&b, SIZE_MAX / 2, &err), C2D_E_NOMEM);
	assert_memory_equal(&b, &before, sizeof(b));
	c2d_bigbuf_free(&b);
	assert_null(b.p);

	assert_int_equal(c2d_bigbuf_alloc(&b, 12345, &err), C2D_OK);
	assert_int_equal(b.len, 12345);
	memset(b.p, 0xa5, b.len);            /* writable to its end */
	c2d_bigbuf_free(&b);
}

int main(void)
{
	analysistest_bindir(bindir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_central_matches_sklearn),
		cmocka_unit_test(test_pass_at_zero),
		cmocka_unit_test(test_private_run),
		cmocka_unit_test(test_round_limit),
		cmocka_unit_test(test_misbehaving_children_are_refused),
		cmocka_unit_test(test_central_threads_bit_identical),
		cmocka_unit_test(test_central_unlike_sample),
		cmocka_unit_test(test_bigbuf_grows_in_place_then_moves),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
