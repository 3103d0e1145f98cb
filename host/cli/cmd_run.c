/*
 * c2d run: a fixed analysis on the host, for comparison, benchmarks and
 * tests; never the product's path to a release.
 *
 *   --central  plaintext CSVs, read with the sealer's own reader and
 *              validation into the rows-file layout the analysis reads
 *              (c2d/rowfile.h), then the analysis in-process: the product
 *              with dstack "off", row-level access on this host.
 *   --sealed   sealed files, opened as the CVM will: each dataset key
 *              unwrapped with the KMS key (c2d/keywrap.h, the KMS's
 *              derivation), every chunk authenticated and decrypted
 *              (c2d/unseal.h) into init's sealed memfd (guest/init/analysis.h),
 *              then the analysis in-process on that memfd, or with --child
 *              through init's runner and the static child (the process
 *              boundary, the output-schema check).
 * Both give the exact aggregate; --dp adds the release mechanism's noise
 * (c2d/dp.h) with the ε and its split over the outputs that an image's
 * analysis conf, its privacy recipe (--conf, c2d/analysisconf.h), gives,
 * to show what that image would release, labelled as such. The conf is a
 * required file, not compiled in: the numbers shown are those of the image
 * the file belongs to. Nothing is printed on stdout unless the whole run succeeded.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "bigbuf.h"
#include "c2d/analysisconf.h"
#include "c2d/dp.h"
#include "c2d/keywrap.h"
#include "c2d/rowfile.h"
#include "c2d/unseal.h"
#include "cli.h"
#include "cohort_stats.h"
#include "fsutil.h"
#include "gpu.h"
#include "jsonout.h"
#include "keyfile.h"
#include "recipefile.h"
#include "riskmodel_central.h"
#include "riskmodel_dp.h"
#include "schemafile.h"
#include "sealer.h"

static const char run_help[] =
	"usage: c2d run --central --analysis NAME --schema FILE --in CSV... [--tsv]\n"
	"               [--json] [--timing [--repeat N]]\n"
	"       c2d run --sealed --analysis NAME --kms-key FILE --recipe FILE\n"
	"               --in SEALED... [--child PATH] [--dp --conf FILE] [--json] [--timing]\n"
	"   either with [--backend cpu|cuda [--compare]]\n"
	"NAME: cohort-stats or risk-model (risk-model: --dp and --child together,\n"
	"      with --sealed: the private fit, init's code driving the child)\n"
	"\n"
	"Runs a fixed analysis on the host, without a CVM, for comparison and\n"
	"benchmarks. --central reads plaintext: row-level access on this host\n"
	"(said on stderr every time). --sealed opens sealed files with the KMS\n"
	"secret key as the CVM would (unwrap, authenticated decryption, the\n"
	"analysis on init's sealed memfd); --child runs the analysis binary\n"
	"through init's runner instead of in-process. The output is the exact\n"
	"aggregate (no noise) unless --dp adds the release mechanism's noise\n"
	"with the epsilon and its split over the outputs of an image's analysis\n"
	"conf (its privacy recipe, not the sealing --recipe), --conf FILE\n"
	"(image/analyses/NAME.conf in the source tree; the image holds it as\n"
	"/etc/c2d/analysis.conf).\n"
	"--json prints every output; otherwise a table of the pooled cells\n"
	"(outcome rate and mean eGFR per CKD stage x age band x sex), or for\n"
	"risk-model the coefficients of the non-private central fit. --timing\n"
	"prints the load and analysis times on stderr; --repeat N (2 to 100,\n"
	"in-process runs) runs the analysis N times on the rows loaded once and\n"
	"adds steady_s, the median time of runs 2 to N.\n"
	"--backend cuda runs cohort-stats on the GPU (the CUDA driver API; exit\n"
	"6 when this machine has no GPU or driver, or the build had no nvcc);\n"
	"--compare also runs the CPU path and fails unless the two agree:\n"
	"cohort-stats exactly; risk-model (cuda needs --compare) compares the\n"
	"private gradient round at three weight vectors, row counts and\n"
	"confusion exactly, gradient and loss sums within one lattice unit a row.\n";

static const char central_banner[] =
	"CENTRAL MODE: row-level access on this host (no CVM, no attestation, no DP noise)\n";

#define MAX_INPUTS 256

struct run_opts {
	int central, sealed, json, timing, tsv;
	int risk;   /* --analysis risk-model rather than cohort-stats */
	int cuda, compare;
	unsigned repeat;                 /* --repeat: runs of the analysis, 0 for one */
	struct riskmodel_params rmp;     /* risk-model --dp: the conf's */
	const struct c2d_aconf *aconf;   /* --dp: the analysis conf */
	int dp;
	const char *analysis, *schema, *kms_key, *recipe, *child, *conf;
	char epsilon[C2D_ACONF_DEC_LEN];   /* --dp: the conf's, for the output */
	const char *in[MAX_INPUTS];
	size_t nin;
};

