/* Unit tests of the analysis protocol: the aggregate format and its schema
 * check (guest/runtime/protocol/aggfmt.c), the rows file (guest/runtime/protocol/rowfile.c), init's
 * runner (guest/init/analysis.c) with the real cohort-stats on a hand-made table
 * and with fake children that misbehave (tests/tools/fakeanalysis.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>

#include "analysis.h"
#include "analysistest.h"
#include "c2d/bytes.h"
#include "c2d/failure.h"
#include "c2d/rowfile.h"
#include "cohort_stats.h"
#include "fakeschema.h"
#include "testfile.h"

/* The analysis binaries are built next to this test (out/test/). */
static char bindir[PATH_MAX];


/* --- the demo's schema and a 12-row table ------------------------------- */


/* As out/demo/cohort.json, but eGFR without bounds, so that the analysis's
 * own clamping is what the test sees. */
static struct c2d_schema demo_schema(void)
{
	static const char *const sex[] = { "F", "M" };
	static const char *const stage[] = { "G1", "G2", "G3a", "G3b", "G4", "G5" };
	static const char *const site[] = { "A", "B", "C", "D", "X" };
	struct c2d_schema s = { 7, calloc(7, sizeof(struct c2d_column)) };
	strcpy(s.cols[0].name, "age");
	s.cols[0].type = C2D_T_INT64;
	s.cols[0].flags = C2D_COL_HAS_MIN | C2D_COL_HAS_MAX;
	s.cols[0].min.i = 18;
	s.cols[0].max.i = 100;
	strcpy(s.cols[1].name, "sex");
	analysistest_set_cats(&s.cols[1], sex, 2);
	strcpy(s.cols[2].name, "egfr");
	s.cols[2].type = C2D_T_FLOAT64;
	s.cols[2].flags = C2D_COL_NULLABLE;
	strcpy(s.cols[3].name, "diabetes");
	s.cols[3].type = C2D_T_BOOL;
	strcpy(s.cols[4].name, "ckd_stage");
	analysistest_set_cats(&s.cols[4], stage, 6);
	strcpy(s.cols[5].name, "outcome");
	s.cols[5].type = C2D_T_BOOL;
	strcpy(s.cols[6].name, "site");
	analysistest_set_cats(&s.cols[6], site, 5);
	return s;
}

enum { F, M };
enum { G1, G2, G3a, G3b, G4, G5 };
enum { A, B, C, D, X };
#define NA -1.0   /* eGFR missing */

static const struct row {
	int64_t age;
	int sex;
	double egfr;
	int stage, outcome, site;
} table[12] = {
	{ 25, F, 95.5, G1, 0, A },   /* band 18-39 */
	{ 39, F, 100.0, G1, 1, A },  /* same cell */
	{ 40, M, 70.25, G2, 0, A },  /* band 40-59 */
	{ 59, M, NA, G2, 1, A },     /* same cell, eGFR missing */
	{ 60, F, 50.0, G3a, 1, B },  /* band 60-74 */
	{ 74, F, 45.1, G3a, 0, B },  /* 45.1 x 256 = 11545.6: 11545 */
	{ 75, M, 20.0, G4, 1, B },   /* band 75+ */
	{ 100, M, 250.0, G5, 1, C }, /* clamped to 200 */
	{ 18, F, -5.0, G5, 0, C },   /* clamped to 0 */
	{ 30, F, 10.5, G1, 0, X },   /* pools with the first two */
	{ 80, M, NA, G3b, 0, D },
	{ 65, M, 33.3, G3b, 1, D },  /* 8524.8: 8524 */
};

/* Row i of rows (diabetes alternates). */
static void demo_row(struct c2d_rg_builder *b, size_t i, const void *rows)
{
	const struct row *r = (const struct row *)rows + i;
	c2d_rg_set_i64(b, 0, r->age);
	c2d_rg_set_cat(b, 1, (uint16_t)r->sex);
	if (r->egfr == NA)
		c2d_rg_set_null(b, 2);
	else
		c2d_rg_set_f64(b, 2, r->egfr);
	c2d_rg_set_bool(b, 3, (int)(i & 1));
	c2d_rg_set_cat(b, 4, (uint16_t)r->stage);
	c2d_rg_set_bool(b, 5, r->outcome);
	c2d_rg_set_cat(b, 6, (uint16_t)r->site);
}

static void make_input(const struct c2d_schema *s, const struct row *rows, size_t n,
		       uint32_t cap, struct analysis_input *in)
{
	analysistest_make_input(s, n, cap, demo_row, rows, in);
}

/* The child's fate in the last run_args(). */
static struct supervise_result last;

/* Runs bin (in bindir, or beside it: "../guest/...") with up to four
 * arguments (NULL-terminated). */
