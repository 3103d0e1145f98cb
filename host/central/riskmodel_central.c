/* The central fit of risk-model, host only: see riskmodel_central.h. */
#include "riskmodel_central.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/grow.h"
#include "c2d/rowfile.h"
#include "bigbuf.h"
#include "cpus.h"

/* glibc's libmvec has exp() for vectors (within 4 ulp): declared as glibc's
 * own <bits/math-vector.h> declares it under -ffast-math, so that gcc
 * vectorises the central fit's sigmoid loop without any other fast-math
 * licence (the file is built with -fno-math-errno: exp's errno is never
 * read). musl has no libmvec: the guest build keeps the scalar exp. */
#if defined(__GLIBC__) && defined(__x86_64__) && !defined(__clang_analyzer__)
__attribute__((__simd__("notinbranch"))) extern double exp(double);
#endif

/*
 * The features are decoded once into a compact table, and each Newton pass
 * reads the table: of a row's 14 features, 4 are continuous (age, eGFR,
 * creatinine, systolic BP) and the other 10 are 0/1 indicators fixed by
 * the row's cell (stage, eGFR missing, sex, diabetes: 48 cells). So
 * Σ v·x·xᵀ and Σ e·x need, per cell, only the sums of v, v·u, v·u·uᵀ and of
 * e, e·u over the continuous part u: 20 products a row instead of 119.
 */
#define RM_NCONT 4
#define RM_NCELL 48
#define RM_NPAIR (RM_NCONT * (RM_NCONT + 1) / 2)

/* The fit's table: each row's continuous features and cell, in file
 * order, split by the file's row groups. A group is the unit of work of
 * the decoding and of a pass: fixed by the file, not by the number of
 * threads. */
struct ftab {
	double (*u)[RM_NCONT];            /* x[1..4] */
	uint8_t *code;                    /* cell·2 + y */
	struct c2d_bigbuf mem;            /* u, then code: faulted in up front */
	struct c2d_rowfile_group *groups;
	size_t *first;                    /* first row of each group, then n */
	size_t ngroups, n;
	size_t threads;                   /* that decode it and run the passes */
};

static unsigned cell_of(const double x[RM_DIM])
{
	unsigned st = 0;
	for (unsigned k = 1; k < 6; k++)
		if (x[8 + k] != 0)
			st = k;
	return st * 8 + (x[5] != 0) * 4 + (x[6] != 0) * 2 + (x[7] != 0);
}

/* The indicator part of a cell's rows: x with its continuous entries 0. */
static void cell_bits(unsigned cell, double b[RM_DIM])
{
	memset(b, 0, RM_DIM * sizeof(double));
	b[0] = 1;
	b[5] = (cell >> 2) & 1;
	b[6] = (cell >> 1) & 1;
	b[7] = cell & 1;
	b[8 + cell / 8] = 1;
}

/* Runs fn(arg) on nt threads (1 to RM_MAX_THREADS), this one included;
 * fn takes its work from a shared counter, so a thread that does not start
 * leaves its share to the others. */
#define RM_MAX_THREADS 16

