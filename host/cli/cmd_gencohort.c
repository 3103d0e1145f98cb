/*
 * c2d gen-cohort: synthetic cohorts of a cardio-renal study, for demos,
 * tests and benchmarks. Deterministic from the seed (and the site): the
 * same arguments give the same bytes on the same platform (the generator
 * uses libm's exp, log and pow, which may differ in the last bit between C
 * libraries; the rounding to one or two decimals makes that rare).
 *
 * Columns: age, sex, egfr (CKD-EPI 2021 from creatinine, age and sex; 2%
 * missing), creatinine, systolic_bp, diabetes, ckd_stage (KDIGO G1-G5 from
 * eGFR), outcome (a cardio-renal event, logistic in the risk factors),
 * enrolled (a date), site. Values are written in canonical text form so
 * that a sealed and unsealed table reads back byte for byte.
 *
 * No real person's data is involved in any way.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"
#include "values.h"

static const struct { const char *label; unsigned long rows; } sites[] = {
	{ "A", 820000 }, { "B", 410000 }, { "C", 230000 }, { "D", 140000 },
};

static const char schema_json[] =
	"{\"columns\": [\n"
	"  {\"name\": \"age\", \"type\": \"int64\", \"min\": 18, \"max\": 100},\n"
	"  {\"name\": \"sex\", \"type\": \"category\", \"labels\": [\"F\", \"M\"]},\n"
	"  {\"name\": \"egfr\", \"type\": \"float64\", \"min\": 0, \"max\": 200, \"nullable\": true},\n"
	"  {\"name\": \"creatinine\", \"type\": \"float64\", \"min\": 0.1, \"max\": 20},\n"
	"  {\"name\": \"systolic_bp\", \"type\": \"int64\", \"min\": 60, \"max\": 260},\n"
	"  {\"name\": \"diabetes\", \"type\": \"bool\"},\n"
	"  {\"name\": \"ckd_stage\", \"type\": \"category\", \"labels\": [\"G1\", \"G2\", \"G3a\", \"G3b\", \"G4\", \"G5\"]},\n"
	"  {\"name\": \"outcome\", \"type\": \"bool\"},\n"
	"  {\"name\": \"enrolled\", \"type\": \"date\", \"min\": \"2015-01-01\", \"max\": \"2024-12-31\"},\n"
	"  {\"name\": \"site\", \"type\": \"category\", \"labels\": [\"A\", \"B\", \"C\", \"D\", \"X\"]}\n"
	"]}\n";

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64: a tiny,
 * well-studied generator whose output is fixed by its seed. Not for keys. */
struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static double uniform(struct rng *r)
{
	return (double)(next(r) >> 11) * 0x1.0p-53;
}

/* Irwin-Hall: the sum of 12 uniforms, minus 6, is close to N(0, 1) and
 * needs no transcendental function. */
