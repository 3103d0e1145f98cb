/* Unit tests of child supervision (guest/init/supervise.c). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervise.h"

static struct supervise_result run_sh(const char *script, long deadline_ms)
{
	char *const argv[] = { "sh", "-c", (char *)script, NULL };
	struct supervise_result res;
	struct c2d_err err = { 0 };
	assert_int_equal(supervise_run("/bin/sh", argv, deadline_ms, &res, &err), C2D_OK);
	return res;
}

static void test_exit_codes(void **state)
{
	(void)state;
	struct supervise_result r = run_sh("exit 0", 5000);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 0);
	assert_false(r.timed_out);
	r = run_sh("exit 3", 5000);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 3);
}

static void test_crash_is_reported_as_signal(void **state)
{
	(void)state;
	struct supervise_result r = run_sh("kill -SEGV $$", 5000);
	assert_false(r.exited);
	assert_true(r.signaled);
	assert_int_equal(r.term_signal, SIGSEGV);
}

/* A child that loops is killed at the deadline, and we get control back. */
static void test_loop_is_killed_at_deadline(void **state)
{
	(void)state;
	struct supervise_result r = run_sh("while :; do :; done", 300);
	assert_true(r.timed_out);
	assert_true(r.signaled);
	assert_int_equal(r.term_signal, SIGKILL);
	assert_true(r.elapsed_ms >= 300);
	assert_true(r.elapsed_ms < 3000);
}

/* The child starts with no environment and an empty signal mask, whatever
 * the supervisor's. */
static void test_clean_environment_and_mask(void **state)
{
	(void)state;
	sigset_t all, saved;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved);
	setenv("C2D_SECRET_SHOULD_NOT_LEAK", "x", 1);
	/* exit 0 only if the variable is absent and SIGTERM is deliverable. */
	struct supervise_result r =
		run_sh("[ -z \"${C2D_SECRET_SHOULD_NOT_LEAK:-}\" ] || exit 7; "
		       "grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status || exit 8; exit 0", 5000);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	unsetenv("C2D_SECRET_SHOULD_NOT_LEAK");
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 0);
}

static void test_missing_program_exits_127(void **state)
{
	(void)state;
	char *const argv[] = { "nope", NULL };
	struct supervise_result r;
	struct c2d_err err = { 0 };
	assert_int_equal(supervise_run("/nonexistent/c2d", argv, 5000, &r, &err), C2D_OK);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 127);
}

/* Orphans re-parented to the reaper are collected, so none stays a zombie. */
static void test_orphans_are_reaped(void **state)
{
	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	struct supervise_result r = run_sh("sleep 0.2 & exit 0", 5000);
	assert_true(r.exited);
	/* The orphan outlives its parent by 0.2 s; give a loaded machine up
	 * to 10 s before calling it lost. */
	int reaped = 0;
	for (int i = 0; i < 100 && reaped == 0; i++) {
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
		reaped = supervise_reap_all();
	}
	assert_int_equal(reaped, 1);
	assert_int_equal(supervise_reap_all(), 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_crash_is_reported_as_signal),
		cmocka_unit_test(test_loop_is_killed_at_deadline),
		cmocka_unit_test(test_clean_environment_and_mask),
		cmocka_unit_test(test_missing_program_exits_127),
		cmocka_unit_test(test_orphans_are_reaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
