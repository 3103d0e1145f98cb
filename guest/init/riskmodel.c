/* risk-model, init's side: see riskmodel_dp.h. */
#include "riskmodel_dp.h"

#include <limits.h>
#include <string.h>

#include "c2d/failure.h"

c2d_status riskmodel_dp_params_from_conf(const struct c2d_aconf *c, struct riskmodel_params *p,
				      struct c2d_err *err)
{
	memset(p, 0, sizeof(*p));
	if (c->kind != C2D_ACONF_RISK_MODEL)
		return c2d_fail(err, C2D_E_INPUT, "risk-model: the conf is for %s",
				c->analysis ? c->analysis : "no analysis");
	/* The mechanisms' own checks, their refusal reported as the conf's. */
	struct c2d_err e = { 0 };
	if (c2d_dp_gaussian_check((uint64_t)RM_CLIP_LAT, c->rm.rho_epoch_urho, &e) < 0 ||
	    c2d_dp_laplace_check(RM_LOSS_BOUND, c->rm.eps_loss_ueps, &e) < 0 ||
	    c2d_dp_laplace_check(1, c->rm.eps_rows_ueps, &e) < 0 ||
	    c2d_dp_laplace_check(1, c->rm.eps_confusion_ueps, &e) < 0)
		return c2d_fail(err, C2D_E_INPUT, "risk-model: %s", e.msg);
	*p = (struct riskmodel_params){
		.epochs = c->rm.epochs,
		.rho_epoch_urho = c->rm.rho_epoch_urho,
		.eps_loss_ueps = c->rm.eps_loss_ueps,
		.eps_rows_ueps = c->rm.eps_rows_ueps,
		.eps_conf_ueps = c->rm.eps_confusion_ueps,
		.eta_num = 1,
		.eta_den = 1,
		.lambda_num = RM_LAMBDA_NUM,
		.lambda_den = RM_LAMBDA_DEN,
	};
	return C2D_OK;
}

struct drive {
	const struct riskmodel_params *p;
	const struct c2d_rng *rng;
	struct c2d_dp_accountant *acct;
	struct riskmodel_release *out;
	uint64_t n;         /* exact rows: for checks only, never released */
	int64_t w[RM_DIM];
};

static const struct c2d_outschema *round_schema(void *ctx, unsigned round)
{
	const struct drive *d = ctx;
	return round < d->p->epochs ? &riskmodel_schema_grad : &riskmodel_schema_confusion;
}

static int64_t clamp_w(__int128 v)
{
	return v > RM_W_MAX ? RM_W_MAX : v < -RM_W_MAX ? -RM_W_MAX : (int64_t)v;
}

/* ||G||_2 <= n·C: every row's clipped gradient has L2 norm <= C, so their
 * sum has at most n·C (c2d_agg_check only bounds the L1 norm). */
static int check_l2(const int64_t *g, uint64_t n, struct c2d_err *err)
{
	/* n <= 2^37 keeps every square below 2^122 and the sum below 2^126. */
	if (n > (UINT64_C(1) << 37))
		return c2d_failure_set(err, C2D_FAILURE_INPUT);
	unsigned __int128 lim = (unsigned __int128)n * (uint64_t)RM_CLIP_LAT, s = 0;
	for (int j = 0; j < RM_DIM; j++) {
		unsigned __int128 a = g[j] < 0 ? (unsigned __int128)(-(__int128)g[j]) : (unsigned __int128)g[j];
		if (a > lim)
			return c2d_failure_set(err, C2D_FAILURE_AGG_BOUND);
		s += a * a;
	}
	return s > lim * lim ? c2d_failure_set(err, C2D_FAILURE_AGG_BOUND) : C2D_OK;
}

static void request(const struct drive *d, int last, uint8_t *req, size_t *len)
{
	const int64_t *v[1] = { d->w };
	const struct c2d_outschema *s = last ? &riskmodel_schema_final : &riskmodel_schema_weights;
	*len = c2d_agg_encode(s, v, req);
}