/* The exact (or, with --dp, noised) outputs in schema order. */
struct result {
	int64_t *v[CS_NOUTPUTS];
	struct riskmodel_result rm;   /* risk-model: the central fit */
	uint64_t rows;
	double load_s, compute_s, upload_s;
	double steady_s;                 /* --repeat: the median of runs 2..N */
	struct c2d_dp_accountant acct;   /* --dp: what was spent, and on what */
	struct riskmodel_release rel;    /* risk-model --dp: the private fit */
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int result_alloc(struct result *res, struct c2d_err *err)
{
	for (size_t i = 0; i < CS_NOUTPUTS; i++) {
		res->v[i] = calloc(c2d_agg_spec_cells(&cohort_stats_schema.outputs[i]), sizeof(int64_t));
		if (res->v[i] == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	return C2D_OK;
}

static void result_free(struct result *res)
{
	for (size_t i = 0; i < CS_NOUTPUTS; i++)
		free(res->v[i]);
}

/* risk-model in-process: the non-private fit (no clipping, no noise),
 * the baseline the private run inside the CVM is compared with. */
static int compute_risk(const uint8_t *p, size_t len, struct result *res, struct c2d_err *err)
{
	double t0 = now_s();
	int r = riskmodel_central_fit(p, len, &res->rm, err);
	res->compute_s = now_s() - t0;
	res->rows = res->rm.rows;
	return r;
}

/* The analysis in-process on a rows file. */
static int compute_cuda(const struct run_opts *o, const uint8_t *p, size_t len,
			struct result *res, struct c2d_err *err);

static void result_set_cohort(struct result *res, const struct cohort_stats *cs)
{
	const int64_t *v[CS_NOUTPUTS];
	cohort_stats_values(cs, v);
	for (size_t i = 0; i < CS_NOUTPUTS; i++)
		memcpy(res->v[i], v[i], c2d_agg_spec_cells(&cohort_stats_schema.outputs[i]) * sizeof(int64_t));
	res->rows = cs->rows;
}

static int compute_once(const struct run_opts *o, const uint8_t *p, size_t len, struct result *res,
			struct c2d_err *err)
{
	if (o->cuda)
		return compute_cuda(o, p, len, res, err);
	if (o->risk)
		return compute_risk(p, len, res, err);
	struct cohort_stats *cs = malloc(sizeof(*cs));
	if (cs == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	double t0 = now_s();
	int r = cohort_stats_compute(p, len, cs, err);
	res->compute_s = now_s() - t0;
	if (r == C2D_OK)
		result_set_cohort(res, cs);
	free(cs);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The first run's time is what a one-off run costs, its memory's first
 * touches included; runs 2..N reuse the process's memory: the steady
 * state (docs/performance.md, "First touches"). */
static int compute(const struct run_opts *o, const uint8_t *p, size_t len, struct result *res,
		   struct c2d_err *err)
{
	int r = compute_once(o, p, len, res, err);
	if (r < 0 || o->repeat < 2)
		return r;
	double first = res->compute_s, t[100] = { 0 };
	size_t m = 0;
	while (m + 1 < o->repeat && m < 100 && r == C2D_OK) {
		r = compute_once(o, p, len, res, err);
		t[m++] = res->compute_s;
	}
	qsort(t, m, sizeof(t[0]), cmp_double);
	res->steady_s = m % 2 ? t[m / 2] : (t[m / 2 - 1] + t[m / 2]) / 2;
	res->compute_s = first;
	return r;
}

/* ---- the CUDA backend ----------------------------------------------------- */

/* cohort-stats: the CPU's cells, compared one by one. */
static int compare_cohort(const uint8_t *p, size_t len, const struct cohort_stats *gpu,
			  struct c2d_err *err)
{
	struct cohort_stats *cpu = malloc(sizeof(*cpu));
	if (cpu == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	double t0 = now_s();
	int r = cohort_stats_compute(p, len, cpu, err);
	double t = now_s() - t0;
	const int64_t *a[CS_NOUTPUTS], *b[CS_NOUTPUTS];
	cohort_stats_values(gpu, a);
	cohort_stats_values(cpu, b);
	for (size_t i = 0; i < CS_NOUTPUTS && r == C2D_OK; i++) {
		const struct c2d_outspec *os = &cohort_stats_schema.outputs[i];
		for (size_t c = 0; c < c2d_agg_spec_cells(os) && r == C2D_OK; c++)
			if (a[i][c] != b[i][c])
				r = c2d_fail(err, C2D_E_INTERNAL, "gpu check: %s[%zu]: GPU %lld, CPU %lld",
					     os->name, c, (long long)a[i][c], (long long)b[i][c]);
	}
	if (r == C2D_OK && gpu->rows != cpu->rows)
		r = c2d_fail(err, C2D_E_INTERNAL, "gpu check: rows: GPU %llu, CPU %llu",
			     (unsigned long long)gpu->rows, (unsigned long long)cpu->rows);
	if (r == C2D_OK)
		fprintf(stderr, "gpu check: cohort-stats: every cell equal on GPU and CPU "
			"(%llu rows; CPU %.6f s)\n", (unsigned long long)cpu->rows, t);
	free(cpu);
	return r;
}

/* risk-model: the gradient round on both at weights w. */
static int compare_round(struct gpu_rows *g, const uint8_t *p, size_t len, const int64_t w[RM_DIM],
			 const char *at, struct c2d_err *err)
{
	struct riskmodel_round a, b;
	int r = gpu_riskmodel_pass(g, w, &a, err);
	if (r == C2D_OK)
		r = riskmodel_pass(p, len, w, &b, err);
	if (r < 0)
		return r;
	if (a.rows != b.rows || memcmp(a.confusion, b.confusion, sizeof(a.confusion)) != 0)
		return c2d_fail(err, C2D_E_INTERNAL, "gpu check: risk-model at %s: rows or confusion "
				"differ (GPU %lld rows, CPU %lld)", at, (long long)a.rows, (long long)b.rows);
	/* rowmath.h: at most one lattice unit a row, from exp() and log1p(). */
	int64_t worst = 0, bound = b.rows;
	for (int j = 0; j <= RM_DIM; j++) {
		int64_t d = j < RM_DIM ? a.grad[j] - b.grad[j] : a.loss - b.loss;
		d = d < 0 ? -d : d;
		worst = d > worst ? d : worst;
	}
	if (worst > bound)
		return c2d_fail(err, C2D_E_INTERNAL, "gpu check: risk-model at %s: a sum differs by %lld "
				"lattice units, more than the %lld rows allow", at, (long long)worst,
				(long long)bound);
	fprintf(stderr, "gpu check: risk-model at %s: rows and confusion equal; gradient and loss "
		"sums within %lld lattice units (bound %lld)\n", at, (long long)worst, (long long)bound);
	return C2D_OK;
}

/* The three weight vectors: zero, the central fit, and its opposite (a
 * poor model: large margins of both signs). */
static int compare_risk(struct gpu_rows *g, const uint8_t *p, size_t len, const double coef[RM_DIM],
			struct c2d_err *err)
{
	int64_t w[RM_DIM] = { 0 }, fit[RM_DIM], neg[RM_DIM];
	for (int j = 0; j < RM_DIM; j++) {
		double v = coef[j] * (double)(INT64_C(1) << RM_W_SCALE);
		v = v > (double)RM_W_MAX ? (double)RM_W_MAX : v < -(double)RM_W_MAX ? -(double)RM_W_MAX : v;
		fit[j] = (int64_t)v;
		neg[j] = -fit[j];
	}
	int r = compare_round(g, p, len, w, "w = 0", err);
	if (r == C2D_OK)
		r = compare_round(g, p, len, fit, "the central fit", err);
	if (r == C2D_OK)
		r = compare_round(g, p, len, neg, "minus the central fit", err);
	return r;
}

static int compute_cuda(const struct run_opts *o, const uint8_t *p, size_t len,
			struct result *res, struct c2d_err *err)
{
	struct cudadrv *d = NULL;
	struct gpu_rows *g = NULL;
	struct cohort_stats *cs = NULL;
	int r = o->risk ? compute_risk(p, len, res, err) : C2D_OK;
	if (r == C2D_OK)
		r = cudadrv_open(&d, err);
	if (r == C2D_OK && o->timing) {
		struct cudadrv_info info;
		cudadrv_info(d, &info);
		fprintf(stderr, "gpu: %s, compute %d.%d, %d SMs, %.1f GiB, %.0f GB/s peak, driver %d\n",
			info.name, info.cc_major, info.cc_minor, info.sms,
			(double)info.mem_bytes / (double)(1ull << 30), info.peak_bytes_per_s / 1e9,
			info.driver_version);
	}
	double t0 = now_s();
	if (r == C2D_OK)
		r = gpu_rows_open(d, o->risk ? GPU_RISK_MODEL : GPU_COHORT_STATS, p, len, &g, err);
	double t1 = now_s();
	if (r == C2D_OK && o->risk) {
		r = compare_risk(g, p, len, res->rm.coef, err);
	} else if (r == C2D_OK) {
		if ((cs = malloc(sizeof(*cs))) == NULL)
			r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		if (r == C2D_OK)
			r = gpu_cohort_stats(g, cs, err);
		/* The check and the copy to the device count as the upload. */
		res->upload_s = t1 - t0;
		res->compute_s = now_s() - t1;
		if (r == C2D_OK)
			result_set_cohort(res, cs);
		if (r == C2D_OK && o->compare)
			r = compare_cohort(p, len, cs, err);
	}
	free(cs);
	gpu_rows_close(g);
	cudadrv_close(d);
	return r;
}

/* ---- central: CSV to a rows file in memory ------------------------------ */

/* The rows grow in one reservation and are faulted in ahead, so that the
 * analysis reads pages already mapped (host/util/bigbuf.h). */
static int rowbuf_add(void *arg, const uint8_t *data, size_t len, struct c2d_err *err)
{
	struct c2d_bigbuf *b = arg;
	if (c2d_bigbuf_room(b, len, err) < 0)
		return c2d_fail(err, C2D_E_NOMEM, "rows: out of memory");
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return C2D_OK;
}

/* Address space for the rows of these CSVs: a field of at least one byte
 * (its separator) becomes at most 8 bytes and a validity bit, so 9 times
 * the text is enough; a pipe, or more, costs one copy. */
static size_t rows_hint(const struct run_opts *o)
{
	size_t text = 0;
	struct stat st;
	for (size_t i = 0; i < o->nin; i++)
		if (stat(o->in[i], &st) == 0 && S_ISREG(st.st_mode))
			text += (size_t)st.st_size;
	return text < SIZE_MAX / 16 ? 9 * text + ((size_t)64 << 20) : SIZE_MAX / 16;
}

static int run_central(const struct run_opts *o, struct result *res, struct c2d_err *err)
{
	struct c2d_schema s;
	int r = c2d_schemafile_load(o->schema, &s, err);
	if (r < 0)
		return r;
	struct c2d_bigbuf b;
	uint64_t total = 0;
	double t0 = now_s();
	if ((r = c2d_bigbuf_reserve(&b, rows_hint(o), err)) < 0) {
		c2d_schema_free(&s);
		return r;
	}
	size_t hl = c2d_rowfile_header_len(&s);
	uint8_t *h = malloc(hl);
	if (h == NULL) {
		c2d_bigbuf_free(&b);
		c2d_schema_free(&s);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	c2d_rowfile_header(&s, h);
	r = rowbuf_add(&b, h, hl, err);
	free(h);
	for (size_t i = 0; i < o->nin && r == C2D_OK; i++) {
		uint64_t rows = 0;
		r = c2d_sealer_pack_table(o->in[i], o->tsv, &s, rowbuf_add, &b, &rows, err);
		total += rows;
	}
	if (r == C2D_OK) {
		uint8_t end[C2D_RG_END_LEN];
		c2d_rg_end_record(total, end);
		r = rowbuf_add(&b, end, sizeof(end), err);
	}
	res->load_s = now_s() - t0;
	if (r == C2D_OK)
		r = compute(o, b.p, b.len, res, err);
	if (b.p != NULL)
		explicit_bzero(b.p, b.len);
	c2d_bigbuf_free(&b);
	c2d_schema_free(&s);
	return r;
}

/* ---- sealed: unwrap, authenticate, decrypt into init's memfd ------------- */

static int open_sealed(const secp256k1_context *ctx, const char *path, const struct c2d_recipe *rc,
		       const uint8_t kms_sk[32], struct analysis_input *in, struct c2d_err *err)
{
	struct stat st;
	int fd, r = c2d_fs_open_input(path, 0, &fd, &st, err);
	if (r < 0)
		return r;
	struct c2d_seal_header h;
	uint8_t *raw = NULL;
	r = c2d_unseal_header(fd, path, &h, &raw, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	uint8_t wrap[C2D_KEY_LEN], key[C2D_KEY_LEN];
	struct c2d_wrap_binding bind = { &h.recipe, h.owner, h.dataset_id };
	/* The KMS releases a key only to the recipe it was sealed to. */
	if (memcmp(&h.recipe, rc, sizeof(*rc)) != 0)
		r = c2d_fail(err, C2D_E_REFUSED, "%s: sealed to another recipe than --recipe", path);
	else if (in->fd < 0 && (r = analysis_input_open(in, &h.schema, err)) < 0)
		;
	else if ((r = c2d_kw_derive_kms(ctx, &bind, kms_sk, h.ephemeral_pubkey, wrap, err)) < 0)
		c2d_err_prefix(err, "%s", path);
	else if (c2d_kw_unwrap(wrap, h.wrapped_key, key, NULL) < 0)
		r = c2d_fail(err, C2D_E_REFUSED,
			     "%s: the KMS key does not open its dataset key (another KMS key?)", path);
	else
		r = c2d_unseal_body(fd, path, &h, raw, key, C2D_GCM_AUTO, 1, analysis_input_rows, in, err);
	explicit_bzero(wrap, sizeof(wrap));
	explicit_bzero(key, sizeof(key));
	free(raw);
	c2d_sealhdr_free(&h);
	close(fd);
	return r;
}

/* The analysis through init's runner: the static child, its deadline, the
 * output-schema check. */
static int run_child(const char *path, const struct analysis_input *in, struct result *res,
		     struct c2d_err *err)
{
	struct analysis_spec spec = { .path = path, .schema = &cohort_stats_schema,
				      .deadline_ms = 600000 };
	struct c2d_agg agg = { 0 };
	double t0 = now_s();
	int r = analysis_run(&spec, in, &agg, err);
	res->compute_s = now_s() - t0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < CS_NOUTPUTS; i++)
		memcpy(res->v[i], agg.outputs[i].values, agg.outputs[i].ncells * sizeof(int64_t));
	res->rows = in->rows;
	c2d_agg_free(&agg);
	return C2D_OK;
}

/* risk-model's private fit as init will run it (guest/init/riskmodel_dp.h):
 * init's own code drives the child, the gradient oracle, round by round
 * and adds the noise, with the conf's parameters and a budget of exactly
 * the conf's ε and ρ. */
static int run_private_risk(const struct run_opts *o, const struct analysis_input *in,
			    struct result *res, struct c2d_err *err)
{
	const struct analysis_spec spec = { .path = o->child, .deadline_ms = 600000 };
	struct c2d_rng rng;
	double t0 = now_s();
	c2d_dp_rng_system(&rng);
	c2d_dp_accountant_init_zcdp(&res->acct, o->aconf->eps_ueps, o->aconf->rho_urho);
	int r = riskmodel_dp_run(&spec, in, &o->rmp, &rng, &res->acct, &res->rel, err);
	res->compute_s = now_s() - t0;
	res->rows = in->rows;
	return r;
}

static int run_sealed(const struct run_opts *o, struct result *res, struct c2d_err *err)
{
	struct c2d_recipe rc;
	int r = c2d_recipe_load(o->recipe, &rc, err);
	if (r < 0)
		return r;
	secp256k1_context *ctx;
	if ((r = c2d_key_secp_context(&ctx, err)) < 0)
		return r;
	uint8_t sk[32];
	struct analysis_input in = { .fd = -1 };
	double t0 = now_s();
	r = c2d_key_read(ctx, o->kms_key, sk, err);
	for (size_t i = 0; i < o->nin && r == C2D_OK; i++)
		r = open_sealed(ctx, o->in[i], &rc, sk, &in, err);
	explicit_bzero(sk, sizeof(sk));
	secp256k1_context_destroy(ctx);
	if (r == C2D_OK)
		r = analysis_input_seal(&in, err);
	res->load_s = now_s() - t0;
	if (r == C2D_OK && o->risk && o->dp) {
		r = run_private_risk(o, &in, res, err);
	} else if (r == C2D_OK && o->child != NULL) {
		r = run_child(o->child, &in, res, err);
	} else if (r == C2D_OK) {
		struct stat st;
		void *p = MAP_FAILED;
		/* Mapped in one call rather than a fault a page as the analysis
		 * first reads it (docs/performance.md, "First touches"). */
		if (fstat(in.fd, &st) < 0 ||
		    (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, in.fd, 0)) ==
			    MAP_FAILED)
			r = c2d_fail_errno(err, C2D_E_IO, "analysis input: cannot map");
		else
			r = compute(o, p, (size_t)st.st_size, res, err);
		if (p != MAP_FAILED)
			munmap(p, (size_t)st.st_size);
	}
	analysis_input_close(&in);
	return r;
}

/* ---- noise (--dp) -------------------------------------------------------- */

/* Each output gets its share of the conf's ε, through the accountant, as
 * init will add it: the accountant ends with exactly the conf's total
 * spent (the parser checked that the shares sum to it). */
static int add_noise(const struct c2d_aconf *conf, const uint64_t *eps_ueps, struct result *res,
		     struct c2d_err *err)
{
	const struct c2d_outschema *s = &cohort_stats_schema;
	struct c2d_rng rng;
	struct c2d_dp_accountant *acct = &res->acct;
	int r = C2D_OK;
	c2d_dp_rng_system(&rng);
	c2d_dp_accountant_init(acct, conf->eps_ueps);
	for (size_t i = 0; i < s->noutputs && r == C2D_OK; i++) {
		r = c2d_dp_laplace_vector(&rng, acct, s->outputs[i].name, s->outputs[i].l1_bound, eps_ueps[i], res->v[i],
					  c2d_agg_spec_cells(&s->outputs[i]), err);
		if (r < 0)
			c2d_err_prefix(err, "--dp: output '%s'", s->outputs[i].name);
	}
	if (r == C2D_OK && acct->spent_ueps != conf->eps_ueps)
		r = c2d_fail(err, C2D_E_INTERNAL, "--dp: spent %llu micro-epsilon, the conf says %llu",
			     (unsigned long long)acct->spent_ueps, (unsigned long long)conf->eps_ueps);
	return r;
}

/* ---- output -------------------------------------------------------------- */

static const char *const stage_names[CS_STAGES] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };
static const char *const band_names[CS_BANDS] = { "18-39", "40-59", "60-74", "75+" };
static const char *const sex_names[CS_SEXES] = { "F", "M" };

/* Post-processing of (possibly noised) values: rate and mean, NAN when
 * the denominator is not positive (noised values may be anything). */
static void cell_stats(const struct result *res, size_t k, double *rate, double *mean)
{
	int64_t rows = res->v[CS_POOLED_ROWS][k];
	int64_t with = rows - res->v[CS_POOLED_EGFR_NULL][k];
	*rate = rows > 0 ? (double)res->v[CS_POOLED_OUTCOME][k] / (double)rows : NAN;
	*mean = with > 0 ? (double)res->v[CS_POOLED_EGFR_SUM][k] / (1 << CS_EGFR_SCALE) / (double)with
			 : NAN;
}

/* The accountant's ledger (c2d/dp.h), as the receipt will carry it:
 * amounts as exact decimals, sensitivities in lattice units. */
static json_t *ledger_json(const struct c2d_dp_accountant *a)
{
	json_t *l = json_array();
	for (size_t i = 0; i < a->nreleases; i++) {
		const struct c2d_dp_release *e = &a->releases[i];
		char amount[C2D_ACONF_DEC_LEN];
		c2d_aconf_fmt_micro(e->amount, amount);
		int lap = e->mechanism == C2D_DP_LAPLACE;
		json_array_append_new(l, json_pack("{s:s, s:s, s:I, s:s, s:I, s:I}", "output", e->label,
						   "mechanism", lap ? "discrete Laplace" : "discrete Gaussian",
						   lap ? "l1_sensitivity" : "l2_sensitivity",
						   (json_int_t)e->sensitivity, lap ? "epsilon" : "rho",
						   amount, "values", (json_int_t)e->values, "times",
						   (json_int_t)e->times));
	}
	return l;
}

static int print_json(const struct run_opts *o, const struct result *res, struct c2d_err *err)
{
	json_t *outs = json_object(), *pooled = json_array();
	for (size_t i = 0; i < CS_NOUTPUTS; i++) {
		const struct c2d_outspec *sp = &cohort_stats_schema.outputs[i];
		json_t *a = json_array();
		for (size_t k = 0; k < c2d_agg_spec_cells(sp); k++)
			json_array_append_new(a, json_integer(res->v[i][k]));
		json_object_set_new(outs, sp->name, a);
	}
	for (unsigned st = 0; st < CS_STAGES; st++)
		for (unsigned b = 0; b < CS_BANDS; b++)
			for (unsigned x = 0; x < CS_SEXES; x++) {
				size_t k = cohort_stats_cell(0, st, b, x);
				double rate, mean;
				cell_stats(res, k, &rate, &mean);
				json_array_append_new(pooled, json_pack(
					"{s:s, s:s, s:s, s:I, s:o, s:o}", "ckd_stage", stage_names[st],
					"age_band", band_names[b], "sex", sex_names[x],
					"rows", (json_int_t)res->v[CS_POOLED_ROWS][k],
					"outcome_rate", isnan(rate) ? json_null() : json_real(rate),
					"mean_egfr", isnan(mean) ? json_null() : json_real(mean)));
			}
	json_t *noise = !o->dp ? json_string("none (exact aggregate, not for release)")
		: json_pack("{s:s, s:s, s:s, s:o, s:s}", "mechanism",
			    "discrete Laplace, epsilon split over the outputs by the analysis conf",
			    "epsilon", o->epsilon, "conf", o->conf, "ledger", ledger_json(&res->acct),
			    "note", "demonstration of released values; not a release");
	json_t *root = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "analysis", "cohort-stats",
				 "mode", o->central ? "central" : "sealed", "rows", (json_int_t)res->rows,
				 "noise", noise, "outputs", outs, "pooled", pooled);
	return c2d_json_print(root, err);
}

static void print_table(const struct run_opts *o, const struct result *res)
{
	printf("cohort-stats, %s mode, %llu rows, pooled over sites: %s\n",
	       o->central ? "central" : "sealed", (unsigned long long)res->rows,
	       !o->dp ? "exact aggregate (no noise; not for release)"
			     : "DP DEMONSTRATION (discrete Laplace noise added; rates and means after noise)");
	if (o->dp)
		printf("epsilon %s in all, split over the outputs as %s says\n", o->epsilon, o->conf);
	printf("%-5s %-6s %-3s %10s %13s %10s\n", "stage", "age", "sex", "rows", "outcome_rate",
	       "mean_egfr");
	for (unsigned st = 0; st < CS_STAGES; st++)
		for (unsigned b = 0; b < CS_BANDS; b++)
			for (unsigned x = 0; x < CS_SEXES; x++) {
				size_t k = cohort_stats_cell(0, st, b, x);
				double rate, mean;
				char rs[32] = "-", ms[32] = "-";
				cell_stats(res, k, &rate, &mean);
				if (!isnan(rate))
					snprintf(rs, sizeof(rs), "%.4f", rate);
				if (!isnan(mean))
					snprintf(ms, sizeof(ms), "%.2f", mean);
				printf("%-5s %-6s %-3s %10lld %13s %10s\n", stage_names[st], band_names[b],
				       sex_names[x], (long long)res->v[CS_POOLED_ROWS][k], rs, ms);
			}
}

/* risk-model's coefficients, in the order of guest/analysis/riskmodel.h. */
static const char *const rm_names[RM_DIM] = {
	"intercept", "age", "egfr", "creatinine", "systolic_bp", "egfr_missing", "sex_M",
	"diabetes", "ckd_G1", "ckd_G2", "ckd_G3a", "ckd_G3b", "ckd_G4", "ckd_G5",
};

static int print_risk_json(const struct run_opts *o, const struct result *res, struct c2d_err *err)
{
	json_t *coef = json_object();
	for (size_t j = 0; j < RM_DIM; j++)
		json_object_set_new(coef, rm_names[j], json_real(res->rm.coef[j]));
	json_t *root = json_pack("{s:s, s:s, s:I, s:s, s:f, s:o, s:I, s:f}", "analysis", "risk-model",
				 "mode", o->central ? "central" : "sealed", "rows", (json_int_t)res->rows,
				 "noise", "none (non-private central fit, not for release)",
				 "lambda", (double)RM_LAMBDA_NUM / RM_LAMBDA_DEN, "coefficients", coef,
				 "iterations", (json_int_t)res->rm.iterations,
				 "gradient_norm", res->rm.grad_norm);
	return c2d_json_print(root, err);
}

static void print_risk_table(const struct run_opts *o, const struct result *res)
{
	printf("risk-model, %s mode, %llu rows: non-private fit (no clipping, no noise; not for "
	       "release)\n", o->central ? "central" : "sealed", (unsigned long long)res->rows);
	printf("lambda %g, %u Newton iterations, gradient norm %.3g\n",
	       (double)RM_LAMBDA_NUM / RM_LAMBDA_DEN, res->rm.iterations, res->rm.grad_norm);
	printf("%-13s %14s\n", "feature", "coefficient");
	for (size_t j = 0; j < RM_DIM; j++)
		printf("%-13s %14.8f\n", rm_names[j], res->rm.coef[j]);
}

/* ---- the command --------------------------------------------------------- */

/* The private fit's released numbers, all computed from noised values:
 * w_T, the loss curve L̂_t / ñ and the noised confusion counts. */
static double private_loss(const struct result *res, unsigned t)
{
	return (double)res->rel.loss[t] / (double)(1 << RM_LOSS_SCALE) / (double)res->rel.rows;
}

static int print_private_json(const struct run_opts *o, const struct result *res,
			      struct c2d_err *err)
{
	json_t *coef = json_object(), *curve = json_array();
	for (size_t j = 0; j < RM_DIM; j++)
		json_object_set_new(coef, rm_names[j],
				    json_real((double)res->rel.coef[j] / (double)(INT64_C(1) << RM_W_SCALE)));
	for (unsigned t = 0; t < res->rel.epochs; t++)
		json_array_append_new(curve, json_real(private_loss(res, t)));
	char rho[C2D_ACONF_DEC_LEN];
	c2d_aconf_fmt_micro(o->aconf->rho_urho, rho);
	const int64_t *cm = res->rel.confusion;
	json_t *noise = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "mechanism",
				  "noisy full-batch gradient descent: discrete Gaussian on the clipped "
				  "gradient sums (zCDP), discrete Laplace on the count, losses and confusion",
				  "epsilon", o->epsilon, "rho", rho, "conf", o->conf,
				  "ledger", ledger_json(&res->acct),
				  "note", "demonstration of released values; not a release");
	json_t *root = json_pack("{s:s, s:s, s:I, s:o, s:I, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I}}",
				 "analysis", "risk-model", "mode", "sealed", "rows", (json_int_t)res->rows,
				 "noise", noise, "rows_noised", (json_int_t)res->rel.rows,
				 "epochs", (json_int_t)res->rel.epochs, "coefficients", coef,
				 "loss_curve", curve, "confusion", "tn", (json_int_t)cm[0],
				 "fp", (json_int_t)cm[1], "fn", (json_int_t)cm[2], "tp", (json_int_t)cm[3]);
	return c2d_json_print(root, err);
}

static void print_private_table(const struct run_opts *o, const struct result *res)
{
	char rho[C2D_ACONF_DEC_LEN];
	c2d_aconf_fmt_micro(o->aconf->rho_urho, rho);
	printf("risk-model, sealed mode, %llu rows: DP DEMONSTRATION (noisy gradient descent, "
	       "%u epochs; every number below computed from noised values)\n",
	       (unsigned long long)res->rows, res->rel.epochs);
	printf("epsilon %s and rho %s in all, split as %s says\n", o->epsilon, rho, o->conf);
	printf("%-13s %14s\n", "feature", "coefficient");
	for (size_t j = 0; j < RM_DIM; j++)
		printf("%-13s %14.8f\n", rm_names[j],
		       (double)res->rel.coef[j] / (double)(INT64_C(1) << RM_W_SCALE));
	printf("loss per epoch:");
	for (unsigned t = 0; t < res->rel.epochs; t++)
		printf(" %.4f", private_loss(res, t));
	const int64_t *cm = res->rel.confusion;
	printf("\nconfusion at 0.5 (noised): tn %lld fp %lld fn %lld tp %lld\n", (long long)cm[0],
	       (long long)cm[1], (long long)cm[2], (long long)cm[3]);
}

static int parse(int argc, char **argv, struct run_opts *o, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "central", no_argument, 0, 'C' }, { "sealed", no_argument, 0, 'S' },
		{ "analysis", required_argument, 0, 'a' }, { "schema", required_argument, 0, 's' },
		{ "in", required_argument, 0, 'i' }, { "kms-key", required_argument, 0, 'k' },
		{ "recipe", required_argument, 0, 'r' }, { "child", required_argument, 0, 'c' },
		{ "dp", no_argument, 0, 'd' }, { "conf", required_argument, 0, 'f' },
		{ "json", no_argument, 0, 'j' },
		{ "timing", no_argument, 0, 't' }, { "tsv", no_argument, 0, 'T' },
		{ "backend", required_argument, 0, 'b' }, { "compare", no_argument, 0, 'm' },
		{ "repeat", required_argument, 0, 'n' },
		{ 0, 0, 0, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'C': o->central = 1; break;
		case 'S': o->sealed = 1; break;
		case 'a': o->analysis = optarg; break;
		case 's': o->schema = optarg; break;
		case 'k': o->kms_key = optarg; break;
		case 'r': o->recipe = optarg; break;
		case 'c': o->child = optarg; break;
		case 'd': o->dp = 1; break;
		case 'f': o->conf = optarg; break;
		case 'j': o->json = 1; break;
		case 't': o->timing = 1; break;
		case 'T': o->tsv = 1; break;
		case 'm': o->compare = 1; break;
		case 'n': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || n < 2 || n > 100)
				return c2d_fail(err, C2D_E_USAGE, "--repeat: '%s' is not a count from 2 to 100",
						optarg);
			o->repeat = (unsigned)n;
			break;
		}
		case 'b':
			if (strcmp(optarg, "cuda") == 0)
				o->cuda = 1;
			else if (strcmp(optarg, "cpu") != 0)
				return c2d_fail(err, C2D_E_USAGE, "--backend: '%s' is not cpu or cuda", optarg);
			break;
		case 'i':
			if (o->nin == MAX_INPUTS)
				return c2d_fail(err, C2D_E_USAGE, "at most %d inputs", MAX_INPUTS);
			o->in[o->nin++] = optarg;
			break;
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d run --help'");
		}
	}
	/* --in A B C: the files after the first are operands. */
	for (; optind < argc; optind++) {
		if (o->nin == 0 || o->nin == MAX_INPUTS)
			return c2d_fail(err, C2D_E_USAGE, "unexpected '%s'; see 'c2d run --help'", argv[optind]);
		o->in[o->nin++] = argv[optind];
	}
	if (o->central + o->sealed != 1)
		return c2d_fail(err, C2D_E_USAGE, "one of --central or --sealed is required");
	if (o->analysis == NULL)
		return c2d_fail(err, C2D_E_USAGE,
				"--analysis NAME is required (cohort-stats or risk-model)");
	o->risk = strcmp(o->analysis, "risk-model") == 0;
	if (!o->risk && strcmp(o->analysis, "cohort-stats") != 0)
		return c2d_fail(err, C2D_E_USAGE,
				"--analysis: unknown analysis '%s' (known: cohort-stats, risk-model)",
				o->analysis);
	/* The private fit is driven by init round by round (init/riskmodel.h),
	 * with the KMS's key and the image's recipe: nothing a host run has. */
	if (o->risk && o->dp && !(o->sealed && o->child != NULL))
		return c2d_fail(err, C2D_E_USAGE, "--dp with risk-model: the private fit runs as in the "
				"CVM, init's code driving the gradient-oracle child: give --sealed and --child PATH");
	if (o->risk && o->child != NULL && !o->dp)
		return c2d_fail(err, C2D_E_USAGE, "--child with risk-model runs the private fit: give "
				"--dp --conf FILE (the non-private fit runs in-process)");
	if (o->compare && !o->cuda)
		return c2d_fail(err, C2D_E_USAGE, "--compare compares the cuda backend with the CPU: "
				"give --backend cuda");
	if (o->cuda && o->risk && !o->compare)
		return c2d_fail(err, C2D_E_USAGE, "--backend cuda: risk-model's GPU path is the private "
				"gradient round; c2d run checks it with --compare (the fit runs on the CPU)");
	if (o->cuda && o->child != NULL)
		return c2d_fail(err, C2D_E_USAGE, "--backend cuda runs in-process: no --child");
	if (o->dp != (o->conf != NULL))
		return c2d_fail(err, C2D_E_USAGE, "--dp and --conf FILE go together: the noise is the "
				"analysis conf's (image/analyses/%s.conf)", o->analysis);
	if (o->repeat && (!o->timing || o->cuda || o->child || o->dp))
		return c2d_fail(err, C2D_E_USAGE, "--repeat times the in-process analysis: give --timing, "
				"and no --backend cuda, --child or --dp");
	if (o->nin == 0)
		return c2d_fail(err, C2D_E_USAGE, "--in FILE... is required");
	if (o->central && (o->schema == NULL || o->kms_key || o->recipe || o->child || o->dp))
		return c2d_fail(err, C2D_E_USAGE,
				"--central takes --schema, and no --kms-key, --recipe, --child or --dp");
	if (o->sealed && (o->kms_key == NULL || o->recipe == NULL || o->schema || o->tsv))
		return c2d_fail(err, C2D_E_USAGE,
				"--sealed takes --kms-key and --recipe (the schema is the files')");
	return C2D_OK;
}

