/*
 * bench-quote: the cost of verifying one TDX quote with c2d's verifier
 * (c2d/tdxverify.h, the code of c2d quote verify and of the KMS), and its
 * verdict, for bench/quote to set beside dcap-qvl's (bench/quote_qvl.mjs)
 * on the same quote, collateral and time. Not a test: make bench reports
 * the figures; tests/host/qvl.sh compares the verdicts.
 *
 *   bench-quote QUOTE COLLATERAL TIME [N]
 *
 * COLLATERAL is dcap-qvl's JSON layout; TIME is YYYY-MM-DDTHH:MM:SSZ. N
 * verifications (default 100) run five times; each figure is the median
 * of the five, in nanoseconds of CPU time per quote. Prints:
 *
 *   verdict STATUS ADVISORIES    the converged TCB status, or "refused"
 *                                when verification stopped before it; the
 *                                advisory IDs sorted, comma-separated, or -
 *   full NS                      from the bytes: the quote and the
 *                                collateral JSON parsed, then verified (what
 *                                dcap-qvl's verify() does per call)
 *   verify NS                    the quote parsed and verified against
 *                                collateral parsed once, by the one-shot
 *                                c2d_tdxverify_quote (what the KMS did
 *                                per request before its cache)
 *   prepared NS                  the quote parsed and verified against
 *                                collateral parsed and prepared once
 *                                (c2d_tdxverify_quote_prepared, what the
 *                                KMS does per request: docs/kms-protocol.md)
 *   prepare NS                   preparing the parsed collateral
 *                                (c2d_tdxverify_prepare), once per
 *                                collateral
 *
 * Exit status: 0, whatever the verdict; 1 when an input cannot be read,
 * the collateral does not prepare, or the two paths disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2d/date.h"
#include "c2d/tdxverify.h"
#include "collateral_json.h"
#include "fsutil.h"

struct input {
	uint8_t *quote, *col_json;
	size_t quote_len, col_len;
	const char *col_name;
	struct c2d_verify_policy pol;
	struct c2d_td_policy td;
	int64_t now;
};

/* CPU time, not the wall clock: the work is one thread's computation, and
 * other load on the core must not count (docs/performance.md, "Quote
 * verification"). */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_adv(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* What is timed: the quote verified from the bytes, against the
 * collateral parsed once, or against it prepared once; or the parsed
 * collateral prepared alone. */
enum what { FULL, VERIFY, PREPARED, PREPARE };

/* One verification; col NULL: the collateral is parsed from its JSON
 * first, and freed after; prep not NULL: against prep. The verdict's
 * status is 0 when verification stopped before the TCB evaluation. */
static int verify_once(const struct input *in, const struct c2d_collateral *col,
		       const struct c2d_tdxverify_prepared *prep, struct c2d_verify_result *res,
		       struct c2d_err *err)
{
	struct c2d_tdx_quote q;
	struct c2d_collateral own;
	int r = c2d_tdxquote_parse(in->quote, in->quote_len, &q, err);
	if (r < 0)
		return r;
	if (prep != NULL)
		return c2d_tdxverify_quote_prepared(&q, prep, in->pol.td, in->now, res, err);
	if (col == NULL) {
		if ((r = c2d_collateral_json_parse_dcapqvl((const char *)in->col_json, in->col_len,
							   in->col_name, &own, err)) < 0)
			return r;
	}
	memset(res, 0, sizeof(*res));
	r = c2d_tdxverify_quote(&q, col != NULL ? col : &own, &in->pol, in->now, res, err);
	if (col == NULL)
		c2d_collateral_free(&own);
	return r;
}

/* Median over five runs of ns per operation of n. */
static double timed(const struct input *in, const struct c2d_collateral *col,
		    const struct c2d_tdxverify_prepared *prep, enum what what, long n)
{
	double t[5];
	struct c2d_verify_result res;
	struct c2d_err err = { 0 };
	int sink = 0;
	for (int k = 0; k < 5; k++) {
		double t0 = now_s();
		for (long i = 0; i < n; i++) {
			if (what == PREPARE) {
				struct c2d_tdxverify_prepared *p;
				sink += c2d_tdxverify_prepare(col, &in->pol, in->now, &p, &err) == C2D_OK;
				c2d_tdxverify_prepared_free(p);
			} else
				sink += verify_once(in, what == FULL ? NULL : col,
						    what == PREPARED ? prep : NULL, &res, &err) == C2D_OK;
		}
		t[k] = (now_s() - t0) / (double)n * 1e9;
	}
	qsort(t, 5, sizeof(t[0]), cmp_double);
	return sink >= 0 ? t[2] : 0;
}

int main(int argc, char **argv)
{
	struct input in = { 0 };
	struct c2d_collateral col;
	struct c2d_tdxverify_prepared *prep;
	struct c2d_verify_result res, res2;
	struct c2d_err err = { 0 };
	long n = argc > 4 ? atol(argv[4]) : 100;
	if (argc < 4 || argc > 5 || n < 1) {
		fprintf(stderr, "usage: bench-quote QUOTE COLLATERAL TIME [N]\n");
		return 1;
	}
	in.col_name = argv[2];
	c2d_tdpolicy_default(&in.td);
	in.pol.td = &in.td;
	if (c2d_fs_read_file(argv[1], 1u << 20, &in.quote, &in.quote_len, &err) < 0 ||
	    c2d_fs_read_file(argv[2], 4u << 20, &in.col_json, &in.col_len, &err) < 0 ||
	    c2d_date_rfc3339_parse(argv[3], &in.now, &err) < 0 ||
	    c2d_collateral_json_parse_dcapqvl((const char *)in.col_json, in.col_len, argv[2], &col, &err) < 0 ||
	    c2d_tdxverify_prepare(&col, &in.pol, in.now, &prep, &err) < 0) {
		fprintf(stderr, "bench-quote: %s\n", err.msg);
		return 1;
	}

	/* The verdict: what the evaluation found, accepted by the policy or
	 * not (the default policy accepts UpToDate only; dcap-qvl has none). */
	int r1 = verify_once(&in, &col, NULL, &res, &err);
	/* The prepared path must reach the same verdict, or its figure
	 * would measure something else. */
	int r2 = verify_once(&in, &col, prep, &res2, &err);
	if (r1 != r2 || memcmp(&res, &res2, sizeof(res)) != 0) {
		fprintf(stderr, "bench-quote: the prepared collateral gives another verdict\n");
		return 1;
	}
	qsort(res.adv.id, res.adv.n, sizeof(res.adv.id[0]), cmp_adv);
	printf("verdict %s ", res.status != 0 ? c2d_collateral_tcb_status_name(res.status) : "refused");
	for (size_t i = 0; i < res.adv.n; i++)
		printf("%s%s", i > 0 ? "," : "", res.adv.id[i]);
	printf("%s\n", res.adv.n == 0 ? "-" : "");

	printf("full %.0f\n", timed(&in, &col, prep, FULL, n));
	printf("verify %.0f\n", timed(&in, &col, prep, VERIFY, n));
	printf("prepared %.0f\n", timed(&in, &col, prep, PREPARED, n));
	printf("prepare %.0f\n", timed(&in, &col, prep, PREPARE, n));
	c2d_tdxverify_prepared_free(prep);
	c2d_collateral_free(&col);
	free(in.quote);
	free(in.col_json);
	return 0;
}