static int epoch(struct drive *d, unsigned t, const struct c2d_agg *a, struct c2d_err *err)
{
	const struct riskmodel_params *p = d->p;
	int64_t g[RM_DIM], loss = a->outputs[RM_OUT_LOSS].values[0];
	int64_t rows = a->outputs[RM_OUT_ROWS].values[0];
	int r;
	memcpy(g, a->outputs[RM_OUT_GRAD].values, sizeof(g));
	if ((uint64_t)rows != d->n)
		return c2d_failure_set(err, C2D_FAILURE_AGG_BOUND);
	if ((r = check_l2(g, d->n, err)) < 0)
		return r;
	/* The samplers' messages name the mechanism's parameters; a failure
	 * past the point says only that the noise failed (c2d/failure.h). */
	if (t == 0) {
		if (c2d_dp_laplace_vector(d->rng, d->acct, "rows", 1, p->eps_rows_ueps, &rows, 1, err) < 0)
			return c2d_failure_set(err, C2D_FAILURE_NOISE);
		d->out->rows = rows < 1 ? 1 : rows;
	}
	if (c2d_dp_gaussian_vector(d->rng, d->acct, "gradient", (uint64_t)RM_CLIP_LAT, p->rho_epoch_urho, g,
				   RM_DIM, err) < 0 ||
	    c2d_dp_laplace_vector(d->rng, d->acct, "loss", RM_LOSS_BOUND, p->eps_loss_ueps, &loss, 1, err) < 0)
		return c2d_failure_set(err, C2D_FAILURE_NOISE);
	d->out->loss[t] = loss;
	for (int j = 0; j < RM_DIM; j++) {
		__int128 m = (__int128)g[j] / d->out->rows;
		__int128 reg = j > 0 ? (__int128)d->w[j] * p->lambda_num / p->lambda_den : 0;
		__int128 step = (m + reg) * p->eta_num / p->eta_den;
		d->w[j] = clamp_w((__int128)d->w[j] - step);
	}
	explicit_bzero(g, sizeof(g));
	return C2D_OK;
}

static int step(void *ctx, unsigned round, const struct c2d_agg *a, uint8_t *req, size_t *len,
		struct c2d_err *err)
{
	struct drive *d = ctx;
	const struct riskmodel_params *p = d->p;
	int r;
	*len = 0;
	if (round == UINT_MAX) {
		request(d, p->epochs == 0, req, len);
		return C2D_OK;
	}
	if (round < p->epochs) {
		if ((r = epoch(d, round, a, err)) < 0)
			return r;
		request(d, round + 1 == p->epochs, req, len);
		return C2D_OK;
	}
	int64_t *cm = d->out->confusion;
	memcpy(cm, a->outputs[0].values, 4 * sizeof(int64_t));
	if (c2d_dp_laplace_vector(d->rng, d->acct, "confusion", 1, p->eps_conf_ueps, cm, 4, err) < 0)
		return c2d_failure_set(err, C2D_FAILURE_NOISE);
	memcpy(d->out->coef, d->w, sizeof(d->w));
	d->out->epochs = p->epochs;
	return C2D_OK;   /* *len = 0: done */
}

/* The parameters were checked at boot (riskmodel_dp_params_from_conf):
 * out of range here is a bug. */
static int check_params(const struct riskmodel_params *p, const struct c2d_dp_accountant *a,
			struct c2d_err *err)
{
	if (p->epochs < 1 || p->epochs > RM_MAX_EPOCHS || p->eta_num <= 0 || p->eta_den <= 0 ||
	    p->lambda_num < 0 || p->lambda_den <= 0 || p->eta_num > 1 << 20 || p->eta_den > 1 << 20 ||
	    p->lambda_num > 1 << 20 || p->lambda_den > 1 << 20 || p->rho_epoch_urho == 0 ||
	    p->eps_loss_ueps == 0 || p->eps_rows_ueps == 0 || p->eps_conf_ueps == 0 ||
	    p->rho_epoch_urho > UINT32_MAX || p->eps_loss_ueps > UINT32_MAX)
		return c2d_failure_set(err, C2D_FAILURE_INTERNAL);
	uint64_t rho = (uint64_t)p->epochs * p->rho_epoch_urho;
	uint64_t eps = p->eps_rows_ueps + (uint64_t)p->epochs * p->eps_loss_ueps + p->eps_conf_ueps;
	if (rho > a->budget_urho - a->spent_urho || eps > a->budget_ueps - a->spent_ueps)
		return c2d_failure_set(err, C2D_FAILURE_BUDGET);
	return C2D_OK;
}

c2d_status riskmodel_dp_run(const struct analysis_spec *spec, const struct analysis_input *in,
			 const struct riskmodel_params *p, const struct c2d_rng *rng,
			 struct c2d_dp_accountant *acct, struct riskmodel_release *out,
			 struct c2d_err *err)
{
	memset(out, 0, sizeof(*out));
	int r = check_params(p, acct, err);
	if (r < 0)
		return r;
	uint64_t ueps0 = acct->spent_ueps, urho0 = acct->spent_urho;
	struct drive d = { .p = p, .rng = rng, .acct = acct, .out = out, .n = in->rows };
	const struct analysis_rounds ops = {
		.max_rounds = p->epochs + 1,
		.max_request = riskmodel_schema_weights.max_bytes,
		.schema = round_schema,
		.step = step,
		.ctx = &d,
	};
	unsigned done;
	r = analysis_run_rounds(spec, in, &ops, &done, err);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	out->spent_ueps = acct->spent_ueps - ueps0;
	out->spent_urho = acct->spent_urho - urho0;
	return C2D_OK;
}