static int run_args(const char *bin, char *const args[], const struct c2d_outschema *schema,
		    const struct analysis_input *in, long deadline_ms, struct c2d_agg *out,
		    struct c2d_err *err)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", bindir, bin);
	char *argv[6] = { path };
	for (int i = 0; i < 4 && args[i] != NULL; i++)
		argv[i + 1] = args[i];
	memset(&last, 0, sizeof(last));
	const struct analysis_spec spec = { path, argv, schema, deadline_ms, &last };
	return analysis_run(&spec, in, out, err);
}

/* err holds kind k's fixed message, exactly, and its status was r. */
static void expect_kind(int r, const struct c2d_err *err, enum c2d_failure k, const char *what)
{
	if (r != c2d_failure_status(k) || strcmp(err->msg, c2d_failure_msg(k)) != 0)
		fail_msg("%s: status %d, '%s'; expected %d and '%s'", what, r, err->msg,
			 c2d_failure_status(k), c2d_failure_msg(k));
	assert_int_equal(c2d_failure_or(err, C2D_FAILURE_NONE), k);
}

static int run_bin(const char *bin, char *mode, const struct c2d_outschema *schema,
		   const struct analysis_input *in, long deadline_ms, struct c2d_agg *out,
		   struct c2d_err *err)
{
	char *const args[] = { mode, NULL };
	return run_args(bin, args, schema, in, deadline_ms, out, err);
}

/* Expected non-zero cells, worked out by hand from the table above. */
struct cell {
	int site, stage, band, sex;
	int64_t rows, outcome, null, sum;
};

static const struct cell site_cells[] = {
	{ A, G1, 0, F, 2, 1, 0, 24448 + 25600 },
	{ A, G2, 1, M, 2, 1, 1, 17984 },
	{ B, G3a, 2, F, 2, 1, 0, 12800 + 11545 },
	{ B, G4, 3, M, 1, 1, 0, 5120 },
	{ C, G5, 3, M, 1, 1, 0, 51200 },
	{ C, G5, 0, F, 1, 0, 0, 0 },
	{ X, G1, 0, F, 1, 0, 0, 2688 },
	{ D, G3b, 3, M, 1, 0, 1, 0 },
	{ D, G3b, 2, M, 1, 1, 0, 8524 },
};

static const struct cell pooled_cells[] = {
	{ 0, G1, 0, F, 3, 1, 0, 24448 + 25600 + 2688 },
	{ 0, G2, 1, M, 2, 1, 1, 17984 },
	{ 0, G3a, 2, F, 2, 1, 0, 12800 + 11545 },
	{ 0, G4, 3, M, 1, 1, 0, 5120 },
	{ 0, G5, 3, M, 1, 1, 0, 51200 },
	{ 0, G5, 0, F, 1, 0, 0, 0 },
	{ 0, G3b, 3, M, 1, 0, 1, 0 },
	{ 0, G3b, 2, M, 1, 1, 0, 8524 },
};

static void expect_cells(const struct c2d_agg *a, size_t first, size_t ncells,
			 const struct cell *cells, size_t n)
{
	int64_t want[4][CS_SITE_CELLS];
	memset(want, 0, sizeof(want));
	for (size_t i = 0; i < n; i++) {
		size_t k = cohort_stats_cell((unsigned)cells[i].site, (unsigned)cells[i].stage,
					     (unsigned)cells[i].band, (unsigned)cells[i].sex);
		want[0][k] = cells[i].rows;
		want[1][k] = cells[i].outcome;
		want[2][k] = cells[i].null;
		want[3][k] = cells[i].sum;
	}
	for (size_t o = 0; o < 4; o++) {
		assert_int_equal(a->outputs[first + o].ncells, ncells);
		for (size_t k = 0; k < ncells; k++)
			if (a->outputs[first + o].values[k] != want[o][k])
				fail_msg("%s[%zu] = %lld, expected %lld", a->outputs[first + o].name, k,
					 (long long)a->outputs[first + o].values[k], (long long)want[o][k]);
	}
}

static void test_cohort_stats_known_answers(void **state)
{
	(void)state;
	struct c2d_schema s = demo_schema();
	/* The host (glibc) and the guest (static musl) builds, each under its
	 * seccomp filter, on the CPUs there are and on 13 threads (12 with one
	 * row group each): any grouping of the rows gives the same aggregate. */
	static const char *const bins[] = { "cohort-stats", "../guest/cohort-stats" };
	static char *const threads[] = { NULL, "13" };
	for (size_t b = 0; b < 2; b++)
		for (size_t t = 0; t < 2; t++)
			for (uint32_t cap = 1; cap <= 13; cap += 4) {
				struct analysis_input in;
				struct c2d_agg a;
				struct c2d_err err = { 0 };
				make_input(&s, table, 12, cap, &in);
				assert_int_equal(in.rows, 12);
				if (run_bin(bins[b], threads[t], &cohort_stats_schema, &in, 10000, &a,
					    &err) != C2D_OK)
					fail_msg("%s: %s", bins[b], err.msg);
				assert_int_equal(a.noutputs, CS_NOUTPUTS);
				assert_string_equal(a.outputs[CS_SITE_ROWS].name, "site_rows");
				expect_cells(&a, CS_SITE_ROWS, CS_SITE_CELLS, site_cells,
					     sizeof(site_cells) / sizeof(site_cells[0]));
				expect_cells(&a, CS_POOLED_ROWS, CS_POOLED_CELLS, pooled_cells,
					     sizeof(pooled_cells) / sizeof(pooled_cells[0]));
				c2d_agg_free(&a);
				analysis_input_close(&in);
			}
	c2d_schema_free(&s);
}