c2d_status c2d_cmd_run(int argc, char **argv, struct c2d_err *err)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(run_help, stdout);
			return C2D_OK;
		}
		/* Said before anything else, whatever happens next. */
		if (strcmp(argv[i], "--central") == 0)
			fputs(central_banner, stderr);
	}
	struct run_opts o = { 0 };
	struct c2d_aconf conf;
	uint64_t eps_ueps[C2D_ACONF_MAX_OUTPUTS];
	int r = parse(argc, argv, &o, err);
	if (r < 0)
		return r;
	/* The recipe first: a wrong one must not cost a whole run. */
	if (o.dp) {
		uint8_t *text;
		size_t len;
		/* One byte over the limit, so that the parser names a file that
		 * is too long; read as an input file, not by init's loader. */
		if ((r = c2d_fs_read_file(o.conf, C2D_ACONF_MAX_LEN + 1, &text, &len, err)) < 0)
			return r;
		r = c2d_aconf_parse(o.conf, text, len, &conf, err);
		free(text);
		if (r < 0)
			return r;
		if (strcmp(conf.analysis, o.analysis) != 0)
			return c2d_fail(err, C2D_E_INPUT, "%s: the analysis conf of %s, not of %s", o.conf,
					conf.analysis, o.analysis);
		if (o.risk)
			r = riskmodel_dp_params_from_conf(&conf, &o.rmp, err);
		else
			r = c2d_aconf_output_eps(&conf, &cohort_stats_schema, eps_ueps, err);
		if (r < 0) {
			c2d_err_prefix(err, "%s", o.conf);
			return r;
		}
		o.aconf = &conf;
		c2d_aconf_fmt_micro(conf.eps_ueps, o.epsilon);
	}
	struct result res = { 0 };
	if ((r = result_alloc(&res, err)) == C2D_OK)
		r = o.central ? run_central(&o, &res, err) : run_sealed(&o, &res, err);
	if (r == C2D_OK && o.dp && !o.risk)
		r = add_noise(&conf, eps_ueps, &res, err);
	if (r == C2D_OK) {
		if (o.timing && o.cuda)
			fprintf(stderr, "timing: rows %llu load_s %.6f gpu_upload_s %.6f analysis_s %.6f\n",
				(unsigned long long)res.rows, res.load_s, res.upload_s, res.compute_s);
		else if (o.timing && o.repeat)
			fprintf(stderr, "timing: rows %llu load_s %.6f analysis_s %.6f steady_s %.6f\n",
				(unsigned long long)res.rows, res.load_s, res.compute_s, res.steady_s);
		else if (o.timing)
			fprintf(stderr, "timing: rows %llu load_s %.6f analysis_s %.6f\n",
				(unsigned long long)res.rows, res.load_s, res.compute_s);
		if (o.json && o.risk && o.dp)
			r = print_private_json(&o, &res, err);
		else if (o.json)
			r = o.risk ? print_risk_json(&o, &res, err) : print_json(&o, &res, err);
		else if (o.risk && o.dp)
			print_private_table(&o, &res);
		else if (o.risk)
			print_risk_table(&o, &res);
		else
			print_table(&o, &res);
	}
	result_free(&res);
	return r;
}
