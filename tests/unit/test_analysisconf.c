/* Unit tests of the analysis configuration (guest/runtime/protocol/analysisconf.c) on the
 * recipes the images ship (image/analyses/), every kind of malformed file,
 * and init's use of it at boot (guest/init/imageanalysis.c) on temporary image
 * roots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "c2d/analysisconf.h"
#include "cohort_stats.h"
#include "imageanalysis.h"
#include "riskmodel.h"
#include "riskmodel_dp.h"

#define COHORT_CONF "image/analyses/cohort-stats.conf"
#define RISK_CONF "image/analyses/risk-model.conf"

static int parse(const char *text, struct c2d_aconf *c, struct c2d_err *err)
{
	return c2d_aconf_parse("t.conf", (const uint8_t *)text, strlen(text), c, err);
}

/* text must be refused as malformed, with a message containing want. */
static void refused(const char *text, const char *want)
{
	struct c2d_aconf c;
	struct c2d_err err = { 0 };
	int r = parse(text, &c, &err);
	if (r != C2D_E_INPUT || strstr(err.msg, want) == NULL)
		fail_msg("status %d, message '%s'; expected '%s' for:\n%s", r, err.msg, want, text);
	static const struct c2d_aconf zero;
	assert_memory_equal(&c, &zero, sizeof(c));
}

#define HEAD "c2d-analysis-v1\n"
#define RISK_HEAD HEAD "analysis risk-model\nepsilon 1.0\nrho 0.5\nepochs 20\nrho_per_epoch 0.025\n"
#define RISK_TAIL "eps_rows 0.1\neps_loss_per_epoch 0.02\neps_confusion 0.5\n"