/* The analysis refuses a schema it was not written for, and init refuses
 * its exit status. */
static void test_cohort_stats_refuses_other_schema(void **state)
{
	(void)state;
	struct c2d_schema s = demo_schema();
	strcpy(s.cols[4].cats[2], "G3");   /* "G3a" relabelled: indices mean something else */
	struct analysis_input in;
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	make_input(&s, table, 12, 5, &in);
	expect_kind(run_bin("cohort-stats", NULL, &cohort_stats_schema, &in, 10000, &a, &err), &err,
		    C2D_FAILURE_EXIT, "cohort-stats");
	assert_int_equal(last.exit_code, 2);
	assert_null(a.outputs);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

/* The rows in, read back directly: clamping and rounding. */
static void test_cohort_stats_compute_direct(void **state)
{
	(void)state;
	struct c2d_schema s = demo_schema();
	struct analysis_input in;
	make_input(&s, table, 12, 5, &in);
	off_t size = lseek(in.fd, 0, SEEK_END);
	const uint8_t *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, in.fd, 0);
	assert_true(p != MAP_FAILED);
	struct cohort_stats *cs = malloc(sizeof(*cs));
	assert_int_equal(cohort_stats_compute(p, (size_t)size, cs, NULL), C2D_OK);
	assert_int_equal(cs->rows, 12);
	assert_int_equal(cs->site_egfr_sum[cohort_stats_cell(C, G5, 3, M)], 200 * 256);
	assert_int_equal(cs->site_egfr_sum[cohort_stats_cell(C, G5, 0, F)], 0);
	/* The same cells on any number of threads, with one row per group
	 * (12 groups shared out in every pattern from 1 to 13 threads). */
	struct analysis_input in1;
	make_input(&s, table, 12, 1, &in1);
	off_t size1 = lseek(in1.fd, 0, SEEK_END);
	const uint8_t *p1 = mmap(NULL, (size_t)size1, PROT_READ, MAP_PRIVATE, in1.fd, 0);
	assert_true(p1 != MAP_FAILED);
	struct cohort_stats *ct = malloc(sizeof(*ct));
	for (unsigned t = 1; t <= 13; t++) {
		assert_int_equal(cohort_stats_compute_threads(p1, (size_t)size1, t, ct, NULL), C2D_OK);
		assert_memory_equal(ct, cs, sizeof(*cs));
	}
	/* An error in a late group is the one reported, whatever the threads. */
	struct c2d_err e1 = { 0 }, e4 = { 0 };
	assert_int_equal(cohort_stats_compute_threads(p1, (size_t)size1 - 1, 1, ct, &e1), C2D_E_INPUT);
	assert_int_equal(cohort_stats_compute_threads(p1, (size_t)size1 - 1, 4, ct, &e4), C2D_E_INPUT);
	assert_string_equal(e1.msg, e4.msg);
	munmap((void *)p1, (size_t)size1);
	free(ct);
	analysis_input_close(&in1);
	/* A truncated file is refused, not half-counted. */
	struct c2d_err err = { 0 };
	assert_int_equal(cohort_stats_compute(p, (size_t)size - 1, cs, &err), C2D_E_INPUT);
	assert_int_equal(cs->rows, 0);
	munmap((void *)p, (size_t)size);
	free(cs);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

/* --- the runner against fake children ------------------------------------ */

static struct analysis_input small_input(struct c2d_schema *s)
{
	struct analysis_input in;
	*s = demo_schema();
	make_input(s, table, 12, 7, &in);
	return in;
}

/* Refused with kind k's fixed message and nothing else. */
static void expect_refusal(char *mode, long deadline_ms, enum c2d_failure k)
{
	struct c2d_schema s;
	struct analysis_input in = small_input(&s);
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	expect_kind(run_bin("c2d-fakeanalysis", mode, &fake_schema, &in, deadline_ms, &a, &err), &err,
		    k, mode);
	assert_null(a.outputs);
	assert_int_equal(a.noutputs, 0);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

static void test_honest_child_and_its_environment(void **state)
{
	(void)state;
	struct c2d_schema s;
	struct analysis_input in = small_input(&s);
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	/* probe: only fds 3 (sealed as required) and 4 (a write-only pipe),
	 * empty environment, no_new_privs, the limits, the ids (nobody's
	 * under a root init, with RLIMIT_NPROC; the caller's otherwise), then
	 * seccomp in filter mode once child_start() ran; then the largest
	 * aggregate 12 rows allow. Exit status 20 + k names the check that
	 * failed (tests/tools/fakeanalysis.c). */
	char uid[16], gid[16], nproc[16] = "-";
	int root = geteuid() == 0;
	snprintf(uid, sizeof(uid), "%u", root ? ANALYSIS_UID : (unsigned)getuid());
	snprintf(gid, sizeof(gid), "%u", root ? ANALYSIS_GID : (unsigned)getgid());
	if (root)
		snprintf(nproc, sizeof(nproc), "%d", ANALYSIS_MAX_TASKS);
	char *const probe[] = { "probe", uid, gid, nproc, NULL };
	if (run_args("c2d-fakeanalysis", probe, &fake_schema, &in, 10000, &a, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(a.outputs[0].values[0], 12);
	assert_int_equal(a.outputs[1].values[0], 12 * FAKE_SUM_BOUND);
	c2d_agg_free(&a);
	assert_int_equal(run_bin("c2d-fakeanalysis", "ok", &fake_schema, &in, 10000, &a, &err), C2D_OK);
	c2d_agg_free(&a);
	/* Eight threads that allocate, grow and free under the filter; clone3
	 * and rseq answer ENOSYS. */
	if (run_bin("c2d-fakeanalysis", "threads", &fake_schema, &in, 10000, &a, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(a.outputs[0].values[0], 12);
	c2d_agg_free(&a);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

/* Each a call an exploited analysis would want, made after child_start():
 * killed by the filter (SECCOMP), no aggregate. */
static void test_forbidden_calls_are_killed(void **state)
{
	(void)state;
	static char *const modes[] = {
		"open", "openat", "socket-vsock", "socket-inet", "execve", "ptrace",
		"write-stdout", "write-input", "fcntl-dupfd", "sigaction", "fork", "clone-newuser",
		"mmap-exec", "mprotect-exec", "x32",
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		expect_refusal(modes[i], 10000, C2D_FAILURE_SECCOMP);
}

/* An i386 call (int 0x80) is another architecture's: killed whatever its
 * number, where the kernel has that entry at all. */
static void test_other_architecture_is_killed(void **state)
{
	(void)state;
	struct c2d_schema s;
	struct analysis_input in = small_input(&s);
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	int r = run_bin("c2d-fakeanalysis", "i386-unconfined", &fake_schema, &in, 10000, &a, &err);
	c2d_agg_free(&a);
	analysis_input_close(&in);
	c2d_schema_free(&s);
	if (r != C2D_OK && last.signaled && last.term_signal == SIGSEGV) {
		print_message("skipped: this kernel has no i386 entry (int 0x80)\n");
		skip();
	}
	if (r != C2D_OK)
		fail_msg("%s", err.msg);
	expect_refusal("i386", 10000, C2D_FAILURE_SECCOMP);
}

/* A root init that cannot drop the child's uid does not run it: here
 * without CAP_SETUID and CAP_SETGID in the effective set (the permitted
 * set keeps them, to restore after). */
static void test_unconfinable_child_is_refused(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: not root, init drops no uid\n");
		skip();
	}
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2], saved[2];
	assert_int_equal(syscall(SYS_capget, &h, saved), 0);
	memcpy(d, saved, sizeof(d));
	d[0].effective &= ~((1u << CAP_SETUID) | (1u << CAP_SETGID));
	assert_int_equal(syscall(SYS_capset, &h, d), 0);
	struct c2d_schema s;
	struct analysis_input in = small_input(&s);
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	int r = run_bin("c2d-fakeanalysis", "ok", &fake_schema, &in, 10000, &a, &err);
	assert_int_equal(syscall(SYS_capset, &h, saved), 0);
	/* The first step that needs CAP_SETGID, with its errno, as numbers;
	 * the message is the kind's alone. */
	expect_kind(r, &err, C2D_FAILURE_START, "without CAP_SETGID");
	assert_true(last.start_failed);
	assert_int_equal(last.exit_code, ANALYSIS_EXIT_CONFINE);
	assert_int_equal(last.failed_step, SUPERVISE_STEP_SETGROUPS);
	assert_int_equal(last.failed_errno, EPERM);
	assert_null(a.outputs);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

/* A binary that cannot be opened or executed is refused before anything
 * runs; the call that failed and its errno come back as numbers. */
static void test_unstartable_child_names_the_call(void **state)
{
	(void)state;
	char noexec[] = "/tmp/c2d-noexec.XXXXXX";
	int fd = mkstemp(noexec);   /* mode 0600: no one may execute it */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	close(fd);
	static const struct { const char *path; int step, errnum; } cases[] = {
		{ "/nonexistent/c2d-analysis", SUPERVISE_STEP_OPEN, ENOENT },
		{ NULL, SUPERVISE_STEP_EXECVEAT, EACCES },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct c2d_schema s;
		struct analysis_input in = small_input(&s);
		struct c2d_agg a;
		struct c2d_err err = { 0 };
		const char *path = cases[i].path ? cases[i].path : noexec;
		char *const argv[] = { (char *)path, NULL };
		struct supervise_result res;
		const struct analysis_spec spec = { path, argv, &fake_schema, 10000, &res };
		expect_kind(analysis_run(&spec, &in, &a, &err), &err, C2D_FAILURE_START, path);
		assert_true(res.start_failed);
		assert_int_equal(res.failed_step, cases[i].step);
		assert_int_equal(res.failed_errno, cases[i].errnum);
		assert_null(a.outputs);
		analysis_input_close(&in);
		c2d_schema_free(&s);
	}
	unlink(noexec);
}

static void test_crash_is_refused(void **state)
{
	(void)state;
	expect_refusal("crash", 10000, C2D_FAILURE_SIGNAL);
	assert_int_equal(last.term_signal, SIGSEGV);
	expect_refusal("abort", 10000, C2D_FAILURE_SIGNAL);
	assert_int_equal(last.term_signal, SIGABRT);
}

static void test_loop_is_refused_at_deadline(void **state)
{
	(void)state;
	expect_refusal("loop", 300, C2D_FAILURE_TIME);
}

static void test_oversized_output_is_refused(void **state)
{
	(void)state;
	expect_refusal("flood", 10000, C2D_FAILURE_OVERFLOW);
	/* One byte past an otherwise perfect aggregate. */
	expect_refusal("trailing", 10000, C2D_FAILURE_OVERFLOW);
}

static void test_wrong_aggregates_are_refused(void **state)
{
	(void)state;
	expect_refusal("short", 10000, C2D_FAILURE_AGG_FORMAT);
	expect_refusal("wrong-name", 10000, C2D_FAILURE_AGG_SCHEMA);
	expect_refusal("wrong-kind", 10000, C2D_FAILURE_AGG_SCHEMA);
	expect_refusal("wrong-scale", 10000, C2D_FAILURE_AGG_SCHEMA);
	expect_refusal("wrong-shape", 10000, C2D_FAILURE_AGG_SCHEMA);
	expect_refusal("count-above-rows", 10000, C2D_FAILURE_AGG_BOUND);
	expect_refusal("sum-above-bound", 10000, C2D_FAILURE_AGG_BOUND);
}

/* A child that tries to get the rows out as text: the row count (12) as an
 * output's name, a NaN's bits as a sum, bytes of its own making in the
 * schema's size, lines on its stdout and stderr. Each ends in one fixed
 * message, and nothing reaches init's own stdout or stderr (a file here):
 * the console past the point of no return (docs/boot.md, "What leaves the
 * CVM"). */
static void test_misbehaving_child_says_only_a_kind(void **state)
{
	(void)state;
	static const struct { char *mode; enum c2d_failure k; } cases[] = {
		{ "leak-name", C2D_FAILURE_AGG_SCHEMA },
		{ "nan", C2D_FAILURE_AGG_BOUND },
		{ "crafted", C2D_FAILURE_AGG_FORMAT },
		{ "flood", C2D_FAILURE_OVERFLOW },
		{ "console", C2D_FAILURE_NONE },
	};
	struct testfile_console con;
	testfile_console_grab(&con);
	int r[5];
	struct c2d_err err[5];
	for (size_t i = 0; i < 5; i++) {
		struct c2d_schema s;
		struct analysis_input in = small_input(&s);
		struct c2d_agg a;
		memset(&err[i], 0, sizeof(err[i]));
		r[i] = run_bin("c2d-fakeanalysis", cases[i].mode, &fake_schema, &in, 10000, &a, &err[i]);
		c2d_agg_free(&a);
		analysis_input_close(&in);
		c2d_schema_free(&s);
	}
	assert_int_equal(testfile_console_release(&con), 0);
	/* The message is exactly the kind's: no name, value or count. */
	for (size_t i = 0; i < 4; i++)
		expect_kind(r[i], &err[i], cases[i].k, cases[i].mode);
	if (r[4] != C2D_OK)
		fail_msg("console: %s", err[4].msg);
}

static void test_exit_status_and_held_pipe_are_refused(void **state)
{
	(void)state;
	expect_refusal("exit3", 10000, C2D_FAILURE_EXIT);
	assert_int_equal(last.exit_code, 3);
	expect_refusal("hold-output", 10000, C2D_FAILURE_HELD);
	expect_refusal("no-such-mode", 10000, C2D_FAILURE_EXIT);
	assert_int_equal(last.exit_code, 99);
}

/* The sealed input cannot be changed, by the child or by init. */
static void test_input_is_sealed(void **state)
{
	(void)state;
	struct c2d_schema s;
	struct analysis_input in = small_input(&s);
	off_t size = lseek(in.fd, 0, SEEK_END);
	uint8_t *before = malloc((size_t)size), *after = malloc((size_t)size);
	assert_int_equal(pread(in.fd, before, (size_t)size, 0), size);
	/* attack-input exits 5 only when every write, truncation, writable
	 * mapping and seal change failed. */
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	expect_kind(run_bin("c2d-fakeanalysis", "attack-input", &fake_schema, &in, 10000, &a, &err),
		    &err, C2D_FAILURE_EXIT, "attack-input");
	assert_int_equal(last.exit_code, 5);
	assert_int_equal(fcntl(in.fd, F_GET_SEALS),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	/* The seals alone (no file size limit here): EPERM for each. */
	errno = 0;
	assert_true(pwrite(in.fd, "x", 1, 0) < 0 && errno == EPERM);
	errno = 0;
	assert_true(write(in.fd, "x", 1) < 0 && errno == EPERM);
	errno = 0;
	assert_true(ftruncate(in.fd, 0) < 0 && errno == EPERM);
	errno = 0;
	assert_true(ftruncate(in.fd, size + 4096) < 0 && errno == EPERM);
	errno = 0;
	assert_true(fallocate(in.fd, 0, 0, size + 4096) < 0 && errno == EPERM);
	errno = 0;
	assert_true(mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, in.fd, 0) ==
			    MAP_FAILED && errno == EPERM);
	assert_int_equal(pread(in.fd, after, (size_t)size, 0), size);
	assert_memory_equal(before, after, (size_t)size);
	/* Nothing more goes in once sealed. */
	assert_int_equal(analysis_input_seal(&in, NULL), C2D_E_INTERNAL);
	free(before);
	free(after);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

static void test_unsealed_input_and_other_schema_are_refused(void **state)
{
	(void)state;
	struct c2d_schema s = demo_schema(), t = demo_schema();
	struct analysis_input in;
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	assert_int_equal(analysis_input_open(&in, &s, NULL), C2D_OK);
	assert_int_equal(run_bin("c2d-fakeanalysis", "ok", &fake_schema, &in, 10000, &a, &err),
			 C2D_E_INTERNAL);
	/* A second owner's rows under another schema. */
	strcpy(t.cols[0].name, "age_years");
	struct c2d_rg_builder b;
	struct c2d_rg_col cols[7];
	uint8_t g[4096];
	assert_int_equal(c2d_rg_builder_init(&b, &t, 1, NULL), C2D_OK);
	c2d_rg_set_i64(&b, 0, 30);
	c2d_rg_set_cat(&b, 1, 0);
	c2d_rg_set_null(&b, 2);
	c2d_rg_set_bool(&b, 3, 0);
	c2d_rg_set_cat(&b, 4, 0);
	c2d_rg_set_bool(&b, 5, 0);
	c2d_rg_set_cat(&b, 6, 0);
	c2d_rg_end_row(&b);
	size_t len = c2d_rg_flush(&b, g);
	assert_int_equal(c2d_rg_decode(&t, 1, g + 8, len - 8, cols, NULL), C2D_OK);
	expect_kind(analysis_input_rows(&in, &t, 1, cols, &err), &err, C2D_FAILURE_INPUT,
		    "another schema");
	c2d_rg_builder_free(&b);
	analysis_input_close(&in);
	c2d_schema_free(&s);
	c2d_schema_free(&t);
}

/* --- the closed set (c2d/failure.h) -------------------------------------- */

/* Every kind: "Fnn " and its number, a sentence, one message per kind, so
 * that c2d_failure_or() finds each; anything else is the step's kind, and
 * a value outside the set reads as INTERNAL. */
static void test_failure_kinds_are_closed(void **state)
{
	(void)state;
	for (int k = 1; k < C2D_FAILURE_COUNT; k++) {
		char code[16];
		snprintf(code, sizeof(code), "F%02d ", k);
		const char *m = c2d_failure_msg((enum c2d_failure)k);
		assert_memory_equal(m, code, 4);
		assert_true(strlen(m) > 8 && strchr(m, '\n') == NULL && strchr(m, '%') == NULL);
		assert_true(c2d_failure_status((enum c2d_failure)k) < 0);
		struct c2d_err err = { 0 };
		assert_int_equal(c2d_failure_set(&err, (enum c2d_failure)k),
				 c2d_failure_status((enum c2d_failure)k));
		assert_int_equal(err.status, c2d_failure_status((enum c2d_failure)k));
		assert_int_equal(c2d_failure_or(&err, C2D_FAILURE_NONE), k);
	}
	struct c2d_err other = { 0 };
	assert_int_equal(c2d_fail(&other, C2D_E_IO, "%s: the rows say 42", c2d_failure_msg(C2D_FAILURE_IO)),
			 C2D_E_IO);
	assert_int_equal(c2d_failure_or(&other, C2D_FAILURE_UNSEAL), C2D_FAILURE_UNSEAL);
	/* The kind is a value, not text: a message that reads like a fixed
	 * line is not one, and a later failure replaces the kind. */
	struct c2d_err mimic = { 0 };
	(void)c2d_fail(&mimic, C2D_E_IO, "%s", c2d_failure_msg(C2D_FAILURE_TIME));
	assert_int_equal(c2d_failure_or(&mimic, C2D_FAILURE_UNSEAL), C2D_FAILURE_UNSEAL);
	struct c2d_err later = { 0 };
	(void)c2d_failure_set(&later, C2D_FAILURE_TIME);
	(void)c2d_fail(&later, C2D_E_IO, "a later failure");
	assert_int_equal(c2d_failure_or(&later, C2D_FAILURE_UNSEAL), C2D_FAILURE_UNSEAL);
	(void)c2d_failure_set(&later, C2D_FAILURE_TIME);
	c2d_err_prefix(&later, "step");
	assert_int_equal(c2d_failure_or(&later, C2D_FAILURE_UNSEAL), C2D_FAILURE_TIME);
	assert_int_equal(c2d_failure_or(NULL, C2D_FAILURE_KEY), C2D_FAILURE_KEY);
	assert_string_equal(c2d_failure_msg(C2D_FAILURE_NONE), c2d_failure_msg(C2D_FAILURE_INTERNAL));
	assert_string_equal(c2d_failure_msg(C2D_FAILURE_COUNT), c2d_failure_msg(C2D_FAILURE_INTERNAL));
	assert_int_equal(c2d_failure_set(NULL, C2D_FAILURE_TIME), C2D_E_REFUSED);
}

/* --- the format on its own ------------------------------------------------ */

static void test_schemas_are_consistent(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	if (c2d_agg_schema_check(&cohort_stats_schema, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(c2d_agg_schema_check(&fake_schema, &err), C2D_OK);
	/* A wrong max_bytes is a bug the check finds. */
	struct c2d_outschema bad = fake_schema;
	bad.max_bytes++;
	assert_int_equal(c2d_agg_schema_check(&bad, &err), C2D_E_INTERNAL);
	assert_non_null(strstr(err.msg, "max_bytes"));
}

static size_t encode_fake(int64_t r0, int64_t t0, int64_t t1, uint8_t *buf)
{
	int64_t a[2] = { r0, 1 }, b[2] = { t0, t1 };
	const int64_t *v[2] = { a, b };
	return c2d_agg_encode(&fake_schema, v, buf);
}

static void test_agg_round_trip_and_bounds(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	size_t n = encode_fake(2, -40, 24, buf);
	assert_int_equal(n, fake_schema.max_bytes);
	assert_memory_equal(buf, "C2DA\x01\x00\x02\x00\x04rows\x01\x00\x01\x02\x00\x00\x00", 20);
	assert_int_equal(c2d_agg_decode(buf, n, &a, &err), C2D_OK);
	assert_int_equal(a.outputs[1].values[0], -40);
	assert_int_equal(a.outputs[1].dims[1], 2);
	/* L1 of total is 64 = 4 rows x 16: four rows suffice, three do not. */
	assert_int_equal(c2d_agg_check(&fake_schema, &a, 4, &err), C2D_OK);
	expect_kind(c2d_agg_check(&fake_schema, &a, 3, &err), &err, C2D_FAILURE_AGG_BOUND, "3 rows");
	c2d_agg_free(&a);
	/* Counts: the L1 norm bounds the total, not just each cell. */
	n = encode_fake(4, 0, 0, buf);
	assert_int_equal(c2d_agg_decode(buf, n, &a, &err), C2D_OK);
	expect_kind(c2d_agg_check(&fake_schema, &a, 4, &err), &err, C2D_FAILURE_AGG_BOUND, "counts");
	c2d_agg_free(&a);
	/* INT64_MIN's magnitude does not overflow the check. */
	n = encode_fake(0, INT64_MIN, 0, buf);
	assert_int_equal(c2d_agg_decode(buf, n, &a, &err), C2D_OK);
	assert_int_equal(c2d_agg_check(&fake_schema, &a, UINT64_MAX, &err), C2D_OK);
	assert_int_equal(c2d_agg_check(&fake_schema, &a, 1000, &err), C2D_E_REFUSED);
	c2d_agg_free(&a);
	/* Negative counts: 2^64 - 1 as a u64 is refused by the decoder. */
	n = encode_fake(-1, 0, 0, buf);
	expect_kind(c2d_agg_decode(buf, n, &a, &err), &err, C2D_FAILURE_AGG_FORMAT, "count -1");
	assert_null(a.outputs);
}

static void test_agg_decoder_is_strict(void **state)
{
	(void)state;
	uint8_t buf[256], m[257];
	struct c2d_agg a;
	struct c2d_err err = { 0 };
	size_t n = encode_fake(1, 2, 3, buf);
	/* Every truncation and one trailing byte. */
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(c2d_agg_decode(buf, cut, &a, NULL), C2D_E_INPUT);
	memcpy(m, buf, n);
	m[n] = 0;
	expect_kind(c2d_agg_decode(m, n + 1, &a, &err), &err, C2D_FAILURE_AGG_FORMAT, "trailing");
	/* Each fault is refused with the one fixed message: what is wrong is
	 * the test's to know (what), not the message's. */
#define BAD(off, val, what)                                                              \
	do {                                                                             \
		memcpy(m, buf, n);                                                       \
		m[off] = (val);                                                          \
		expect_kind(c2d_agg_decode(m, n, &a, &err), &err, C2D_FAILURE_AGG_FORMAT, \
			    what);                                                       \
	} while (0)
	BAD(0, 'X', "bad magic");
	BAD(4, 2, "version 2");
	BAD(6, 0, "no outputs");
	BAD(9, 'R', "name is not");
	BAD(13, 3, "field kind: unknown kind 3");
	BAD(14, 1, "field scale: 1 for a count");
	BAD(15, 5, "field ndims: 5");
	BAD(15, 0, "field ndims: 0");
	BAD(16, 0, "field dims");
	BAD(16, 0xff, "field dims");
#undef BAD
	/* A shape the schema does not have decodes, and is refused by check. */
	memcpy(m, buf, n);
	assert_int_equal(c2d_agg_decode(m, n, &a, &err), C2D_OK);
	struct c2d_outschema one = fake_schema;
	one.noutputs = 1;
	expect_kind(c2d_agg_check(&one, &a, 10, &err), &err, C2D_FAILURE_AGG_SCHEMA, "2 outputs");
	c2d_agg_free(&a);
}

static void test_rowfile_is_strict(void **state)
{
	(void)state;
	struct c2d_schema s;
	struct analysis_input in = small_input(&s);
	off_t size = lseek(in.fd, 0, SEEK_END);
	uint8_t *p = malloc((size_t)size + 1);
	assert_int_equal(pread(in.fd, p, (size_t)size, 0), size);
	struct c2d_rowfile f;
	struct c2d_rg_col cols[7];
	uint32_t n, total = 0;
	int r;
	assert_int_equal(c2d_rowfile_open(&f, p, (size_t)size, NULL), C2D_OK);
	assert_int_equal(f.off % 8, 0);
	while ((r = c2d_rowfile_next(&f, &n, cols, NULL)) == 1)
		total += n;
	assert_int_equal(r, 0);
	assert_int_equal(total, 12);
	c2d_rowfile_close(&f);
	/* Every truncation fails somewhere; a trailing byte too. */
	for (size_t cut = 0; cut <= (size_t)size; cut++) {
		p[size] = 0;
		size_t len = cut == (size_t)size ? (size_t)size + 1 : cut;
		if (c2d_rowfile_open(&f, p, len, NULL) == C2D_OK) {
			while ((r = c2d_rowfile_next(&f, &n, cols, NULL)) == 1)
				;
			c2d_rowfile_close(&f);
			assert_true(r < 0);
		}
	}
	free(p);
	analysis_input_close(&in);
	c2d_schema_free(&s);
}

int main(void)
{
	analysistest_bindir(bindir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failure_kinds_are_closed),
		cmocka_unit_test(test_schemas_are_consistent),
		cmocka_unit_test(test_agg_round_trip_and_bounds),
		cmocka_unit_test(test_agg_decoder_is_strict),
		cmocka_unit_test(test_rowfile_is_strict),
		cmocka_unit_test(test_cohort_stats_known_answers),
		cmocka_unit_test(test_cohort_stats_refuses_other_schema),
		cmocka_unit_test(test_cohort_stats_compute_direct),
		cmocka_unit_test(test_honest_child_and_its_environment),
		cmocka_unit_test(test_forbidden_calls_are_killed),
		cmocka_unit_test(test_other_architecture_is_killed),
		cmocka_unit_test(test_unconfinable_child_is_refused),
		cmocka_unit_test(test_unstartable_child_names_the_call),
		cmocka_unit_test(test_crash_is_refused),
		cmocka_unit_test(test_loop_is_refused_at_deadline),
		cmocka_unit_test(test_oversized_output_is_refused),
		cmocka_unit_test(test_wrong_aggregates_are_refused),
		cmocka_unit_test(test_misbehaving_child_says_only_a_kind),
		cmocka_unit_test(test_exit_status_and_held_pipe_are_refused),
		cmocka_unit_test(test_input_is_sealed),
		cmocka_unit_test(test_unsealed_input_and_other_schema_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
