/* Unit tests of child supervision (guest/init/supervise.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervise.h"
#include "testfile.h"

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

/* The exec's failure comes back as the call and its errno, not only as
 * status 127 (which a program that ran could exit with too). */
static void test_missing_program_exits_127(void **state)
{
	(void)state;
	char *const argv[] = { "nope", NULL };
	struct supervise_result r;
	struct c2d_err err = { 0 };
	assert_int_equal(supervise_run("/nonexistent/c2d", argv, 5000, &r, &err), C2D_OK);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 127);
	assert_true(r.start_failed);
	assert_int_equal(r.failed_step, SUPERVISE_STEP_EXECVE);
	assert_string_equal(supervise_step_name(r.failed_step), "execve");
	assert_int_equal(r.failed_errno, ENOENT);
	/* A program that ran and exited 127 itself sent nothing. */
	struct supervise_result ran = run_sh("exit 127", 5000);
	assert_int_equal(ran.exit_code, 127);
	assert_false(ran.start_failed);
}

/* A pre_exec hook whose call fails: setrlimit with the soft limit above
 * the hard one is EINVAL, for root too. */
static int failing_hook(const struct supervise_io *io)
{
	(void)io;
	const struct rlimit l = { 2, 1 };
	if (setrlimit(RLIMIT_NOFILE, &l) != 0)
		return SUPERVISE_STEP_RLIMIT_NOFILE;
	return 0;
}

static int quiet_hook(const struct supervise_io *io)
{
	(void)io;
	return 0;
}

static struct supervise_result run_io(const char *path, char *const argv[],
				      int (*hook)(const struct supervise_io *))
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	const int fds[1] = { p[1] };
	uint8_t out[16];
	struct supervise_io io = { .fds = fds, .nfds = 1, .close_after_fork = p[1], .out_fd = p[0],
				   .out = out, .out_cap = sizeof(out), .pre_exec = hook };
	struct supervise_result r;
	struct c2d_err err = { 0 };
	assert_int_equal(supervise_run_io(path, argv, 5000, &io, &r, &err), C2D_OK);
	close(p[0]);
	return r;
}

static void test_hook_failure_names_the_call(void **state)
{
	(void)state;
	char *const argv[] = { "sh", "-c", "exit 0", NULL };
	struct supervise_result r = run_io("/bin/sh", argv, failing_hook);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, SUPERVISE_EXIT_PRE_EXEC);
	assert_true(r.start_failed);
	assert_int_equal(r.failed_step, SUPERVISE_STEP_RLIMIT_NOFILE);
	assert_string_equal(supervise_step_name(r.failed_step), "setrlimit(RLIMIT_NOFILE)");
	assert_int_equal(r.failed_errno, EINVAL);
}

/* Executed through the descriptor opened before the hook: a file that no
 * one may execute fails at execveat with EACCES (root included). */
static void test_execveat_failure_names_the_call(void **state)
{
	(void)state;
	char path[] = "/tmp/c2d-noexec.XXXXXX";
	int fd = mkstemp(path);   /* mode 0600 */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	close(fd);
	char *const argv[] = { path, NULL };
	struct supervise_result r = run_io(path, argv, quiet_hook);
	unlink(path);
	assert_int_equal(r.exit_code, 127);
	assert_true(r.start_failed);
	assert_int_equal(r.failed_step, SUPERVISE_STEP_EXECVEAT);
	assert_int_equal(r.failed_errno, EACCES);
}

/* The report pipe sits at 3 + nfds in the child until the exec closes it:
 * the program sees its fd 3 and nothing above. */
static void test_report_pipe_is_closed_at_exec(void **state)
{
	(void)state;
	char *const argv[] = { "sh", "-c",
			       "[ -e /proc/self/fd/3 ] || exit 8; [ -e /proc/self/fd/4 ] && exit 9; exit 0",
			       NULL };
	struct supervise_result r = run_io("/bin/sh", argv, quiet_hook);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 0);
	assert_false(r.start_failed);
}

/* The child gets no descriptor 0, 1 or 2: what it writes there reaches
 * neither init's console nor anything else (docs/boot.md, "What leaves the
 * CVM"). Our own stdout and stderr are a file here, which stays empty. */
static void test_child_has_no_console(void **state)
{
	(void)state;
	struct testfile_console con;
	testfile_console_grab(&con);
	struct supervise_result r =
		run_sh("echo LEAK; echo LEAK >&2; for f in 0 1 2; do [ -e /proc/self/fd/$f ] && exit 8; done; "
		       "exit 0", 5000);
	assert_int_equal(testfile_console_release(&con), 0);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 0);
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
		cmocka_unit_test(test_hook_failure_names_the_call),
		cmocka_unit_test(test_execveat_failure_names_the_call),
		cmocka_unit_test(test_report_pipe_is_closed_at_exec),
		cmocka_unit_test(test_child_has_no_console),
		cmocka_unit_test(test_orphans_are_reaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