static void run_parallel(void *(*fn)(void *), void *arg, size_t nt)
{
	size_t started = 1;
	pthread_t tid[RM_MAX_THREADS];
	while (started < nt && pthread_create(&tid[started], NULL, fn, arg) == 0)
		started++;
	fn(arg);
	for (size_t i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
}

struct decode_job {
	const struct c2d_rowfile *f;
	const struct riskmodel_cols *k;
	struct ftab *t;
	int *status;              /* per group */
	struct c2d_err *gerr;     /* per group */
	size_t max_rows;          /* of a group */
	atomic_size_t next;
};

static void *decode_work(void *arg)
{
	struct decode_job *j = arg;
	struct ftab *t = j->t;
	struct c2d_rg_col *col = calloc(j->f->schema.ncols, sizeof(*col));
	/* One group's rows before they are put in cell order: this thread's. */
	struct c2d_bigbuf scratch = { 0 };
	struct c2d_err nomem;
	double (*su)[RM_NCONT] = NULL;
	uint8_t *scode = NULL;
	if (c2d_bigbuf_alloc(&scratch, j->max_rows * (sizeof(*su) + 1), &nomem) == C2D_OK) {
		su = (double (*)[RM_NCONT])(void *)scratch.p;
		scode = scratch.p + j->max_rows * sizeof(*su);
	}
	size_t g;
	while ((g = atomic_fetch_add(&j->next, 1)) < t->ngroups) {
		if (col == NULL || su == NULL || scode == NULL)
			j->status[g] = c2d_fail(&j->gerr[g], C2D_E_NOMEM, "risk-model: out of memory");
		else
			j->status[g] = c2d_rowfile_decode(j->f, &t->groups[g], col, &j->gerr[g]);
		if (j->status[g] < 0)
			continue;
		/* The group's rows in cell order (a stable counting sort), so
		 * that a pass adds each cell's run in registers: the same sums
		 * in another order, still fixed by the file and not by the
		 * number of threads. */
		uint32_t n = t->groups[g].nrows;
		size_t at[RM_NCELL + 1] = { 0 };
		for (uint32_t i = 0; i < n; i++) {
			double x[RM_DIM];
			int y = riskmodel_row(j->k, col, i, x);
			scode[i] = (uint8_t)(cell_of(x) * 2 + (y != 0));
			memcpy(su[i], x + 1, sizeof(su[0]));
			at[(scode[i] >> 1) + 1]++;
		}
		for (unsigned c = 0; c < RM_NCELL; c++)
			at[c + 1] += at[c];
		for (uint32_t i = 0; i < n; i++) {
			size_t to = t->first[g] + at[scode[i] >> 1]++;
			memcpy(t->u[to], su[i], sizeof(su[0]));
			t->code[to] = scode[i];
		}
	}
	c2d_bigbuf_free(&scratch);
	free(col);
	return NULL;
}

/* Frames the groups (a sequential walk that checks the end record), then
 * decodes them on t->threads threads; the first bad group in file order
 * names the error, whichever thread met it. */
static int ftab_build(const uint8_t *p, size_t len, struct ftab *t, struct c2d_err *err)
{
	struct c2d_rowfile f;
	struct riskmodel_cols k;
	struct c2d_rowfile_group g;
	size_t gcap = 0, fcap = 0;
	int r = c2d_rowfile_open(&f, p, len, err);
	if (r < 0)
		return r;
	if ((r = riskmodel_bind(&f.schema, &k, err)) < 0) {
		c2d_rowfile_close(&f);
		return r;
	}
	struct decode_job j = { .f = &f, .k = &k, .t = t };
	while ((r = c2d_rowfile_raw(&f, &g, err)) == 1) {
		/* first: this group's entry, and room for the end's after it. */
		struct c2d_rowfile_group *ng = c2d_grow(t->groups, &gcap, t->ngroups, 1, sizeof(*ng), 64);
		if (ng != NULL)
			t->groups = ng;
		size_t *nf = ng != NULL ? c2d_grow(t->first, &fcap, t->ngroups, 2, sizeof(*nf), 64) : NULL;
		if (nf == NULL) {
			r = c2d_fail(err, C2D_E_NOMEM, "risk-model: out of memory");
			break;
		}
		t->first = nf;
		t->groups[t->ngroups] = g;
		t->first[t->ngroups++] = t->n;
		t->n += g.nrows;
		if (g.nrows > j.max_rows)
			j.max_rows = g.nrows;
	}
	if (r == C2D_OK && t->n == 0)
		r = c2d_fail(err, C2D_E_INPUT, "risk-model: no rows");
	if (r == C2D_OK) {
		t->first[t->ngroups] = t->n;
		if (c2d_bigbuf_alloc(&t->mem, t->n * (sizeof(*t->u) + 1), err) == C2D_OK) {
			t->u = (double (*)[RM_NCONT])(void *)t->mem.p;
			t->code = t->mem.p + t->n * sizeof(*t->u);
		}
		j.status = calloc(t->ngroups, sizeof(*j.status));
		j.gerr = calloc(t->ngroups, sizeof(*j.gerr));
		if (t->u == NULL || t->code == NULL || j.status == NULL || j.gerr == NULL)
			r = c2d_fail(err, C2D_E_NOMEM, "risk-model: out of memory for %zu rows", t->n);
	}
	if (r == C2D_OK) {
		atomic_init(&j.next, 0);
		run_parallel(decode_work, &j, t->threads);
		for (size_t i = 0; i < t->ngroups && r == C2D_OK; i++)
			if (j.status[i] < 0) {
				r = j.status[i];
				if (err != NULL)
					*err = j.gerr[i];
			}
	}
	free(j.status);
	free(j.gerr);
	c2d_rowfile_close(&f);
	return r;
}

static void ftab_free(struct ftab *t)
{
	c2d_bigbuf_free(&t->mem);
	free(t->groups);
	free(t->first);
}

/* Per-cell sums at w: e = p - y and v = p(1 - p), p = sigmoid(w·x). */
struct moments {
	double e[RM_NCELL][1 + RM_NCONT];
	double v[RM_NCELL][1 + RM_NCONT + RM_NPAIR];
	size_t rows;
};

/* A pass: each group's sums into its own moments (rows first + k·stride
 * of the group), added in group order afterwards, so the result is the
 * same bits for any number of threads. */
struct pass_job {
	const struct ftab *t;
	size_t stride;
	const double *w;
	double wc[RM_NCELL];    /* w·x over the indicator part, per cell */
	struct moments *part;   /* per group */
	atomic_size_t next;
};

/* The logistic function with one exp() and no branch, so that a loop of
 * it vectorises (with glibc, through libmvec: see below). The central fit
 * only: its contract is the optimum to RM_CENTRAL_TOL, not the gradient
 * oracle's bit-exact rounding (rowmath.h). */
static inline double sigmoid_bf(double z)
{
	double e = exp(-fabs(z)), r = 1.0 / (1.0 + e), pos = (1.0 + copysign(1.0, z)) * 0.5;
	/* r for z >= 0, e·r below (at -0 both are 1/2): pos is exactly 1 or 0
	 * from the sign bit, and the select is exact both ways (1 + 0·e = 1,
	 * 0 + e = e). A comparison, or signbit()'s integer, keeps gcc 12 from
	 * vectorising the loop. */
	return r * (pos + (1 - pos) * e);
}

#define PASS_BLOCK 256

static void *pass_work(void *arg)
{
	struct pass_job *j = arg;
	const struct ftab *t = j->t;
	const double *w = j->w;
	size_t g;
	while ((g = atomic_fetch_add(&j->next, 1)) < t->ngroups) {
		struct moments *m = &j->part[g];
		memset(m, 0, sizeof(*m));
		/* In blocks: the margins, then every sigmoid of the block in one
		 * loop (the vectorised exp), then the sums by cell. */
		double zb[PASS_BLOCK], pb[PASS_BLOCK];
		for (size_t i0 = t->first[g]; i0 < t->first[g + 1]; i0 += PASS_BLOCK * j->stride) {
			size_t nb = 0;
			for (size_t i = i0; i < t->first[g + 1] && nb < PASS_BLOCK; i += j->stride) {
				const double *u = t->u[i];
				zb[nb++] = j->wc[t->code[i] >> 1] + w[1] * u[0] + w[2] * u[1] + w[3] * u[2] +
					   w[4] * u[3];
			}
			for (size_t k = 0; k < nb; k++)
				pb[k] = sigmoid_bf(zb[k]);
			/* The rows are in cell order (decode_work): each run of
			 * one cell is summed in locals, then added to its cell. */
			for (size_t k = 0, i = i0; k < nb;) {
				unsigned c = t->code[i] >> 1;
				double se[1 + RM_NCONT] = { 0 }, sv[1 + RM_NCONT + RM_NPAIR] = { 0 };
				size_t rows = 0;
				for (; k < nb && (unsigned)(t->code[i] >> 1) == c; k++, i += j->stride) {
					const double *u = t->u[i];
					double p = pb[k], e = p - (t->code[i] & 1), v = p * (1 - p);
					se[0] += e;
					sv[0] += v;
					for (int a = 0, kk = 1 + RM_NCONT; a < RM_NCONT; a++) {
						double vu = v * u[a];
						se[1 + a] += e * u[a];
						sv[1 + a] += vu;
						for (int bb = a; bb < RM_NCONT; bb++)
							sv[kk++] += vu * u[bb];
					}
					rows++;
				}
				for (int a = 0; a < 1 + RM_NCONT; a++)
					m->e[c][a] += se[a];
				for (int a = 0; a < 1 + RM_NCONT + RM_NPAIR; a++)
					m->v[c][a] += sv[a];
				m->rows += rows;
			}
		}
	}
	return NULL;
}

static void pass_moments(const struct ftab *t, struct moments *part, size_t stride,
			 const double w[RM_DIM], struct moments *m)
{
	struct pass_job j = { .t = t, .stride = stride, .w = w, .part = part };
	for (unsigned c = 0; c < RM_NCELL; c++) {
		double b[RM_DIM];
		cell_bits(c, b);
		for (int k = 0; k < RM_DIM; k++)
			j.wc[c] += w[k] * b[k];
	}
	atomic_init(&j.next, 0);
	run_parallel(pass_work, &j, t->threads);
	memset(m, 0, sizeof(*m));
	for (size_t g = 0; g < t->ngroups; g++) {
		for (unsigned c = 0; c < RM_NCELL; c++) {
			for (int a = 0; a < 1 + RM_NCONT; a++)
				m->e[c][a] += part[g].e[c][a];
			for (int a = 0; a < 1 + RM_NCONT + RM_NPAIR; a++)
				m->v[c][a] += part[g].v[c][a];
		}
		m->rows += part[g].rows;
	}
}

/* Σ e·x and the lower triangle of Σ v·x·xᵀ from the per-cell sums. */
static void assemble(const struct moments *m, double g[RM_DIM], double h[RM_DIM][RM_DIM])
{
	memset(g, 0, RM_DIM * sizeof(double));
	memset(h, 0, RM_DIM * RM_DIM * sizeof(double));
	for (unsigned c = 0; c < RM_NCELL; c++) {
		const double *me = m->e[c], *mv = m->v[c];
		double b[RM_DIM], ve[RM_DIM] = { 0 };   /* ve: Σ v·u in x's slots */
		cell_bits(c, b);
		for (int a = 0; a < RM_NCONT; a++) {
			g[1 + a] += me[1 + a];
			ve[1 + a] = mv[1 + a];
		}
		for (int j = 0; j < RM_DIM; j++) {
			g[j] += b[j] * me[0];
			for (int k = 0; k <= j; k++)
				h[j][k] += b[j] * b[k] * mv[0] + b[j] * ve[k] + ve[j] * b[k];
		}
		for (int a = 0, k = 1 + RM_NCONT; a < RM_NCONT; a++)
			for (int bb = a; bb < RM_NCONT; bb++)
				h[1 + bb][1 + a] += mv[k++];
	}
}

/* Solves a x = b for symmetric positive definite a (lower triangle) by
 * Cholesky; 0 if a is not positive definite. */
static int solve_spd(double a[RM_DIM][RM_DIM], const double b[RM_DIM], double x[RM_DIM])
{
	double l[RM_DIM][RM_DIM] = { { 0 } }, t[RM_DIM] = { 0 };
	for (int j = 0; j < RM_DIM; j++) {
		double d = a[j][j];
		for (int k = 0; k < j; k++)
			d -= l[j][k] * l[j][k];
		if (!(d > 0))
			return 0;
		l[j][j] = sqrt(d);
		for (int i = j + 1; i < RM_DIM; i++) {
			double s = a[i][j];
			for (int k = 0; k < j; k++)
				s -= l[i][k] * l[j][k];
			l[i][j] = s / l[j][j];
		}
	}
	for (int i = 0; i < RM_DIM; i++) {
		double s = b[i];
		for (int k = 0; k < i; k++)
			s -= l[i][k] * t[k];
		t[i] = s / l[i][i];
	}
	for (int i = RM_DIM - 1; i >= 0; i--) {
		double s = t[i];
		for (int k = i + 1; k < RM_DIM; k++)
			s -= l[k][i] * x[k];
		x[i] = s / l[i][i];
	}
	return 1;
}

/*
 * Newton's method on the rows i ≡ 0 (mod stride), from w, until the
 * gradient norm of J on those rows is below tol: 1 when converged, 0 when
 * not in RM_CENTRAL_MAX_ITER iterations, -1 on a singular Hessian.
 */
static int newton(const struct ftab *t, struct moments *part, size_t stride, double lambda,
		  double tol, struct moments *m, double w[RM_DIM], struct riskmodel_result *out)
{
	for (unsigned it = 0; it < RM_CENTRAL_MAX_ITER; it++) {
		double g[RM_DIM], h[RM_DIM][RM_DIM], step[RM_DIM], norm = 0;
		pass_moments(t, part, stride, w, m);
		double n = (double)m->rows;
		assemble(m, g, h);
		/* ∇J and the Hessian of J: the mean, plus λ off the intercept. */
		for (int j = 0; j < RM_DIM; j++) {
			g[j] = g[j] / n + (j > 0 ? lambda * w[j] : 0);
			norm += g[j] * g[j];
			for (int k = 0; k <= j; k++)
				h[j][k] = h[j][k] / n + (j == k && j > 0 ? lambda : 0);
		}
		out->grad_norm = sqrt(norm);
		out->iterations += 1;
		if (out->grad_norm < tol)
			return 1;
		/* The intercept is not penalised, so with a constant column set
		 * (all one label) the Hessian can be singular. */
		if (!solve_spd(h, g, step))
			return -1;
		for (int j = 0; j < RM_DIM; j++)
			w[j] -= step[j];
	}
	return 0;
}

/* Rows per row of the warm start's sample, and the least rows for one. */
#define RM_WARM_STRIDE 32
#define RM_WARM_MIN_ROWS (1u << 15)

c2d_status riskmodel_central_fit_threads(const uint8_t *rowfile, size_t len, double lambda, unsigned threads,
					 struct riskmodel_result *out, struct c2d_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!(lambda > 0))
		return c2d_fail(err, C2D_E_USAGE, "risk-model: lambda must be positive");
	struct ftab t = { 0 };
	t.threads = threads < 1 ? 1 : threads > RM_MAX_THREADS ? RM_MAX_THREADS : threads;
	struct moments *m = malloc(sizeof(*m)), *part = NULL;
	int r = m == NULL ? c2d_fail(err, C2D_E_NOMEM, "risk-model: out of memory")
			  : ftab_build(rowfile, len, &t, err);
	if (r == C2D_OK && (part = calloc(t.ngroups, sizeof(*part))) == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "risk-model: out of memory");
	double w[RM_DIM] = { 0 };
	int warm = 0;
	if (r == C2D_OK && t.n >= RM_WARM_MIN_ROWS) {
		/* A warm start: the fit on a 1/32 sample is within about
		 * 1/sqrt(n/32) of the full one, where Newton converges
		 * quadratically, so the full-data passes drop from about 7 to
		 * 3. Only the starting point comes from the sample; the
		 * criterion below is on all rows. When the sample's fit fails,
		 * the full fit starts from 0 as without it. */
		warm = newton(&t, part, RM_WARM_STRIDE, lambda, 1e-8, m, w, out) == 1;
		if (!warm)
			memset(w, 0, sizeof(w));
		out->iterations = 0;
	}
	if (r == C2D_OK) {
		int k = newton(&t, part, 1, lambda, RM_CENTRAL_TOL, m, w, out);
		if (k != 1 && warm) {
			/* A sample unlike the whole (rows that repeat with a
			 * period sharing factors with the stride) can start
			 * Newton where the Hessian is singular or the steps do
			 * not settle; from 0, as without the warm start. */
			memset(w, 0, sizeof(w));
			out->iterations = 0;
			k = newton(&t, part, 1, lambda, RM_CENTRAL_TOL, m, w, out);
		}
		/* iterations counts the Newton steps on all rows. */
		out->iterations -= 1;
		out->rows = t.n;
		if (k < 0)
			r = c2d_fail(err, C2D_E_INPUT, "risk-model: singular Hessian at iteration %u",
				     out->iterations);
		else if (k == 0)
			r = c2d_fail(err, C2D_E_INTERNAL, "risk-model: no convergence in %d iterations",
				     RM_CENTRAL_MAX_ITER);
		else
			memcpy(out->coef, w, sizeof(out->coef));
	}
	ftab_free(&t);
	free(part);
	free(m);
	return r;
}

c2d_status riskmodel_central_fit_lambda(const uint8_t *rowfile, size_t len, double lambda,
					struct riskmodel_result *out, struct c2d_err *err)
{
	return riskmodel_central_fit_threads(rowfile, len, lambda, analysis_cpus(), out, err);
}

c2d_status riskmodel_central_fit(const uint8_t *rowfile, size_t len, struct riskmodel_result *out,
				 struct c2d_err *err)
{
	return riskmodel_central_fit_lambda(rowfile, len,
					    (double)RM_LAMBDA_NUM / (double)RM_LAMBDA_DEN, out, err);
}