static void test_shipped_cohort_stats(void **state)
{
	(void)state;
	struct c2d_aconf c;
	struct c2d_err err = { 0 };
	if (c2d_aconf_load(COHORT_CONF, &c, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(c.kind, C2D_ACONF_COHORT_STATS);
	assert_string_equal(c.analysis, "cohort-stats");
	assert_int_equal(c.eps_ueps, 1000000);
	assert_int_equal(c.rho_urho, 0);
	/* The shares name the schema's outputs, in order, as init requires;
	 * docs/privacy.md states 0.125 each. */
	uint64_t eps[C2D_ACONF_MAX_OUTPUTS];
	if (c2d_aconf_output_eps(&c, &cohort_stats_schema, eps, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(c.nshares, CS_NOUTPUTS);
	for (size_t i = 0; i < CS_NOUTPUTS; i++)
		assert_int_equal(eps[i], 125000);
	assert_int_equal(c.shares[0].line, 10);
	/* A risk-model recipe has no per-output shares. */
	assert_int_equal(c2d_aconf_load(RISK_CONF, &c, &err), C2D_OK);
	assert_int_equal(c2d_aconf_output_eps(&c, &cohort_stats_schema, eps, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "no eps.OUTPUT shares"));
}

static void test_shipped_risk_model(void **state)
{
	(void)state;
	struct c2d_aconf c;
	struct riskmodel_params p;
	struct c2d_err err = { 0 };
	if (c2d_aconf_load(RISK_CONF, &c, &err) != C2D_OK || riskmodel_dp_params_from_conf(&c, &p, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(c.kind, C2D_ACONF_RISK_MODEL);
	assert_int_equal(c.eps_ueps, 1000000);
	assert_int_equal(c.rho_urho, 500000);
	/* The parameters docs/privacy.md states: T = 20, ρ_e = 0.025,
	 * ε_rows = 0.1, ε_loss = 0.02, ε_conf = 0.5, η = 1, λ = RM_LAMBDA. */
	assert_int_equal(p.epochs, 20);
	assert_int_equal(p.rho_epoch_urho, 25000);
	assert_int_equal(p.eps_rows_ueps, 100000);
	assert_int_equal(p.eps_loss_ueps, 20000);
	assert_int_equal(p.eps_conf_ueps, 500000);
	assert_true(p.eta_num == 1 && p.eta_den == 1);
	assert_true(p.lambda_num == RM_LAMBDA_NUM && p.lambda_den == RM_LAMBDA_DEN);
	/* A cohort-stats recipe is not a risk-model's. */
	assert_int_equal(c2d_aconf_load(COHORT_CONF, &c, &err), C2D_OK);
	assert_int_equal(riskmodel_dp_params_from_conf(&c, &p, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "the conf is for cohort-stats"));
	/* A ρ the discrete Gaussian cannot use (σ² = 2^48·10^6/2 reduces to a
	 * numerator above 2^58) is refused here, before any run. */
	assert_int_equal(parse(HEAD "analysis risk-model\nepsilon 0.3\nrho 0.000001\nepochs 1\n"
			       "rho_per_epoch 0.000001\neps_rows 0.1\neps_loss_per_epoch 0.1\n"
			       "eps_confusion 0.1\n", &c, &err), C2D_OK);
	assert_int_equal(riskmodel_dp_params_from_conf(&c, &p, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "risk-model: dp: Gaussian vector"));
}

static void test_valid_variants(void **state)
{
	(void)state;
	struct c2d_aconf c;
	struct c2d_err err = { 0 };
	/* Comments and empty lines anywhere after the first line; integers;
	 * the smallest share. */
	if (parse(HEAD "# a comment\n\nanalysis cohort-stats\n#\nepsilon 2\neps.a 1.999999\n\n"
		  "eps.b_2 0.000001\n# end\n", &c, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(c.eps_ueps, 2000000);
	assert_int_equal(c.nshares, 2);
	assert_string_equal(c.shares[0].output, "a");
	assert_int_equal(c.shares[0].eps_ueps, 1999999);
	assert_string_equal(c.shares[1].output, "b_2");
	assert_int_equal(c.shares[1].eps_ueps, 1);
	assert_int_equal(c.shares[1].line, 9);
	/* The largest value. */
	assert_int_equal(parse(HEAD "analysis cohort-stats\nepsilon 100.000000\neps.x 100\n", &c, &err),
			 C2D_OK);
	assert_int_equal(c.eps_ueps, C2D_ACONF_MAX_MICRO);
	/* 16 outputs. */
	char buf[1024] = HEAD "analysis cohort-stats\nepsilon 1.6\n";
	for (int i = 0; i < C2D_ACONF_MAX_OUTPUTS; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "eps.o%d 0.1\n", i);
	assert_int_equal(parse(buf, &c, &err), C2D_OK);
	assert_int_equal(c.nshares, C2D_ACONF_MAX_OUTPUTS);
	/* The last epoch count. */
	assert_int_equal(parse(HEAD "analysis risk-model\nepsilon 3\nrho 2\nepochs 200\nrho_per_epoch 0.01\n"
			       "eps_rows 0.5\neps_loss_per_epoch 0.01\neps_confusion 0.5\n", &c, &err),
			 C2D_OK);
	assert_int_equal(c.rm.epochs, 200);
}

static void test_lines(void **state)
{
	(void)state;
	refused("", "t.conf:1: expected the line 'c2d-analysis-v1'");
	refused("c2d-analysis-v2\n", "t.conf:1: expected the line 'c2d-analysis-v1'");
	refused("# c\nc2d-analysis-v1\n", "t.conf:1: expected the line");
	refused("c2d-analysis-v1", "t.conf:1: expected the line");
	refused("c2d-analysis-v1\r\nanalysis cohort-stats\n", "t.conf:1: expected the line");
	refused(HEAD "analysis cohort-stats", "t.conf:2: no newline at the end of the file");
	refused(HEAD "analysis cohort-stats\r\n", "t.conf:2: byte 0x0d at column 22");
	refused(HEAD "analysis\tcohort-stats\n", "t.conf:2: byte 0x09 at column 9");
	refused(HEAD "# caf\xc3\xa9\n", "t.conf:2: byte 0xc3 at column 6");
	static const char nul[] = HEAD "analysis cohort-stats\n\0\n";
	struct c2d_aconf c;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_aconf_parse("t.conf", (const uint8_t *)nul, sizeof(nul) - 1, &c, &err),
			 C2D_E_INPUT);
	assert_string_equal(err.msg, "t.conf:3: byte 0x00 at column 1: only printable ASCII");
	refused(HEAD "analysis  cohort-stats\n", "t.conf:2: analysis: expected one value after one space");
	refused(HEAD "analysis cohort-stats \n", "t.conf:2: analysis: expected one value after one space");
	refused(HEAD "analysis cohort stats\n", "t.conf:2: analysis: expected one value after one space");
	refused(HEAD "analysis \n", "t.conf:2: analysis: expected one value");
	refused(HEAD "analysis\n", "t.conf:2: expected 'KEY VALUE'");
	refused(HEAD " analysis cohort-stats\n", "t.conf:2: expected 'KEY VALUE'");
	refused(HEAD "Analysis cohort-stats\n", "t.conf:2: expected 'KEY VALUE'");
	refused(HEAD "analysis=cohort-stats\n", "t.conf:2: expected 'KEY VALUE'");
	/* The limit on the size: a valid file padded with comments. */
	char *big = malloc(C2D_ACONF_MAX_LEN + 64);
	strcpy(big, HEAD "analysis cohort-stats\nepsilon 1\neps.x 1\n");
	while (strlen(big) <= C2D_ACONF_MAX_LEN - 8)
		strcat(big, "#######\n");
	assert_int_equal(parse(big, &c, NULL), C2D_OK);
	strcat(big, "#######\n");
	refused(big, "t.conf: more than 4096 bytes");
	free(big);
}

static void test_keys(void **state)
{
	(void)state;
	refused(HEAD, "t.conf:1: expected 'analysis', found the end of the file");
	refused(HEAD "# only\n", "t.conf:2: expected 'analysis', found the end of the file");
	refused(HEAD "epsilon 1\n", "t.conf:2: epsilon: unknown, repeated or out of place; expected 'analysis'");
	refused(HEAD "analysis cohort_stats\n", "t.conf:2: analysis: unknown analysis 'cohort_stats'");
	refused(HEAD "analysis cohort-stats\n", "t.conf:2: expected 'epsilon', found the end of the file");
	refused(HEAD "analysis cohort-stats\nanalysis cohort-stats\n",
		"t.conf:3: analysis: unknown, repeated or out of place; expected 'epsilon'");
	refused(HEAD "analysis cohort-stats\nepsilon 1\n",
		"t.conf:3: expected 'eps.OUTPUT', found the end of the file");
	refused(HEAD "analysis cohort-stats\nepsilon 1\neps.a 1\nepsilon 1\n",
		"t.conf:5: epsilon: unknown or out of place; expected 'eps.OUTPUT'");
	refused(HEAD "analysis cohort-stats\nepsilon 1\neps.a 0.5\neps.a 0.5\n",
		"t.conf:5: eps.a: repeated (first on line 4)");
	refused(HEAD "analysis cohort-stats\nepsilon 1\neps. 1\n", "t.conf:4: eps.: unknown or out of place");
	refused(HEAD "analysis cohort-stats\nepsilon 1\neps.a.b 1\n",
		"t.conf:4: eps.a.b: OUTPUT is not 1..64 of [a-z0-9_]");
	refused(HEAD "analysis cohort-stats\nepsilon 1\n"
		"eps.a1234567890123456789012345678901234567890123456789012345678901234 1\n",
		"OUTPUT is not 1..64");
	refused(HEAD "analysis cohort-stats\nepsilon 1\nrho 1\n", "t.conf:4: rho: unknown or out of place");
	char buf[1024] = HEAD "analysis cohort-stats\nepsilon 1.7\n";
	for (int i = 0; i <= C2D_ACONF_MAX_OUTPUTS; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "eps.o%d 0.1\n", i);
	refused(buf, "t.conf:20: eps.o16: more than 16 outputs");

	/* risk-model: every key, in order, once. */
	refused(HEAD "analysis risk-model\nepsilon 1.0\nepochs 20\n",
		"t.conf:4: epochs: unknown, repeated or out of place; expected 'rho'");
	refused(RISK_HEAD "eps_rows 0.1\neps_loss_per_epoch 0.02\n",
		"t.conf:8: expected 'eps_confusion', found the end of the file");
	refused(RISK_HEAD "eps_loss_per_epoch 0.02\neps_rows 0.1\neps_confusion 0.5\n",
		"t.conf:7: eps_loss_per_epoch: unknown, repeated or out of place; expected 'eps_rows'");
	refused(RISK_HEAD "rho_per_epoch 0.025\n" RISK_TAIL,
		"t.conf:7: rho_per_epoch: unknown, repeated or out of place; expected 'eps_rows'");
	refused(RISK_HEAD RISK_TAIL "eps_confusion 0.5\n",
		"t.conf:10: eps_confusion: unknown or repeated; eps_confusion is the last key");
	refused(RISK_HEAD RISK_TAIL "eps.rows 0.1\n", "t.conf:10: eps.rows: unknown or repeated");
}

static void test_values(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"0", "0.0", "0.000000", "1.", ".5", "01", "00.5", "1.0000001", "-1", "+1", "1e3",
		"1,5", "0x10", "100.000001", "101", "1000000000000000000000", "1.5.0", "inf",
	};
	char buf[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];
		snprintf(buf, sizeof(buf), HEAD "analysis cohort-stats\nepsilon %s\neps.a 1\n", bad[i]);
		snprintf(want, sizeof(want), "t.conf:3: epsilon: '%s' is not a decimal in [0.000001, 100]",
			 bad[i]);
		refused(buf, want);
		snprintf(buf, sizeof(buf), HEAD "analysis cohort-stats\nepsilon 1\neps.a %s\n", bad[i]);
		snprintf(want, sizeof(want), "t.conf:4: eps.a: '%s' is not a decimal", bad[i]);
		refused(buf, want);
	}
	static const char *const bad_epochs[] = { "0", "201", "020", "2a", "-1", "1000", "1.0" };
	for (size_t i = 0; i < sizeof(bad_epochs) / sizeof(bad_epochs[0]); i++) {
		char want[128];
		snprintf(buf, sizeof(buf), HEAD "analysis risk-model\nepsilon 1.0\nrho 0.5\nepochs %s\n",
			 bad_epochs[i]);
		snprintf(want, sizeof(want), "t.conf:5: epochs: '%s' is not an integer in [1, 200]",
			 bad_epochs[i]);
		refused(buf, want);
	}
	refused(HEAD "analysis risk-model\nepsilon 1.0\nrho 0.5\nepochs 20\nrho_per_epoch 0\n",
		"t.conf:6: rho_per_epoch: '0' is not a decimal");
}

static void test_totals(void **state)
{
	(void)state;
	/* The declared total is what a run charges: it must be the parts' sum,
	 * to the millionth, neither more nor less. */
	refused(HEAD "analysis cohort-stats\nepsilon 1.000001\neps.a 0.5\neps.b 0.5\n",
		"t.conf:3: epsilon: 1.000001, but the outputs' eps shares sum to 1.000000");
	refused(HEAD "analysis cohort-stats\nepsilon 0.9\neps.a 0.5\neps.b 0.5\n",
		"t.conf:3: epsilon: 0.900000, but the outputs' eps shares sum to 1.000000");
	refused(HEAD "analysis risk-model\nepsilon 1.0\nrho 0.5\nepochs 21\nrho_per_epoch 0.025\n" RISK_TAIL,
		"t.conf:4: rho: 0.500000, but epochs x rho_per_epoch sum to 0.525000");
	refused(HEAD "analysis risk-model\nepsilon 1.0\nrho 0.525\nepochs 21\nrho_per_epoch 0.025\n" RISK_TAIL,
		"t.conf:3: epsilon: 1.000000, but eps_rows + epochs x eps_loss_per_epoch + eps_confusion sum to 1.020000");
	refused(RISK_HEAD "eps_rows 0.1\neps_loss_per_epoch 0.02\neps_confusion 0.499999\n",
		"t.conf:3: epsilon: 1.000000, but eps_rows");
	/* The largest parts do not overflow the check. */
	refused(HEAD "analysis risk-model\nepsilon 100\nrho 100\nepochs 200\nrho_per_epoch 100\n"
		"eps_rows 100\neps_loss_per_epoch 100\neps_confusion 100\n",
		"t.conf:4: rho: 100.000000, but epochs x rho_per_epoch sum to 20000.000000");
}

static void test_output_eps(void **state)
{
	(void)state;
	struct c2d_aconf c;
	struct c2d_err err = { 0 };
	uint64_t eps[C2D_ACONF_MAX_OUTPUTS];
	static const char *const names[CS_NOUTPUTS] = {
		"site_rows", "site_outcome", "site_egfr_null", "site_egfr_sum",
		"pooled_rows", "pooled_outcome", "pooled_egfr_null", "pooled_egfr_sum",
	};
	char text[1024];
	/* Two outputs swapped, one left out, one more: each named. */
	struct {
		int order[CS_NOUTPUTS + 1], n;
		const char *want;
	} cases[] = {
		{ { 0, 1, 2, 3, 4, 5, 7, 6 }, 8,
		  "line 10: eps.pooled_egfr_sum: the cohort-stats schema's output 7 is 'pooled_egfr_null'" },
		{ { 0, 1, 2, 3, 4, 5, 6 }, 7,
		  "no eps.pooled_egfr_sum: the cohort-stats schema has 8 outputs, the file 7" },
		{ { 0, 1, 2, 3, 4, 5, 6, 7, 0 }, 9, "t.conf:12: eps.site_rows: repeated (first on line 4)" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		snprintf(text, sizeof(text), HEAD "analysis cohort-stats\nepsilon %d\n", cases[k].n);
		for (int i = 0; i < cases[k].n; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "eps.%s 1\n",
				 names[cases[k].order[i]]);
		int r = parse(text, &c, &err);
		if (r == C2D_OK)
			r = c2d_aconf_output_eps(&c, &cohort_stats_schema, eps, &err);
		assert_int_equal(r, C2D_E_INPUT);
		if (strstr(err.msg, cases[k].want) == NULL)
			fail_msg("'%s', expected '%s'", err.msg, cases[k].want);
	}
	assert_int_equal(parse(HEAD "analysis cohort-stats\nepsilon 2\neps.site_rows 1\neps.x 1\n", &c, &err),
			 C2D_OK);
	assert_int_equal(c2d_aconf_output_eps(&c, &cohort_stats_schema, eps, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "line 5: eps.x: the cohort-stats schema's output 2 is 'site_outcome'"));
}

static void test_fmt(void **state)
{
	(void)state;
	char b[C2D_ACONF_DEC_LEN];
	c2d_aconf_fmt_micro(1, b);
	assert_string_equal(b, "0.000001");
	c2d_aconf_fmt_micro(1000000, b);
	assert_string_equal(b, "1.000000");
	c2d_aconf_fmt_micro(C2D_ACONF_MAX_MICRO, b);
	assert_string_equal(b, "100.000000");
	c2d_aconf_fmt_micro(UINT64_MAX, b);
	assert_string_equal(b, "18446744073709.551615");
}

/* --- init's boot check on an image root ---------------------------------- */

static void put(const char *path, const void *data, size_t len, mode_t mode)
{
	unlink(path);   /* a previous 0400 file is not writable to every user */
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void copy(const char *from, const char *to, mode_t mode)
{
	FILE *f = fopen(from, "rb");
	assert_non_null(f);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	put(to, buf, n, mode);
}

struct root {
	char dir[256], conf[300], bin[300];
};

static void make_root(struct root *r, const char *conf)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(r->dir, sizeof(r->dir), "%s/c2d-test-aconf.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(r->dir));
	char etc[300];
	snprintf(etc, sizeof(etc), "%s/etc", r->dir);
	assert_int_equal(mkdir(etc, 0755), 0);
	strcat(etc, "/c2d");
	assert_int_equal(mkdir(etc, 0755), 0);
	snprintf(r->conf, sizeof(r->conf), "%s/etc/c2d/analysis.conf", r->dir);
	snprintf(r->bin, sizeof(r->bin), "%s/analysis", r->dir);
	if (conf != NULL)
		copy(conf, r->conf, 0400);
	put(r->bin, "\177ELF", 4, 0555);
}

static void remove_root(const struct root *r)
{
	char p[300];
	unlink(r->conf);
	unlink(r->bin);
	rmdir(r->bin);
	snprintf(p, sizeof(p), "%s/etc/c2d", r->dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/etc", r->dir);
	rmdir(p);
	rmdir(r->dir);
}

static void load_refused(const struct root *r, int status, const char *want)
{
	struct image_analysis a;
	struct c2d_err err = { 0 };
	int rc = imageanalysis_load(r->dir, &a, &err);
	if (rc != status || strstr(err.msg, want) == NULL)
		fail_msg("status %d, '%s'; expected %d, '%s'", rc, err.msg, status, want);
	assert_null(a.known);
	assert_int_equal(a.conf.eps_ueps, 0);
}

static void test_image_analysis(void **state)
{
	(void)state;
	struct root r = { 0 };
	struct image_analysis a;
	struct c2d_err err = { 0 };

	make_root(&r, COHORT_CONF);
	if (imageanalysis_load(r.dir, &a, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(a.known->name, "cohort-stats");
	assert_ptr_equal(a.known->schemas[0], &cohort_stats_schema);
	assert_int_equal(a.output_eps[CS_POOLED_EGFR_SUM], 125000);
	assert_string_equal(a.bin, r.bin);
	/* The binary: missing, a directory, not executable, a link. */
	unlink(r.bin);
	load_refused(&r, C2D_E_IO, "/analysis: the analysis binary: No such file or directory");
	assert_int_equal(mkdir(r.bin, 0755), 0);
	assert_int_equal(chmod(r.bin, 0755), 0);
	load_refused(&r, C2D_E_INPUT, "/analysis: the analysis binary is not a regular executable file (mode 040755");
	rmdir(r.bin);
	put(r.bin, "\177ELF", 4, 0400);
	load_refused(&r, C2D_E_INPUT, "not a regular executable file (mode 100400, 4 bytes)");
	put(r.bin, "", 0, 0555);
	load_refused(&r, C2D_E_INPUT, "(mode 100555, 0 bytes)");
	/* Executable by root only: uid 65534 could not run it. */
	put(r.bin, "\177ELF", 4, 0500);
	load_refused(&r, C2D_E_INPUT, "not executable by uid 65534 (mode 100500)");
	unlink(r.bin);
	assert_int_equal(symlink("/bin/sh", r.bin), 0);
	load_refused(&r, C2D_E_INPUT, "not a regular executable file (mode 120777");
	unlink(r.bin);
	put(r.bin, "\177ELF", 4, 0555);
	/* The recipe: missing, malformed, or not the schema's outputs. */
	unlink(r.conf);
	load_refused(&r, C2D_E_IO, "/etc/c2d/analysis.conf: cannot open: No such file or directory");
	const char *swapped = HEAD "analysis cohort-stats\nepsilon 8\neps.site_outcome 1\neps.site_rows 1\n"
			      "eps.site_egfr_null 1\neps.site_egfr_sum 1\neps.pooled_rows 1\n"
			      "eps.pooled_outcome 1\neps.pooled_egfr_null 1\neps.pooled_egfr_sum 1\n";
	put(r.conf, swapped, strlen(swapped), 0400);
	load_refused(&r, C2D_E_INPUT,
		     "/etc/c2d/analysis.conf: line 4: eps.site_outcome: the cohort-stats schema's output 1 is 'site_rows'");
	put(r.conf, HEAD "analysis cohort-stats\n", strlen(HEAD) + 22, 0400);
	load_refused(&r, C2D_E_INPUT, "/etc/c2d/analysis.conf:2: expected 'epsilon', found the end of the file");
	remove_root(&r);

	make_root(&r, RISK_CONF);
	if (imageanalysis_load(r.dir, &a, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(a.known->name, "risk-model");
	assert_int_equal(a.known->nschemas, 4);
	assert_int_equal(a.rm.epochs, 20);
	assert_int_equal(a.rm.rho_epoch_urho, 25000);
	assert_int_equal(a.conf.rho_urho, 500000);
	const char *tiny = HEAD "analysis risk-model\nepsilon 0.3\nrho 0.000001\nepochs 1\n"
			   "rho_per_epoch 0.000001\neps_rows 0.1\neps_loss_per_epoch 0.1\neps_confusion 0.1\n";
	put(r.conf, tiny, strlen(tiny), 0400);
	load_refused(&r, C2D_E_INPUT, "/etc/c2d/analysis.conf: risk-model: dp: Gaussian vector");
	remove_root(&r);

	/* Every analysis the format names is one init can run. */
	assert_int_equal(imageanalysis_known_count, 2);
	assert_string_equal(imageanalysis_known[0].name, "cohort-stats");
	assert_string_equal(imageanalysis_known[1].name, "risk-model");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_cohort_stats),
		cmocka_unit_test(test_shipped_risk_model),
		cmocka_unit_test(test_valid_variants),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_output_eps),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_image_analysis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
