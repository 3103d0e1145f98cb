/* The image's analysis: see imageanalysis.h. */
#include "imageanalysis.h"

#include <string.h>
#include <sys/stat.h>

#include "c2d/path.h"
#include "cohort_stats.h"
#include "analysis.h"
#include "riskmodel.h"

/* Each output is to be noised with its own share (c2d_dp_laplace_vector at
 * the output's sensitivity): a share the mechanism would refuse fails the
 * boot now rather than a run later. */
static int setup_cohort_stats(struct image_analysis *a, struct c2d_err *err)
{
	const struct c2d_outschema *s = &cohort_stats_schema;
	int r = c2d_aconf_output_eps(&a->conf, s, a->output_eps, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->noutputs; i++) {
		struct c2d_err e = { 0 };
		if (c2d_dp_laplace_check(s->outputs[i].l1_bound, a->output_eps[i], &e) < 0)
			return c2d_fail(err, C2D_E_INPUT, "line %u: eps.%s: %s", a->conf.shares[i].line,
					s->outputs[i].name, e.msg);
	}
	return C2D_OK;
}

static int setup_risk_model(struct image_analysis *a, struct c2d_err *err)
{
	return riskmodel_dp_params_from_conf(&a->conf, &a->rm, err);
}

static const struct c2d_outschema *const cohort_stats_schemas[] = { &cohort_stats_schema };
static const struct c2d_outschema *const risk_model_schemas[] = {
	&riskmodel_schema_weights, &riskmodel_schema_final, &riskmodel_schema_grad,
	&riskmodel_schema_confusion,
};

#define SCHEMAS(a) a, sizeof(a) / sizeof(a[0])

const struct known_analysis imageanalysis_known[] = {
	{ "cohort-stats", SCHEMAS(cohort_stats_schemas), setup_cohort_stats },
	{ "risk-model", SCHEMAS(risk_model_schemas), setup_risk_model },
};
const size_t imageanalysis_known_count =
	sizeof(imageanalysis_known) / sizeof(imageanalysis_known[0]);

static int load(const char *root, struct image_analysis *a, struct c2d_err *err)
{
	char conf[512];
	int r;
	if ((r = c2d_path_fmt(conf, sizeof(conf), err, "%s%s", root, C2D_ACONF_PATH)) < 0 ||
	    (r = c2d_path_fmt(a->bin, sizeof(a->bin), err, "%s%s", root, IMAGE_ANALYSIS_BIN)) < 0 ||
	    (r = c2d_aconf_load(conf, &a->conf, err)) < 0)
		return r;
	for (size_t i = 0; i < imageanalysis_known_count; i++)
		if (strcmp(imageanalysis_known[i].name, a->conf.analysis) == 0)
			a->known = &imageanalysis_known[i];
	if (a->known == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s: analysis %s: not one init can run", conf,
				a->conf.analysis);
	for (size_t i = 0; i < a->known->nschemas; i++)
		if ((r = c2d_agg_schema_check(a->known->schemas[i], err)) < 0)
			return r;
	if ((r = a->known->setup(a, err)) < 0) {
		c2d_err_prefix(err, "%s", conf);
		return r;
	}
	/* lstat: the initramfs has no links, and a link here would name
	 * something the spec did not. */
	struct stat st;
	if (lstat(a->bin, &st) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: the analysis binary", a->bin);
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR) == 0 || st.st_size == 0)
		return c2d_fail(err, C2D_E_INPUT,
				"%s: the analysis binary is not a regular executable file (mode %06o, %lld bytes)",
				a->bin, (unsigned)st.st_mode, (long long)st.st_size);
	/* The child runs as ANALYSIS_UID, not as the file's owner (root): the
	 * "other" execute bit is the one exec will check. */
	if ((st.st_mode & S_IXOTH) == 0)
		return c2d_fail(err, C2D_E_INPUT,
				"%s: the analysis binary is not executable by uid %d (mode %06o)", a->bin,
				ANALYSIS_UID, (unsigned)st.st_mode);
	return C2D_OK;
}

c2d_status imageanalysis_load(const char *root, struct image_analysis *a, struct c2d_err *err)
{
	memset(a, 0, sizeof(*a));
	int r = load(root, a, err);
	if (r < 0)
		memset(a, 0, sizeof(*a));
	return r;
}