static double normal(struct rng *r)
{
	double s = 0;
	for (int i = 0; i < 12; i++)
		s += uniform(r);
	return s - 6;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double round_to(double v, double scale)
{
	return round(v * scale) / scale;
}

static const char help[] =
	"usage: c2d gen-cohort (--site A|B|C|D | --rows N) [--seed S] --out FILE [--schema FILE]\n"
	"\n"
	"Writes a synthetic cardio-renal cohort as CSV: --site gives one of the\n"
	"demo's four hospitals (820k, 410k, 230k, 140k rows), --rows any size\n"
	"(site X). --schema also writes the matching schema file.\n";

c2d_status c2d_cmd_gencohort(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "site", required_argument, 0, 'i' }, { "rows", required_argument, 0, 'n' },
		{ "seed", required_argument, 0, 's' }, { "out", required_argument, 0, 'o' },
		{ "schema", required_argument, 0, 'c' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *out = NULL, *schema = NULL, *site = "X";
	unsigned long long rows = 0, seed = 1;
	int site_index = 4, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			for (site_index = 0; site_index < 4; site_index++)
				if (strcmp(optarg, sites[site_index].label) == 0)
					break;
			if (site_index == 4)
				return c2d_fail(err, C2D_E_USAGE, "--site: A, B, C or D");
			site = sites[site_index].label;
			rows = sites[site_index].rows;
			break;
		case 'n': rows = strtoull(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'c': schema = optarg; break;
		case 'h': fputs(help, stdout); return C2D_OK;
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d gen-cohort --help'");
		}
	}
	if (out == NULL || optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "--out is required; see 'c2d gen-cohort --help'");
	int r;
	if (schema != NULL && (r = c2d_fs_write_atomic(schema, schema_json, sizeof(schema_json) - 1,
						   0644, err)) < 0)
		return r;

	struct c2d_tmp t;
	if ((r = c2d_fs_tmp_open(&t, out, err)) < 0)
		return r;
	FILE *f = fdopen(t.fd, "w");
	if (f == NULL) {
		r = c2d_fail_errno(err, C2D_E_IO, "%s: fdopen", t.tmp);
		c2d_fs_tmp_abort(&t);
		return r;
	}
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	struct rng g;
	uint64_t x = seed * 0x100000001b3u + (uint64_t)site_index;
	for (int i = 0; i < 4; i++)
		g.s[i] = splitmix(&x);
	const int32_t day0 = (int32_t)c2d_date_days_from_civil(2015, 1, 1);
	const int32_t days = (int32_t)c2d_date_days_from_civil(2024, 12, 31) - day0 + 1;
	fputs("age,sex,egfr,creatinine,systolic_bp,diabetes,ckd_stage,outcome,enrolled,site\n", f);
	for (unsigned long long i = 0; i < rows; i++) {
		int female = uniform(&g) < 0.5;
		int age = (int)clamp(round(62 + 12 * normal(&g)), 18, 100);
		int diabetes = uniform(&g) < 1 / (1 + exp(-(-2.2 + 0.04 * (age - 60))));
		double scr = clamp(round_to((female ? 0.75 : 0.95) * exp(0.25 * normal(&g) + 0.006 * (age - 60) +
									  (diabetes ? 0.2 : 0)), 100), 0.3, 15);
		double k = female ? 0.7 : 0.9, a = female ? -0.241 : -0.302;
		double egfr = 142 * pow(fmin(scr / k, 1), a) * pow(fmax(scr / k, 1), -1.2) *
			      pow(0.9938, age) * (female ? 1.012 : 1);
		egfr = clamp(round_to(egfr, 10), 1, 200);
		int sbp = (int)clamp(round(128 + 0.35 * (age - 60) + (diabetes ? 6 : 0) + 16 * normal(&g)), 80, 240);
		double z = -3.2 + 0.035 * (age - 60) + 0.7 * diabetes + 0.015 * (sbp - 130) - 0.025 * (egfr - 60);
		int outcome = uniform(&g) < 1 / (1 + exp(-z));
		int missing = uniform(&g) < 0.02;
		const char *stage = egfr >= 90 ? "G1" : egfr >= 60 ? "G2" : egfr >= 45 ? "G3a"
				  : egfr >= 30 ? "G3b" : egfr >= 15 ? "G4" : "G5";
		char e[32] = "", s[32], d[16];
		if (!missing)
			c2d_values_format_float64(egfr, e);
		c2d_values_format_float64(scr, s);
		c2d_values_format_date(day0 + (int32_t)(next(&g) % (uint64_t)days), d);
		fprintf(f, "%d,%s,%s,%s,%d,%s,%s,%s,%s,%s\n", age, female ? "F" : "M", e, s, sbp,
			diabetes ? "true" : "false", stage, outcome ? "true" : "false", d, site);
	}
	if (fflush(f) != 0 || ferror(f)) {
		r = c2d_fail_errno(err, C2D_E_IO, "%s: write failed", t.tmp);
		fclose(f);
		t.fd = -1;
		c2d_fs_tmp_abort(&t);
		return r;
	}
	t.fd = dup(fileno(f));
	fclose(f);
	return c2d_fs_tmp_commit(&t, 0644, err);
}
